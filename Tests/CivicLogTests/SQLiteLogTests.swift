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
            // The entries whose leaves are cut off, and every place and leaf hash from `index` on.
            let at = Int64(index)
            try db.execute(sql: """
                DELETE FROM entry WHERE sequence IN (
                    SELECT e.sequence FROM entry e JOIN log_entry_run r
                    ON e.sequence >= r.first_sequence AND e.sequence < r.first_sequence + r.count
                    WHERE r.first_index + e.sequence - r.first_sequence >= ?)
                """, arguments: [at])
            try db.execute(sql: "UPDATE log_entry_run SET count = ? - first_index WHERE first_index < ? AND first_index + count > ?",
                           arguments: [at, at, at])
            try db.execute(sql: "DELETE FROM log_entry_run WHERE first_index >= ?", arguments: [at])
            try db.execute(sql: "DELETE FROM log_record WHERE idx >= ?", arguments: [at])
            try db.execute(sql: "DELETE FROM log_tile WHERE level = 0 AND idx * 256 >= ?", arguments: [at])
            if at % 256 != 0, var blob = try Data.fetchOne(db, sql: "SELECT hashes FROM log_tile WHERE level = 0 AND idx = ?", arguments: [at / 256]) {
                blob = blob.prefix(Int(at % 256) * 32)
                try db.execute(sql: "UPDATE log_tile SET hashes = ? WHERE level = 0 AND idx = ?", arguments: [blob, at / 256])
            }
            try db.execute(sql: "DELETE FROM log_tile WHERE level > 0")
        }
    }

    func setLeafHash(index: UInt64, to hash: [UInt8]) async throws {
        // The hash sits at its offset inside the leaf tile.
        try await writer.write { db in
            let tile = Int64(index / 256), offset = Int(index % 256) * 32
            var blob = try #require(try Data.fetchOne(db, sql: "SELECT hashes FROM log_tile WHERE level = 0 AND idx = ?", arguments: [tile]))
            blob.replaceSubrange(offset..<(offset + 32), with: hash)
            try db.execute(sql: "UPDATE log_tile SET hashes = ? WHERE level = 0 AND idx = ?", arguments: [blob, tile])
        }
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
                try db.execute(sql: """
                    DROP TABLE log_cosignature; DROP TABLE log_checkpoint; DROP TABLE log_tile_interior; DROP TABLE log_tile;
                    DROP TABLE log_entry_run; DROP TABLE log_record
                    """)
                try db.execute(sql: "DELETE FROM grdb_migrations WHERE identifier IN ('v3-transparency-log', 'v4-log-leaves-in-tiles')")
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

    @Test func aLogKeptOneRowPerLeafMovesIntoTilesWhenOpened() async throws {
        // A database whose log was written with one `log_leaf` row per leaf (before v4): on opening, its leaves move
        // into level-0 tiles and places. The leaves, the root and the signed checkpoint are unchanged; the audit is clean.
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("civic-v3-\(UUID().uuidString).db").path
        defer { for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: path + suffix) } }
        let leaves: [LogLeaf], root: LogHash
        do {
            let store = try SQLiteStore(path: path)
            try await LogTamperSuite.prepare(store)
            leaves = try await store.logLeaves(from: 0, limit: 1_000)
            root = try await TransparencyLog(store: store).root(size: UInt64(leaves.count))
            try await store.writer.write { db in
                try db.execute(sql: """
                    DROP TABLE log_entry_run; DROP TABLE log_record;
                    DROP TRIGGER log_tile_no_delete;
                    DELETE FROM log_tile WHERE level = 0;
                    CREATE TRIGGER log_tile_no_delete BEFORE DELETE ON log_tile BEGIN SELECT RAISE(ABORT, 'immutable'); END;
                    CREATE TABLE log_leaf (log TEXT NOT NULL, idx INTEGER NOT NULL, kind TEXT NOT NULL, key TEXT NOT NULL,
                        hash BLOB NOT NULL, PRIMARY KEY (log, idx), UNIQUE (log, kind, key)) WITHOUT ROWID;
                    CREATE TRIGGER log_leaf_no_update BEFORE UPDATE ON log_leaf BEGIN SELECT RAISE(ABORT, 'immutable'); END;
                    CREATE TRIGGER log_leaf_no_delete BEFORE DELETE ON log_leaf BEGIN SELECT RAISE(ABORT, 'immutable'); END;
                    DELETE FROM grdb_migrations WHERE identifier = 'v4-log-leaves-in-tiles';
                    DROP TABLE log_tile_interior;
                    CREATE TABLE log_tile_interior (log TEXT NOT NULL, level INTEGER NOT NULL, idx INTEGER NOT NULL,
                        nodes BLOB NOT NULL CHECK (length(nodes) = 8160), PRIMARY KEY (log, level, idx)) WITHOUT ROWID;
                    CREATE TRIGGER log_tile_interior_no_update BEFORE UPDATE ON log_tile_interior BEGIN SELECT RAISE(ABORT, 'immutable'); END;
                    CREATE TRIGGER log_tile_interior_no_delete BEFORE DELETE ON log_tile_interior BEGIN SELECT RAISE(ABORT, 'immutable'); END;
                    """)
                // v3 kept all 255 interior hashes of each full tile.
                for start in stride(from: 0, to: leaves.count - 255, by: 256) {
                    let nodes = try #require(TlogTiles.interior(of: leaves[start..<(start + 256)].map(\.hash)))
                    try db.execute(sql: "INSERT INTO log_tile_interior (log, level, idx, nodes) VALUES ('ledger', 0, ?, ?)",
                                   arguments: [Int64(start / 256), Data(nodes.flatMap(\.bytes))])
                }
                for leaf in leaves {
                    try db.execute(sql: "INSERT INTO log_leaf (log, idx, kind, key, hash) VALUES ('ledger', ?, ?, ?, ?)",
                                   arguments: [Int64(leaf.index), leaf.kind.rawValue, leaf.key, Data(leaf.hash.bytes)])
                }
            }
        }
        let reopened = try SQLiteStore(path: path)
        #expect(leaves.count == Self.expectedLeaves().count)
        #expect(try await reopened.logLeaves(from: 0, limit: 1_000) == leaves)
        #expect(try await TransparencyLog(store: reopened).root(size: UInt64(leaves.count)) == root)
        #expect(try await LogAuditor(store: reopened, verifier: LogTamperSuite.signer.verifier).audit().problems.isEmpty)
        #expect(try reopened.integrityCheck() == [])
        let tables = try await reopened.writer.read { try String.fetchAll($0, sql: "SELECT name FROM sqlite_master WHERE name = 'log_leaf'") }
        #expect(tables.isEmpty)
    }

    @Test func aRecordGivenAnotherLeafIsCaught() async throws {
        // Swapping the places of two non-entry records (a notice and a report) leaves every hash where it was:
        // only the audit's rehash of each record at its new place can catch it.
        let store = try SQLiteStore.inMemory()
        try await LogTamperSuite.prepare(store)
        let leaves = try await store.logLeaves(from: 0, limit: 1_000).filter { $0.kind != .entry }
        let (a, b) = (try #require(leaves.first), try #require(leaves.last))
        _ = try SQLiteTamperer(store)
        try await store.writer.write { db in
            try db.execute(sql: "UPDATE log_record SET idx = 1000000 WHERE idx = ?", arguments: [Int64(a.index)])
            try db.execute(sql: "UPDATE log_record SET idx = ? WHERE idx = ?", arguments: [Int64(a.index), Int64(b.index)])
            try db.execute(sql: "UPDATE log_record SET idx = ? WHERE idx = 1000000", arguments: [Int64(b.index)])
        }
        let problems = try await LogAuditor(store: store, verifier: LogTamperSuite.signer.verifier).audit().problems
        #expect(problems.filter { $0.code == .recordRewritten }.count == 2)
    }

    @Test func largeCommitsRacingFromTwoProcessesGrowOneCorrectLog() async throws {
        // Commits of 600 reports each hash their leaves and grow their tiles on another core from the edge the log had
        // before the write. Two stores on one file commit at once, so an edge is often stale by the time a commit holds
        // the lock and its tiles must be grown again. Whatever the interleaving, the log holds every report once, its
        // tiles are those of its leaves, and the audit is clean.
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("civic-race-\(UUID().uuidString).db").path
        defer { for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: path + suffix) } }
        let first = try SQLiteStore(path: path)
        for changes in LogFixtures.world() { try await first.commit(changes) }
        let second = try SQLiteStore(path: path)
        try await withThrowingTaskGroup(of: Void.self) { group in
            for (writer, store) in [first, second].enumerated() {
                group.addTask {
                    for batch in 0..<6 {
                        var changes = ChangeSet()
                        changes.reports = (0..<600).map { makeReport(id: Report.ID("bulk-\(writer)-\(batch)-\($0)")) }
                        try await store.commit(changes)
                    }
                }
            }
            try await group.waitForAll()
        }
        let size = try await first.logSize()
        let expectedSize = UInt64(Self.expectedLeaves().count + 2 * 6 * 600)
        #expect(size == expectedSize)
        let leaves = try await first.logLeaves(from: 0, limit: Int(size))
        let indices: [UInt64] = leaves.map(\.index)
        #expect(indices == Array(0..<size))
        let bulk: Set<String> = Set(leaves.filter { $0.key.hasPrefix("bulk-") }.map(\.key))
        #expect(bulk.count == 7_200)
        #expect(try await TransparencyLog(store: first).root(size: size) == Merkle.root(of: leaves.map(\.hash)))
        #expect(try await LogAuditor(store: first, verifier: nil).audit().problems.isEmpty)
        #expect(try first.integrityCheck() == [])
    }

    @Test func fullTilesKeepTheirInteriorAndProofsReadIt() async throws {
        // 700 leaves: two full level-0 tiles with their interiors stored. Every proof read through the store (which uses
        // the interiors) equals the reference proof, and a changed interior hash is named by the audit.
        let store = try SQLiteStore.inMemory()
        let leaves = (0..<700).map { LogLeaf(index: UInt64($0), kind: .report, key: "r-\($0)", hash: LogHash(sha256: Array("leaf \($0)".utf8))) }
        for start in stride(from: 0, to: leaves.count, by: 97) { try await store.importLog(Array(leaves[start..<min(start + 97, leaves.count)])) }
        let hashes = leaves.map(\.hash)
        let interiors = try await store.logTileInteriors([try TileKey(level: 0, index: 0), try TileKey(level: 0, index: 1), try TileKey(level: 0, index: 2, width: 188)])
        #expect(interiors.count == 2)
        #expect(interiors[try TileKey(level: 0, index: 1)] == TlogTiles.upperInterior(of: Array(hashes[256..<512])))
        let log = TransparencyLog(store: store)
        for index in stride(from: 0, to: 700, by: 7) {
            for size in [UInt64(index + 1), 256, 511, 512, 513, 700] where UInt64(index) < size {
                #expect(try await log.inclusion(kind: .report, key: "r-\(index)", size: size)
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
            try db.execute(sql: "UPDATE log_tile_interior SET nodes = zeroblob(992) WHERE idx = 1")
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
