import CivicCore
import CivicSQLite
import CivicTesting
import Foundation
import GRDB
import Testing

/// Measures a batched commit of entries and standings against raw GRDB
/// prepared inserts of the same rows into the same tables and indexes.
///
/// Opt-in (it writes hundreds of thousands of rows): set
/// `CIVIC_SQLITE_PERFORMANCE=<rows>` and run in release,
/// `swift test -c release -Xswiftc -enable-testing --filter CommitPerformance`.
@Suite("Commit performance", .serialized, .enabled(if: ProcessInfo.processInfo.environment["CIVIC_SQLITE_PERFORMANCE"] != nil))
struct CommitPerformanceTests {
    static var rowCount: Int { Int(ProcessInfo.processInfo.environment["CIVIC_SQLITE_PERFORMANCE"] ?? "") ?? 100_000 }

    /// Proves the store's commit reaches at least half the speed of raw prepared inserts.
    @Test func commitKeepsUpWithRawInserts() async throws {
        let count = Self.rowCount
        let subjects = (0..<count).map { makeSubject(id: Subject.ID("subject-\(1_000_000 + $0)")) }
        let entries = (0..<count).map {
            makeEntry(sequence: Int64($0 + 1), subject: subjects[$0].id, rule: "4.1", category: "sanitation", report: "report-1",
                      decisions: ["decision-1"])
        }
        let standings = (0..<count).map {
            makeStanding(subject: subjects[$0].id, dimensions: ["courtyard": Points(3)], activeEntries: 1, activeRules: ["4.1"],
                         lastSequence: Int64($0 + 1))
        }
        let directory = try TemporaryDirectory()

        // The store: one commit of the subjects first, then entries and standings batched in one commit.
        let store = try SQLiteStore(path: directory.newDatabasePath())
        var registry = ChangeSet()
        registry.subjects = subjects
        try await store.commit(registry)
        var batch = ChangeSet(expectedLedgerHead: 0)
        batch.entries = entries
        batch.announceAdverseEntries()
        batch.standings = standings
        let storeStart = ContinuousClock.now
        try await store.commit(batch)
        let storeTime = ContinuousClock.now - storeStart

        // Raw GRDB: same columns and indexes, no triggers or foreign keys, cached statements.
        let raw = try DatabasePool(path: directory.newDatabasePath())
        try await raw.write { db in
            try db.execute(sql: """
                CREATE TABLE entry (sequence INTEGER PRIMARY KEY, id TEXT NOT NULL UNIQUE, kind TEXT, subject TEXT, scheme TEXT,
                    handbook_jurisdiction TEXT, handbook_version INTEGER, rule TEXT, category TEXT, points INTEGER, dimension TEXT,
                    stars INTEGER, occurred_on INTEGER, effective_on INTEGER, expires_on INTEGER, grade_cap TEXT, report TEXT,
                    decisions TEXT, referenced_entry TEXT, recorded_on INTEGER, recorded_by TEXT, note TEXT);
                CREATE INDEX entry_by_subject ON entry (subject, sequence);
                CREATE TABLE standing (subject TEXT NOT NULL, scheme TEXT NOT NULL, as_of INTEGER, score INTEGER, grade TEXT,
                    lock_grade TEXT, lock_since INTEGER, lock_until INTEGER, capped_by TEXT, dimensions TEXT, active_entries INTEGER,
                    active_rules TEXT, last_sequence INTEGER, earned_year INTEGER, earned_this_year INTEGER,
                    earned_previous_year INTEGER, quota_year INTEGER, quota_required INTEGER, quota_earned INTEGER,
                    quota_exempt_members INTEGER, quota_members INTEGER, PRIMARY KEY (subject, scheme)) WITHOUT ROWID;
                """)
        }
        try await raw.writeWithoutTransaction { db in try db.execute(sql: "PRAGMA synchronous = FULL") }
        let rawStart = ContinuousClock.now
        try await raw.write { db in
            let insertEntry = try db.cachedStatement(sql: "INSERT INTO entry VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")
            for entry in entries {
                try insertEntry.execute(arguments: [
                    entry.sequence, entry.id.rawValue, entry.kind.rawValue, entry.subject.rawValue, entry.scheme.rawValue,
                    entry.handbookJurisdiction.rawValue, entry.handbookVersion, entry.rule?.rawValue, entry.category,
                    entry.points.hundredths, entry.dimension?.rawValue, entry.stars, entry.occurredOn.map { Int64($0.ordinal) },
                    Int64(entry.effectiveOn.ordinal), entry.expiresOn.map { Int64($0.ordinal) }, entry.gradeCap?.rawValue,
                    entry.report?.rawValue, "[\"decision-1\"]", entry.references?.rawValue, Int64(entry.recordedOn.ordinal),
                    entry.recordedBy.rawValue, entry.note,
                ])
            }
            let insertStanding = try db.cachedStatement(sql: "INSERT INTO standing VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")
            for standing in standings {
                try insertStanding.execute(arguments: [
                    standing.subject.rawValue, standing.scheme.rawValue, Int64(standing.asOf.ordinal), standing.score.hundredths,
                    standing.grade?.rawValue, nil, nil, nil, nil, "{\"courtyard\":300}", standing.activeEntries, "[\"4.1\"]",
                    standing.lastSequence, standing.earned.year, standing.earned.thisYear.hundredths,
                    standing.earned.previousYear.hundredths, nil, nil, nil, nil, nil,
                ])
            }
        }
        let rawTime = ContinuousClock.now - rawStart

        let ratio = rawTime / storeTime
        print("commit of \(count) entries + \(count) standings: store \(storeTime), raw GRDB \(rawTime), store speed \(Int(ratio * 100))% of raw")
        #expect(ratio >= 0.5)
        #expect(try await store.ledgerHead() == Int64(count))

        // A cycle close replaces standings that exist; one in a hundred is listed.
        var replacement = ChangeSet()
        replacement.standings = standings.enumerated().map { offset, standing in
            var next = standing
            next.asOf = next.asOf.adding(days: 30)
            if offset % 100 == 0 { next.listings = [makeListing()] }
            return next
        }
        let replaceStart = ContinuousClock.now
        try await store.commit(replacement)
        print("replacing \(count) standings: \(ContinuousClock.now - replaceStart)")
        #expect(try await store.listings(on: .black, activeOn: makeDay("2026-04-01"), limit: count).count == count / 100)
    }

    /// Measures a full rebuild scan: `ledgers(after:limit:)` over every subject in pages of 5,000.
    @Test func ledgerScan() async throws {
        let count = Self.rowCount
        let directory = try TemporaryDirectory()
        let store = try SQLiteStore(path: directory.newDatabasePath())
        var set = ChangeSet(expectedLedgerHead: 0)
        set.subjects = (0..<count).map { makeSubject(id: Subject.ID("subject-\(1_000_000 + $0)")) }
        set.entries = (0..<(count * 3)).map { makeEntry(sequence: Int64($0 + 1), subject: Subject.ID("subject-\(1_000_000 + ($0 * 7919) % count)")) }
        set.announceAdverseEntries()
        set.standings = (0..<count).map { makeStanding(subject: Subject.ID("subject-\(1_000_000 + $0)")) }
        try await store.commit(set)

        let start = ContinuousClock.now
        var cursor: Subject.ID?
        var subjects = 0, entries = 0
        for _ in 0...(count / 5_000 + 1) {
            let page = try await store.ledgers(after: cursor, limit: 5_000)
            guard let last = page.last else { break }
            subjects += page.count
            entries += page.reduce(0) { $0 + $1.entries.count }
            cursor = last.subject.id
        }
        print("scanned \(subjects) subjects and \(entries) entries in \(ContinuousClock.now - start)")
        #expect(subjects == count)
        #expect(entries == count * 3)
    }
}
