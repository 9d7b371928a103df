import CivicCore
@testable import CivicSQLite
import CivicTesting
import Foundation
import GRDB
import Testing

/// What only the SQLite store promises: the database itself guards the ledger,
/// the file is configured for durability, and the schema survives reopening.
@Suite("SQLite store")
struct SQLiteStoreTests {
    /// A store holding two subjects, two entries, a report with a decision, a handbook, a cycle and a standing.
    static func populated(_ store: SQLiteStore) async throws {
        try await store.commit({
            var set = ChangeSet(expectedLedgerHead: 0)
            set.jurisdictions = [makeJurisdiction()]
            set.subjects = [makeSubject(), makeSubject(id: "subject-2")]
            set.actors = [makeActor()]
            set.handbooks = [makePublishedHandbook()]
            set.reports = [makeReport()]
            set.decisions = [makeDecision()]
            set.entries = [makeEntryWithEveryField(sequence: 1), makeEntry(sequence: 2, subject: "subject-2")]
            set.announceAdverseEntries()
            set.standings = [makeStandingWithEveryField()]
            set.cycles = [makeCycle()]
            return set
        }())
    }

    /// Proves that raw SQL cannot rewrite history: UPDATE, DELETE and REPLACE of
    /// entries, decisions, handbooks and cycles, and UPDATE of a report's
    /// content, are refused by triggers; a report's status may change.
    @Test func databaseRefusesToRewriteHistory() async throws {
        let store = try SQLiteStore.inMemory()
        try await Self.populated(store)
        let refused = [
            "UPDATE entry SET points = 500 WHERE sequence = 1",
            "UPDATE entry SET note = 'x'",
            "DELETE FROM entry WHERE sequence = 2",
            "DELETE FROM entry",
            "INSERT OR REPLACE INTO entry SELECT 3, id, kind, subject, scheme, handbook_jurisdiction, handbook_version, rule, category, 0, dimension, stars, occurred_on, effective_on, expires_on, grade_cap, report, decisions, referenced_entry, recorded_on, recorded_by, note FROM entry WHERE sequence = 1",
            "INSERT INTO entry (sequence, id, kind, subject, scheme, handbook_jurisdiction, handbook_version, points, effective_on, recorded_on, recorded_by) VALUES (5, 'gap', 'deed', 'subject-1', 'civic', 'rongcheng', 1, 0, 0, 0, 'admin-1')",
            "INSERT INTO entry (id, kind, subject, scheme, handbook_jurisdiction, handbook_version, points, effective_on, recorded_on, recorded_by) VALUES ('auto', 'deed', 'subject-1', 'civic', 'rongcheng', 1, 0, 0, 0, 'admin-1')",
            "UPDATE decision SET outcome = 'reject'",
            "DELETE FROM decision",
            "UPDATE report SET statement = 'rewritten'",
            "UPDATE report SET subject = 'subject-2', status = 'entered'",
            "DELETE FROM report",
            "INSERT OR REPLACE INTO report (id, subject, scheme, rule, handbook_jurisdiction, handbook_version, reporter, reporter_role, occurred_on, filed_on, cycle, statement) VALUES ('report-1', 'subject-2', 'civic', '4.1', 'rongcheng', 1, 'x', 'assessor', 0, 0, '2026-03', 'other')",
            "UPDATE handbook SET source = 'rewritten'",
            "DELETE FROM handbook",
            "UPDATE cycle SET closed_by = 'someone'",
            "DELETE FROM cycle",
        ]
        let before = try await StoreSnapshot.capture(store)
        for sql in refused {
            #expect(throws: DatabaseError.self, "\(sql)") {
                try store.writer.write { db in try db.execute(sql: sql) }
            }
        }
        #expect(try await StoreSnapshot.capture(store) == before)
        #expect(try store.integrityCheck() == [])

        try await store.writer.write { db in try db.execute(sql: "UPDATE report SET status = 'entered' WHERE id = 'report-1'") }
        #expect(try await store.report("report-1")?.status == .entered)
    }

    /// Proves standings, being projections, may be deleted by raw SQL, and that
    /// their listings go with them (by trigger, as there is no foreign key).
    @Test func projectionsMayBeReplaced() async throws {
        let store = try SQLiteStore.inMemory()
        try await Self.populated(store)
        try await store.writer.write { db in try db.execute(sql: "DELETE FROM standing") }
        #expect(try await store.standings(subject: "subject-1") == [])
        let listings = try await store.writer.read { db in try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM listing") }
        #expect(listings == 0)
    }

    /// Proves a subject's snapshot read on the asking thread (`PointReaders`) is the one the pool reads, sees a
    /// commit made through the pool at once, and that a point read never waits for a busy connection.
    @Test func pointReadsMatchThePoolsReads() async throws {
        let directory = try TemporaryDirectory()
        let path = directory.newDatabasePath()
        let store = try SQLiteStore(path: path, options: .init(pointReaders: 2))
        let pooled = try SQLiteStore(path: path, options: .init(pointReaders: 0))
        let readers = try #require(store.pointReaders)
        #expect(pooled.pointReaders == nil)
        #expect(try await store.subjectSnapshot("subject-1") == nil)
        try await Self.populated(store)
        let snapshot = try #require(try await store.subjectSnapshot("subject-1"))
        #expect(snapshot.standings == [makeStandingWithEveryField()])
        #expect(snapshot.lastEntry == 1)
        #expect(snapshot.catalog == CatalogVersion(handbooks: 1, jurisdictions: 1))
        #expect(try await pooled.subjectSnapshot("subject-1") == snapshot)
        try await pooled.commit({
            var set = ChangeSet(expectedLedgerHead: 2)
            set.entries = [makeEntry(sequence: 3)]
            set.announceAdverseEntries()
            return set
        }())
        #expect(try await store.subjectSnapshot("subject-1")?.lastEntry == 3, "another connection's commit is seen by the next point read")
        var thirdFoundOne: Bool?
        _ = try readers.read { _ in try readers.read { _ in thirdFoundOne = try readers.read { _ in true } != nil } }
        #expect(thirdFoundOne == false, "with both connections taken, a third point read gives up at once")
        #expect(try readers.read { _ in true } == true, "and both are idle again afterwards")
    }

    /// Proves opening the same file twice runs the migrations once and keeps the data.
    @Test func migrationsAreIdempotentAndDataSurvivesReopening() async throws {
        let directory = try TemporaryDirectory()
        let path = directory.newDatabasePath()
        var before: StoreSnapshot?
        do {
            let store = try SQLiteStore(path: path)
            try await Self.populated(store)
            before = try await StoreSnapshot.capture(store)
        }
        let reopened = try SQLiteStore(path: path)
        #expect(try await StoreSnapshot.capture(reopened) == before)
        let second = try SQLiteStore(path: path)
        let migrations = try await second.writer.read { db in try String.fetchAll(db, sql: "SELECT identifier FROM grdb_migrations ORDER BY rowid") }
        #expect(migrations == ["v1-registry", "v1-workflow", "v1-ledger", "v1-projections", "v2-due-process", "v3-transparency-log", "v4-log-leaves-in-tiles", "v5-standings-hold", "v6-entry-cap-terms"])
        #expect(try second.integrityCheck() == [])

        try await reopened.commit({
            var set = ChangeSet(expectedLedgerHead: 2)
            set.entries = [makeEntry(sequence: 3)]
            set.announceAdverseEntries()
            return set
        }())
        #expect(try await second.ledgerHead() == 3)
    }

    /// Proves a database written by a newer program (an unknown migration) is refused, not erased.
    @Test func newerSchemaIsRefused() async throws {
        let directory = try TemporaryDirectory()
        let path = directory.newDatabasePath()
        do {
            let store = try SQLiteStore(path: path)
            try await Self.populated(store)
            try await store.writer.write { db in try db.execute(sql: "INSERT INTO grdb_migrations (identifier) VALUES ('v99-future')") }
        }
        let error = #expect(throws: CivicError.self) { try SQLiteStore(path: path) }
        #expect(error?.code == .storage)
        let raw = try DatabaseQueue(path: path)
        let entries = try await raw.read { db in try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM entry") }
        #expect(entries == 2)
    }

    /// Proves the file is opened in WAL mode with synchronous FULL, foreign keys
    /// and recursive triggers on, for the writer and for readers; NORMAL is an option.
    @Test func durabilityPragmasAreInEffect() async throws {
        let directory = try TemporaryDirectory()
        let store = try SQLiteStore(path: directory.newDatabasePath())
        @Sendable func pragmas(_ db: Database) throws -> [String] {
            try ["journal_mode", "synchronous", "foreign_keys", "recursive_triggers"].map {
                try String.fetchOne(db, sql: "PRAGMA \($0)") ?? "?"
            }
        }
        // synchronous: 2 is FULL, 1 is NORMAL.
        #expect(try await store.writer.write { try pragmas($0) } == ["wal", "2", "1", "1"])
        #expect(try await store.writer.read { try pragmas($0) } == ["wal", "2", "1", "1"])

        let normal = try SQLiteStore(path: directory.newDatabasePath(), options: .init(synchronous: .normal))
        #expect(try await normal.writer.write { try pragmas($0) } == ["wal", "1", "1", "1"])
    }

    /// Proves a commit that fails on its last row (the database finds the
    /// duplicate, not a pre-check) leaves the file unchanged, also after reopening.
    @Test func failingCommitLeavesFileUnchanged() async throws {
        let directory = try TemporaryDirectory()
        let path = directory.newDatabasePath()
        let store = try SQLiteStore(path: path)
        try await Self.populated(store)
        let before = try await StoreSnapshot.capture(store)
        var set = ChangeSet(expectedLedgerHead: 2)
        set.subjects = (0..<2_000).map { makeSubject(id: Subject.ID("bulk-\($0)")) }
        set.entries = (0..<2_000).map { makeEntry(sequence: Int64($0) + 3, subject: Subject.ID("bulk-\($0)")) }
        set.standings = (0..<2_000).map { makeStanding(subject: Subject.ID("bulk-\($0)"), listings: [makeListing()]) }
        set.entries.append(makeEntry(sequence: 2_003, id: "entry-1"))
        set.announceAdverseEntries()
        let error = await #expect(throws: CivicError.self) { try await store.commit(set) }
        #expect(error?.code == .conflict)
        #expect(error?.message == "an entry with the same id already exists")
        #expect(try await StoreSnapshot.capture(store) == before)

        let reopened = try SQLiteStore(path: path)
        #expect(try await StoreSnapshot.capture(reopened) == before)
        #expect(try reopened.integrityCheck() == [])
    }

    /// Proves the integrity check notices a gap and a dropped guard trigger.
    @Test func integrityCheckFindsGapsAndMissingTriggers() async throws {
        let store = try SQLiteStore.inMemory()
        try await Self.populated(store)
        try await store.writer.write { db in
            try db.execute(sql: "DROP TRIGGER entry_no_delete")
            try db.execute(sql: "DELETE FROM entry WHERE sequence = 1")
        }
        let problems = try store.integrityCheck()
        #expect(problems.contains("the ledger starts at sequence 2, not 1"))
        #expect(problems.contains("the guard trigger entry_no_delete is missing"))
    }

    /// Proves constraint errors name the kind of record and never the row's content.
    @Test func errorsCarryNoPersonalData() async throws {
        let store = try SQLiteStore.inMemory()
        try await Self.populated(store)
        var set = ChangeSet()
        set.subjects = [makeSubject(id: "subject-1", name: "Secret Person")]
        let error = await #expect(throws: CivicError.self) { try await store.commit(set) }
        #expect(error?.code == .conflict)
        #expect(error.map { !$0.description.contains("Secret") && !$0.description.contains("subject-1") } == true)
    }

    /// Proves the JSON columns read back what they wrote, including text that needs escaping.
    @Test(arguments: [[], ["a"], ["a", "b,c", "d\"e", "f\\g", "h\ni", "ü 中"], [""]])
    func jsonArraysRoundTrip(_ strings: [String]) throws {
        let text = JSONColumn.array(strings)
        #expect(try JSONColumn.strings(text) == strings)
        #expect(try JSONDecoder().decode([String].self, from: Data(text.utf8)) == strings)
    }

    /// Proves hand-edited but valid JSON still reads back.
    @Test func jsonColumnsAcceptOrdinaryJSON() throws {
        #expect(try JSONColumn.strings(#"[ "a" , "b" ]"#) == ["a", "b"])
        #expect(try JSONColumn.integers(#"{ "x" : 1, "y":-2 }"#) == ["x": 1, "y": -2])
        #expect(try JSONColumn.integers(JSONColumn.object([(key: "b", value: -5), (key: "a,\"", value: 7)])) == ["b": -5, "a,\"": 7])
        #expect(JSONColumn.object([(key: "b", value: 1), (key: "a", value: 2)]) == #"{"a":2,"b":1}"#)
    }
}
