import Hummingbird
import Logging

/// One log line per request: method, route template, status and duration. Never the path's ids,
/// the query, headers or bodies, so no personal data or secret reaches the logs.
struct RequestLogMiddleware: RouterMiddleware {
    typealias Context = APIRequestContext

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let started = ContinuousClock.now
        let response = try await next(request, context)
        let elapsed = ContinuousClock.now - started
        let milliseconds = Double(elapsed.components.seconds) * 1000 + Double(elapsed.components.attoseconds) / 1e15
        context.logger.info("request", metadata: [
            "method": "\(request.method.rawValue)",
            "route": "\(context.endpointPath ?? "unmatched")",
            "status": "\(response.status.code)",
            "ms": "\((milliseconds * 10).rounded() / 10)",
        ])
        return response
    }
}
