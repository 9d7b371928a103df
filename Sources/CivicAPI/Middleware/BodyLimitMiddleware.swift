import Hummingbird
import NIOCore

/// Reads the whole request body before anything else sees it, refusing bodies over the limit with
/// 413 (evidence uploads have their own, larger limit), whether the size was declared or the body came
/// in chunks; then refuses JSON with a key given twice or a control character in a string, a field
/// the operation's schema does not name, or a query parameter outside its declared type (400).
/// Nothing downstream streams unbounded input.
struct BodyLimitMiddleware: RouterMiddleware {
    typealias Context = APIRequestContext
    let configuration: APIConfiguration

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        // No length, no chunks and no type: an HTTP/1.1 request without a body (RFC 9112, 6.3), as every GET is.
        // Nothing to collect or to check as JSON; only the query is held to the operation's contract.
        if request.headers[.contentLength] == nil, request.headers[.transferEncoding] == nil, request.headers[.contentType] == nil {
            if request.uri.query?.isEmpty == false {
                try RequestContract.served.check(request.method, path: request.uri.path, query: request.uri.query, json: nil)
            }
            return try await next(request, context)
        }
        // Evidence comes as a raw upload to the API or inside a page's multipart form (a phone's photo).
        let isUpload = request.method == .post
            && (request.uri.path == "/evidence" || request.headers[.contentType]?.hasPrefix("multipart/form-data") == true)
        let limit = isUpload ? configuration.evidenceBytesMax + 64 * 1024 : configuration.requestBytesMax
        if let declared = request.headers[.contentLength].flatMap({ Int($0) }), declared > limit {
            throw APIError(.contentTooLarge, "the request body has \(declared) bytes; this operation accepts at most \(limit)")
        }
        var request = request
        do {
            let body = try await request.collectBody(upTo: limit)
            // JSON bodies are read once for what decoders let pass: keys given twice, control characters.
            var json: [UInt8]?
            if let type = request.headers[.contentType]?.lowercased(), type.hasPrefix("application/json") || type.contains("+json") {
                json = Array(buffer: body)
                try StrictJSON.check(json!)
            }
            // Fields the operation does not know, query parameters outside their type: named, before decoding.
            if json != nil || request.uri.query?.isEmpty == false {
                try RequestContract.served.check(request.method, path: request.uri.path, query: request.uri.query, json: json)
            }
        } catch let error as HTTPError where error.status == .contentTooLarge {
            throw APIError(.contentTooLarge, "the request body is larger than the \(limit) bytes this operation accepts")
        } catch is NIOTooManyBytesError {
            // A chunked body carries no Content-Length: the limit is found while reading it.
            throw APIError(.contentTooLarge, "the request body is larger than the \(limit) bytes this operation accepts")
        }
        return try await next(request, context)
    }
}
