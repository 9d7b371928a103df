public import CivicAPI
public import CivicAccess
public import CivicCore
import Crypto
import Foundation
public import Hummingbird
public import HTTPTypes
import Logging

/// One page request: who asks (from the session cookie), in which language, and the means to answer
/// with a rendered page, a redirect or a form error.
public struct Page: Sendable {
    public let web: WebServices
    public let request: Request
    public let context: APIRequestContext
    public let language: Language
    public let catalog: Catalog
    public let caller: Caller
    /// The anti-forgery token that every form on this page carries in its `csrf` field.
    public let formToken: String
    /// Cookies the response must set (a new anti-forgery cookie, the remembered language).
    let cookies: [Cookie]
    /// The posted form, read once: the anti-forgery check and the handler share it.
    let parsedForm = ParsedForm()

    public var engine: Engine { web.api.engine }
    public var store: any Store { web.api.engine.store }
    public var path: String { request.uri.path }
    public var today: Day { web.api.engine.clock.today() }

    /// A new reference for something a person files on these pages (`c-2026-12-7K3M-Q9XP-D2H`): readable,
    /// quotable and checked, never a string of random lower-case letters.
    func newReference(_ kind: Reference.Kind) -> String {
        var generator = SystemRandomNumberGenerator()
        return Reference.make(kind, month: today.month, using: &generator)
    }

    /// The signed-in account, or a redirect to the sign-in page.
    public var account: Account {
        get throws(PageError) {
            guard let account = caller.account else { throw .signInRequired }
            return account
        }
    }

    /// Admits the caller to what an API operation may do, exactly as the API would, and returns how far
    /// they reach; a visitor who is not signed in is sent to the sign-in page.
    public func admit(_ operation: APIOperation) throws -> Reach {
        guard caller.account != nil else { throw PageError.signInRequired }
        return try Policy.admit(caller, to: operation)
    }

    /// Which subjects the caller may see under an operation's reach.
    package func visibility(_ operation: APIOperation) throws -> SubjectVisibility {
        SubjectVisibility(store: store, caller: caller, reach: try admit(operation))
    }

    /// The catalog's text for `area.key`.
    public func text(_ key: String) -> String { catalog[key] }

    public func text(_ key: String, _ values: [String: String]) -> String { catalog.format(key, values) }

    /// The handbook's text in the page's language.
    public func text(_ text: LocalizedText) -> String { language.pick(text) }

    /// The first value of a query parameter.
    public func query(_ name: String) -> String? {
        request.uri.queryParameters[Substring(name)].map(String.init)
    }

    // MARK: Answers

    /// Renders `template` inside the layout. `title` is the page's own heading, already in the page's language.
    public func render(_ template: String, title: String, model: Any, status: HTTPResponse.Status = .ok) -> Response {
        let object: [String: Any] = ["chrome": chrome(title: title), "t": catalog.mustacheValue, "m": Page.present(model) ?? [:]]
        guard let html = web.templates.render(object, withTemplate: template) else {
            context.logger.error("no such template", metadata: ["template": "\(template)"])
            return Response(status: .internalServerError, headers: [.contentType: "text/plain; charset=utf-8"],
                            body: .init(byteBuffer: ByteBuffer(string: "template \(template) is missing")))
        }
        var response = Response(status: status, headers: headers(), body: .init(byteBuffer: ByteBuffer(string: html)))
        for cookie in cookies { response.setCookie(cookie) }
        return response
    }

    /// The model without its absent values: an `Optional.none` inside an `Any` is a value to Mustache
    /// (it would print "nil" and open sections), so absent values are dropped from dictionaries and
    /// arrays, and present ones unwrapped.
    static func present(_ value: Any) -> Any? {
        let mirror = Mirror(reflecting: value)
        if mirror.displayStyle == .optional {
            guard let wrapped = mirror.children.first?.value else { return nil }
            return present(wrapped)
        }
        if let dictionary = value as? [String: Any] { return dictionary.compactMapValues(present) }
        if let array = value as? [Any] { return array.compactMap(present) }
        return value
    }

    /// A 303 to `location` after a successful form; `done` names the catalog text (`area.key`) that the
    /// next page shows as its confirmation.
    public func redirect(_ location: String, done: String? = nil) -> Response {
        var target = location
        if let done { target += (target.contains("?") ? "&" : "?") + "done=" + done }
        var response = Response.redirect(to: target, type: .normal)
        response.headers[.cacheControl] = "no-store"
        for cookie in cookies { response.setCookie(cookie) }
        return response
    }

    func headers() -> HTTPFields {
        var headers: HTTPFields = [.contentType: "text/html; charset=utf-8"]
        headers[.cacheControl] = caller.account == nil ? "no-cache" : "no-store"
        headers[.contentSecurityPolicy] =
            "default-src 'self'; img-src 'self' data: blob:; style-src 'self'; script-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
        headers[.xContentTypeOptions] = "nosniff"
        headers[.referrerPolicy] = "same-origin"
        headers[.xFrameOptions] = "DENY"
        headers[.contentLanguage] = language.htmlTag
        headers[.vary] = "Accept-Language, Cookie"
        return headers
    }

    /// What the layout shows around every page.
    func chrome(title: String) -> [String: Any] {
        var chrome: [String: Any] = [
            "lang": language.rawValue,
            "htmlLang": language.htmlTag,
            "title": title,
            "csrf": formToken,
            "path": path,
            "switch": ["href": link(language: language.other), "hreflang": language.other.rawValue,
                       "label": language.other.ownName, "htmlLang": language.other.htmlTag],
            "nav": Navigation.items(for: caller.account?.role, current: path, catalog: catalog),
        ]
        if let account = caller.account {
            chrome["user"] = ["name": account.displayName, "id": account.id.rawValue, "role": text("roles.\(account.role.rawValue)")]
        }
        if let done = query("done"), Catalog.isKey(done), catalog.keys.contains(done) {
            chrome["flash"] = text(done)
        }
        return chrome
    }

    /// This page in another language (the query kept, `lang` and `done` replaced).
    func link(language: Language) -> String {
        var items = (request.uri.queryParameters.map { (String($0.key), String($0.value)) })
            .filter { $0.0 != "lang" && $0.0 != "done" }
        items.append(("lang", language.rawValue))
        return path + "?" + items.map { "\(Page.escapeQuery($0.0))=\(Page.escapeQuery($0.1))" }.joined(separator: "&")
    }

    public static func escapeQuery(_ text: String) -> String {
        var allowed = CharacterSet.urlQueryAllowed
        allowed.remove(charactersIn: "&=+?#")
        return text.addingPercentEncoding(withAllowedCharacters: allowed) ?? ""
    }
}

/// Why a page cannot be shown as asked, answered by the page wrapper.
public enum PageError: Error, Sendable {
    /// Not signed in: go to the sign-in page and come back.
    case signInRequired
    /// The form's anti-forgery token is missing or wrong.
    case formExpired
    /// Nothing here (an unknown id, or one the caller may not see).
    case notFound
}

extension HTTPField.Name {
    static let contentLanguage = HTTPField.Name("Content-Language")!
    static let vary = HTTPField.Name("Vary")!
}
