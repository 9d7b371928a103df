import CivicAccess
import CivicCore
import Crypto
import Foundation
import HTTPTypes
import Hummingbird
import Prometheus
import NIOCore

/// Makes every write safe to retry: a write with an `Idempotency-Key` is answered once, its response
/// stored, and a retry with the same key and the same request gets the stored response byte for byte
/// (with `Idempotent-Replayed: true`). The same key with a different request is a 422; a retry while
/// the first is still running is a 409.
///
/// The key is claimed in the access store before the work starts (one statement), so that of all the
/// servers sharing the store exactly one does the work; the others answer 409 while it runs and replay
/// its response afterwards. A claim whose server died (or lost its connection before giving the claim
/// back) is taken over after `claimStaleSeconds`.
///
/// Keys belong to the caller's account, so two callers never collide. Responses that carry a secret
/// (a new API token) are not stored: a retry of `POST /tokens` answers 409 naming the token issued
/// the first time, since its secret is shown only once. Sign-in (`POST /sessions`) is never replayed.
/// Server errors, rate-limit answers and thrown errors are not stored: the claim is given back and the
/// retry runs again.
struct IdempotencyMiddleware: RouterMiddleware {
    typealias Context = APIRequestContext
    let access: any AccessStore
    let now: @Sendable () -> UnixTime
    let replays: Prometheus.Counter

    static let header = HTTPField.Name("Idempotency-Key")!
    static let replayed = HTTPField.Name("Idempotent-Replayed")!

    /// How long a claim holds a key before another server may take it over. Far longer than any write
    /// runs (the body is read before the claim; the work is one store commit with bounded retries and at
    /// most one password hash), so a live claim is never taken; short enough that a key whose server died
    /// is usable again within minutes, as a client's retries back off.
    static let claimStaleSeconds: UnixTime = 120

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        guard [.post, .put, .patch, .delete].contains(request.method), let key = request.headers[Self.header] else {
            return try await next(request, context)
        }
        guard (1...255).contains(key.utf8.count), key.utf8.allSatisfy({ (0x21...0x7E).contains($0) }) else {
            throw APIError(.badRequest, "Idempotency-Key must be 1 to 255 visible ASCII characters", at: "header Idempotency-Key")
        }
        // Anonymous writes (signing in) are not replayed: the response holds a fresh secret.
        guard let account = context.caller.account, request.uri.path != "/sessions" else { return try await next(request, context) }

        var request = request
        let body = try await request.collectBody(upTo: .max)  // already bounded by BodyLimitMiddleware
        var hasher = SHA256()
        hasher.update(data: Array("\(request.method.rawValue) \(request.uri.path)?\(request.uri.query ?? "")\n\(request.headers[.contentType] ?? "")\n".utf8))
        hasher.update(data: Array(body.readableBytesView))
        let requestHash = TokenSecret.hex(hasher.finalize())

        let started = now()
        let claimedAt: UnixTime
        switch try await access.claimIdempotencyKey(principal: account.id, key: key, requestHash: requestHash, at: started,
                                                    staleBefore: started - Self.claimStaleSeconds) {
        case .completed(let stored):
            return try replay(stored, requestHash: requestHash)
        case .inFlight:
            throw APIError(.conflict, code: "idempotency-key-in-use", "a request with this Idempotency-Key is still being processed; retry later",
                           at: "header Idempotency-Key")
        case .claimed(let at):
            claimedAt = at
        }

        do {
            let response = try await next(request, context)
            guard response.status.code < 500, response.status != .tooManyRequests else {
                try await access.releaseIdempotencyKey(principal: account.id, key: key, claimedAt: claimedAt)
                return response
            }
            let collected = CollectingWriter.Box()
            try await response.body.write(CollectingWriter(box: collected))
            let bytes = collected.bytes
            var record = IdempotencyRecord(principal: account.id, key: key, requestHash: requestHash, status: Int(response.status.code),
                                           contentType: response.headers[.contentType], body: bytes, createdAt: now())
            if request.uri.path == "/tokens" && response.status == .created {
                let issued = (try? JSONSerialization.jsonObject(with: Data(bytes)) as? [String: Any])?["id"] as? String ?? "?"
                let problem = APIError(.conflict, code: "token-already-issued",
                                       "this Idempotency-Key already issued token '\(issued)'; its secret is shown only once: revoke it and issue another if it was lost")
                record.status = 409
                record.contentType = "application/problem+json"
                record.body = problem.problemJSON()
            }
            _ = try await access.saveFirst(record)
            var headers = response.headers
            headers[.contentLength] = String(bytes.count)
            return Response(status: response.status, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: bytes)))
        } catch {
            // Nothing stored: give the key back so a retry runs the work again (if this fails too, the claim goes stale).
            try? await access.releaseIdempotencyKey(principal: account.id, key: key, claimedAt: claimedAt)
            throw error
        }
    }

    private func replay(_ stored: IdempotencyRecord, requestHash: String) throws -> Response {
        guard stored.requestHash == requestHash else {
            throw APIError(.unprocessableContent, code: "idempotency-key-reused",
                           "this Idempotency-Key was used for a different request; use a new key for a new request", at: "header Idempotency-Key")
        }
        replays.increment()
        var headers = HTTPFields()
        if let contentType = stored.contentType { headers[.contentType] = contentType }
        headers[Self.replayed] = "true"
        headers[.contentLength] = String(stored.body.count)
        return Response(status: HTTPResponse.Status(code: stored.status), headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: stored.body)))
    }
}

/// Gathers a response body into memory (write responses are small and bounded).
struct CollectingWriter: ResponseBodyWriter {
    final class Box { var bytes: [UInt8] = [] }
    let box: Box

    mutating func write(_ buffer: ByteBuffer) async throws { box.bytes.append(contentsOf: buffer.readableBytesView) }

    consuming func finish(_ trailingHeaders: HTTPFields?) async throws {}
}
