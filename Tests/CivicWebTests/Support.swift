import CivicAccess
import CivicAPI
import CivicAPITesting
import CivicWeb
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore

/// The test world with the pages on its router, and a browser-like client that keeps cookies.
struct WebWorld {
    let world: TestWorld
    let web: WebServices

    static let publicURL = "https://credit.example.gov"

    static func make(residents: Int = 60, configuration: WebConfiguration = WebConfiguration(publicURL: WebWorld.publicURL),
                     api: (inout APIConfiguration) -> Void = { _ in }) async throws -> WebWorld {
        let world = try await TestWorld.make(residents: residents, configure: api)
        return WebWorld(world: world, web: try await WebServices(api: world.services, configuration: configuration))
    }

    func application() throws -> some ApplicationProtocol {
        try world.application(additionalRoutes: web.register(on:))
    }
}

/// A minimal browser: remembers cookies, reads the form token from the last page, follows nothing by itself.
final class Browser: @unchecked Sendable {
    let client: any TestClientProtocol
    var cookies: [String: String] = [:]
    var language: String?

    init(_ client: any TestClientProtocol, language: String? = nil) {
        self.client = client
        self.language = language
    }

    @discardableResult
    func get(_ uri: String) async throws -> TestResponse {
        try await send(.get, uri, body: nil, contentType: nil)
    }

    /// Posts a form, adding the `csrf` token of the page at `tokenFrom` (or the given one).
    @discardableResult
    func post(_ uri: String, _ fields: [(String, String)], csrf: String? = nil, tokenFrom: String = "/") async throws -> TestResponse {
        var fields = fields
        if let csrf { fields.append(("csrf", csrf)) } else { fields.append(("csrf", try await formToken(tokenFrom))) }
        let body = fields.map { "\(Self.escape($0.0))=\(Self.escape($0.1))" }.joined(separator: "&")
        return try await send(.post, uri, body: ByteBuffer(string: body), contentType: "application/x-www-form-urlencoded")
    }

    func formToken(_ uri: String) async throws -> String {
        let page = try await get(uri)
        guard let token = Self.value(of: "csrf", in: page.text) else { throw TestFailure("no csrf field on \(uri)") }
        return token
    }

    func signIn(_ account: String, _ password: String) async throws -> TestResponse {
        try await post("/login", [("username", account), ("password", password)], tokenFrom: "/login")
    }

    func send(_ method: HTTPRequest.Method, _ uri: String, body: ByteBuffer?, contentType: String?) async throws -> TestResponse {
        var headers = HTTPFields()
        if !cookies.isEmpty { headers[.cookie] = cookies.map { "\($0.key)=\($0.value)" }.sorted().joined(separator: "; ") }
        if let contentType { headers[.contentType] = contentType }
        if let language { headers[.acceptLanguage] = language }
        let response = try await client.execute(uri: uri, method: method, headers: headers, body: body)
        for field in response.headers where field.name == .setCookie {
            let pair = field.value.split(separator: ";")[0].split(separator: "=", maxSplits: 1)
            let name = String(pair[0])
            let value = pair.count > 1 ? String(pair[1]) : ""
            if field.value.contains("Max-Age=0") || value.isEmpty { cookies.removeValue(forKey: name) } else { cookies[name] = value }
        }
        return response
    }

    static func escape(_ text: String) -> String {
        var allowed = CharacterSet.alphanumerics
        allowed.insert(charactersIn: "-._~")
        return text.addingPercentEncoding(withAllowedCharacters: allowed) ?? text
    }

    /// The value of the first input named `name` in an HTML text.
    static func value(of name: String, in html: String) -> String? {
        guard let range = html.range(of: "name=\"\(name)\" value=\"") else { return nil }
        let rest = html[range.upperBound...]
        return rest.firstIndex(of: "\"").map { String(rest[..<$0]) }
    }
}

struct TestFailure: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

extension TestResponse {
    var location: String? { headers[.location] }
}
