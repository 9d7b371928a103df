import CivicCore
import NIOCore
import Synchronization

/// Answers eligibility questions from a cache of decisions, so that a relying party's check costs a
/// dictionary lookup rather than a fold of the ledger.
///
/// A decision depends on the subject's entries, its household, the handbooks and the day. The cache
/// is dropped whole when the day changes, when a commit through this server could change a standing
/// (`ObservedStore.standingsGeneration`), and when the ledger head moves because another process (the
/// CLI closing a cycle) wrote to the same database; that last check runs at most once a
/// `eligibilityRevalidateSeconds`. Entries older than `entryLifetimeSeconds` are recomputed, which bounds
/// how long a handbook published by another process can go unseen.
final class EligibilityService: Sendable {
    let engine: Engine
    let observed: ObservedStore
    let configuration: APIConfiguration
    /// The ledger head of the store the answers come from, and a marker whose change also drops the cache
    /// (a read replica's replay position; 0 on the primary, where commits through this server are counted).
    let revalidation: @Sendable () async throws -> (ledgerHead: Int64, marker: UInt64)
    static let entryLifetimeSeconds: Double = 60

    struct Key: Hashable, Sendable {
        var subject: Subject.ID
        var measure: Measure.ID
        /// The scheme as the question named it (nil: the measure id alone).
        var scheme: Scheme.ID?
    }

    struct Cached: Sendable {
        var decision: EligibilityDecision
        /// The single check's JSON answer, written once.
        var json: ByteBuffer
        var computedAt: ContinuousClock.Instant
    }

    static func json(_ decision: EligibilityDecision) -> ByteBuffer {
        var out = JSONOut(capacity: 256)
        out.single(decision)
        return out.buffer
    }

    struct State: Sendable {
        var day: Day?
        var generation: UInt64 = 0
        var ledgerHead: Int64 = -1
        var marker: UInt64 = 0
        var revalidatedAt: ContinuousClock.Instant?
        var entries: [Key: Cached] = [:]
    }

    private let state = Mutex(State())

    init(engine: Engine, observed: ObservedStore, configuration: APIConfiguration,
         revalidation: (@Sendable () async throws -> (ledgerHead: Int64, marker: UInt64))? = nil) {
        self.engine = engine
        self.observed = observed
        self.configuration = configuration
        self.revalidation = revalidation ?? { [observed] in (try await observed.ledgerHead(), 0) }
    }



    /// Drops the cache if the world it was computed for has moved. Returns false if the ledger head
    /// needs checking against the store (at most once a revalidation interval).
    private func validate(today: Day, now: ContinuousClock.Instant) -> Bool {
        let generation = observed.standingsGeneration
        return state.withLock { state in
            if state.day != today || state.generation != generation {
                state.entries.removeAll(keepingCapacity: true)
                state.day = today
                state.generation = generation
            }
            // Until the first reading of the ledger head has landed every caller reads it (only at start), so that
            // no answer goes out before the position it reflects is known.
            guard state.ledgerHead >= 0, let last = state.revalidatedAt, now - last < .seconds(configuration.eligibilityRevalidateSeconds) else {
                state.revalidatedAt = now
                return false
            }
            return true
        }
    }

    private func revalidateIfDue(today: Day) async throws {
        let now = ContinuousClock.now
        if validate(today: today, now: now) { return }
        let (head, marker) = try await revalidation()
        state.withLock { state in
            if state.ledgerHead != head || state.marker != marker {
                state.entries.removeAll(keepingCapacity: true)
                state.ledgerHead = head
                state.marker = marker
            }
        }
    }

    private func cached(_ key: Key, now: ContinuousClock.Instant) -> (decision: EligibilityDecision, position: Int64)? {
        state.withLock { state in
            guard let hit = state.entries[key], now - hit.computedAt < .seconds(Self.entryLifetimeSeconds) else { return nil }
            return (hit.decision, state.ledgerHead)
        }
    }

    /// What the cache was valid for when a computation started: the commits counted and the last reading.
    private func validity() -> (generation: UInt64, head: Int64, marker: UInt64) {
        let generation = observed.standingsGeneration
        return state.withLock { (generation, $0.ledgerHead, $0.marker) }
    }

    private func remember(_ decisions: [EligibilityDecision], asked scheme: Scheme.ID?, validity: (generation: UInt64, head: Int64, marker: UInt64),
                          now: ContinuousClock.Instant) {
        state.withLock { state in
            // A commit landed, or a revalidation saw the store move, while these were computed: they may be
            // older than the cache now claims to be, so keep none of them.
            guard state.generation == validity.generation, state.ledgerHead == validity.head, state.marker == validity.marker else { return }
            if state.entries.count + decisions.count > configuration.eligibilityCacheEntriesMax { state.entries.removeAll(keepingCapacity: true) }
            for decision in decisions {
                state.entries[Key(subject: decision.subject, measure: decision.measure, scheme: scheme)] = Cached(decision: decision, json: Self.json(decision), computedAt: now)
            }
        }
    }

    /// The cached answer, if there is a fresh one: the hot path, one lock, no store read and no task.
    ///
    /// Every position returned is one the answer reflects at least: an entry in the cache was computed after
    /// the reading of the ledger head held with it (a reading that differs drops the cache under the same lock).
    func cachedAnswer(subject: Subject.ID, measure: Measure.ID, scheme: Scheme.ID? = nil) async throws -> (json: ByteBuffer, position: Int64)? {
        let today = engine.clock.today()
        let now = ContinuousClock.now
        let generation = observed.standingsGeneration
        let interval = Duration.seconds(configuration.eligibilityRevalidateSeconds)
        let hit: (json: ByteBuffer, position: Int64)?? = state.withLock { state in
            guard state.day == today, state.generation == generation, state.ledgerHead >= 0, let last = state.revalidatedAt, now - last < interval else {
                return .none
            }
            guard let hit = state.entries[Key(subject: subject, measure: measure, scheme: scheme)], now - hit.computedAt < .seconds(Self.entryLifetimeSeconds) else {
                return .some(nil)
            }
            return .some((hit.json, state.ledgerHead))
        }
        if case .some(let answer) = hit { return answer }
        try await revalidateIfDue(today: today)
        return state.withLock { state in
            guard let hit = state.entries[Key(subject: subject, measure: measure, scheme: scheme)], now - hit.computedAt < .seconds(Self.entryLifetimeSeconds) else {
                return nil
            }
            return (hit.json, state.ledgerHead)
        }
    }

    /// The decision for one subject, or nil if there is no such subject, with a ledger position it reflects at least.
    func decision(subject: Subject.ID, measure: Measure.ID, scheme: Scheme.ID? = nil) async throws -> (decision: EligibilityDecision?, position: Int64) {
        let today = engine.clock.today()
        try await revalidateIfDue(today: today)
        let now = ContinuousClock.now
        if let hit = cached(Key(subject: subject, measure: measure, scheme: scheme), now: now) { return (hit.decision, hit.position) }
        let validity = validity()
        do {
            let decision = try await engine.check(subject, measure: measure, scheme: scheme, asOf: today)
            remember([decision], asked: scheme, validity: validity, now: now)
            return (decision, validity.head)
        } catch let error as CivicError where error.code == .notFound && error.message.hasPrefix("no subject") {
            return (nil, validity.head)
        }
    }

    /// Decisions for many subjects in the order given (nil where there is no such subject), with a ledger position
    /// every one of them reflects at least.
    func decisions(subjects: [Subject.ID], measure: Measure.ID, scheme: Scheme.ID? = nil) async throws -> (decisions: [EligibilityDecision?], position: Int64) {
        let today = engine.clock.today()
        try await revalidateIfDue(today: today)
        let now = ContinuousClock.now
        var results = [EligibilityDecision?](repeating: nil, count: subjects.count)
        var missing: [Int] = []
        var position: Int64 = 0
        state.withLock { state in
            position = state.ledgerHead
            for (index, subject) in subjects.enumerated() {
                if let hit = state.entries[Key(subject: subject, measure: measure, scheme: scheme)], now - hit.computedAt < .seconds(Self.entryLifetimeSeconds) {
                    results[index] = hit.decision
                } else {
                    missing.append(index)
                }
            }
        }
        guard !missing.isEmpty else { return (results, position) }
        let validity = validity()
        let computed = try await engine.check(missing.map { subjects[$0] }, measure: measure, scheme: scheme, asOf: today)
        for index in missing { results[index] = computed[subjects[index]] }
        remember(Array(computed.values), asked: scheme, validity: validity, now: now)
        return (results, min(position, validity.head))
    }
}
