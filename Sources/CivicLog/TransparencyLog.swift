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

    /// An inclusion proof of one record's leaf in the tree of `size` leaves (default: the latest checkpoint's size).
    public func inclusion(kind: LoggedRecord.Kind, key: String, size: UInt64) async throws -> InclusionProof {
        let held = try await store.logSize()
        guard size <= held else { throw CivicError(.notFound, "the log holds \(held) leaves, not \(size)") }
        guard let leaf = try await store.logLeaf(kind: kind, key: key) else {
            throw CivicError(.notFound, "\(kind.rawValue) '\(key)' is not in the log")
        }
        guard leaf.index < size else {
            throw CivicError(.notFound, "\(kind.rawValue) '\(key)' is leaf \(leaf.index), after the tree of \(size) leaves: ask again after the next checkpoint")
        }
        let tiles = try await store.logTiles(TlogTiles.tilesForInclusion(index: leaf.index, size: size))
        let proof = try TlogTiles.inclusionProof(index: leaf.index, size: size, tiles: tiles)
        return InclusionProof(leaf: leaf, size: size, proof: proof)
    }

    /// A consistency proof that the tree of `newSize` leaves extends the tree of `oldSize`.
    public func consistency(from oldSize: UInt64, to newSize: UInt64) async throws -> [LogHash] {
        let held = try await store.logSize()
        guard oldSize <= newSize else {
            throw CivicError(.invalidInput, "a consistency proof goes from a smaller tree to a larger one, not from \(oldSize) to \(newSize)")
        }
        guard newSize <= held else { throw CivicError(.notFound, "the log holds \(held) leaves, not \(newSize)") }
        // Every tree extends the empty tree, and a tree extends itself: RFC 9162 gives both an empty proof.
        if oldSize == 0 || oldSize == newSize { return [] }
        let tiles = try await store.logTiles(TlogTiles.tilesForConsistency(oldSize: oldSize, newSize: newSize))
        return try TlogTiles.consistencyProof(oldSize: oldSize, newSize: newSize, tiles: tiles)
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

/// An inclusion proof of one leaf in a tree of `size` leaves.
public struct InclusionProof: Hashable, Sendable {
    public var leaf: LogLeaf
    public var size: UInt64
    public var proof: [LogHash]
}
