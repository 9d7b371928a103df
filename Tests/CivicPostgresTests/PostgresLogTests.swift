import CivicCore
import CivicLog
@testable import CivicPostgres
import CivicTesting
import Foundation
import PostgresNIO
import Testing

/// The attacker of the PostgreSQL store: the owner of the tables, who disables their triggers and drops their foreign
/// keys and CHECK constraints, then edits rows with plain SQL.
struct PostgresTamperer: LogTamperer {
    let store: PostgresStore
    let types: [String: String]

    init(_ store: PostgresStore) async throws {
        self.store = store
        types = try await store.transaction("disarming the guards") { connection in
            for table in ["entry", "log_leaf", "log_tile"] {
                try await connection.query(PostgresQuery(unsafeSQL: "ALTER TABLE \(table) DISABLE TRIGGER USER"), logger: PostgresStore.logger)
            }
            let constraints = try await connection.query("""
                SELECT conname FROM pg_constraint WHERE conrelid = 'entry'::regclass AND contype IN ('f', 'c')
                """, logger: PostgresStore.logger).collect().map { try $0.decode(String.self) }
            for name in constraints {
                try await connection.query(PostgresQuery(unsafeSQL: "ALTER TABLE entry DROP CONSTRAINT \"\(name)\""), logger: PostgresStore.logger)
            }
            var types: [String: String] = [:]
            for row in try await connection.query("""
                SELECT attname, format_type(atttypid, atttypmod) FROM pg_attribute
                WHERE attrelid = 'entry'::regclass AND attnum > 0 AND NOT attisdropped
                """, logger: PostgresStore.logger).collect() {
                let (name, type) = try row.decode((String, String).self)
                types[name] = type
            }
            return types
        }
    }

    private func run(_ sql: String, _ binds: [String?] = []) async throws {
        var bindings = PostgresBindings()
        for bind in binds { bindings.append(bind) }
        _ = try await store.transaction("tampering") { connection in
            try await connection.query(PostgresQuery(unsafeSQL: sql, binds: bindings), logger: PostgresStore.logger)
        }
    }

    func entryRows() async throws -> [Int64: [String: String?]] {
        let columns = types.keys.sorted()
        let list = columns.map { "\($0)::text" }.joined(separator: ", ")
        return try await store.transaction("reading entries") { connection in
            var out: [Int64: [String: String?]] = [:]
            for row in try await connection.query(PostgresQuery(unsafeSQL: "SELECT \(list) FROM entry"), logger: PostgresStore.logger).collect() {
                var values: [String: String?] = [:]
                let random = row.makeRandomAccess()
                for (offset, column) in columns.enumerated() { values[column] = try random[offset].decode(String?.self) }
                out[Int64(values["sequence"]!!)!] = values
            }
            return out
        }
    }

    func setEntry(whose keyColumn: String, is key: String, column: String, to text: String?) async throws {
        try await run("UPDATE entry SET \(column) = $1::text::\(types[column]!) WHERE \(keyColumn)::text = $2", [text, key])
    }

    func deleteEntry(sequence: Int64) async throws {
        try await run("DELETE FROM entry WHERE sequence = \(sequence)")
    }

    func swapEntries(_ a: Int64, _ b: Int64) async throws {
        try await run("UPDATE entry SET sequence = 1000000 WHERE sequence = \(a)")
        try await run("UPDATE entry SET sequence = \(a) WHERE sequence = \(b)")
        try await run("UPDATE entry SET sequence = \(b) WHERE sequence = 1000000")
    }

    func truncateLog(from index: UInt64) async throws {
        try await run("DELETE FROM entry WHERE id IN (SELECT key FROM log_leaf WHERE kind = 'entry' AND idx >= \(index))")
        try await run("DELETE FROM log_leaf WHERE idx >= \(index)")
        try await run("DELETE FROM log_tile")
    }

    func setLeafHash(index: UInt64, to hash: [UInt8]) async throws {
        let hex = hash.map { String(format: "%02x", $0) }.joined()
        try await run("UPDATE log_leaf SET hash = decode('\(hex)', 'hex') WHERE idx = \(index)")
    }
}

@Suite("Transparency log on PostgreSQL", .enabled(if: PostgresAvailability.isAvailable, "CIVIC_TEST_POSTGRES_URL is not set"))
struct PostgresLogTests {
    @Test func theLogIsTheSameTreeAsOnSQLiteAndAudits() async throws {
        // The same commits give the same leaves, tiles and root on both stores, proofs verify, and the audit is clean.
        let expected = LogFixtures.world().flatMap(\.loggedRecords).map { Merkle.leafHash($0.bytes) }
        try await ScratchSchemas.with { schemas in
            let store = try await schemas.newStore()
            try await LogTamperSuite.prepare(store)
            #expect(try await store.logLeaves(from: 0, limit: 1_000).map(\.hash) == expected)
            let log = TransparencyLog(store: store)
            let size = UInt64(expected.count)
            #expect(try await log.root(size: size) == Merkle.root(of: expected))
            for leaf in try await store.logLeaves(from: 0, limit: 1_000) {
                let proof = try await log.inclusion(kind: leaf.kind, key: leaf.key, size: size)
                try Merkle.verifyInclusion(leaf: leaf.hash, index: leaf.index, size: size, proof: proof.proof, root: Merkle.root(of: expected))
            }
            let audit = try await LogAuditor(store: store, verifier: LogTamperSuite.signer.verifier).audit()
            #expect(audit.problems.isEmpty, "\(audit.problems)")
            #expect(audit.checkpointsChecked == 1)
        }
    }

    @Test func everyTamperingOfTheLedgerIsCaught() async throws {
        let outcome = try await ScratchSchemas.with { schemas in
            try await LogTamperSuite.run {
                let store = try await schemas.newStore()
                try await LogTamperSuite.prepare(store)
                return (store, try await PostgresTamperer(store))
            }
        }
        print("PostgreSQL tamper check: \(outcome)")
        #expect(outcome.missed.isEmpty, "\(outcome): \(outcome.missed.prefix(20))")
        // A change PostgreSQL cannot even store (text in a number, a broken array literal, a collision) is refused; every
        // other one reached the table and was caught.
        #expect(outcome.detected + outcome.refusedByDatabase == outcome.tried && outcome.detected > 500, "\(outcome)")
    }
}
