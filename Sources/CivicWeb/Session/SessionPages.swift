import CivicAPI
import CivicAccess
import CivicCore
import Foundation
import HTTPTypes
import Hummingbird

extension WebServices {
    /// Sign-in and sign-out. A session is the same kind of token the API's `POST /sessions` issues,
    /// carried in an HttpOnly, SameSite=Lax cookie instead of a header.
    func registerSession(on router: Router<APIRequestContext>) {
        get(router, "/login") { page in
            if let role = page.caller.account?.role { return page.redirect(Navigation.home(for: role)) }
            return page.render("login", title: page.text("login.title"), model: Self.loginModel(page, username: "", error: nil))
        }

        post(router, "/login") { page in
            let form = try await page.form()
            let username = form["username"] ?? ""
            let password = form.fields["password"]?.first ?? ""
            guard !username.isEmpty, !password.isEmpty else {
                return page.render("login", title: page.text("login.title"),
                                   model: Self.loginModel(page, username: username, error: page.text("login.missing")), status: .badRequest)
            }
            let token: TokenRecord
            let bearer: String
            do {
                (token, bearer) = try await self.api.authenticator.signIn(username: username, password: password,
                                                                                        address: ClientAddress.current)
            } catch let error as APIError where error.status == .unauthorized {
                self.api.counters.signInFailures.increment()
                return page.render("login", title: page.text("login.title"),
                                   model: Self.loginModel(page, username: username, error: page.text("login.refused")), status: .unauthorized)
            } catch let error as APIError where error.status == .tooManyRequests {
                // Past the bounds on password checks: the form again, in the reader's language, with Retry-After.
                var response = page.render("login", title: page.text("login.title"),
                                           model: Self.loginModel(page, username: username, error: page.text("login.busy")), status: .tooManyRequests)
                for (name, value) in error.headers { if let field = HTTPField.Name(name) { response.headers[field] = value } }
                return response
            }
            guard let account = try await self.api.access.account(token.account) else { throw PageError.signInRequired }
            let next = form["next"].flatMap(Self.safeNext) ?? Navigation.home(for: account.role)
            var response = page.redirect(next)
            response.setCookie(self.cookie(WebCookie.session, bearer, maxAge: Int(self.api.configuration.sessionSeconds)))
            return response
        }

        post(router, "/logout") { page in
            if let token = page.caller.token, token.kind == .session {
                try await self.api.revokeToken(token.id.rawValue, kind: .signOut)
            }
            var response = page.redirect("/", done: "flash.signedOut")
            response.setCookie(self.expired(WebCookie.session))
            return response
        }
    }

    static func loginModel(_ page: Page, username: String, error: String?) -> [String: Any] {
        ["username": username, "error": error as Any, "next": page.query("next").flatMap(safeNext) ?? ""]
    }

    /// The first path segments that sign-in may lead back to: the site's own page areas, nothing else.
    static let nextAreas: Set<Substring> = ["portal", "assessor", "committee", "admin", "audit", "account", "board", "verify"]

    /// Only a path into one of the site's own page areas (`nextAreas`), written with plain characters:
    /// no scheme, no host, no backslash, tab or other control character, no `..`, no percent-escapes in
    /// the path (browsers turn `/\t/evil` or `/%5Cevil` into another host); anything else goes home.
    static func safeNext(_ next: String) -> String? {
        guard next.utf8.count <= 512, next.hasPrefix("/") else { return nil }
        let parts = next.split(separator: "?", maxSplits: 1, omittingEmptySubsequences: false)
        let path = parts[0]
        let segments = path.dropFirst().split(separator: "/", omittingEmptySubsequences: false)
        guard let area = segments.first, nextAreas.contains(area) else { return nil }
        func plain(_ byte: UInt8, extra: String) -> Bool {
            (byte >= 0x30 && byte <= 0x39) || (byte >= 0x41 && byte <= 0x5A) || (byte >= 0x61 && byte <= 0x7A) || extra.utf8.contains(byte)
        }
        for segment in segments {
            guard !segment.isEmpty, segment != ".", segment != "..", segment.utf8.allSatisfy({ plain($0, extra: "-._~") }) else { return nil }
        }
        if parts.count == 2, !parts[1].utf8.allSatisfy({ plain($0, extra: "-._~%=&+") }) { return nil }
        return next
    }
}
