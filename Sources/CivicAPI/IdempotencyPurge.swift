import CivicAccess
public import ServiceLifecycle

/// Deletes idempotency records past their retention, and sign-in failures with no attempt for as long,
/// once at start and then hourly, until shutdown.
public struct IdempotencyPurge: Service {
    let services: APIServices

    public init(services: APIServices) { self.services = services }

    public func run() async throws {
        while !Task.isShuttingDownGracefully && !Task.isCancelled {
            let cutoff = services.now() - services.configuration.idempotencyRetentionSeconds
            _ = try? await services.access.purgeIdempotencyRecords(before: cutoff)
            _ = try? await services.access.purgeSignInFailures(lastAttemptBefore: cutoff)
            try? await gracefulShutdownOrCancellation { try await Task.sleep(for: .seconds(3600)) }
        }
    }
}

extension IdempotencyPurge {
    /// Sleeps, returning early on graceful shutdown.
    func gracefulShutdownOrCancellation(_ work: @escaping @Sendable () async throws -> Void) async throws {
        try await cancelWhenGracefulShutdown { try await work() }
    }
}
