import Benchmark
import CivicCore
import CivicPostgres
import CivicTesting
import Foundation

// The same figures on PostgreSQL, registered only when CIVIC_BENCH_POSTGRES_URL
// names a database (scripts/bench-postgres starts a throwaway server and sets it).
// Each benchmark works in its own schema of that database: `bench_ingest`, and
// `bench_cycle_<subjects>x<entries>` for the cycle-close data, which is built
// once per scale and kept (rebuilt if its ledger, subjects or standings are incomplete).
//
// - Ingest: the same batches as "Ingest: SQLiteStore.commit" through `PostgresStore.commit`.
// - Cycle: `Engine.closeCycle` on the same generated population, and the
//   store's `ledgers` read pass alone.
// - Rebuild: `Engine.refreshStandings`, every standing folded again from the ledger.

enum PostgresBench {
    static let url = ProcessInfo.processInfo.environment["CIVIC_BENCH_POSTGRES_URL"].flatMap { $0.isEmpty ? nil : $0 }

    static func settings(schema: String) throws -> PostgresSettings {
        guard let url else { throw CivicError(.notFound, "CIVIC_BENCH_POSTGRES_URL is not set") }
        return try PostgresSettings(url: url).inSchema(schema)
    }
}

/// An ingest database on a fresh schema, as `IngestState` for SQLite.
final class PostgresIngestState {
    let store: PostgresStore
    let batch: Int
    var head: Int64 = 0
    var round = 0

    init(batch: Int) async throws {
        let settings = try PostgresBench.settings(schema: "bench_ingest")
        try await PostgresScratch.drop(settings)
        store = try await PostgresStore(settings: settings)
        self.batch = batch
        var registry = ChangeSet()
        registry.jurisdictions = [BenchWorld.jurisdiction()]
        registry.actors = BenchWorld.actors()
        registry.subjects = (0..<batch).map(BenchWorld.subject)
        try await store.commit(registry)
    }

    func nextBatch() -> ChangeSet {
        var changes = ChangeSet(expectedLedgerHead: head)
        for index in 0..<batch {
            let entry = BenchWorld.entry(subject: index, round: round % 12, sequence: head + 1 + Int64(index))
            changes.entries.append(entry)
            changes.standings.append(ingestStanding(after: entry, round: round))
        }
        head += Int64(batch)
        round += 1
        changes.announceAdverseEntries()
        return changes
    }
}

/// The cycle-close population on PostgreSQL, built through the store itself.
final class PostgresCycleDatabase {
    let store: PostgresStore
    let subjects: Int

    private init(store: PostgresStore, subjects: Int) {
        self.store = store
        self.subjects = subjects
    }

    nonisolated(unsafe) static var shared: PostgresCycleDatabase?

    static func load() async throws -> PostgresCycleDatabase {
        if let database = shared { return database }
        let subjects = BenchSettings.cycleSubjects, perSubject = BenchSettings.cycleEntriesPerSubject
        let settings = try PostgresBench.settings(schema: "bench_cycle_\(subjects)x\(perSubject)_v2")
        var store = try await PostgresStore(settings: settings)
        let head = try await store.ledgerHead(), count = try await store.subjectCount()
        let standings = try await store.standings(after: nil, limit: 1)
        if head != Int64(subjects * perSubject) || count != subjects || standings.isEmpty {
            await store.close()
            try await PostgresScratch.drop(settings)
            store = try await PostgresStore(settings: settings)
            try await build(store, subjects: subjects, perSubject: perSubject)
        }
        let database = PostgresCycleDatabase(store: store, subjects: subjects)
        shared = database
        return database
    }

    /// Registry and handbook through the engine; subjects and entries through
    /// `PostgresStore.commit` in pages of 50,000 (the schema's constraints and
    /// triggers check every row); a sample read back; then one refresh.
    static func build(_ store: PostgresStore, subjects: Int, perSubject: Int) async throws {
        let started = ContinuousClock.now
        log("building \(subjects) subjects x \(perSubject) entries on PostgreSQL (kept for later runs)")
        let engine = Engine(store: store, clock: FixedDayClock(BenchWorld.registeredOn))
        _ = try await engine.register(BenchWorld.jurisdiction())
        for actor in BenchWorld.actors() { _ = try await engine.addActor(actor) }
        _ = try await engine.publish(BenchWorld.handbook(), source: "# built in Swift by CivicBenchmarks", by: BenchWorld.administrator)
        let chunk = 50_000
        for start in stride(from: 0, to: subjects, by: chunk) {
            var changes = ChangeSet()
            changes.subjects = (start..<min(start + chunk, subjects)).map(BenchWorld.subject)
            try await store.commit(changes)
        }
        log("subjects written after \(started.duration(to: .now))")
        var head: Int64 = 0
        for round in 0..<perSubject {
            for start in stride(from: 0, to: subjects, by: chunk) {
                var changes = ChangeSet(expectedLedgerHead: head)
                changes.entries = (start..<min(start + chunk, subjects)).map { index in
                    BenchWorld.entry(subject: index, round: round, sequence: BenchWorld.sequence(subject: index, round: round, subjects: subjects))
                }
                changes.announceAdverseEntries()
                try await store.commit(changes)
                head = changes.entries.last!.sequence
            }
            log("entry round \(round + 1)/\(perSubject) written after \(started.duration(to: .now))")
        }
        for index in Set([0, subjects / 2, subjects - 1]) {
            let expected = (0..<perSubject).map { round in
                BenchWorld.entry(subject: index, round: round, sequence: BenchWorld.sequence(subject: index, round: round, subjects: subjects))
            }
            let stored = try await store.entries(subject: BenchWorld.subjectID(index))
            precondition(stored == expected, "subject \(index) does not read back")
        }
        let refresh = try await Engine(store: store, clock: FixedDayClock(BenchWorld.asOf)).refreshStandings()
        precondition(refresh.standingsComputed == subjects, "the first refresh computed \(refresh.standingsComputed) standings")
        log("standings refreshed after \(started.duration(to: .now)); ANALYZE")
        try await PostgresScratch.execute(["ANALYZE"], on: try PostgresBench.settings(schema: "bench_cycle_\(subjects)x\(perSubject)_v2"))
    }

    func nextMonth() async throws -> Month {
        let closed = try await store.cycles().filter { $0.jurisdiction == BenchWorld.city }.map(\.month).max()
        return closed?.next ?? Month(year: 2026, month: 1)!
    }
}

func registerPostgresBenchmarks() {
    guard PostgresBench.url != nil else { return }
    let batch = BenchSettings.ingestBatch
    let ingest = Benchmark.Configuration(
        metrics: [.wallClock, .throughput, .cpuTotal], warmupIterations: 1, maxDuration: .seconds(15), maxIterations: 25)
    var ingestState: PostgresIngestState?
    Benchmark("Ingest: PostgresStore.commit", configuration: ingest) { benchmark in
        guard let state = ingestState else { return benchmark.error("setup did not run") }
        let changes = state.nextBatch()
        benchmark.startMeasurement()
        try await state.store.commit(changes)
        benchmark.stopMeasurement()
    } setup: {
        ingestState = try await PostgresIngestState(batch: batch)
    } teardown: {
        await ingestState?.store.close()
        ingestState = nil
    }

    let cycle = Benchmark.Configuration(
        metrics: [.wallClock, .throughput, .cpuTotal, .peakMemoryResident], warmupIterations: 0,
        maxDuration: .seconds(3_600), maxIterations: BenchSettings.cycleIterations)

    var closing: PostgresCycleDatabase?
    Benchmark("Cycle: Engine.closeCycle on PostgreSQL", configuration: cycle) { benchmark in
        guard let database = closing else { return benchmark.error("setup did not run") }
        let month = try await database.nextMonth()
        let engine = Engine(store: database.store, clock: FixedDayClock(month.lastDay))
        let pages = PageClock()
        benchmark.startMeasurement()
        let summary = try await engine.closeCycle(BenchWorld.city, month: month, by: BenchWorld.administrator) { _ in pages.tick() }
        benchmark.stopMeasurement()
        log("PostgreSQL closed \(month): \(summary.standingsComputed) standings; \(pages.report())")
        guard summary.standingsComputed == database.subjects else {
            return benchmark.error("closing \(month) computed \(summary.standingsComputed) standings, expected \(database.subjects)")
        }
    } setup: {
        closing = try await PostgresCycleDatabase.load()
    } teardown: {
        closing = nil
        PostgresCycleDatabase.shared = nil
    }

    var reading: PostgresCycleDatabase?
    Benchmark("Cycle: profile store.ledgers read pass on PostgreSQL", configuration: cycle) { benchmark in
        guard let database = reading else { return benchmark.error("setup did not run") }
        var cursor: Subject.ID?
        var subjects = 0, entries = 0
        let started = ContinuousClock.now
        benchmark.startMeasurement()
        while true {
            let page = try await database.store.ledgers(after: cursor, limit: 5_000)
            guard let last = page.last else { break }
            cursor = last.subject.id
            subjects += page.count
            for ledger in page { entries += ledger.entries.count }
        }
        benchmark.stopMeasurement()
        log("PostgreSQL read \(subjects) ledgers with \(entries) entries in \(started.duration(to: .now))")
    } setup: {
        reading = try await PostgresCycleDatabase.load()
    } teardown: {
        reading = nil
        PostgresCycleDatabase.shared = nil
    }

    var rebuilding: PostgresCycleDatabase?
    Benchmark("Rebuild: Engine.refreshStandings on PostgreSQL", configuration: cycle) { benchmark in
        guard let database = rebuilding else { return benchmark.error("setup did not run") }
        let engine = Engine(store: database.store, clock: FixedDayClock(try await database.nextMonth().lastDay))
        benchmark.startMeasurement()
        let summary = try await engine.refreshStandings()
        benchmark.stopMeasurement()
        guard summary.standingsComputed == database.subjects else {
            return benchmark.error("the refresh computed \(summary.standingsComputed) standings, expected \(database.subjects)")
        }
    } setup: {
        rebuilding = try await PostgresCycleDatabase.load()
    } teardown: {
        rebuilding = nil
        PostgresCycleDatabase.shared = nil
    }
}
