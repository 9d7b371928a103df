import Benchmark
import CivicCore
import CivicLog
import CivicSQLite
import CivicTesting
import Foundation
import GRDB

// Target 1: durable ingest of approved reports. Each iteration commits one batch
// of `BenchSettings.ingestBatch` approved reports (an entry and the subject's
// updated standing each) to a file-backed database in WAL mode with
// synchronous=FULL, the store's defaults.
//
// `SQLiteStore.commit` is measured beside raw GRDB: the same rows, bound from the
// same values by one prepared statement per table, in one immediate transaction
// on a database whose schema was made by the store's own migrations (same
// columns, indexes, constraints and guard triggers), opened by the store with
// the same configuration. What remains between the two is the store's own work:
// the ledger-head and sequence checks, its row encoding, its error mapping.

/// One database and the ledger position reached so far; a benchmark's iterations run one after another.
final class IngestState {
    let store: SQLiteStore
    let batch: Int
    var head: Int64 = 0
    var round = 0

    /// A new database with `batch` subjects registered: each commit updates every one of their standings.
    init(file: String, batch: Int) async throws {
        store = try SQLiteStore(path: try BenchSettings.freshDatabase(file))
        self.batch = batch
        var registry = ChangeSet()
        registry.jurisdictions = [BenchWorld.jurisdiction()]
        registry.actors = BenchWorld.actors()
        registry.subjects = (0..<batch).map(BenchWorld.subject)
        try await store.commit(registry)
    }

    /// The next batch: one entry per subject continuing the ledger, and the standing it leads to.
    func nextBatch() -> ChangeSet {
        var changes = ChangeSet(expectedLedgerHead: head)
        changes.entries.reserveCapacity(batch)
        changes.standings.reserveCapacity(batch)
        for index in 0..<batch {
            let entry = BenchWorld.entry(subject: index, round: round % 12, sequence: head + 1 + Int64(index))
            changes.entries.append(entry)
            changes.standings.append(ingestStanding(after: entry, round: round))
        }
        head += Int64(batch)
        round += 1
        // Every adverse deed is announced by a notice in the same commit, as the stores require.
        changes.announceAdverseEntries()
        return changes
    }
}

/// A plausible standing after `entry`: what the engine stores when a report is entered.
func ingestStanding(after entry: Entry, round: Int) -> Standing {
    let score = Points(1000) + entry.points
    return Standing(
        subject: entry.subject, scheme: entry.scheme, asOf: entry.effectiveOn, score: score,
        grade: rongchengGrade(score), activeEntries: round + 1, activeRules: entry.rule.map { [$0] } ?? [],
        lastSequence: entry.sequence,
        earned: EarnedPoints(year: entry.effectiveOn.year, thisYear: entry.points.isPositive ? entry.points : .zero))
}

func rongchengGrade(_ score: Points) -> Grade {
    switch score.hundredths {
    case 105_000...: "AAA"
    case 103_000...: "AA"
    case 96_000...: "A"
    case 85_000...: "B"
    case 60_000...: "C"
    default: "D"
    }
}

/// The baseline: the same rows through bare GRDB prepared statements.
enum RawIngest {
    static let entrySQL = """
        INSERT INTO entry (sequence, id, kind, subject, scheme, handbook_jurisdiction, handbook_version, rule, category, \
        points, dimension, stars, occurred_on, effective_on, expires_on, grade_cap, report, decisions, referenced_entry, \
        recorded_on, recorded_by, note) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
        """
    static let standingColumns = [
        "subject", "scheme", "as_of", "score", "grade", "lock_grade", "lock_since", "lock_until", "capped_by", "dimensions",
        "active_entries", "active_rules", "last_sequence", "earned_year", "earned_this_year", "earned_previous_year",
        "quota_year", "quota_required", "quota_earned", "quota_exempt_members", "quota_members", "listing_count",
    ]
    static let standingSQL = """
        INSERT INTO standing (\(standingColumns.joined(separator: ", "))) \
        VALUES (\(Array(repeating: "?", count: standingColumns.count).joined(separator: ", "))) \
        ON CONFLICT (subject, scheme) DO UPDATE SET \
        \(standingColumns.dropFirst(2).map { "\($0) = excluded.\($0)" }.joined(separator: ", "))
        """

    static func commit(_ changes: ChangeSet, to writer: any DatabaseWriter) throws {
        try writer.writeWithoutTransaction { db in
            try db.inTransaction(.immediate) {
                let notices = try db.cachedStatement(sql: noticeSQL)
                for notice in changes.notices { try notices.execute(arguments: try arguments(notice)) }
                let entries = try db.cachedStatement(sql: entrySQL)
                for entry in changes.entries { try entries.execute(arguments: arguments(entry)) }
                let standings = try db.cachedStatement(sql: standingSQL)
                for standing in changes.standings { try standings.execute(arguments: arguments(standing)) }
                return .commit
            }
        }
    }

    static let noticeSQL = "INSERT INTO notice (id, subject, entry, created_on, body) VALUES (?, ?, ?, ?, ?)"

    static func arguments(_ notice: Notice) throws -> StatementArguments {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return [notice.id.rawValue, notice.subject.rawValue, notice.entry?.rawValue, Int64(notice.createdOn.ordinal),
                String(decoding: try encoder.encode(notice), as: UTF8.self)]
    }

    static func arguments(_ entry: Entry) -> StatementArguments {
        [entry.sequence, entry.id.rawValue, entry.kind.rawValue, entry.subject.rawValue, entry.scheme.rawValue,
         entry.handbookJurisdiction.rawValue, entry.handbookVersion, entry.rule?.rawValue, entry.category,
         entry.points.hundredths, entry.dimension?.rawValue, entry.stars, entry.occurredOn.map { Int64($0.ordinal) },
         Int64(entry.effectiveOn.ordinal), entry.expiresOn.map { Int64($0.ordinal) }, entry.gradeCap?.rawValue,
         entry.report?.rawValue, jsonArray(entry.decisions.map(\.rawValue)), entry.references?.rawValue,
         Int64(entry.recordedOn.ordinal), entry.recordedBy.rawValue, entry.note]
    }

    static func arguments(_ standing: Standing) -> StatementArguments {
        [standing.subject.rawValue, standing.scheme.rawValue, Int64(standing.asOf.ordinal), standing.score.hundredths,
         standing.grade?.rawValue, standing.lock?.grade.rawValue, standing.lock.map { Int64($0.since.ordinal) },
         standing.lock.map { Int64($0.until.ordinal) }, standing.cappedBy?.rawValue, "{}", standing.activeEntries,
         jsonArray(standing.activeRules.map(\.rawValue)), standing.lastSequence, standing.earned.year,
         standing.earned.thisYear.hundredths, standing.earned.previousYear.hundredths, standing.quota?.year,
         standing.quota?.required.hundredths, standing.quota?.earned.hundredths, standing.quota?.exemptMembers,
         standing.quota?.members, standing.listings.count]
    }

    /// Identifiers never need escaping (`Identifier.syntax`), so the JSON is plain concatenation.
    static func jsonArray(_ values: [String]) -> String {
        values.isEmpty ? "[]" : "[\"" + values.joined(separator: "\",\"") + "\"]"
    }
}

func registerIngestBenchmarks() {
    let batch = BenchSettings.ingestBatch
    let configuration = Benchmark.Configuration(
        metrics: [.wallClock, .throughput, .cpuTotal], warmupIterations: 1,
        maxDuration: .seconds(15), maxIterations: 25)
    var ours: IngestState?
    Benchmark("Ingest: SQLiteStore.commit", configuration: configuration) { benchmark in
        guard let state = ours else { return benchmark.error("setup did not run") }
        let changes = state.nextBatch()
        benchmark.startMeasurement()
        try await state.store.commit(changes)
        benchmark.stopMeasurement()
    } setup: {
        ours = try await IngestState(file: "ingest-store.sqlite", batch: batch)
    } teardown: {
        ours = nil
    }

    // The log's share, measured in pairs: each iteration commits the same kind of batch to two databases, one with
    // the transparency log and one without, in alternating order, and records both times and their ratio. A pair runs
    // within a second, so a neighbour's load falls on both halves alike; the median ratio is the figure.
    var pairs: (logged: IngestState, unlogged: IngestState)?
    var turn = 0
    let pairMetrics: [BenchmarkMetric] = [
        .custom("commit with the log (us)"), .custom("commit without the log (us)"), .custom("with / without (per mille)"),
    ]
    Benchmark("Ingest: with and without the log, in pairs",
              configuration: .init(metrics: pairMetrics, warmupIterations: 1, maxDuration: .seconds(40), maxIterations: 40)) { benchmark in
        guard let (logged, unlogged) = pairs else { return benchmark.error("setup did not run") }
        let withLog = logged.nextBatch()
        var withoutLog = unlogged.nextBatch()
        withoutLog.appendsToLog = false
        func timed(_ work: () async throws -> Void) async rethrows -> Int {
            let start = ContinuousClock.now
            try await work()
            let elapsed = ContinuousClock.now - start
            return Int(elapsed.components.seconds) * 1_000_000 + Int(elapsed.components.attoseconds / 1_000_000_000_000)
        }
        turn += 1
        let (a, b): (Int, Int)
        if turn.isMultiple(of: 2) {
            a = try await timed { try await logged.store.commit(withLog) }
            b = try await timed { try await unlogged.store.commit(withoutLog) }
        } else {
            b = try await timed { try await unlogged.store.commit(withoutLog) }
            a = try await timed { try await logged.store.commit(withLog) }
        }
        benchmark.measurement(pairMetrics[0], a)
        benchmark.measurement(pairMetrics[1], b)
        benchmark.measurement(pairMetrics[2], a * 1000 / max(b, 1))
    } setup: {
        pairs = (try await IngestState(file: "ingest-pair-logged.sqlite", batch: batch),
                 try await IngestState(file: "ingest-pair-unlogged.sqlite", batch: batch))
    } teardown: {
        pairs = nil
    }

    // The log's work in Swift alone for one such commit: the records' canonical bytes and their leaf hashes.
    var hashing: IngestState?
    Benchmark("Ingest: profile leaf hashes of one commit", configuration: configuration) { benchmark in
        guard let state = hashing else { return benchmark.error("setup did not run") }
        let changes = state.nextBatch()
        benchmark.startMeasurement()
        let leaves = changes.loggedRecords.map { Merkle.leafHash($0.bytes) }
        benchmark.stopMeasurement()
        blackHole(leaves)
    } setup: {
        hashing = try await IngestState(file: "ingest-hashing.sqlite", batch: batch)
    } teardown: {
        hashing = nil
    }

    var raw: IngestState?
    Benchmark("Ingest: baseline raw GRDB inserts", configuration: configuration) { benchmark in
        guard let state = raw else { return benchmark.error("setup did not run") }
        let changes = state.nextBatch()
        benchmark.startMeasurement()
        try RawIngest.commit(changes, to: state.store.writer)
        benchmark.stopMeasurement()
    } setup: {
        raw = try await IngestState(file: "ingest-baseline.sqlite", batch: batch)
    } teardown: {
        raw = nil
    }
}
