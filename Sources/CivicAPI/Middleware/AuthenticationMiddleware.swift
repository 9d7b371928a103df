import CivicAccess
import Hummingbird
import NIOCore
import HTTPTypes

extension HTTPField.Name {
    static let xForwardedFor = Self("X-Forwarded-For")!
}

/// Finds the caller from the bearer token, then holds them to their rate limit: the token's own
/// limit, or the server's; callers without a valid token are limited per address (a separate table).
/// The address is the peer's, or the client a trusted proxy names (`TrustedProxies`).
struct AuthenticationMiddleware: RouterMiddleware {
    typealias Context = APIRequestContext
    let authenticator: Authenticator
    /// Per address, for callers without a token.
    let limiter: RateLimiter
    /// Per token.
    let tokenLimiter: RateLimiter
    let configuration: APIConfiguration

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let peer = context.remoteAddress?.ipAddress
        let address = configuration.trustedProxies.clientAddress(peer: peer, forwardedFor: request.headers[values: .xForwardedFor]) ?? "unknown"
        let caller: Caller
        do {
            caller = try await authenticator.authenticate(authorization: request.headers[.authorization])
        } catch {
            try limit(address, in: limiter, rate: configuration.anonymousRequestsPerSecond)
            throw error
        }
        if let token = caller.token {
            try limit(token.id.rawValue, in: tokenLimiter, rate: token.requestsPerSecond ?? configuration.requestsPerSecondDefault)
        } else {
            try limit(address, in: limiter, rate: configuration.anonymousRequestsPerSecond)
        }
        var context = context
        context.caller = caller
        return try await ClientAddress.$current.withValue(address) {
            try await Caller.$current.withValue(caller) {
                try await next(request, context)
            }
        }
    }

    private func limit(_ key: String, in limiter: RateLimiter, rate: Int) throws {
        if let wait = limiter.take(key, rate: rate) {
            let seconds = max(1, Int(wait.rounded(.up)))
            throw APIError(.tooManyRequests, "too many requests; retry after \(seconds) s", headers: ["Retry-After": String(seconds)])
        }
    }
}
