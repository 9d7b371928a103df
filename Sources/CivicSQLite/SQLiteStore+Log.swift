public import CivicCore
public import CivicLog
import Foundation
import GRDB

/// The transparency log on SQLite: `log_leaf` holds one row per leaf (its index, the
/// record it stands for and its hash), `log_tile` the C2SP tiles above the leaves
/// (levels 1 and up; level-0 tiles are read from `log_leaf`), `log_checkpoint` and
/// `log_cosignature` the signed checkpoints and witnesses' cosignatures. All four
/// are append-only; a partial tile only grows.
extension SQLiteStore: TransparencyLogStore {
    /// The name of the one log this store keeps (one ledger, one log).
    static let logName = "ledger"

    /// Appends `records` as leaves and grows the tiles, inside the commit's transaction.
    static func appendToLog(_ records: [LoggedRecord], in db: Database) throws {
        if records.isEmpty { return }
        let size = try logSize(db)
        let leaves = records.enumerated().map { offset, record in
            LogLeaf(index: size + UInt64(offset), kind: record.kind, key: record.key, hash: Merkle.leafHash(record.bytes))
        }
        try append(leaves, size: size, in: db)
    }

    /// Appends leaves whose hashes are known (numbered from `size`) and grows the tiles.
    static func append(_ leaves: [LogLeaf], size: UInt64, in db: Database) throws {
        let edge = try tiles(TlogTiles.edgeTiles(size: size), in: db)
        let grown = try TlogTiles.append(size: size, edge: edge, leaves: leaves.map(\.hash))
        try RecordKind.logLeaf.mappingErrors {
            let insert = try db.cachedStatement(sql: "INSERT INTO log_leaf (log, idx, kind, key, hash) VALUES (?, ?, ?, ?, ?)")
            for leaf in leaves {
                insert.setUncheckedArguments([logName, Int64(leaf.index), leaf.kind.rawValue, leaf.key, Data(leaf.hash.bytes)])
                try insert.execute()
            }
            let upsert = try db.cachedStatement(sql: """
                INSERT INTO log_tile (log, level, idx, hashes) VALUES (?, ?, ?, ?)
                ON CONFLICT (log, level, idx) DO UPDATE SET hashes = excluded.hashes
                """)
            for tile in grown where tile.key.level > 0 {
                upsert.setUncheckedArguments([logName, Int64(tile.key.level), Int64(tile.key.index), Data(tile.serialized)])
                try upsert.execute()
            }
            let interior = try db.cachedStatement(sql: """
                INSERT INTO log_tile_interior (log, level, idx, nodes) VALUES (?, ?, ?, ?) ON CONFLICT (log, level, idx) DO NOTHING
                """)
            for tile in grown {
                guard let nodes = TlogTiles.interior(of: tile.hashes) else { continue }
                interior.setUncheckedArguments([logName, Int64(tile.key.level), Int64(tile.key.index), Data(nodes.flatMap(\.bytes))])
                try interior.execute()
            }
        }
    }

    public func importLog(_ leaves: [LogLeaf]) async throws {
        guard let first = leaves.first else { return }
        do {
            try await writer.write { db in
                let size = try SQLiteStore.logSize(db)
                guard first.index == size, leaves.enumerated().allSatisfy({ $0.element.index == size + UInt64($0.offset) }) else {
                    throw CivicError(.invalidInput, "imported leaves must continue the log at \(size) without gaps")
                }
                try SQLiteStore.append(leaves, size: size, in: db)
            }
        } catch {
            throw SQLiteStore.storageError(error, doing: "importing log leaves")
        }
    }

    static func logSize(_ db: Database) throws -> UInt64 {
        let next = try Int64.fetchOne(db.cachedStatement(sql: "SELECT IFNULL(MAX(idx) + 1, 0) FROM log_leaf WHERE log = ?"),
                                      arguments: [logName]) ?? 0
        return UInt64(next)
    }

    /// Reads tiles: level 0 from the leaves, higher levels from `log_tile`. A tile the
    /// store holds with fewer hashes than asked for is absent from the answer.
    static func tiles(_ keys: [TileKey], in db: Database) throws -> [TileKey: [LogHash]] {
        var out: [TileKey: [LogHash]] = [:]
        for key in keys {
            if key.level == 0 {
                let first = Int64(key.index) * Int64(TileKey.fullWidth)
                let blobs = try Data.fetchAll(db.cachedStatement(sql: """
                    SELECT hash FROM log_leaf WHERE log = ? AND idx >= ? AND idx < ? ORDER BY idx
                    """), arguments: [logName, first, first + Int64(key.width)])
                guard blobs.count == key.width else { continue }
                out[key] = try blobs.map { try hash($0, at: "log_leaf") }
            } else {
                guard let blob = try Data.fetchOne(db.cachedStatement(sql: """
                    SELECT hashes FROM log_tile WHERE log = ? AND level = ? AND idx = ?
                    """), arguments: [logName, Int64(key.level), Int64(key.index)]) else { continue }
                let hashes = try Tile.hashes(parsing: Array(blob))
                guard hashes.count >= key.width else { continue }
                out[key] = Array(hashes.prefix(key.width))
            }
        }
        return out
    }

    /// The tiles named, with the interior hashes of those that are full, ready for a proof.
    static func tileSet(_ keys: [TileKey], in db: Database) throws -> TileSet {
        var set = TileSet(try tiles(keys, in: db))
        for (key, nodes) in try interiors(keys, in: db) { set.insert(interior: nodes, level: key.level, index: key.index) }
        return set
    }

    /// The stored interior hashes of the full tiles at these keys' (level, index).
    static func interiors(_ keys: [TileKey], in db: Database) throws -> [TileKey: [LogHash]] {
        var out: [TileKey: [LogHash]] = [:]
        let statement = try db.cachedStatement(sql: "SELECT nodes FROM log_tile_interior WHERE log = ? AND level = ? AND idx = ?")
        for key in keys {
            guard let blob = try Data.fetchOne(statement, arguments: [logName, Int64(key.level), Int64(key.index)]) else { continue }
            out[key] = try Tile.interior(parsing: Array(blob))
        }
        return out
    }

    public func logTileInteriors(_ keys: [TileKey]) async throws -> [TileKey: [LogHash]] {
        try await read("reading log tile interiors") { db in try SQLiteStore.interiors(keys, in: db) }
    }

    private static func hash(_ data: Data, at table: String) throws -> LogHash {
        guard let hash = LogHash(bytes: data) else { throw CivicError(.corrupted, "a stored \(table) hash is not 32 bytes") }
        return hash
    }

    private static func leaf(_ row: Row) throws -> LogLeaf {
        guard let index = try row.decode(Int64?.self, atIndex: 0), index >= 0,
              let kindName = try row.decode(String?.self, atIndex: 1), let kind = LoggedRecord.Kind(rawValue: kindName),
              let key = try row.decode(String?.self, atIndex: 2), let blob = try row.decode(Data?.self, atIndex: 3)
        else { throw CivicError(.corrupted, "a stored log_leaf row is malformed") }
        return LogLeaf(index: UInt64(index), kind: kind, key: key, hash: try hash(blob, at: "log_leaf"))
    }

    // MARK: TransparencyLogStore

    public func logSize() async throws -> UInt64 {
        try await read("reading the log size") { db in try SQLiteStore.logSize(db) }
    }

    public func logTiles(_ keys: [TileKey]) async throws -> [TileKey: [LogHash]] {
        try await read("reading log tiles") { db in try SQLiteStore.tiles(keys, in: db) }
    }

    public func logLeaf(kind: LoggedRecord.Kind, key: String) async throws -> LogLeaf? {
        try await read("reading a log leaf") { db in try SQLiteStore.leaf(kind: kind, key: key, in: db) }
    }

    static func leaf(kind: LoggedRecord.Kind, key: String, in db: Database) throws -> LogLeaf? {
        try Row.fetchOne(db.cachedStatement(sql: "SELECT idx, kind, key, hash FROM log_leaf WHERE log = ? AND kind = ? AND key = ?"),
                         arguments: [logName, kind.rawValue, key]).map(leaf)
    }

    public func inclusionProof(kind: LoggedRecord.Kind, key: String, size: UInt64?) async throws -> (proof: InclusionProof, checkpoint: StoredCheckpoint?) {
        try await read("making an inclusion proof") { db in
            let latest = try SQLiteStore.latestCheckpoint(db)
            let size = try ProofPlan.size(size, latest: latest, held: try SQLiteStore.logSize(db))
            let found = try SQLiteStore.leaf(kind: kind, key: key, in: db)
            let (leaf, keys) = try ProofPlan.inclusionTiles(found, kind: kind, key: key, size: size)
            let proof = try TlogTiles.inclusionProof(index: leaf.index, size: size, tiles: try SQLiteStore.tileSet(keys, in: db))
            return (InclusionProof(leaf: leaf, size: size, proof: proof), latest?.size == size ? latest : nil)
        }
    }

    public func consistencyProof(from oldSize: UInt64, to newSize: UInt64) async throws -> [LogHash] {
        try await read("making a consistency proof") { db in
            let keys = try ProofPlan.consistencyTiles(from: oldSize, to: newSize, held: try SQLiteStore.logSize(db))
            return try ProofPlan.consistencyProof(from: oldSize, to: newSize, tiles: try SQLiteStore.tileSet(keys, in: db))
        }
    }

    static func latestCheckpoint(_ db: Database) throws -> StoredCheckpoint? {
        try Row.fetchOne(db.cachedStatement(sql: "SELECT id, size, root, note, signed_at FROM log_checkpoint WHERE log = ? ORDER BY id DESC LIMIT 1"),
                         arguments: [logName]).map(checkpoint)
    }

    public func logLeaves(from index: UInt64, limit: Int) async throws -> [LogLeaf] {
        try await read("reading log leaves") { db in
            try Row.fetchAll(db.cachedStatement(sql: """
                SELECT idx, kind, key, hash FROM log_leaf WHERE log = ? AND idx >= ? ORDER BY idx LIMIT ?
                """), arguments: [SQLiteStore.logName, Int64(clamping: index), limit]).map(SQLiteStore.leaf)
        }
    }

    public func loggedRecords(_ kind: LoggedRecord.Kind, keys: [String]) async throws -> [String: [UInt8]] {
        try await read("reading logged records") { db in
            var out: [String: [UInt8]] = [:]
            for record in try SQLiteStore.loggedRecords(kind, keys: keys, in: db) { out[record.key] = record.bytes }
            return out
        }
    }

    public func loggedRecordCount(_ kind: LoggedRecord.Kind) async throws -> Int {
        try await read("counting logged records") { db in
            try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM \(kind.table)") ?? 0
        }
    }

    public func unloggedRecordKeys(_ kind: LoggedRecord.Kind, limit: Int) async throws -> [String] {
        try await read("finding records missing from the log") { db in
            try String.fetchAll(db, sql: """
                SELECT k FROM (SELECT \(kind.keyExpression) AS k FROM \(kind.table))
                WHERE NOT EXISTS (SELECT 1 FROM log_leaf l WHERE l.log = ? AND l.kind = ? AND l.key = k)
                ORDER BY k LIMIT ?
                """, arguments: [SQLiteStore.logName, kind.rawValue, limit])
        }
    }

    public func checkpoints() async throws -> [StoredCheckpoint] {
        try await read("reading checkpoints") { db in
            try Row.fetchAll(db.cachedStatement(sql: """
                SELECT id, size, root, note, signed_at FROM log_checkpoint WHERE log = ? ORDER BY id
                """), arguments: [SQLiteStore.logName]).map(SQLiteStore.checkpoint)
        }
    }

    public func latestCheckpoint() async throws -> StoredCheckpoint? {
        try await read("reading the latest checkpoint") { db in try SQLiteStore.latestCheckpoint(db) }
    }

    public func appendCheckpoint(size: UInt64, root: LogHash, note: String, signedAt: Int64) async throws -> StoredCheckpoint {
        do {
            return try await writer.write { db in
                let held = try SQLiteStore.logSize(db)
                guard size <= held else {
                    throw CivicError(.refused, "a checkpoint at size \(size) is past the log's \(held) leaves")
                }
                try db.execute(sql: "INSERT INTO log_checkpoint (log, size, root, note, signed_at) VALUES (?, ?, ?, ?, ?)",
                               arguments: [SQLiteStore.logName, Int64(size), Data(root.bytes), note, signedAt])
                return StoredCheckpoint(id: db.lastInsertedRowID, size: size, root: root, note: note, signedAt: signedAt)
            }
        } catch {
            throw SQLiteStore.storageError(error, doing: "storing a checkpoint")
        }
    }

    public func cosignatures(checkpoint: Int64) async throws -> [StoredCosignature] {
        try await read("reading cosignatures") { db in
            try Row.fetchAll(db.cachedStatement(sql: """
                SELECT checkpoint, witness, line, received_at FROM log_cosignature WHERE checkpoint = ? ORDER BY witness
                """), arguments: [checkpoint]).map { row in
                guard let id = try row.decode(Int64?.self, atIndex: 0), let witness = try row.decode(String?.self, atIndex: 1),
                      let line = try row.decode(String?.self, atIndex: 2), let at = try row.decode(Int64?.self, atIndex: 3)
                else { throw CivicError(.corrupted, "a stored log_cosignature row is malformed") }
                return StoredCosignature(checkpoint: id, witness: witness, line: line, receivedAt: at)
            }
        }
    }

    public func addCosignature(_ cosignature: StoredCosignature) async throws {
        do {
            try await writer.write { db in
                try db.execute(sql: """
                    INSERT INTO log_cosignature (checkpoint, witness, line, received_at) VALUES (?, ?, ?, ?)
                    ON CONFLICT (checkpoint, witness) DO NOTHING
                    """, arguments: [cosignature.checkpoint, cosignature.witness, cosignature.line, cosignature.receivedAt])
            }
        } catch {
            throw SQLiteStore.storageError(error, doing: "storing a cosignature")
        }
    }

    private static func checkpoint(_ row: Row) throws -> StoredCheckpoint {
        guard let id = try row.decode(Int64?.self, atIndex: 0), let size = try row.decode(Int64?.self, atIndex: 1), size >= 0,
              let root = try row.decode(Data?.self, atIndex: 2), let note = try row.decode(String?.self, atIndex: 3),
              let at = try row.decode(Int64?.self, atIndex: 4)
        else { throw CivicError(.corrupted, "a stored log_checkpoint row is malformed") }
        return StoredCheckpoint(id: id, size: UInt64(size), root: try hash(root, at: "log_checkpoint"), note: note, signedAt: at)
    }

    // MARK: Records by kind

    /// The stored records of `kind` with these keys (all of them when `keys` is nil), as canonical records.
    /// A row that no longer decodes is `corrupted`, naming its table.
    static func loggedRecords(_ kind: LoggedRecord.Kind, keys: [String]?, in db: Database) throws -> [LoggedRecord] {
        do {
            return try decodedRecords(kind, keys: keys, in: db)
        } catch let error as CivicError {
            throw error
        } catch let error as DatabaseError {
            throw error
        } catch {
            throw CivicError(.corrupted, "a stored \(kind.table) row cannot be read: \(type(of: error))")
        }
    }

    private static func decodedRecords(_ kind: LoggedRecord.Kind, keys: [String]?, in db: Database) throws -> [LoggedRecord] {
        func fetch(_ columns: String, by column: String, _ values: [String]?) throws -> [Row] {
            guard let values else {
                return try Row.fetchAll(db, sql: "SELECT \(columns) FROM \(kind.table)")
            }
            var rows: [Row] = []
            for chunk in stride(from: 0, to: values.count, by: 500).map({ Array(values[$0..<min($0 + 500, values.count)]) }) {
                let marks = Array(repeating: "?", count: chunk.count).joined(separator: ", ")
                rows += try Row.fetchAll(db, sql: "SELECT \(columns) FROM \(kind.table) WHERE \(column) IN (\(marks))",
                                         arguments: StatementArguments(chunk))
            }
            return rows
        }
        func body<T: Decodable>(_ type: T.Type, _ row: Row) throws -> T {
            guard let text = try row.decode(String?.self, atIndex: 0) else {
                throw CivicError(.corrupted, "a stored \(kind.table) row has no body")
            }
            return try JSONColumn.decode(type, from: text)
        }
        let wanted = keys.map(Set.init)
        var out: [LoggedRecord]
        switch kind {
        case .handbook:
            out = try fetch(PublishedHandbook.columns, by: "", nil).map { LoggedRecord(try PublishedHandbook(reading: $0)) }
        case .cycle:
            out = try fetch(Cycle.columns, by: "", nil).map { LoggedRecord(try Cycle(reading: $0)) }
        case .report:
            out = try fetch(Report.columns, by: "id", keys).map { LoggedRecord(try Report.reading($0).0) }
        case .decision:
            out = try fetch(Decision.columns, by: "id", keys).map { LoggedRecord(try Decision(reading: $0)) }
        case .entry:
            out = try fetch(Entry.columns, by: "id", keys).map { LoggedRecord(try Entry(reading: $0)) }
        case .notice:
            out = try fetch("body", by: "id", keys).map { LoggedRecord(try body(Notice.self, $0)) }
        case .appeal:
            out = try fetch("body", by: "id", keys).map { LoggedRecord(try body(Appeal.self, $0)) }
        case .appealDecision:
            out = try fetch("appeal, reviewer, outcome, reason, decided_on", by: "appeal", keys).map { row in
                var reader = RowReader(row, table: "appeal_decision")
                return LoggedRecord(AppealDecision(appeal: try reader.identifier(), reviewer: try reader.identifier(),
                                                   outcome: try reader.value(), reason: try reader.text(), decidedOn: try reader.day()))
            }
        case .deliveryAttempt:
            let notices = keys.map { Array(Set($0.map { String($0.split(separator: "#", maxSplits: 1).first ?? "") })) }
            out = try fetch(DeliveryAttempt.columns, by: "notice", notices).map { LoggedRecord(try DeliveryAttempt(reading: $0)) }
        }
        if let wanted { out.removeAll { !wanted.contains($0.key) } }
        return out
    }
}
