import HTTPTypes
import Hummingbird

/// Puts the security headers on every response, whatever produced it: operations, pages, redirects,
/// static files, problem documents and routes that do not exist. A response that sets its own
/// Content-Security-Policy (a page, which needs its stylesheet and images) keeps it; every other
/// response gets one that lets it load nothing, run nothing and be framed nowhere, so evidence bytes
/// or a JSON body opened in a browser cannot act as a page of this site.
struct SecurityHeadersMiddleware: RouterMiddleware {
    typealias Context = APIRequestContext
    /// `Strict-Transport-Security`, sent when the server is reached over HTTPS only.
    let strictTransportSecurity: Bool

    static let sandbox = "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'; sandbox"
    static let hsts = "max-age=31536000; includeSubDomains"

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        var response = try await next(request, context)
        Self.apply(to: &response.headers, strictTransportSecurity: strictTransportSecurity)
        return response
    }

    static func apply(to headers: inout HTTPFields, strictTransportSecurity: Bool) {
        if headers[.contentSecurityPolicy] == nil { headers[.contentSecurityPolicy] = sandbox }
        headers[.xContentTypeOptions] = "nosniff"
        if headers[.referrerPolicy] == nil { headers[.referrerPolicy] = "same-origin" }
        headers[.xFrameOptions] = "DENY"
        if strictTransportSecurity { headers[.strictTransportSecurity] = hsts }
    }
}

extension HTTPField.Name {
    static let contentSecurityPolicy = HTTPField.Name("Content-Security-Policy")!
    static let xContentTypeOptions = HTTPField.Name("X-Content-Type-Options")!
    static let referrerPolicy = HTTPField.Name("Referrer-Policy")!
    static let xFrameOptions = HTTPField.Name("X-Frame-Options")!
    static let strictTransportSecurity = HTTPField.Name("Strict-Transport-Security")!
}
