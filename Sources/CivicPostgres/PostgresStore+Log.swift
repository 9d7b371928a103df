public import CivicCore
public import CivicLog
import PostgresNIO

/// The transparency log on PostgreSQL, table for table as on SQLite (see
/// `SQLiteStore+Log`). Appends are serialised by a lock on `log_leaf` taken last in
/// every commit, after the ledger's and the reports' locks, so commits queue and
/// never deadlock; readers never wait for it.
extension PostgresStore: TransparencyLogStore {
    static let logName = "ledger"

    /// A record's leaf before it is numbered.
    typealias HashedRecord = (kind: LoggedRecord.Kind, key: String, hash: LogHash)

    /// Appends `records` as leaves and grows the tiles, inside the migration's transaction.
    static func appendToLog(_ records: [LoggedRecord], on connection: PostgresConnection) async throws {
        try await appendToLog(hashed: records.map { ($0.kind, $0.key, Merkle.leafHash($0.bytes)) }, on: connection)
    }

    /// Appends a commit's records as leaves, each hashed as it is encoded (`ChangeSet.forEachLoggedRecord`), so a
    /// close's hundreds of thousands of notices are never held as bytes all at once.
    static func appendToLog(_ changes: ChangeSet, on connection: PostgresConnection) async throws {
        var hashed: [HashedRecord] = []
        hashed.reserveCapacity(changes.loggableCount)
        changes.forEachLoggedRecord { hashed.append(($0, $1, Merkle.leafHash($2))) }
        try await appendToLog(hashed: hashed, on: connection)
    }

    /// Numbers hashed records after the log's last leaf, under the log's lock, and grows the tiles.
    private static func appendToLog(hashed records: [HashedRecord], on connection: PostgresConnection) async throws {
        if records.isEmpty { return }
        try await connection.query("LOCK TABLE log_leaf IN SHARE ROW EXCLUSIVE MODE", logger: logger)
        let size = try await logSize(connection)
        let leaves = records.enumerated().map { offset, record in
            LogLeaf(index: size + UInt64(offset), kind: record.kind, key: record.key, hash: record.hash)
        }
        try await append(leaves, size: size, on: connection)
    }

    /// Appends leaves whose hashes are known (numbered from `size`) and grows the tiles; the caller holds the lock.
    static func append(_ leaves: [LogLeaf], size: UInt64, on connection: PostgresConnection) async throws {
        let edge = try await tiles(TlogTiles.edgeTiles(size: size), on: connection)
        let grown = try TlogTiles.append(size: size, edge: edge, leaves: leaves.map(\.hash))
        try await copy(leaves, into: "log_leaf", columns: ["log", "idx", "kind", "key", "hash"], as: .logLeaf, on: connection) { leaf, text in
            text.field(logName); text.field(Int64(leaf.index)); text.field(leaf.kind.rawValue); text.field(leaf.key)
            text.field(bytea: leaf.hash.bytes)
        }
        for tile in grown where tile.key.level > 0 {
            try await RecordKind.logLeaf.mappingErrors {
                try await connection.query("""
                    INSERT INTO log_tile (log, level, idx, hashes) VALUES (\(logName), \(Int64(tile.key.level)), \(Int64(tile.key.index)), \(ByteBuffer(bytes: tile.serialized)))
                    ON CONFLICT (log, level, idx) DO UPDATE SET hashes = excluded.hashes
                    """, logger: logger)
            }
        }
        for tile in grown {
            guard let nodes = TlogTiles.interior(of: tile.hashes) else { continue }
            try await RecordKind.logLeaf.mappingErrors {
                try await connection.query("""
                    INSERT INTO log_tile_interior (log, level, idx, nodes)
                    VALUES (\(logName), \(Int64(tile.key.level)), \(Int64(tile.key.index)), \(ByteBuffer(bytes: nodes.flatMap(\.bytes))))
                    ON CONFLICT (log, level, idx) DO NOTHING
                    """, logger: logger)
            }
        }
    }

    public func importLog(_ leaves: [LogLeaf]) async throws {
        guard let first = leaves.first else { return }
        try await transaction("importing log leaves") { connection in
            try await connection.query("LOCK TABLE log_leaf IN SHARE ROW EXCLUSIVE MODE", logger: PostgresStore.logger)
            let size = try await PostgresStore.logSize(connection)
            guard first.index == size, leaves.enumerated().allSatisfy({ $0.element.index == size + UInt64($0.offset) }) else {
                throw CivicError(.invalidInput, "imported leaves must continue the log at \(size) without gaps")
            }
            try await PostgresStore.append(leaves, size: size, on: connection)
        }
    }

    /// Appends the leaves of every record stored before the log existed: by kind,
    /// entries in sequence order, as in a commit. Runs inside the migration's transaction.
    @Sendable static func backfillLog(_ connection: PostgresConnection) async throws {
        for kind in LoggedRecord.Kind.allCases {
            guard kind == .entry else {
                try await appendToLog(loggedRecords(kind, keys: nil, on: connection).sorted { $0.key < $1.key }, on: connection)
                continue
            }
            // The ledger in sequence order, a page at a time.
            var after: Int64 = 0
            while true {
                let entries = try await connection.query(
                    "SELECT \(unescaped: Entry.listBeforeCapTerms) FROM entry WHERE sequence > \(after) ORDER BY sequence LIMIT 50000",
                    logger: logger
                ).collect().map(Entry.init(reading:))
                guard let last = entries.last else { break }
                try await appendToLog(entries.map(LoggedRecord.init), on: connection)
                after = last.sequence
            }
        }
    }

    static func logSize(_ connection: PostgresConnection) async throws -> UInt64 {
        let rows = try await connection.query("SELECT coalesce(max(idx) + 1, 0) FROM log_leaf WHERE log = \(logName)", logger: logger)
        for try await next in rows.decode(Int64.self) { return UInt64(max(next, 0)) }
        return 0
    }

    static func tiles(_ keys: [TileKey], on connection: PostgresConnection) async throws -> [TileKey: [LogHash]] {
        var out: [TileKey: [LogHash]] = [:]
        for key in keys {
            if key.level == 0 {
                let first = Int64(key.index) * Int64(TileKey.fullWidth)
                let rows = try await connection.query("""
                    SELECT hash FROM log_leaf WHERE log = \(logName) AND idx >= \(first) AND idx < \(first + Int64(key.width)) ORDER BY idx
                    """, logger: logger).collect()
                guard rows.count == key.width else { continue }
                out[key] = try rows.map { try hash($0.decode(ByteBuffer.self), at: "log_leaf") }
            } else {
                let rows = try await connection.query("""
                    SELECT hashes FROM log_tile WHERE log = \(logName) AND level = \(Int64(key.level)) AND idx = \(Int64(key.index))
                    """, logger: logger).collect()
                guard let row = rows.first else { continue }
                let hashes = try Tile.hashes(parsing: Array(buffer: try row.decode(ByteBuffer.self)))
                guard hashes.count >= key.width else { continue }
                out[key] = Array(hashes.prefix(key.width))
            }
        }
        return out
    }

    /// The tiles named, with the interior hashes of those that are full, ready for a proof.
    static func tileSet(_ keys: [TileKey], on connection: PostgresConnection) async throws -> TileSet {
        var set = TileSet(try await tiles(keys, on: connection))
        for (key, nodes) in try await interiors(keys, on: connection) { set.insert(interior: nodes, level: key.level, index: key.index) }
        return set
    }

    /// The stored interior hashes of the full tiles at these keys' (level, index).
    static func interiors(_ keys: [TileKey], on connection: PostgresConnection) async throws -> [TileKey: [LogHash]] {
        var out: [TileKey: [LogHash]] = [:]
        for key in keys {
            let rows = try await connection.query(
                "SELECT nodes FROM log_tile_interior WHERE log = \(logName) AND level = \(Int64(key.level)) AND idx = \(Int64(key.index))",
                logger: logger).collect()
            guard let row = rows.first else { continue }
            out[key] = try Tile.interior(parsing: Array(buffer: try row.decode(ByteBuffer.self)))
        }
        return out
    }

    public func logTileInteriors(_ keys: [TileKey]) async throws -> [TileKey: [LogHash]] {
        try await read("reading log tile interiors") { try await PostgresStore.interiors(keys, on: $0) }
    }

    private static func hash(_ buffer: ByteBuffer, at table: String) throws -> LogHash {
        guard let hash = LogHash(bytes: Array(buffer: buffer)) else { throw CivicError(.corrupted, "a stored \(table) hash is not 32 bytes") }
        return hash
    }

    private static func leaf(_ row: PostgresRow) throws -> LogLeaf {
        let (index, kindName, key, blob) = try row.decode((Int64, String, String, ByteBuffer).self)
        guard index >= 0, let kind = LoggedRecord.Kind(rawValue: kindName) else {
            throw CivicError(.corrupted, "a stored log_leaf row is malformed")
        }
        return LogLeaf(index: UInt64(index), kind: kind, key: key, hash: try hash(blob, at: "log_leaf"))
    }

    private static func checkpoint(_ row: PostgresRow) throws -> StoredCheckpoint {
        let (id, size, root, note, at) = try row.decode((Int64, Int64, ByteBuffer, String, Int64).self)
        guard size >= 0 else { throw CivicError(.corrupted, "a stored log_checkpoint row is malformed") }
        return StoredCheckpoint(id: id, size: UInt64(size), root: try hash(root, at: "log_checkpoint"), note: note, signedAt: at)
    }

    // MARK: TransparencyLogStore

    public func logSize() async throws -> UInt64 {
        try await single("reading the log size") { try await PostgresStore.logSize($0) }
    }

    public func logTiles(_ keys: [TileKey]) async throws -> [TileKey: [LogHash]] {
        try await read("reading log tiles") { try await PostgresStore.tiles(keys, on: $0) }
    }

    public func logLeaf(kind: LoggedRecord.Kind, key: String) async throws -> LogLeaf? {
        try await read("reading a log leaf") { try await PostgresStore.leaf(kind: kind, key: key, on: $0) }
    }

    static func leaf(kind: LoggedRecord.Kind, key: String, on connection: PostgresConnection) async throws -> LogLeaf? {
        try await connection.query(
            "SELECT idx, kind, key, hash FROM log_leaf WHERE log = \(logName) AND kind = \(kind.rawValue) AND key = \(key)",
            logger: logger).collect().first.map(leaf)
    }

    static func latestCheckpoint(on connection: PostgresConnection) async throws -> StoredCheckpoint? {
        try await connection.query(
            "SELECT id, size, root, note, signed_at FROM log_checkpoint WHERE log = \(logName) ORDER BY id DESC LIMIT 1",
            logger: logger).collect().first.map(checkpoint)
    }

    public func inclusionProof(kind: LoggedRecord.Kind, key: String, size: UInt64?) async throws -> (proof: InclusionProof, checkpoint: StoredCheckpoint?) {
        try await read("making an inclusion proof") { connection in
            let latest = try await PostgresStore.latestCheckpoint(on: connection)
            let size = try ProofPlan.size(size, latest: latest, held: try await PostgresStore.logSize(connection))
            let found = try await PostgresStore.leaf(kind: kind, key: key, on: connection)
            let (leaf, keys) = try ProofPlan.inclusionTiles(found, kind: kind, key: key, size: size)
            let proof = try TlogTiles.inclusionProof(index: leaf.index, size: size, tiles: try await PostgresStore.tileSet(keys, on: connection))
            return (InclusionProof(leaf: leaf, size: size, proof: proof), latest?.size == size ? latest : nil)
        }
    }

    public func consistencyProof(from oldSize: UInt64, to newSize: UInt64) async throws -> [LogHash] {
        try await read("making a consistency proof") { connection in
            let keys = try ProofPlan.consistencyTiles(from: oldSize, to: newSize, held: try await PostgresStore.logSize(connection))
            return try ProofPlan.consistencyProof(from: oldSize, to: newSize, tiles: try await PostgresStore.tileSet(keys, on: connection))
        }
    }

    public func logLeaves(from index: UInt64, limit: Int) async throws -> [LogLeaf] {
        try await fetch("reading log leaves", """
            SELECT idx, kind, key, hash FROM log_leaf WHERE log = \(PostgresStore.logName) AND idx >= \(Int64(clamping: index))
            ORDER BY idx LIMIT \(Int64(limit))
            """, PostgresStore.leaf)
    }

    public func loggedRecords(_ kind: LoggedRecord.Kind, keys: [String]) async throws -> [String: [UInt8]] {
        try await read("reading logged records") { connection in
            var out: [String: [UInt8]] = [:]
            for record in try await PostgresStore.loggedRecords(kind, keys: keys, on: connection) { out[record.key] = record.bytes }
            return out
        }
    }

    public func loggedRecordCount(_ kind: LoggedRecord.Kind) async throws -> Int {
        try await fetch("counting logged records", PostgresQuery(unsafeSQL: "SELECT count(*) FROM \(kind.table)")) {
            Int(try $0.decode(Int64.self))
        }.first ?? 0
    }

    public func unloggedRecordKeys(_ kind: LoggedRecord.Kind, limit: Int) async throws -> [String] {
        try await fetch("finding records missing from the log", """
            SELECT k FROM (SELECT \(unescaped: kind.keyExpression) AS k FROM \(unescaped: kind.table)) r
            WHERE NOT EXISTS (SELECT 1 FROM log_leaf l WHERE l.log = \(PostgresStore.logName) AND l.kind = \(kind.rawValue) AND l.key = r.k)
            ORDER BY k LIMIT \(Int64(limit))
            """) { try $0.decode(String.self) }
    }

    public func checkpoints() async throws -> [StoredCheckpoint] {
        try await fetch("reading checkpoints", """
            SELECT id, size, root, note, signed_at FROM log_checkpoint WHERE log = \(PostgresStore.logName) ORDER BY id
            """, PostgresStore.checkpoint)
    }

    public func latestCheckpoints(_ count: Int) async throws -> [StoredCheckpoint] {
        try await fetch("reading checkpoints", """
            SELECT id, size, root, note, signed_at FROM log_checkpoint WHERE log = \(PostgresStore.logName) ORDER BY id DESC LIMIT \(count)
            """, PostgresStore.checkpoint)
    }

    public func latestCheckpoint() async throws -> StoredCheckpoint? {
        try await read("reading the latest checkpoint") { try await PostgresStore.latestCheckpoint(on: $0) }
    }

    public func appendCheckpoint(size: UInt64, root: LogHash, note: String, signedAt: Int64) async throws -> StoredCheckpoint {
        try await transaction("storing a checkpoint") { connection in
            let held = try await PostgresStore.logSize(connection)
            guard size <= held else { throw CivicError(.refused, "a checkpoint at size \(size) is past the log's \(held) leaves") }
            let rows = try await connection.query("""
                INSERT INTO log_checkpoint (log, size, root, note, signed_at)
                VALUES (\(PostgresStore.logName), \(Int64(size)), \(ByteBuffer(bytes: root.bytes)), \(note), \(signedAt)) RETURNING id
                """, logger: PostgresStore.logger)
            var id: Int64 = 0
            for try await value in rows.decode(Int64.self) { id = value }
            return StoredCheckpoint(id: id, size: size, root: root, note: note, signedAt: signedAt)
        }
    }

    public func cosignatures(checkpoint: Int64) async throws -> [StoredCosignature] {
        try await fetch("reading cosignatures", """
            SELECT checkpoint, witness, line, received_at FROM log_cosignature WHERE checkpoint = \(checkpoint) ORDER BY witness
            """) { row in
            let (id, witness, line, at) = try row.decode((Int64, String, String, Int64).self)
            return StoredCosignature(checkpoint: id, witness: witness, line: line, receivedAt: at)
        }
    }

    public func addCosignature(_ cosignature: StoredCosignature) async throws {
        _ = try await rows("storing a cosignature", """
            INSERT INTO log_cosignature (checkpoint, witness, line, received_at)
            VALUES (\(cosignature.checkpoint), \(cosignature.witness), \(cosignature.line), \(cosignature.receivedAt))
            ON CONFLICT (checkpoint, witness) DO NOTHING
            """)
    }

    // MARK: Records by kind

    /// The stored records of `kind` with these keys (all of them when `keys` is nil), as canonical records.
    /// A row that no longer decodes is `corrupted`, naming its table.
    static func loggedRecords(_ kind: LoggedRecord.Kind, keys: [String]?, on connection: PostgresConnection) async throws -> [LoggedRecord] {
        do {
            return try await decodedRecords(kind, keys: keys, on: connection)
        } catch let error as CivicError {
            throw error
        } catch let error as PSQLError {
            throw error
        } catch {
            throw CivicError(.corrupted, "a stored \(kind.table) row cannot be read: \(type(of: error))")
        }
    }

    private static func decodedRecords(_ kind: LoggedRecord.Kind, keys: [String]?, on connection: PostgresConnection) async throws -> [LoggedRecord] {
        func fetch(_ columns: String, by column: String, _ values: [String]?) async throws -> [PostgresRow] {
            let table = kind.table
            guard let values else {
                return try await connection.query(PostgresQuery(unsafeSQL: "SELECT \(columns) FROM \(table)"), logger: logger).collect()
            }
            return try await connection.query("SELECT \(unescaped: columns) FROM \(unescaped: table) WHERE \(unescaped: column) = ANY(\(values))",
                                              logger: logger).collect()
        }
        let wanted = keys.map(Set.init)
        var out: [LoggedRecord]
        switch kind {
        case .handbook:
            out = try await fetch(PublishedHandbook.table.list, by: "", nil).map { LoggedRecord(try PublishedHandbook(reading: $0)) }
        case .cycle:
            out = try await fetch(Cycle.table.list, by: "", nil).map { LoggedRecord(try Cycle(reading: $0)) }
        case .report:
            out = try await fetch(Report.table.list, by: "id", keys).map { LoggedRecord(try Report.reading($0).0) }
        case .decision:
            out = try await fetch(Decision.table.list, by: "id", keys).map { LoggedRecord(try Decision(reading: $0)) }
        case .entry:
            out = try await fetch(Entry.table.list, by: "id", keys).map { LoggedRecord(try Entry(reading: $0)) }
        case .notice:
            out = try await fetch("body", by: "id", keys).map { LoggedRecord(try body(Notice.self, $0, table: "notice")) }
        case .appeal:
            out = try await fetch("body", by: "id", keys).map { LoggedRecord(try body(Appeal.self, $0, table: "appeal")) }
        case .appealDecision:
            out = try await fetch("appeal, reviewer, outcome, reason, decided_on", by: "appeal", keys).map { row in
                var reader = ColumnReader(row, table: "appeal_decision")
                return LoggedRecord(AppealDecision(appeal: try reader.identifier(), reviewer: try reader.identifier(),
                                                   outcome: try reader.value(), reason: try reader.text(), decidedOn: try reader.day()))
            }
        case .deliveryAttempt:
            let notices = keys.map { Array(Set($0.map { String($0.split(separator: "#", maxSplits: 1).first ?? "") })) }
            out = try await fetch(DeliveryAttempt.columns, by: "notice", notices).map { LoggedRecord(try DeliveryAttempt(reading: $0)) }
        }
        if let wanted { out.removeAll { !wanted.contains($0.key) } }
        return out
    }
}

extension CopyText {
    /// A `bytea` in hex form (`\x…`), its backslash escaped as COPY's text format wants.
    mutating func field(bytea bytes: [UInt8]) {
        let digits = Array("0123456789abcdef")
        var literal = "\\x"
        literal.reserveCapacity(2 + bytes.count * 2)
        for byte in bytes {
            literal.append(digits[Int(byte >> 4)])
            literal.append(digits[Int(byte & 0x0F)])
        }
        field(literal)
    }
}
