import CivicCore
import CivicLog
import CivicSQLite
import CivicTesting
import Foundation
import GRDB
import Testing

/// The attacker of the SQLite store: the raw connection, every trigger dropped.
struct SQLiteTamperer: LogTamperer {
    let writer: any DatabaseWriter

    init(_ store: SQLiteStore) throws {
        writer = store.writer
        try writer.write { db in
            for name in try String.fetchAll(db, sql: "SELECT name FROM sqlite_master WHERE type = 'trigger'") {
                try db.execute(sql: "DROP TRIGGER \(name)")
            }
        }
    }

    func entryRows() async throws -> [Int64: [String: String?]] {
        try await writer.read { db in
            var out: [Int64: [String: String?]] = [:]
            for row in try Row.fetchAll(db, sql: "SELECT * FROM entry") {
                var columns: [String: String?] = [:]
                for (name, value) in row {
                    columns[name] = value.isNull ? nil : String.fromDatabaseValue(value) ?? Int64.fromDatabaseValue(value).map(String.init)
                }
                out[row["sequence"]] = columns
            }
            return out
        }
    }

    func setEntry(whose keyColumn: String, is key: String, column: String, to text: String?) async throws {
        try await writer.writeWithoutTransaction { db in
            // The attacker turns off the foreign keys and CHECK constraints too. With integer affinity, SQLite stores
            // numeric text as an integer, as a hand edit would.
            try db.execute(sql: "PRAGMA foreign_keys = OFF; PRAGMA ignore_check_constraints = ON")
            defer { try? db.execute(sql: "PRAGMA foreign_keys = ON; PRAGMA ignore_check_constraints = OFF") }
            try db.execute(sql: "UPDATE entry SET \(column) = ? WHERE \(keyColumn) = ?", arguments: [text, key])
        }
    }

    func deleteEntry(sequence: Int64) async throws {
        try await writer.write { try $0.execute(sql: "DELETE FROM entry WHERE sequence = ?", arguments: [sequence]) }
    }

    func swapEntries(_ a: Int64, _ b: Int64) async throws {
        try await writer.write { db in
            try db.execute(sql: "UPDATE entry SET sequence = 1000000 WHERE sequence = ?", arguments: [a])
            try db.execute(sql: "UPDATE entry SET sequence = ? WHERE sequence = ?", arguments: [a, b])
            try db.execute(sql: "UPDATE entry SET sequence = ? WHERE sequence = 1000000", arguments: [b])
        }
    }

    func truncateLog(from index: UInt64) async throws {
        try await writer.write { db in
            try db.execute(sql: "DELETE FROM entry WHERE id IN (SELECT key FROM log_leaf WHERE kind = 'entry' AND idx >= ?)", arguments: [Int64(index)])
            try db.execute(sql: "DELETE FROM log_leaf WHERE idx >= ?", arguments: [Int64(index)])
            try db.execute(sql: "DELETE FROM log_tile")
        }
    }

    func setLeafHash(index: UInt64, to hash: [UInt8]) async throws {
        try await writer.write { try $0.execute(sql: "UPDATE log_leaf SET hash = ? WHERE idx = ?", arguments: [Data(hash), Int64(index)]) }
    }
}

struct SQLiteLogTests {
    /// The world's records, hashed in commit order: what the log must hold.
    static func expectedLeaves() -> [LogHash] {
        LogFixtures.world().flatMap(\.loggedRecords).map { Merkle.leafHash($0.bytes) }
    }

    @Test func everyCommitAppendsItsRecordsAsLeavesInOrder() async throws {
        // The leaves are exactly the world's records in ChangeSet.loggedRecords order, and every tile-derived root,
        // inclusion proof and consistency proof agrees with the reference Merkle tree over them.
        let store = try SQLiteStore.inMemory()
        var boundaries: [UInt64] = [0]
        for changes in LogFixtures.world() {
            try await store.commit(changes)
            boundaries.append(try await store.logSize())
        }
        let expected = Self.expectedLeaves()
        #expect(try await store.logSize() == UInt64(expected.count))
        #expect(try await store.logLeaves(from: 0, limit: 1_000).map(\.hash) == expected)
        let log = TransparencyLog(store: store)
        for size in boundaries {
            #expect(try await log.root(size: size) == Merkle.root(of: Array(expected.prefix(Int(size)))))
        }
        let root = Merkle.root(of: expected)
        for leaf in try await store.logLeaves(from: 0, limit: 1_000) {
            let proof = try await log.inclusion(kind: leaf.kind, key: leaf.key, size: UInt64(expected.count))
            try Merkle.verifyInclusion(leaf: leaf.hash, index: leaf.index, size: UInt64(expected.count), proof: proof.proof, root: root)
        }
        for old in boundaries {
            for new in boundaries where new >= old {
                let proof = try await log.consistency(from: old, to: new)
                guard old > 0 && old < new else {
                    // RFC 9162: the empty tree and the tree itself need no proof.
                    #expect(proof.isEmpty)
                    continue
                }
                try Merkle.verifyConsistency(oldSize: old, newSize: new, oldRoot: Merkle.root(of: Array(expected.prefix(Int(old)))),
                                             newRoot: Merkle.root(of: Array(expected.prefix(Int(new)))), proof: proof)
            }
        }
    }

    @Test func aDatabaseFromBeforeTheLogGetsEveryRecordLoggedWhenItIsOpened() async throws {
        // A database written before the log existed: on opening, the migration appends a leaf for every record, by kind with
        // the entries in sequence order, and the audit is clean.
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("civic-backfill-\(UUID().uuidString).db").path
        defer { for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: path + suffix) } }
        do {
            let store = try SQLiteStore(path: path)
            for changes in LogFixtures.world() { try await store.commit(changes) }
            try await store.writer.write { db in
                for name in try String.fetchAll(db, sql: "SELECT name FROM sqlite_master WHERE type = 'trigger' AND name LIKE 'log_%'") {
                    try db.execute(sql: "DROP TRIGGER \(name)")
                }
                try db.execute(sql: "DROP TABLE log_cosignature; DROP TABLE log_checkpoint; DROP TABLE log_tile_interior; DROP TABLE log_tile; DROP TABLE log_leaf")
                try db.execute(sql: "DELETE FROM grdb_migrations WHERE identifier = 'v3-transparency-log'")
            }
        }
        let reopened = try SQLiteStore(path: path)
        let records = LogFixtures.world().flatMap(\.loggedRecords)
        let leaves = try await reopened.logLeaves(from: 0, limit: 1_000)
        #expect(leaves.count == records.count)
        let kinds = leaves.map(\.kind)
        #expect(kinds == kinds.sorted(), "backfilled by kind")
        #expect(leaves.filter { $0.kind == .entry }.map(\.key) == records.filter { $0.kind == .entry }.map(\.key), "entries in sequence order")
        #expect(try await LogAuditor(store: reopened, verifier: nil).audit().problems.isEmpty)
        #expect(try reopened.integrityCheck() == [])
    }

    @Test func fullTilesKeepTheirInteriorAndProofsReadIt() async throws {
        // 700 leaves: two full level-0 tiles with their interiors stored. Every proof read through the store (which uses
        // the interiors) equals the reference proof, and a changed interior hash is named by the audit.
        let store = try SQLiteStore.inMemory()
        let leaves = (0..<700).map { LogLeaf(index: UInt64($0), kind: .entry, key: "e-\($0)", hash: LogHash(sha256: Array("leaf \($0)".utf8))) }
        for start in stride(from: 0, to: leaves.count, by: 97) { try await store.importLog(Array(leaves[start..<min(start + 97, leaves.count)])) }
        let hashes = leaves.map(\.hash)
        let interiors = try await store.logTileInteriors([try TileKey(level: 0, index: 0), try TileKey(level: 0, index: 1), try TileKey(level: 0, index: 2, width: 188)])
        #expect(interiors.count == 2)
        #expect(interiors[try TileKey(level: 0, index: 1)] == TlogTiles.interior(of: Array(hashes[256..<512])))
        let log = TransparencyLog(store: store)
        for index in stride(from: 0, to: 700, by: 7) {
            for size in [UInt64(index + 1), 256, 511, 512, 513, 700] where UInt64(index) < size {
                #expect(try await log.inclusion(kind: .entry, key: "e-\(index)", size: size)
                    == InclusionProof(leaf: leaves[index], size: size, proof: try Merkle.inclusionProof(index: UInt64(index), leafHashes: Array(hashes.prefix(Int(size))))))
            }
        }
        for old in [1, 100, 255, 256, 257, 511, 512, 600] {
            #expect(try await log.consistency(from: UInt64(old), to: 700) == (try Merkle.consistencyProof(oldSize: UInt64(old), leafHashes: hashes)))
        }
        // (These leaves stand for no stored record, so the audit also reports each one missing; only tiles matter here.)
        #expect(!(try await LogAuditor(store: store, verifier: nil).audit().problems.contains { $0.code == .tileMismatch }))
        try await store.writer.write { db in
            try db.execute(sql: "DROP TRIGGER log_tile_interior_no_update")
            try db.execute(sql: "UPDATE log_tile_interior SET nodes = zeroblob(8160) WHERE idx = 1")
        }
        #expect(try await LogAuditor(store: store, verifier: nil).audit().problems.filter { $0.code == .tileMismatch }.count == 1)
    }

    @Test func aFailedCommitAppendsNoLeaf() async throws {
        // A commit refused by the store (a report id used twice) leaves the log as it was: no leaf without its record.
        let store = try SQLiteStore.inMemory()
        for changes in LogFixtures.world() { try await store.commit(changes) }
        let before = try await store.logSize()
        var again = ChangeSet()
        again.reports = [makeReport(id: "report-3"), makeReport()]
        await #expect(throws: CivicError.self) { try await store.commit(again) }
        #expect(try await store.logSize() == before)
        #expect(try await store.logLeaf(kind: .report, key: "report-3") == nil)
    }

    @Test func checkpointsAreSignedStoredAndAudited() async throws {
        let store = try SQLiteStore.inMemory()
        try await LogTamperSuite.prepare(store)
        let log = TransparencyLog(store: store)
        let first = try #require(try await store.latestCheckpoint())
        // Nothing moved: asking again returns the same checkpoint, signs nothing new.
        #expect(try await log.checkpoint(signer: LogTamperSuite.signer, at: 1_775_000_200) == first)
        let (checkpoint, _) = try LogVerifier.open(first.note, key: LogTamperSuite.signer.verifier)
        #expect(checkpoint.size == UInt64(Self.expectedLeaves().count))
        #expect(checkpoint.root == Merkle.root(of: Self.expectedLeaves()))
        let audit = try await LogAuditor(store: store, verifier: LogTamperSuite.signer.verifier).audit()
        #expect(audit.problems.isEmpty, "\(audit.problems)")
        #expect(audit.checkpointsChecked == 1 && !audit.signaturesUnchecked)
        // A checkpoint past the log's end is refused.
        await #expect(throws: CivicError.self) {
            _ = try await store.appendCheckpoint(size: 1_000, root: Merkle.emptyRoot, note: first.note, signedAt: 0)
        }
        // Another key's view of the same checkpoints: every signature is reported.
        let stranger = try NoteSigner(name: "civiccredit.test/log")
        let foreign = try await LogAuditor(store: store, verifier: stranger.verifier).audit()
        #expect(foreign.problems.map(\.code) == [.checkpointInvalid])
    }

    @Test func cosignaturesAreKeptOncePerWitnessAndPublished() async throws {
        let store = try SQLiteStore.inMemory()
        try await LogTamperSuite.prepare(store)
        let stored = try #require(try await store.latestCheckpoint())
        let witness = try CosignatureSigner(name: "witness.test")
        let checkpoint = try Checkpoint.parse(body: try SignedNote.parse(stored.note).text)
        let line = witness.cosign(checkpoint, at: 1_775_000_300).line
        try await store.addCosignature(StoredCosignature(checkpoint: stored.id, witness: "witness.test", line: line, receivedAt: 1))
        try await store.addCosignature(StoredCosignature(checkpoint: stored.id, witness: "witness.test", line: line, receivedAt: 2))
        #expect(try await store.cosignatures(checkpoint: stored.id).count == 1)
        let published = try #require(try await TransparencyLog(store: store).publishedCheckpoint())
        let note = try SignedNote.parse(published)
        #expect(note.signatures.count == 2)
        #expect(try witness.verifier.verify(note.signatures[1], of: checkpoint) == 1_775_000_300)
        #expect(try note.verify(with: [LogTamperSuite.signer.verifier]) == [LogTamperSuite.signer.verifier])
    }

    @Test func everyTamperingOfTheLedgerIsCaught() async throws {
        // An attacker with the file and no triggers: every byte flip of every entry's columns, every leaf-hash flip, every
        // deletion, swap and truncation is reported by the audit.
        let outcome = try await LogTamperSuite.run {
            let store = try SQLiteStore.inMemory()
            try await LogTamperSuite.prepare(store)
            return (store, try SQLiteTamperer(store))
        }
        #expect(outcome.missed.isEmpty, "\(outcome): \(outcome.missed.prefix(20))")
        // With foreign keys and CHECK constraints off, only a change that makes an id or a sequence collide with another
        // entry's is refused by the database; every other one reached the table and was caught.
        #expect(outcome.detected + outcome.refusedByDatabase == outcome.tried, "\(outcome)")
        #expect(outcome.detected > 600 && outcome.refusedByDatabase < outcome.tried / 10, "\(outcome)")
        print("SQLite tamper check: \(outcome)")
    }
}
