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
    router.add(middleware: RequestLogMiddleware())
    router.add(middleware: MetricsMiddleware())
    router.add(middleware: SecurityHeadersMiddleware(strictTransportSecurity: services.configuration.strictTransportSecurity))
    router.add(middleware: ProblemMiddleware())
    router.add(middleware: AuthenticationMiddleware(authenticator: services.authenticator, limiter: services.limiter, tokenLimiter: services.tokenLimiter, configuration: services.configuration))
    router.add(middleware: ReadRoutingMiddleware(replica: services.readReplica, secureCookies: services.configuration.strictTransportSecurity))
    router.add(middleware: BodyLimitMiddleware(configuration: services.configuration))
    router.add(middleware: IdempotencyMiddleware(access: services.access, now: services.now, replays: services.counters.idempotentReplays))
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
