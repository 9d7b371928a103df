import CivicLog
public import Logging
public import ServiceLifecycle

/// Signs a checkpoint of the transparency log at start and then every
/// `checkpointIntervalSeconds` when the log has grown, until shutdown, so that a
/// published checkpoint is never more than that far behind the ledger.
public struct CheckpointSigner: Service {
    let services: APIServices
    let logger: Logger

    public init(services: APIServices, logger: Logger) {
        self.services = services
        self.logger = logger
    }

    public func run() async throws {
        guard services.log != nil, services.logKey != nil else {
            // Nothing to sign; a service that returned would stop the whole group, so wait for shutdown.
            try? await gracefulShutdown()
            return
        }
        while !Task.isShuttingDownGracefully && !Task.isCancelled {
            do {
                if let checkpoint = try await services.signCheckpointIfMoved() {
                    logger.debug("log checkpoint", metadata: ["size": "\(checkpoint.size)", "id": "\(checkpoint.id)"])
                }
            } catch {
                logger.error("signing a log checkpoint failed", metadata: ["error": "\(error)"])
            }
            let seconds = services.configuration.checkpointIntervalSeconds
            try? await cancelWhenGracefulShutdown { try await Task.sleep(for: .seconds(seconds)) }
        }
    }
}
