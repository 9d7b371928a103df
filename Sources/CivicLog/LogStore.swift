public import CivicCore

/// One leaf of the log: its position, the record it stands for, and the hash of
/// that record's canonical bytes (RFC 9162: SHA-256(0x00 || bytes)).
public struct LogLeaf: Hashable, Sendable {
    public var index: UInt64
    public var kind: LoggedRecord.Kind
    public var key: String
    public var hash: LogHash

    public init(index: UInt64, kind: LoggedRecord.Kind, key: String, hash: LogHash) {
        self.index = index
        self.kind = kind
        self.key = key
        self.hash = hash
    }
}

/// A signed checkpoint as stored: the C2SP signed note, with the tree size and root
/// it commits to kept beside it for queries. Stored append-only.
public struct StoredCheckpoint: Hashable, Sendable {
    /// The store's number for it, in the order checkpoints were signed (1, 2, ...).
    public var id: Int64
    public var size: UInt64
    public var root: LogHash
    /// The whole signed note: the checkpoint body, a blank line, the log's signature.
    public var note: String
    /// When it was signed, seconds since 1970.
    public var signedAt: Int64

    public init(id: Int64, size: UInt64, root: LogHash, note: String, signedAt: Int64) {
        self.id = id
        self.size = size
        self.root = root
        self.note = note
        self.signedAt = signedAt
    }
}

/// A witness's cosignature of one stored checkpoint: the C2SP signature line it sent.
public struct StoredCosignature: Hashable, Sendable {
    public var checkpoint: Int64
    /// The witness's key name.
    public var witness: String
    /// The signature line ("— name base64"), ready to append to the checkpoint's note.
    public var line: String
    public var receivedAt: Int64

    public init(checkpoint: Int64, witness: String, line: String, receivedAt: Int64) {
        self.checkpoint = checkpoint
        self.witness = witness
        self.line = line
        self.receivedAt = receivedAt
    }
}

/// What a store keeps of the transparency log. Every store appends the leaves of a
/// commit (`ChangeSet.loggedRecords`) and grows the tiles in the same transaction as
/// the records themselves, so a record is never durable without its leaf.
///
/// Today a store holds one ledger and so one log; its tables carry the log's name so
/// that ledgers split per jurisdiction each keep a log of their own.
public protocol TransparencyLogStore: Sendable {
    /// How many leaves the log holds.
    func logSize() async throws -> UInt64
    /// The hashes of each tile named, in the C2SP tlog-tiles layout (level 0 holds leaf
    /// hashes). A tile the log does not hold (yet) is absent from the answer.
    func logTiles(_ keys: [TileKey]) async throws -> [TileKey: [LogHash]]
    /// The stored interior hashes of the full tiles at these keys' (level, index): all 255 (`TlogTiles.interior(of:)`)
    /// or the upper 31 (`TlogTiles.upperInterior(of:)`), as the store keeps them.
    func logTileInteriors(_ keys: [TileKey]) async throws -> [TileKey: [LogHash]]
    /// The leaf of a record, if it is in the log.
    func logLeaf(kind: LoggedRecord.Kind, key: String) async throws -> LogLeaf?
    /// Leaves in index order from `index`, at most `limit`.
    func logLeaves(from index: UInt64, limit: Int) async throws -> [LogLeaf]
    /// The canonical bytes of the stored records of `kind` with these keys, as the store
    /// reads them now (an audit compares their hashes with the leaves).
    func loggedRecords(_ kind: LoggedRecord.Kind, keys: [String]) async throws -> [String: [UInt8]]
    /// How many records of `kind` the store holds.
    func loggedRecordCount(_ kind: LoggedRecord.Kind) async throws -> Int
    /// Keys of stored records of `kind` that have no leaf, at most `limit`.
    func unloggedRecordKeys(_ kind: LoggedRecord.Kind, limit: Int) async throws -> [String]

    /// Every stored checkpoint, oldest first.
    func checkpoints() async throws -> [StoredCheckpoint]
    /// The `count` checkpoints signed last, the newest first.
    func latestCheckpoints(_ count: Int) async throws -> [StoredCheckpoint]
    func latestCheckpoint() async throws -> StoredCheckpoint?
    /// Stores a signed checkpoint; returns it with its id. Refused if the log has fewer leaves than `size`.
    func appendCheckpoint(size: UInt64, root: LogHash, note: String, signedAt: Int64) async throws -> StoredCheckpoint
    func cosignatures(checkpoint: Int64) async throws -> [StoredCosignature]
    /// Stores a witness's cosignature; a second one from the same witness for the same checkpoint is ignored.
    func addCosignature(_ cosignature: StoredCosignature) async throws

    /// An inclusion proof of a record in the tree of `size` leaves (nil: the latest checkpoint's), with
    /// that checkpoint, read in one snapshot (`ProofPlan` says what to read and what to refuse).
    func inclusionProof(kind: LoggedRecord.Kind, key: String, size: UInt64?) async throws -> (proof: InclusionProof, checkpoint: StoredCheckpoint?)
    /// A consistency proof between two sizes, read in one snapshot.
    func consistencyProof(from oldSize: UInt64, to newSize: UInt64) async throws -> [LogHash]

    /// Appends leaves copied from another store's log (`civic migrate-store`): they must continue this log
    /// without a gap; the tiles grow as for a commit. The records they stand for are copied separately, and
    /// the copy is audited afterwards.
    func importLog(_ leaves: [LogLeaf]) async throws
}

extension Tile {
    /// The interior hashes of a full tile as stored: 255 hashes, or the upper 31; a damaged body is `corrupted`.
    public static func interior(parsing bytes: [UInt8]) throws(CivicError) -> [LogHash] {
        guard bytes.count == LogHash.byteCount * TlogTiles.interiorCount || bytes.count == LogHash.byteCount * TlogTiles.upperInteriorCount else {
            throw CivicError(.corrupted, "a stored tile interior is \(bytes.count) bytes, not 255 or 31 hashes")
        }
        return stride(from: 0, to: bytes.count, by: LogHash.byteCount).map { LogHash(bytes: bytes[$0..<($0 + LogHash.byteCount)])! }
    }

    /// The hashes of a stored tile body (32 bytes each); a damaged body is `corrupted`.
    public static func hashes(parsing bytes: [UInt8]) throws(CivicError) -> [LogHash] {
        guard !bytes.isEmpty, bytes.count % LogHash.byteCount == 0, bytes.count <= LogHash.byteCount * TileKey.fullWidth else {
            throw CivicError(.corrupted, "a stored tile is \(bytes.count) bytes, not a whole number of 32-byte hashes up to 256")
        }
        return stride(from: 0, to: bytes.count, by: LogHash.byteCount).map { LogHash(bytes: bytes[$0..<($0 + LogHash.byteCount)])! }
    }
}

extension LoggedRecord.Kind {
    /// The table that holds records of this kind, in both stores' schemas.
    public var table: String {
        switch self {
        case .handbook: "handbook"
        case .report: "report"
        case .decision: "decision"
        case .notice: "notice"
        case .entry: "entry"
        case .cycle: "cycle"
        case .appeal: "appeal"
        case .appealDecision: "appeal_decision"
        case .deliveryAttempt: "delivery_attempt"
        }
    }

    /// The SQL expression (the same in SQLite and PostgreSQL) of a record's log key, as `LoggedRecord` builds it.
    public var keyExpression: String {
        switch self {
        case .handbook: "jurisdiction || '@' || version"
        case .cycle: "jurisdiction || '@' || month"
        case .appealDecision: "appeal"
        case .deliveryAttempt: "notice || '#' || channel || '#' || number"
        default: "id"
        }
    }
}
