public import CivicCore
public import CivicLog
import Foundation
import GRDB

/// A leaf on its way into the log: the record it stands for (an entry also by its ledger
/// sequence, which is how the store finds its leaf again) and the hash of its canonical bytes.
struct PendingLeaf: Sendable {
    var kind: LoggedRecord.Kind
    var key: String
    var sequence: Int64?
    var hash: LogHash

    init(kind: LoggedRecord.Kind, key: String, sequence: Int64?, hash: LogHash) {
        self.kind = kind
        self.key = key
        self.sequence = sequence
        self.hash = hash
    }

    init(_ record: LoggedRecord, sequence: Int64?) {
        self.init(kind: record.kind, key: record.key, sequence: sequence, hash: Merkle.leafHash(record.bytes))
    }

    /// The leaves of a change set, in `ChangeSet.loggedRecords` order, each record hashed as it is encoded.
    static func of(_ changes: ChangeSet) -> [PendingLeaf] {
        let sequences = changes.entries.map(\.sequence).sorted()
        var nextEntry = 0
        var out: [PendingLeaf] = []
        out.reserveCapacity(changes.loggableCount)
        changes.forEachLoggedRecord { kind, key, bytes in
            var sequence: Int64?
            if kind == .entry {
                sequence = sequences[nextEntry]
                nextEntry += 1
            }
            out.append(PendingLeaf(kind: kind, key: key, sequence: sequence, hash: Merkle.leafHash(bytes)))
        }
        return out
    }
}

/// The log's right edge as a commit found it: its size and the partial tiles there.
struct LogEdge: Sendable {
    var size: UInt64
    var tiles: TileSet
}

/// Leaves with the tiles they grow: every hash a commit adds to the log, computed before it is written.
struct GrownLog: Sendable {
    var leaves: [PendingLeaf]
    /// The size the tiles were grown from.
    var size: UInt64
    var tiles: [Tile]
    var interiors: [TileKey: [LogHash]]

    init(_ leaves: [PendingLeaf], from edge: LogEdge) throws {
        self.leaves = leaves
        size = edge.size
        (tiles, interiors) = try TlogTiles.appendKeepingInteriors(size: edge.size, edge: edge.tiles, leaves: leaves.map(\.hash))
    }
}

/// The log's work for a large change set, done on another core while the commit writes its rows: the records'
/// canonical bytes and leaf hashes (which depend on the records alone), and the tiles they grow from the edge the
/// log had just before the commit. Under the write lock the commit uses the tiles only if the log still has that
/// size (nothing was appended meanwhile, so the edge is the same); otherwise it grows them again from the true edge.
final class LeavesInBackground: @unchecked Sendable {
    /// Below this many records the work costs less than handing it to another thread.
    static let threshold = 512
    private let group = DispatchGroup()
    private var leaves: [PendingLeaf] = []
    private var grown: GrownLog?

    init(_ changes: ChangeSet, edge: LogEdge?) {
        group.enter()
        DispatchQueue.global(qos: .userInitiated).async { [self] in
            leaves = PendingLeaf.of(changes)
            grown = edge.flatMap { try? GrownLog(leaves, from: $0) }
            group.leave()
        }
    }

    /// The leaves and, if they were grown from an edge, the tiles (the group's wait orders the writes before these reads).
    func wait() -> (leaves: [PendingLeaf], grown: GrownLog?) {
        group.wait()
        return (leaves, grown)
    }
}

/// The transparency log on SQLite. `log_tile` holds the C2SP tiles, level 0 included (the
/// leaves' hashes, 256 to a row); `log_tile_interior` the upper 31 hashes inside each full tile,
/// which proofs read instead of hashing; `log_entry_run` where each run of entries lies (their
/// leaves follow one another in ledger order, so one row per commit finds them all) and
/// `log_record` where every other record's leaf is; `log_checkpoint` and `log_cosignature`
/// the signed checkpoints and witnesses' cosignatures. All are append-only; a partial tile
/// only grows.
extension SQLiteStore: TransparencyLogStore {
    /// The name of the one log this store keeps (one ledger, one log).
    static let logName = "ledger"

    /// Appends `leaves` after the log's last and grows the tiles, inside the commit's transaction.
    static func appendToLog(_ leaves: [PendingLeaf], in db: Database) throws {
        if leaves.isEmpty { return }
        try append(leaves, size: try logSize(db), in: db)
    }

    /// Appends leaves hashed in the background: with the tiles grown there if the log is still where they were grown
    /// from, else grown again here.
    static func appendToLog(_ background: (leaves: [PendingLeaf], grown: GrownLog?), in db: Database) throws {
        if background.leaves.isEmpty { return }
        let size = try logSize(db)
        guard let grown = background.grown, grown.size == size else { return try append(background.leaves, size: size, in: db) }
        try write(grown, in: db)
    }

    /// The log's size and its right-edge tiles, read before a commit so that its tiles can be grown in the background.
    static func edge(_ db: Database) throws -> LogEdge {
        try edge(size: try logSize(db), in: db)
    }

    /// The right-edge tiles of the log at `size`.
    static func edge(size: UInt64, in db: Database) throws -> LogEdge {
        LogEdge(size: size, tiles: TileSet(try tiles(TlogTiles.edgeTiles(size: size), in: db)))
    }

    /// Appends leaves numbered from `size`: where each record's leaf is, and the tiles grown by their hashes.
    static func append(_ leaves: [PendingLeaf], size: UInt64, in db: Database) throws {
        try write(try GrownLog(leaves, from: try edge(size: size, in: db)), in: db)
    }

    /// Inserts tiles that are new and replaces those that grew (a partial tile only grows, under its trigger).
    static func upsert(_ tiles: [Tile], log: String, in db: Database) throws {
        let upsert = try db.cachedStatement(sql: """
            INSERT INTO log_tile (log, level, idx, hashes) VALUES (?, ?, ?, ?)
            ON CONFLICT (log, level, idx) DO UPDATE SET hashes = excluded.hashes
            """)
        for tile in tiles {
            upsert.setUncheckedArguments([log, Int64(tile.key.level), Int64(tile.key.index), Data(tile.serialized)])
            try upsert.execute()
        }
    }

    /// Writes grown leaves: their places, every tile that is new or grew, and the upper interior of every tile completed.
    static func write(_ grown: GrownLog, in db: Database) throws {
        try RecordKind.logLeaf.mappingErrors {
            try placeLeaves(grown.leaves, from: grown.size, log: logName, in: db)
            try upsert(grown.tiles, log: logName, in: db)
            let interior = try db.cachedStatement(sql: """
                INSERT INTO log_tile_interior (log, level, idx, nodes) VALUES (?, ?, ?, ?) ON CONFLICT (log, level, idx) DO NOTHING
                """)
            for (key, nodes) in grown.interiors.sorted(by: { $0.key < $1.key }) {
                let upper = nodes.suffix(TlogTiles.upperInteriorCount).flatMap(\.bytes)
                interior.setUncheckedArguments([logName, Int64(key.level), Int64(key.index), Data(upper)])
                try interior.execute()
            }
        }
    }

    /// Records where each leaf's record is: one `log_entry_run` row per run of entries with consecutive
    /// sequences, one `log_record` row for every other record.
    static func placeLeaves(_ leaves: [PendingLeaf], from size: UInt64, log: String, in db: Database) throws {
        let run = try db.cachedStatement(sql: "INSERT INTO log_entry_run (log, first_index, first_sequence, count) VALUES (?, ?, ?, ?)")
        let record = try db.cachedStatement(sql: "INSERT INTO log_record (log, idx, kind, key) VALUES (?, ?, ?, ?)")
        var offset = 0
        while offset < leaves.count {
            let leaf = leaves[offset]
            guard leaf.kind == .entry, let first = leaf.sequence else {
                guard leaf.kind != .entry else { throw CivicError(.invalidInput, "entry leaf \(size + UInt64(offset)) has no sequence") }
                record.setUncheckedArguments([log, Int64(size) + Int64(offset), leaf.kind.rawValue, leaf.key])
                try record.execute()
                offset += 1
                continue
            }
            var end = offset + 1
            while end < leaves.count, leaves[end].kind == .entry, leaves[end].sequence == first + Int64(end - offset) { end += 1 }
            run.setUncheckedArguments([log, Int64(size) + Int64(offset), first, Int64(end - offset)])
            try run.execute()
            offset = end
        }
    }

    /// Writes the level-0 tiles of leaves numbered from `size` whose tiles above are already stored (a migration's move).
    static func writeLeafTiles(_ hashes: [LogHash], from size: UInt64, log: String, in db: Database) throws {
        let edge = try tiles([TlogTiles.edgeTiles(size: size).first { $0.level == 0 }].compactMap { $0 }, in: db, log: log)
        try upsert(try TlogTiles.append(size: size, edge: edge, leaves: hashes).filter { $0.key.level == 0 }, log: log, in: db)
    }

    public func importLog(_ leaves: [LogLeaf]) async throws {
        guard let first = leaves.first else { return }
        do {
            try await writer.write { db in
                let size = try SQLiteStore.logSize(db)
                guard first.index == size, leaves.enumerated().allSatisfy({ $0.element.index == size + UInt64($0.offset) }) else {
                    throw CivicError(.invalidInput, "imported leaves must continue the log at \(size) without gaps")
                }
                try SQLiteStore.append(try SQLiteStore.withSequences(leaves, in: db), size: size, in: db)
            }
        } catch {
            throw SQLiteStore.storageError(error, doing: "importing log leaves")
        }
    }

    /// Imported leaves with each entry's sequence, read from the ledger; refused when an entry leaf names an entry
    /// the store does not hold, or when consecutive entry leaves are not consecutive in the ledger.
    static func withSequences(_ leaves: [LogLeaf], in db: Database) throws -> [PendingLeaf] {
        let bySequence = try db.cachedStatement(sql: "SELECT sequence FROM entry WHERE id = ?")
        let ids = try db.cachedStatement(sql: "SELECT id FROM entry WHERE sequence >= ? AND sequence < ? ORDER BY sequence")
        var out: [PendingLeaf] = []
        out.reserveCapacity(leaves.count)
        var offset = 0
        while offset < leaves.count {
            let leaf = leaves[offset]
            guard leaf.kind == .entry else {
                out.append(PendingLeaf(kind: leaf.kind, key: leaf.key, sequence: nil, hash: leaf.hash))
                offset += 1
                continue
            }
            var end = offset + 1
            while end < leaves.count, leaves[end].kind == .entry { end += 1 }
            guard let first = try Int64.fetchOne(bySequence, arguments: [leaf.key]) else {
                throw CivicError(.invalidInput, "imported leaf \(leaf.index) stands for entry '\(leaf.key)', which the store does not hold")
            }
            let stored = try String.fetchAll(ids, arguments: [first, first + Int64(end - offset)])
            for (at, sequence) in zip(offset..<end, first...) {
                guard at - offset < stored.count, stored[at - offset] == leaves[at].key else {
                    throw CivicError(.invalidInput, "imported leaf \(leaves[at].index) stands for entry '\(leaves[at].key)', which is not the ledger's entry \(sequence)")
                }
                out.append(PendingLeaf(kind: .entry, key: leaves[at].key, sequence: sequence, hash: leaves[at].hash))
            }
            offset = end
        }
        return out
    }

    /// The log's size: the width of its last level-0 tile.
    static func logSize(_ db: Database) throws -> UInt64 {
        guard let row = try Row.fetchOne(db.cachedStatement(sql: """
            SELECT idx, length(hashes) FROM log_tile WHERE log = ? AND level = 0 ORDER BY idx DESC LIMIT 1
            """), arguments: [logName]) else { return 0 }
        let index: Int64 = row[0], bytes: Int64 = row[1]
        return UInt64(index) * UInt64(TileKey.fullWidth) + UInt64(bytes / Int64(LogHash.byteCount))
    }

    /// Reads tiles from `log_tile`. A tile the store holds with fewer hashes than asked for is absent from the answer.
    static func tiles(_ keys: [TileKey], in db: Database, log: String = logName) throws -> [TileKey: [LogHash]] {
        var out: [TileKey: [LogHash]] = [:]
        for (key, hashes) in try stored(keys, in: db, log: log) where hashes.count >= key.width { out[key] = Array(hashes.prefix(key.width)) }
        return out
    }

    /// The tiles at these keys' (level, index) as stored, whatever their width.
    private static func stored(_ keys: [TileKey], in db: Database, log: String = logName) throws -> [TileKey: [LogHash]] {
        var out: [TileKey: [LogHash]] = [:]
        let statement = try db.cachedStatement(sql: "SELECT hashes FROM log_tile WHERE log = ? AND level = ? AND idx = ?")
        for key in keys {
            guard let blob = try Data.fetchOne(statement, arguments: [log, Int64(key.level), Int64(key.index)]) else { continue }
            out[key] = try Tile.hashes(parsing: Array(blob))
        }
        return out
    }

    /// The hashes of leaves `range` (those the store holds), from their level-0 tiles.
    static func leafHashes(_ range: Range<UInt64>, in db: Database) throws -> [LogHash] {
        guard !range.isEmpty else { return [] }
        let width = UInt64(TileKey.fullWidth)
        let rows = try Row.fetchAll(db.cachedStatement(sql: """
            SELECT idx, hashes FROM log_tile WHERE log = ? AND level = 0 AND idx >= ? AND idx <= ? ORDER BY idx
            """), arguments: [logName, Int64(range.lowerBound / width), Int64((range.upperBound - 1) / width)])
        var out: [LogHash] = []
        out.reserveCapacity(range.count)
        var expected = range.lowerBound / width
        for row in rows {
            let index: Int64 = row[0], blob: Data = row[1]
            guard UInt64(index) == expected else { break }
            let hashes = try Tile.hashes(parsing: Array(blob))
            let first = UInt64(index) * width
            let from = Int(max(range.lowerBound, first) - first), to = Int(min(range.upperBound, first + UInt64(hashes.count)) - first)
            guard from < to else { break }
            out += hashes[from..<to]
            expected += 1
            if to < hashes.count || hashes.count < TileKey.fullWidth { break }
        }
        return out
    }

    /// The tiles named, with the interior hashes of those that are full, ready for a proof: full tiles from `cache`
    /// where it has them (they never change), the rest read and the full ones among them kept there.
    static func tileSet(_ keys: [TileKey], cache: FullTileCache, in db: Database) throws -> TileSet {
        var set = TileSet()
        var missing: [TileKey] = []
        for key in keys {
            guard let cached = cache.tile(level: key.level, index: key.index) else { missing.append(key); continue }
            set.insert(key: key, hashes: Array(cached.hashes.prefix(key.width)))
            if let interior = cached.interior, !key.isPartial { set.insert(interior: interior, level: key.level, index: key.index) }
        }
        guard !missing.isEmpty else { return set }
        let stored = try stored(missing, in: db)
        let interiors = try self.interiors(stored.filter { $0.value.count == TileKey.fullWidth }.map(\.key), in: db)
        for (key, hashes) in stored where hashes.count >= key.width {
            if hashes.count == TileKey.fullWidth {
                cache.keep(level: key.level, index: key.index, hashes: hashes, interior: interiors[key])
            }
            set.insert(key: key, hashes: Array(hashes.prefix(key.width)))
            if !key.isPartial, let interior = interiors[key] { set.insert(interior: interior, level: key.level, index: key.index) }
        }
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
        guard let index = try leafIndex(kind: kind, key: key, in: db),
              let hash = try leafHashes(index..<(index + 1), in: db).first else { return nil }
        return LogLeaf(index: index, kind: kind, key: key, hash: hash)
    }

    /// Where a record's leaf is: an entry's from the run holding its sequence, any other record's from `log_record`.
    static func leafIndex(kind: LoggedRecord.Kind, key: String, in db: Database) throws -> UInt64? {
        guard kind == .entry else {
            return try Int64.fetchOne(db.cachedStatement(sql: "SELECT idx FROM log_record WHERE log = ? AND kind = ? AND key = ?"),
                                      arguments: [logName, kind.rawValue, key]).map { UInt64($0) }
        }
        guard let sequence = try Int64.fetchOne(db.cachedStatement(sql: "SELECT sequence FROM entry WHERE id = ?"), arguments: [key]),
              let run = try Row.fetchOne(db.cachedStatement(sql: """
                  SELECT first_index, first_sequence, count FROM log_entry_run
                  WHERE log = ? AND first_sequence <= ? ORDER BY first_sequence DESC LIMIT 1
                  """), arguments: [logName, sequence])
        else { return nil }
        let firstIndex: Int64 = run[0], firstSequence: Int64 = run[1], count: Int64 = run[2]
        guard sequence < firstSequence + count else { return nil }
        return UInt64(firstIndex + sequence - firstSequence)
    }

    /// The leaves from `index` on, at most `limit`, each with the record it stands for. A leaf whose place no row
    /// records is left out (an audit reports the gap); an entry run naming a sequence the ledger no longer holds gives a
    /// leaf keyed by that sequence, which no entry id can equal, so an audit reports the entry missing.
    static func leaves(from index: UInt64, limit: Int, in db: Database) throws -> [LogLeaf] {
        let size = try logSize(db)
        guard index < size, limit > 0 else { return [] }
        let end = min(size, index + UInt64(limit))
        let hashes = try leafHashes(index..<end, in: db)
        var places: [(index: UInt64, kind: LoggedRecord.Kind, key: String)] = []
        let runs = try Row.fetchAll(db.cachedStatement(sql: """
            SELECT first_index, first_sequence, count FROM
              (SELECT * FROM (SELECT first_index, first_sequence, count FROM log_entry_run WHERE log = ?1 AND first_index <= ?2
                              ORDER BY first_index DESC LIMIT 1)
               UNION ALL
               SELECT first_index, first_sequence, count FROM log_entry_run WHERE log = ?1 AND first_index > ?2 AND first_index < ?3)
            ORDER BY first_index
            """), arguments: [logName, Int64(index), Int64(end)])
        let ids = try db.cachedStatement(sql: "SELECT sequence, id FROM entry WHERE sequence >= ? AND sequence < ?")
        for run in runs {
            let firstIndex: Int64 = run[0], firstSequence: Int64 = run[1], count: Int64 = run[2]
            let from = max(Int64(index), firstIndex), to = min(Int64(end), firstIndex + count)
            guard from < to else { continue }
            let sequences = (firstSequence + from - firstIndex)..<(firstSequence + to - firstIndex)
            var stored: [Int64: String] = [:]
            for row in try Row.fetchAll(ids, arguments: [sequences.lowerBound, sequences.upperBound]) { stored[row[0]] = row[1] }
            for sequence in sequences {
                places.append((UInt64(firstIndex + sequence - firstSequence), .entry, stored[sequence] ?? "sequence \(sequence)"))
            }
        }
        for row in try Row.fetchAll(db.cachedStatement(sql: """
            SELECT idx, kind, key FROM log_record WHERE log = ? AND idx >= ? AND idx < ? ORDER BY idx
            """), arguments: [logName, Int64(index), Int64(end)]) {
            guard let at = try row.decode(Int64?.self, atIndex: 0), at >= 0,
                  let name = try row.decode(String?.self, atIndex: 1), let kind = LoggedRecord.Kind(rawValue: name),
                  let key = try row.decode(String?.self, atIndex: 2)
            else { throw CivicError(.corrupted, "a stored log_record row is malformed") }
            places.append((UInt64(at), kind, key))
        }
        places.sort { $0.index < $1.index }
        return places.compactMap { place in
            let offset = Int(place.index - index)
            guard offset < hashes.count else { return nil }
            return LogLeaf(index: place.index, kind: place.kind, key: place.key, hash: hashes[offset])
        }
    }

    public func inclusionProof(kind: LoggedRecord.Kind, key: String, size: UInt64?) async throws -> (proof: InclusionProof, checkpoint: StoredCheckpoint?) {
        let cache = fullTiles
        return try await read("making an inclusion proof") { db in
            let latest = try SQLiteStore.latestCheckpoint(db)
            let held = try SQLiteStore.logSize(db)
            let size = try ProofPlan.size(size, latest: latest, held: held)
            // The leaf's hash comes from its own level-0 tile, which the proof reads anyway.
            let index = try SQLiteStore.leafIndex(kind: kind, key: key, in: db).flatMap { $0 < held ? $0 : nil }
            let placeholder = index.map { LogLeaf(index: $0, kind: kind, key: key, hash: Merkle.emptyRoot) }
            let (found, keys) = try ProofPlan.inclusionTiles(placeholder, kind: kind, key: key, size: size)
            let width = TileKey.fullWidth
            let own = try TileKey(level: 0, index: found.index / UInt64(width),
                                  width: Int(min(UInt64(width), size - found.index / UInt64(width) * UInt64(width))))
            let tiles = try SQLiteStore.tileSet(Array(Set(keys + [own])).sorted(), cache: cache, in: db)
            guard let hashes = tiles[level: 0, index: own.index], Int(found.index % UInt64(width)) < hashes.count else {
                throw CivicError(.corrupted, "the log's tile holding leaf \(found.index) is missing")
            }
            let leaf = LogLeaf(index: found.index, kind: kind, key: key, hash: hashes[Int(found.index % UInt64(width))])
            let proof = try TlogTiles.inclusionProof(index: leaf.index, size: size, tiles: tiles)
            return (InclusionProof(leaf: leaf, size: size, proof: proof), latest?.size == size ? latest : nil)
        }
    }

    public func consistencyProof(from oldSize: UInt64, to newSize: UInt64) async throws -> [LogHash] {
        let cache = fullTiles
        return try await read("making a consistency proof") { db in
            let keys = try ProofPlan.consistencyTiles(from: oldSize, to: newSize, held: try SQLiteStore.logSize(db))
            return try ProofPlan.consistencyProof(from: oldSize, to: newSize, tiles: try SQLiteStore.tileSet(keys, cache: cache, in: db))
        }
    }

    static func latestCheckpoint(_ db: Database) throws -> StoredCheckpoint? {
        try Row.fetchOne(db.cachedStatement(sql: "SELECT id, size, root, note, signed_at FROM log_checkpoint WHERE log = ? ORDER BY id DESC LIMIT 1"),
                         arguments: [logName]).map(checkpoint)
    }

    public func logLeaves(from index: UInt64, limit: Int) async throws -> [LogLeaf] {
        try await read("reading log leaves") { db in try SQLiteStore.leaves(from: index, limit: limit, in: db) }
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
            let size = Int64(try SQLiteStore.logSize(db))
            guard kind != .entry else {
                // An entry is logged when a run holds its sequence at an index inside the log.
                return try String.fetchAll(db, sql: """
                    SELECT e.id FROM entry e WHERE NOT IFNULL((
                        SELECT e.sequence < r.first_sequence + r.count AND r.first_index + e.sequence - r.first_sequence < ?
                        FROM log_entry_run r WHERE r.log = ? AND r.first_sequence <= e.sequence
                        ORDER BY r.first_sequence DESC LIMIT 1), 0)
                    ORDER BY e.id LIMIT ?
                    """, arguments: [size, SQLiteStore.logName, limit])
            }
            return try String.fetchAll(db, sql: """
                SELECT k FROM (SELECT \(kind.keyExpression) AS k FROM \(kind.table))
                WHERE NOT EXISTS (SELECT 1 FROM log_record l WHERE l.log = ? AND l.kind = ? AND l.key = k AND l.idx < ?)
                ORDER BY k LIMIT ?
                """, arguments: [SQLiteStore.logName, kind.rawValue, size, limit])
        }
    }

    public func checkpoints() async throws -> [StoredCheckpoint] {
        try await read("reading checkpoints") { db in
            try Row.fetchAll(db.cachedStatement(sql: """
                SELECT id, size, root, note, signed_at FROM log_checkpoint WHERE log = ? ORDER BY id
                """), arguments: [SQLiteStore.logName]).map(SQLiteStore.checkpoint)
        }
    }

    public func latestCheckpoints(_ count: Int) async throws -> [StoredCheckpoint] {
        try await read("reading checkpoints") { db in
            try Row.fetchAll(db.cachedStatement(sql: """
                SELECT id, size, root, note, signed_at FROM log_checkpoint WHERE log = ? ORDER BY id DESC LIMIT ?
                """), arguments: [SQLiteStore.logName, count]).map(SQLiteStore.checkpoint)
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
