public import CivicLog
import CivicCore
public import CivicAccess
public import CivicDelivery
import NIOCore

/// Every bound the server holds to, named in one place.
public struct APIConfiguration: Sendable {
    /// Largest JSON request body.
    public var requestBytesMax = 2 * 1024 * 1024
    /// Largest evidence upload.
    public var evidenceBytesMax = 8 * 1024 * 1024
    public var evidenceMediaTypes: Set<String> = ["image/jpeg", "image/png", "video/mp4", "application/pdf"]
    public var pageSizeMax = 200
    public var pageSizeDefault = 50
    public var batchChecksMax = 10_000
    /// Requests a second per token unless the token says otherwise; bursts may reach twice this.
    public var requestsPerSecondDefault = 50
    /// Requests a second from one address without a token (sign-in attempts among them).
    public var anonymousRequestsPerSecond = 20
    public var requestTimeoutSeconds: Double = 30
    public var sessionSeconds: Int64 = 8 * 3600
    /// Sign-in failures per account and address before the first delay, the first delay (doubling
    /// with each further failure) and the longest.
    public var signInThrottle = SignInThrottle(freeFailures: 5, delaySecondsBase: 15, delaySecondsMax: 15 * 60)
    /// Password checks that run at once, that may wait behind them, and that one address may have
    /// running or waiting; past these a sign-in is answered 429.
    public var passwordChecksConcurrentMax = max(1, System.coreCount / 2)
    public var passwordChecksQueuedMax = 16
    public var passwordChecksPerAddressMax = 2
    public var bcryptCost: UInt8 = 12
    /// Password lengths in characters (ASVS V2.1.1, V2.1.2): past bcrypt's 72 bytes a password is
    /// hashed with SHA-256 first (`PasswordHasher.bcryptInput`), never cut short.
    public var passwordLengthMin = 12
    public var passwordLengthMax = 128
    public var idempotencyRetentionSeconds: Int64 = 24 * 3600
    public var tokenCacheSeconds: Int64 = 5
    public var tokenCacheEntriesMax = 100_000
    /// How often the eligibility cache checks for writes made outside this server.
    public var eligibilityRevalidateSeconds: Double = 1
    public var eligibilityCacheEntriesMax = 2_000_000
    /// With a read replica: reads go to the primary while the replica is further behind than this.
    public var replicaLagMaxSeconds: Double = 10
    /// Witnesses whose cosignatures of the log's checkpoints the server accepts and publishes.
    public var witnesses: [CosignatureVerifier] = []
    /// The longest the server waits before signing a checkpoint when the log has grown.
    public var checkpointIntervalSeconds: Double = 600

    /// Sends `Strict-Transport-Security` on every response: set it when browsers reach the server over
    /// HTTPS only (`civic serve --secure-cookies`).
    public var strictTransportSecurity = false
    /// Where notice channels added over the API may point: no private networks, spool directories only
    /// inside a root (`civic serve --spool-root`, `--allow-private-webhooks`).
    public var deliveryGuard = DeliveryGuard()
    /// Reverse proxies whose `X-Forwarded-For` names the client (`civic serve --trusted-proxy`); none by default.
    public var trustedProxies = TrustedProxies()

    public init() {}
}
