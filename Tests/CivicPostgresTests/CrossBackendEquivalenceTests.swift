import CivicCore
import CivicDemo
import CivicLog
import CivicPostgres
import CivicSQLite
import CivicTesting
import Crypto
import Foundation
import Testing

/// The same seeded sequence of engine operations on SQLite and on PostgreSQL ends in the same state.
@Suite("Cross-backend equivalence", .enabled(if: PostgresAvailability.isAvailable, "CIVIC_TEST_POSTGRES_URL is not set"))
struct CrossBackendEquivalenceTests {
    /// The demo's twelve monthly cycles over a small seeded world: reports, reviews with recusal,
    /// cures, remedies and cycle closes, all through the engine.
    static let options = DemoRun.Options(residents: 120, seed: 7, endMonth: Month(year: 2026, month: 6)!)

    @Test func aSeededDemoEndsIdenticalOnBothStores() async throws {
        // Entries (to the canonical byte), standings, grades, lists, every other record, the cycle summaries
        // and the hash of the export are identical after the same seeded run on SQLite and on PostgreSQL.
        let sqlite = try SQLiteStore.inMemory()
        let sqliteRun = try await DemoRun(store: sqlite, options: Self.options).run()
        try await ScratchSchemas.with { schemas in
            let postgres = try await schemas.newStore()
            let postgresRun = try await DemoRun(store: postgres, options: Self.options).run()

            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys]
            #expect(try encoder.encode(sqliteRun.cycles) == encoder.encode(postgresRun.cycles), "cycle summaries")
            #expect(sqliteRun.reportsFiled == postgresRun.reportsFiled && sqliteRun.decisions == postgresRun.decisions)

            let left = try await StoreSnapshot.capture(sqlite)
            let right = try await StoreSnapshot.capture(postgres)
            #expect(left.entries.count > 100, "the run wrote a real ledger")
            #expect(left.standings.count > 100)
            #expect(left.entries.map(\.canonicalBytes) == right.entries.map(\.canonicalBytes))
            #expect(left.standings == right.standings)
            #expect(left.subjects == right.subjects && left.actors == right.actors && left.jurisdictions == right.jurisdictions)
            #expect(left.handbooks == right.handbooks && left.cycles == right.cycles)
            #expect(left.reports == right.reports)
            #expect(left == right)

            // The transparency log: the same leaves in the same order, so the same root, and a clean audit on both.
            let size = try await sqlite.logSize()
            let postgresSize = try await postgres.logSize()
            #expect(size > 1_000 && size == postgresSize)
            let sqliteLeaves = try await sqlite.logLeaves(from: 0, limit: 1_000_000)
            #expect(try await postgres.logLeaves(from: 0, limit: 1_000_000) == sqliteLeaves)
            let sqliteRoot = try await TransparencyLog(store: sqlite).root(size: size)
            #expect(try await TransparencyLog(store: postgres).root(size: size) == sqliteRoot)
            #expect(try await LogAuditor(store: postgres, verifier: nil).audit().problems.isEmpty)
            #expect(try await LogAuditor(store: sqlite, verifier: nil).audit().problems.isEmpty)

            let lastDay = Self.options.endMonth.lastDay
            for list in ListKind.allCases {
                let onSQLite = try await sqlite.listings(on: list, activeOn: lastDay, limit: 100_000)
                #expect(try await onSQLite == postgres.listings(on: list, activeOn: lastDay, limit: 100_000), "\(list) list")
            }
            #expect(try await !sqlite.listings(on: .black, activeOn: lastDay, limit: 10).isEmpty, "the run blacklisted someone")

            let sqliteExport = try Self.exportHash(left), postgresExport = try Self.exportHash(right)
            #expect(sqliteExport == postgresExport)

            // What the engine answers from each store agrees too.
            let sample = try #require(sqliteRun.sample)
            let onSQLite = Engine(store: sqlite, clock: FixedDayClock(lastDay))
            let onPostgres = Engine(store: postgres, clock: FixedDayClock(lastDay))
            #expect(try await onSQLite.standings(of: sample) == onPostgres.standings(of: sample))
            #expect(try await onSQLite.verifyStandings().mismatches.isEmpty)
            #expect(try await onPostgres.verifyStandings().mismatches.isEmpty)
        }
    }

    /// SHA-256 over the export as `civic export` writes it: one JSON object per line,
    /// entries in sequence order, then standings, then subjects.
    static func exportHash(_ snapshot: StoreSnapshot) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        var hash = SHA256()
        for entry in snapshot.entries { hash.update(data: try encoder.encode(entry) + Data("\n".utf8)) }
        for standing in snapshot.standings { hash.update(data: try encoder.encode(standing) + Data("\n".utf8)) }
        for subject in snapshot.subjects { hash.update(data: try encoder.encode(subject) + Data("\n".utf8)) }
        return hash.finalize().map { String(format: "%02x", $0) }.joined()
    }
}
