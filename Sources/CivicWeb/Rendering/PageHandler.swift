public import CivicAPI
import CivicAccess
import CivicCore
import Crypto
import Foundation
public import Hummingbird
import Logging

/// Session and anti-forgery cookies.
enum WebCookie {
    static let session = "civic_session"
    static let form = "civic_form"
    static let language = "civic_lang"
}

extension WebServices {
    /// Registers a page: the handler gets a `Page` (caller, language, form token) and its errors become pages.
    public func get(_ router: Router<APIRequestContext>, _ path: RouterPath,
                    _ handler: @escaping @Sendable (Page) async throws -> Response) {
        router.get(path) { request, context in try await self.serve(request, context, handler) }
    }

    /// Registers a form target: the anti-forgery token is checked before the handler runs.
    public func post(_ router: Router<APIRequestContext>, _ path: RouterPath,
                     _ handler: @escaping @Sendable (Page) async throws -> Response) {
        router.post(path) { request, context in
            try await self.serve(request, context) { page in
                try await page.checkFormToken()
                return try await handler(page)
            }
        }
    }

    func serve(_ request: Request, _ context: APIRequestContext, _ handler: @Sendable (Page) async throws -> Response) async throws -> Response {
        let page = await makePage(request, context)
        return await Caller.$current.withValue(page.caller) {
            do {
                return try await handler(page)
            } catch {
                return errorPage(error, page: page)
            }
        }
    }

    func makePage(_ request: Request, _ context: APIRequestContext) async -> Page {
        var cookies: [Cookie] = []
        var caller = context.caller
        if caller.account == nil, let session = request.cookies[WebCookie.session]?.value, !session.isEmpty {
            if let found = try? await api.authenticator.authenticate(authorization: "Bearer " + session), found.account != nil {
                caller = found
            } else {
                cookies.append(expired(WebCookie.session))
            }
        }
        let query = request.uri.queryParameters["lang"].map(String.init)
        let language = Language.negotiate(query: query, cookie: request.cookies[WebCookie.language]?.value,
                                          acceptLanguage: request.headers[.acceptLanguage])
        if let query, Language(code: query) != nil {
            cookies.append(cookie(WebCookie.language, language.rawValue, maxAge: 365 * 86_400, httpOnly: false))
        }
        var formCookie = request.cookies[WebCookie.form]?.value ?? ""
        if formCookie.utf8.count != 32 {
            formCookie = TokenSecret.random(32)
            cookies.append(cookie(WebCookie.form, formCookie, maxAge: nil))
        }
        return Page(web: self, request: request, context: context, language: language, catalog: catalog(language), caller: caller,
                    formToken: formToken(cookie: formCookie, session: caller.token?.id, key: await formKeys.keys().first?.secret ?? []),
                    cookies: cookies)
    }

    /// The anti-forgery token for a form cookie and the session it is used in: only this server can
    /// make it, only that browser has the cookie, and it is good only with the session it was made for,
    /// so another person's form cookie and token do not work beside a victim's session cookie.
    func formToken(cookie: String, session: TokenRecord.ID?, key: [UInt8]) -> String {
        let bound = "form:" + cookie + "\u{1F}session:" + (session?.rawValue ?? "")
        let mac = HMAC<SHA256>.authenticationCode(for: Data(bound.utf8), using: SymmetricKey(data: key))
        return TokenSecret.hex(mac)
    }

    func cookie(_ name: String, _ value: String, maxAge: Int?, httpOnly: Bool = true) -> Cookie {
        Cookie(name: name, value: value, maxAge: maxAge, path: "/", secure: configuration.secureCookies, httpOnly: httpOnly, sameSite: .lax)
    }

    func expired(_ name: String) -> Cookie {
        Cookie(name: name, value: "", maxAge: 0, path: "/", secure: configuration.secureCookies, httpOnly: true, sameSite: .lax)
    }

    /// Every error as a page in the reader's language: sign-in for 401, the form's own message for
    /// an expired form, and the status with the server's explanation otherwise.
    func errorPage(_ error: any Error, page: Page) -> Response {
        let problem: APIError
        switch error {
        case PageError.signInRequired:
            let next = page.request.method == .get ? page.request.uri.description : page.path
            return page.redirect("/login?next=" + Page.escapeQuery(next))
        case PageError.formExpired:
            problem = APIError(.forbidden, code: "form-expired", page.text("error.formExpired"))
        case PageError.notFound:
            problem = APIError(.notFound, page.text("error.notFoundDetail"))
        case let error as APIError:
            if error.status == .unauthorized { return page.redirect("/login?next=" + Page.escapeQuery(page.path)) }
            problem = error
        case let error as CivicError where error.code == .storage:
            // A full disk, a read-only file, a database gone: the reader gets their own language and the
            // fact that nothing was changed; the store's own text (English, with file names) goes to the log.
            page.context.logger.error("store failure", metadata: ["code": "\(error.code)", "detail": "\(error.message)"])
            problem = APIError(.serviceUnavailable, code: error.code.rawValue, page.text("error.unavailableDetail"))
        case let error as CivicError:
            if error.code == .corrupted {
                page.context.logger.error("store failure", metadata: ["code": "\(error.code)"])
            }
            problem = APIError(error)
        default:
            page.context.logger.error("page failed", metadata: ["error": "\(type(of: error))"])
            problem = APIError(.internalServerError, page.text("error.serverDetail"))
        }
        let known = [400, 403, 404, 409, 413, 422, 429, 503].contains(problem.status.code)
        let heading = page.text("error.status\(known ? problem.status.code : 500)")
        let model: [String: Any] = ["status": problem.status.code, "detail": problem.detail, "location": problem.location as Any]
        return page.render("error", title: heading, model: model, status: problem.status)
    }
}

extension Page {
    /// Throws `formExpired` unless the posted `csrf` field matches this browser's form cookie, signed with any
    /// form key not retired (another server may have signed it with a key this one has not read yet).
    func checkFormToken() async throws {
        let form = try await self.form()
        guard let sent = form["csrf"], let cookie = request.cookies[WebCookie.form]?.value, cookie.utf8.count == 32 else {
            throw PageError.formExpired
        }
        if TokenSecret.constantTimeEqual(sent, formToken) { return }
        for fresh in [false, true] {
            for key in await web.formKeys.keys(fresh: fresh)
            where TokenSecret.constantTimeEqual(sent, web.formToken(cookie: cookie, session: caller.token?.id, key: key.secret)) {
                return
            }
        }
        throw PageError.formExpired
    }
}
