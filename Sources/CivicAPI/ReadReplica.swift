public import CivicCore
import Foundation
public import Prometheus
public import ServiceLifecycle
import Synchronization

/// Reads that may lag served from a streaming replica: eligibility checks, the public lists and the ledger
/// export. Writes, and every other read, go to the primary.
///
/// Which store answers is decided per request. The replica answers unless it is unreachable, more than
/// `lagMaxSeconds` behind, or the request names a write it must see (`Civic-Read-After`, or the cookie a
/// write sets) that the replica has not replayed yet: then the primary answers, which holds every
/// acknowledged write. So a writer reads its own writes, and everyone else reads a state at most the lag old.
public final class ReadReplica: Sendable {
    /// The replica's store, and its positions.
    let store: any Store
    let replica: any ReplicationPositions
    /// The primary's positions (where the writes go).
    let primary: any ReplicationPositions
    let lagMaxSeconds: Double
    let eligibility: EligibilityService
    private let known = Mutex<Known?>(nil)
    private let gauges: Gauges

    struct Known: Sendable {
        var replay: ReplayState
        var checkedAt: ContinuousClock.Instant
    }

    struct Gauges: Sendable {
        let lagSeconds: Gauge
        let lagBytes: Gauge
        let available: Gauge
        let answers: Counter
        let sentToPrimary: Counter
    }

    /// How often the replica's position and lag are read, and how old a reading may be before the replica is
    /// taken as unreachable.
    static let refreshSeconds: Double = 1
    static let staleAfterSeconds: Double = 5

    init(store: any Store & ReplicationPositions, primary: any ReplicationPositions, clock: any DayClock,
         observed: ObservedStore, configuration: APIConfiguration, metrics: PrometheusCollectorRegistry) {
        self.store = store
        replica = store
        self.primary = primary
        lagMaxSeconds = configuration.replicaLagMaxSeconds
        let engine = Engine(store: store, clock: clock)
        // The replica's cache is dropped whenever the replica's replay position moves (any write replayed,
        // from any server), besides a commit through this server and a new day.
        eligibility = EligibilityService(engine: engine, observed: observed, configuration: configuration) {
            async let head = store.ledgerHead()
            async let replay = store.replayState()
            return try await (head, replay.position.value)
        }
        gauges = Gauges(
            lagSeconds: metrics.makeGauge(name: "civic_replica_lag_seconds",
                                          help: "Seconds the read replica is behind the primary (0 when it has replayed all it received)."),
            lagBytes: metrics.makeGauge(name: "civic_replica_lag_bytes",
                                        help: "Bytes of write-ahead log the primary has written and the read replica has not replayed."),
            available: metrics.makeGauge(name: "civic_replica_available",
                                         help: "1 while the read replica answers and is within the lag bound, else 0 (reads go to the primary)."),
            answers: metrics.makeCounter(name: "civic_replica_reads_total", help: "Reads answered by the read replica."),
            sentToPrimary: metrics.makeCounter(name: "civic_replica_reads_sent_to_primary_total",
                                               help: "Reads the replica could have answered that went to the primary: it lagged, was unreachable, or had not replayed the reader's own write."))
    }

    /// Reads the replica's replay position and lag and the primary's write position, and publishes the lag.
    package func refresh() async {
        do {
            async let replay = replica.replayState()
            async let written = primary.writePosition()
            let (state, head) = try await (replay, written)
            known.withLock { $0 = Known(replay: state, checkedAt: .now) }
            gauges.lagSeconds.set(to: state.lagSeconds)
            gauges.lagBytes.set(to: Double(head.value >= state.position.value ? head.value - state.position.value : 0))
            gauges.available.set(to: state.lagSeconds <= lagMaxSeconds ? 1.0 : 0.0)
        } catch {
            gauges.available.set(to: 0.0)
        }
    }

    /// Whether a read that must see every write up to `position` (nil: no particular write) may go to the
    /// replica. Reads the replica's position again, once, if the last reading is older than that write.
    func admits(after position: WritePosition?) async -> Bool {
        let now = ContinuousClock.now
        let fresh: (Known) -> Bool = { now - $0.checkedAt < .seconds(Self.staleAfterSeconds) && $0.replay.lagSeconds <= self.lagMaxSeconds }
        guard let last = known.withLock({ $0 }), fresh(last) else {
            gauges.sentToPrimary.increment()
            return false
        }
        guard let position, last.replay.position < position else {
            gauges.answers.increment()
            return true
        }
        // The writer's own write may have been replayed since the last reading.
        if let replay = try? await replica.replayState(), replay.position >= position {
            known.withLock { $0 = Known(replay: replay, checkedAt: .now) }
            gauges.answers.increment()
            return true
        }
        gauges.sentToPrimary.increment()
        return false
    }

    /// The primary's write position now: at or after every write committed before the call.
    func writePosition() async throws -> WritePosition { try await primary.writePosition() }
}

/// Reads the replica's position and lag every second, until shutdown.
public struct ReplicaMonitor: Service {
    let replica: ReadReplica

    public init?(services: APIServices) {
        guard let replica = services.readReplica else { return nil }
        self.replica = replica
    }

    public func run() async throws {
        while !Task.isShuttingDownGracefully && !Task.isCancelled {
            await replica.refresh()
            try? await cancelWhenGracefulShutdown { try await Task.sleep(for: .seconds(ReadReplica.refreshSeconds)) }
        }
    }
}
