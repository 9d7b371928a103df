public import Hummingbird
public import Logging
import OpenAPIHummingbird
import OpenAPIRuntime

/// Builds the router: the middleware stack every route passes through, the generated operations,
/// and the few routes written by hand (the liveness probe and the eligibility hot paths).
///
/// Order, outside in: request log, metrics, security headers, problem documents, authentication and rate limits,
/// read routing (where reads that may lag are served, and the positions answers state), body limits, idempotency; then the policy table (for generated operations in `PolicyMiddleware`,
/// for the hand-written ones at the top of each handler).
///
/// `additionalRoutes` registers routes beside the API's on the same router and middleware stack
/// (the web pages): they see the same caller, limits and logs.
public func buildRouter(
    _ services: APIServices, additionalRoutes: (Router<APIRequestContext>) throws -> Void = { _ in }
) throws -> Router<APIRequestContext> {
    let router = Router(context: APIRequestContext.self)
    for layer in apiMiddleware(services) { router.add(middleware: layer.middleware) }
    let handlers = APIHandlers(services: services)
    try handlers.registerHandlers(
        on: router, configuration: Configuration(jsonEncodingOptions: [.sortedKeys]),
        middlewares: [PolicyMiddleware(timeoutSeconds: services.configuration.requestTimeoutSeconds)])
    EligibilityRoutes(services: services).register(on: router)
    LogRoutes(services: services).register(on: router)
    AuditRoutes(services: services).register(on: router)
    try additionalRoutes(router)
    return router
}

/// The middleware every route passes through, outside in, each with a name: `buildRouter` adds them all,
/// and the HTTP benchmark adds the first few at a time to measure what each layer costs.
package func apiMiddleware(_ services: APIServices) -> [(name: String, middleware: any MiddlewareProtocol<Request, Response, APIRequestContext>)] {
    [
        ("request log", RequestLogMiddleware()),
        ("metrics", MetricsMiddleware<APIRequestContext>()),
        ("security headers", SecurityHeadersMiddleware(strictTransportSecurity: services.configuration.strictTransportSecurity)),
        ("problems", ProblemMiddleware()),
        ("authentication and rate limit", AuthenticationMiddleware(
            authenticator: services.authenticator, limiter: services.limiter, tokenLimiter: services.tokenLimiter,
            configuration: services.configuration)),
        ("read routing", ReadRoutingMiddleware(replica: services.readReplica, secureCookies: services.configuration.strictTransportSecurity)),
        ("body limit", BodyLimitMiddleware(configuration: services.configuration)),
        ("idempotency", IdempotencyMiddleware(access: services.access, now: services.now, replays: services.counters.idempotentReplays)),
    ]
}

/// The server application on `host:port`, shutting down gracefully on SIGTERM or SIGINT.
public func buildApplication(
    _ services: APIServices, host: String, port: Int, logger: Logger,
    additionalRoutes: (Router<APIRequestContext>) throws -> Void = { _ in }
) throws -> some ApplicationProtocol {
    let router = try buildRouter(services, additionalRoutes: additionalRoutes)
    return Application(
        router: router,
        configuration: .init(address: .hostname(host, port: port), serverName: "CivicCredit"),
        logger: logger)
}
