public import CivicAccess
public import CivicCertificates
public import CivicCore
public import CivicLog
import Foundation
import Synchronization
public import Prometheus

/// Everything the routes share: the engine (on a store that reports its commits), the access store,
/// the authenticator, the caches and limits, and the metrics registry.
public final class APIServices: Sendable {
    public let engine: Engine
    public let observed: ObservedStore
    public let access: any AccessStore
    public let configuration: APIConfiguration
    public let authenticator: Authenticator
    public let metrics: PrometheusCollectorRegistry
    /// Seconds since 1970, for tokens, locks and idempotency records.
    public let now: @Sendable () -> UnixTime
    /// The issuer key for rating certificates; without it certificates can be neither issued nor verified.
    public let certificateKey: CertificateSigningKey?
    /// The transparency log over the store, when the store keeps one.
    public let log: TransparencyLog?
    /// The log's signing key; without it no checkpoint is signed (and none is published until one is).
    public let logKey: NoteSigner?
    let eligibility: EligibilityService
    /// Where reads that may lag go, when the server has a read replica (`--read-database`).
    public let readReplica: ReadReplica?
    let limiter = RateLimiter()
    let tokenLimiter = RateLimiter()
    package let counters: Counters

    package struct Counters: Sendable {
        let eligibilityChecks: Prometheus.Counter
        package let signInFailures: Prometheus.Counter
        let idempotentReplays: Prometheus.Counter

        init(_ registry: PrometheusCollectorRegistry) {
            func counter(_ name: String, _ help: String) -> Prometheus.Counter {
                registry.makeCounter(descriptor: MetricNameDescriptor(namespace: "civic", metricName: name, unitName: "total", helpText: help))
            }
            eligibilityChecks = counter("eligibility_checks", "Eligibility questions answered, single and batch.")
            signInFailures = counter("sign_in_failures", "Failed sign-ins (wrong password, unknown or locked account).")
            idempotentReplays = counter("idempotent_replays", "Writes answered from a stored first response.")
        }
    }

    public init(
        store: any Store, access: any AccessStore, clock: any DayClock, configuration: APIConfiguration = APIConfiguration(),
        metrics: PrometheusCollectorRegistry = PrometheusCollectorRegistry(),
        now: @escaping @Sendable () -> UnixTime = APIServices.wallClockSeconds, certificateKey: CertificateSigningKey? = nil,
        logKey: NoteSigner? = nil, readStore: (any Store & ReplicationPositions)? = nil
    ) {
        self.certificateKey = certificateKey
        self.logKey = logKey
        log = (store as? any TransparencyLogStore).map(TransparencyLog.init(store:))
        let observed = ObservedStore(store)
        let engine = Engine(store: observed, clock: clock)
        self.engine = engine
        self.observed = observed
        self.access = access
        self.configuration = configuration
        self.metrics = metrics
        self.now = now
        authenticator = Authenticator(access: access, configuration: configuration, now: now)
        eligibility = EligibilityService(engine: engine, observed: observed, configuration: configuration)
        if let readStore {
            guard let primary = store as? any ReplicationPositions else {
                preconditionFailure("a read replica needs a primary store that reports its write position")
            }
            readReplica = ReadReplica(store: readStore, primary: primary, clock: clock, observed: observed,
                                      configuration: configuration, metrics: metrics)
        } else {
            readReplica = nil
        }
        counters = Counters(metrics)
    }
}

extension APIServices {
    /// Seconds since 1970 by the wall clock.
    @Sendable public static func wallClockSeconds() -> UnixTime { UnixTime(Date().timeIntervalSince1970) }
}

/// The wall clock's calendar day in the server's time zone. Working out the calendar day costs
/// microseconds on Linux, so the day is kept for a second between readings.
public final class SystemDayClock: DayClock {
    private let state = Mutex<(day: Day, readAt: ContinuousClock.Instant)?>(nil)

    public init() {}

    public func today() -> Day {
        let now = ContinuousClock.now
        if let known = state.withLock({ $0 }), now - known.readAt < .seconds(1) { return known.day }
        let parts = Calendar.current.dateComponents([.year, .month, .day], from: Date())
        let day = Day(year: parts.year!, month: parts.month!, day: parts.day!)!
        state.withLock { $0 = (day, now) }
        return day
    }
}

extension APIServices {
    /// Signs a checkpoint if the log has grown since the latest one (at a cycle close, and on the server's timer).
    /// Returns the latest checkpoint either way; nil without a log or a key.
    @discardableResult
    public func signCheckpointIfMoved() async throws -> StoredCheckpoint? {
        guard let log, let logKey else { return nil }
        return try await log.checkpoint(signer: logKey, at: Int64(now()))
    }
}
