public import CivicCore
import Foundation
public import HTTPTypes

/// An error the API answers with: an HTTP status and an RFC 9457 problem document that says what
/// went wrong and where, never with personal data beyond the ids the caller sent.
public struct APIError: Error, Sendable, Hashable {
    public var status: HTTPResponse.Status
    /// A stable, machine-readable code: `not-found`, `forbidden`, `rate-limited`...
    public var code: String
    public var detail: String
    /// Where: a field, a line of a handbook, an item of a batch.
    public var location: String?
    /// Extra response headers (`WWW-Authenticate`, `Retry-After`).
    public var headers: [String: String]
    /// For a name that means more than one thing: every thing it could mean (`candidates` in the problem document).
    public var candidates: [MeasureAmbiguity.Candidate]?

    public init(_ status: HTTPResponse.Status, code: String? = nil, _ detail: String, at location: String? = nil, headers: [String: String] = [:]) {
        self.status = status
        self.code = code ?? APIError.defaultCode(for: status)
        self.detail = detail
        self.location = location
        self.headers = headers
    }

    static func defaultCode(for status: HTTPResponse.Status) -> String {
        switch status.code {
        case 400: "invalid-input"
        case 401: "unauthorized"
        case 403: "forbidden"
        case 404: "not-found"
        case 405: "method-not-allowed"
        case 408: "request-timeout"
        case 409: "conflict"
        case 413: "content-too-large"
        case 415: "unsupported-media-type"
        case 422: "unprocessable"
        case 429: "rate-limited"
        case 503: "unavailable"
        default: status.code >= 500 ? "server-error" : "error"
        }
    }

    public static let unauthorized = APIError(
        .unauthorized, "this operation needs a bearer token: sign in with POST /sessions or use an API token",
        headers: ["WWW-Authenticate": "Bearer realm=\"civic\""])

    /// A subject the caller may not see answers exactly like one that does not exist.
    public static func noSubject(_ id: String) -> APIError {
        APIError(.notFound, "no subject '\(id.prefix(Limits.identifierLengthMax))'")
    }

    public static func noReport(_ id: String) -> APIError {
        APIError(.notFound, "no report '\(id.prefix(Limits.identifierLengthMax))'")
    }

    /// The mapping of the domain's operating errors, made once here.
    public init(_ error: CivicError) {
        let status: HTTPResponse.Status
        switch error.code {
        case .invalidInput: status = .badRequest
        case .notFound: status = .notFound
        case .conflict: status = .conflict
        case .refused: status = .unprocessableContent
        case .concurrentWrite: status = .conflict
        case .corrupted: status = .internalServerError
        default: status = .serviceUnavailable
        }
        self.init(status, code: error.code.rawValue, error.message, at: error.location)
    }

    /// The problem document, as `application/problem+json` bytes.
    public func problemJSON(instance: String? = nil) -> [UInt8] {
        var object: [String: Any] = [
            "type": "https://civiccredit.example/problems/\(code)",
            "title": status.reasonPhrase.isEmpty ? "Error" : status.reasonPhrase,
            "status": status.code,
            "code": code,
            "detail": detail,
        ]
        if let location { object["location"] = location }
        if let instance { object["instance"] = instance }
        if let candidates {
            object["candidates"] = candidates.map { candidate in
                ["scheme": candidate.scheme.rawValue, "jurisdiction": candidate.jurisdiction.rawValue,
                 "title": ["en": candidate.title.en, "zh": candidate.title.zh]] as [String: Any]
            }
        }
        let data = (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes])) ?? Data()
        return [UInt8](data)
    }
}
