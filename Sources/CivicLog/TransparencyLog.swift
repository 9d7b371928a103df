public import CivicCore

/// The log as its readers use it, over any store: the current root, signed
/// checkpoints, inclusion proofs for a record and consistency proofs between two
/// sizes. Every proof reads O(log n) tiles.
public struct TransparencyLog: Sendable {
    public var store: any TransparencyLogStore

    public init(store: any TransparencyLogStore) { self.store = store }

    /// The root of the first `size` leaves.
    public func root(size: UInt64) async throws -> LogHash {
        let tiles = try await store.logTiles(TlogTiles.tilesForRoot(size: size))
        return try TlogTiles.root(size: size, tiles: tiles)
    }

    /// An inclusion proof of one record's leaf in the tree of `size` leaves (nil: the latest
    /// checkpoint's size), with that checkpoint; read in one snapshot of the store.
    public func inclusion(kind: LoggedRecord.Kind, key: String, size: UInt64?) async throws -> (proof: InclusionProof, checkpoint: StoredCheckpoint?) {
        try await store.inclusionProof(kind: kind, key: key, size: size)
    }

    public func inclusion(kind: LoggedRecord.Kind, key: String, size: UInt64) async throws -> InclusionProof {
        try await store.inclusionProof(kind: kind, key: key, size: size).proof
    }

    /// A consistency proof that the tree of `newSize` leaves extends the tree of `oldSize`, read in one snapshot.
    public func consistency(from oldSize: UInt64, to newSize: UInt64) async throws -> [LogHash] {
        try await store.consistencyProof(from: oldSize, to: newSize)
    }

    /// Signs and stores a checkpoint of the whole log as it is now, unless the latest
    /// checkpoint already covers it (then that one is returned, unless `always`).
    @discardableResult
    public func checkpoint(signer: NoteSigner, at time: Int64, always: Bool = false) async throws -> StoredCheckpoint {
        let size = try await store.logSize()
        if !always, let latest = try await store.latestCheckpoint(), latest.size == size { return latest }
        let root = try await root(size: size)
        let body = Checkpoint(origin: signer.name, size: size, root: root, extensions: []).body
        let note = SignedNote(text: body, signatures: [signer.signature(for: body)])
        return try await store.appendCheckpoint(size: size, root: root, note: note.serialized, signedAt: time)
    }

    /// The latest checkpoint as published: its note with every witness's cosignature appended.
    public func publishedCheckpoint() async throws -> String? {
        guard let latest = try await store.latestCheckpoint() else { return nil }
        let cosignatures = try await store.cosignatures(checkpoint: latest.id)
        return cosignatures.reduce(latest.note) { note, cosignature in note + cosignature.line + "\n" }
    }
}

/// What the stores share of answering a proof: which tiles to read and what to refuse, given
/// what one snapshot of the store holds.
public enum ProofPlan {
    /// The size asked for, or the latest checkpoint's; refused past the log's end.
    public static func size(_ asked: UInt64?, latest: StoredCheckpoint?, held: UInt64) throws(CivicError) -> UInt64 {
        guard let size = asked ?? latest?.size else { throw CivicError(.notFound, "the log has no signed checkpoint yet") }
        guard size <= held else { throw CivicError(.notFound, "the log holds \(held) leaves, not \(size)") }
        return size
    }

    /// The tiles an inclusion proof of `leaf` in the tree of `size` needs; refused for a record not (yet) in it.
    public static func inclusionTiles(
        _ leaf: LogLeaf?, kind: LoggedRecord.Kind, key: String, size: UInt64
    ) throws(CivicError) -> (LogLeaf, [TileKey]) {
        guard let leaf else { throw CivicError(.notFound, "\(kind.rawValue) '\(key)' is not in the log") }
        guard leaf.index < size else {
            throw CivicError(.notFound, "\(kind.rawValue) '\(key)' is leaf \(leaf.index), after the tree of \(size) leaves: ask again after the next checkpoint")
        }
        return (leaf, TlogTiles.tilesForInclusion(index: leaf.index, size: size))
    }

    /// The tiles a consistency proof needs (none for the empty tree or equal sizes); refused past the log's end.
    public static func consistencyTiles(from oldSize: UInt64, to newSize: UInt64, held: UInt64) throws(CivicError) -> [TileKey] {
        guard oldSize <= newSize else {
            throw CivicError(.invalidInput, "a consistency proof goes from a smaller tree to a larger one, not from \(oldSize) to \(newSize)")
        }
        guard newSize <= held else { throw CivicError(.notFound, "the log holds \(held) leaves, not \(newSize)") }
        // Every tree extends the empty tree, and a tree extends itself: RFC 9162 gives both an empty proof.
        if oldSize == 0 || oldSize == newSize { return [] }
        return TlogTiles.tilesForConsistency(oldSize: oldSize, newSize: newSize)
    }

    public static func consistencyProof(from oldSize: UInt64, to newSize: UInt64, tiles: TileSet) throws -> [LogHash] {
        if oldSize == 0 || oldSize == newSize { return [] }
        return try TlogTiles.consistencyProof(oldSize: oldSize, newSize: newSize, tiles: tiles)
    }
}

/// An inclusion proof of one leaf in a tree of `size` leaves.
public struct InclusionProof: Hashable, Sendable {
    public var leaf: LogLeaf
    public var size: UInt64
    public var proof: [LogHash]

    public init(leaf: LogLeaf, size: UInt64, proof: [LogHash]) {
        self.leaf = leaf
        self.size = size
        self.proof = proof
    }
}
