import Crypto

/// RFC 9162 (Certificate Transparency v2) Merkle tree hashing, proofs and
/// proof verification.
///
/// CivicCredit appends every change to a person's record to an append-only
/// log. The log's Merkle root commits to the whole history, an inclusion proof
/// shows that one record is in the log, and a consistency proof shows that a
/// later log only extends an earlier one — so nobody, including the operator,
/// can silently rewrite a record that was already published.
///
/// The verification functions implement the algorithms of RFC 9162 sections
/// 2.1.3.2 and 2.1.4.2 step by step. `root(of:)`, `inclusionProof(index:leafHashes:)`
/// and `consistencyProof(oldSize:leafHashes:)` are the plain in-memory
/// definitions (MTH, PATH, SUBPROOF of RFC 9162 2.1.1, 2.1.3.1, 2.1.4.1); they
/// cost O(n) and serve as the reference that the tile-based code
/// (`TlogTiles`) is checked against.
public enum Merkle {
    /// The root of the empty tree: SHA-256 of the empty string.
    public static let emptyRoot = LogHash(sha256: [UInt8]())

    /// SHA-256(0x00 || bytes): the hash of one log entry. The 0x00 prefix keeps
    /// a leaf from ever being mistaken for an interior node.
    public static func leafHash(_ bytes: some Collection<UInt8>) -> LogHash {
        var hasher = SHA256()
        withUnsafeBytes(of: UInt8(0x00)) { hasher.update(bufferPointer: $0) }
        if bytes.withContiguousStorageIfAvailable({ hasher.update(bufferPointer: UnsafeRawBufferPointer($0)) }) == nil {
            hasher.update(data: Array(bytes))
        }
        return LogHash(digest: hasher.finalize())
    }

    /// SHA-256(0x01 || left || right): an interior node.
    /// Hashed in place, without a joined buffer: a proof hashes hundreds of nodes inside its tiles.
    public static func nodeHash(_ left: LogHash, _ right: LogHash) -> LogHash {
        var hasher = SHA256()
        withUnsafeBytes(of: UInt8(0x01)) { hasher.update(bufferPointer: $0) }
        left.bytes.withUnsafeBytes { hasher.update(bufferPointer: $0) }
        right.bytes.withUnsafeBytes { hasher.update(bufferPointer: $0) }
        return LogHash(digest: hasher.finalize())
    }

    // MARK: - Reference (in-memory) tree

    /// MTH(D[n]) over already-hashed leaves (RFC 9162 2.1.1). O(n).
    public static func root(of leafHashes: [LogHash]) -> LogHash {
        leafHashes.isEmpty ? emptyRoot : mth(leafHashes[...])
    }

    /// PATH(index, D[n]) (RFC 9162 2.1.3.1): the inclusion proof of leaf `index`
    /// in the tree made of `leafHashes`. O(n).
    public static func inclusionProof(index: UInt64, leafHashes: [LogHash]) throws(MerkleError) -> [LogHash] {
        let size = UInt64(leafHashes.count)
        guard index < size else { throw .indexOutOfRange(index: index, size: size) }
        return path(Int(index), leafHashes[...])
    }

    /// PROOF(oldSize, D[n]) = SUBPROOF(oldSize, D[n], true) (RFC 9162 2.1.4.1):
    /// the consistency proof from the first `oldSize` leaves to all of `leafHashes`. O(n).
    public static func consistencyProof(oldSize: UInt64, leafHashes: [LogHash]) throws(MerkleError) -> [LogHash] {
        let newSize = UInt64(leafHashes.count)
        guard oldSize <= newSize else { throw .oldSizeLargerThanNew(old: oldSize, new: newSize) }
        guard oldSize > 0 else { throw .emptyTreeHasNoProof }
        return subproof(Int(oldSize), leafHashes[...], true)
    }

    private static func mth(_ d: ArraySlice<LogHash>) -> LogHash {
        if d.count == 1 { return d[d.startIndex] }
        let k = Int(splitPoint(UInt64(d.count)))
        return nodeHash(mth(d.prefix(k)), mth(d.dropFirst(k)))
    }

    private static func path(_ m: Int, _ d: ArraySlice<LogHash>) -> [LogHash] {
        if d.count <= 1 { return [] }
        let k = Int(splitPoint(UInt64(d.count)))
        if m < k {
            return path(m, d.prefix(k)) + [mth(d.dropFirst(k))]
        }
        return path(m - k, d.dropFirst(k)) + [mth(d.prefix(k))]
    }

    private static func subproof(_ m: Int, _ d: ArraySlice<LogHash>, _ b: Bool) -> [LogHash] {
        if m == d.count { return b ? [] : [mth(d)] }
        let k = Int(splitPoint(UInt64(d.count)))
        if m <= k {
            return subproof(m, d.prefix(k), b) + [mth(d.dropFirst(k))]
        }
        return subproof(m - k, d.dropFirst(k), false) + [mth(d.prefix(k))]
    }

    // MARK: - Shape of the tree

    /// The largest power of two strictly less than `n` (n >= 2): where RFC 9162
    /// splits a tree of n leaves into its left and right subtrees.
    static func splitPoint(_ n: UInt64) -> UInt64 {
        1 << UInt64(63 - (n - 1).leadingZeroBitCount)
    }

    /// Number of hashes in PATH(index, D[size]); requires index < size.
    static func inclusionProofLength(index: UInt64, size: UInt64) -> Int {
        var m = index, n = size, length = 0
        while n > 1 {
            let k = splitPoint(n)
            if m < k { n = k } else { m -= k; n -= k }
            length += 1
        }
        return length
    }

    /// Number of hashes in PROOF(oldSize, D[newSize]); requires 0 < oldSize <= newSize.
    static func consistencyProofLength(oldSize: UInt64, newSize: UInt64) -> Int {
        var m = oldSize, n = newSize, complete = true, length = 0
        while m != n {
            let k = splitPoint(n)
            if m <= k { n = k } else { m -= k; n -= k; complete = false }
            length += 1
        }
        return complete ? length : length + 1
    }

    // MARK: - Verification (RFC 9162 2.1.3.2, 2.1.4.2)

    /// Recomputes the root that `proof` leads to for `leaf` at `index` in a tree
    /// of `size` leaves (RFC 9162 2.1.3.2, without the final comparison).
    public static func rootFromInclusionProof(
        leaf: LogHash, index: UInt64, size: UInt64, proof: [LogHash]
    ) throws(MerkleError) -> LogHash {
        guard index < size else { throw .indexOutOfRange(index: index, size: size) }
        let expected = inclusionProofLength(index: index, size: size)
        guard proof.count == expected else { throw .proofWrongLength(expected: expected, actual: proof.count) }
        var fn = index
        var sn = size - 1
        var r = leaf
        for p in proof {
            guard sn != 0 else { throw .proofWrongLength(expected: expected, actual: proof.count) }
            if fn & 1 == 1 || fn == sn {
                r = nodeHash(p, r)
                while fn & 1 == 0 && fn != 0 {
                    fn >>= 1
                    sn >>= 1
                }
            } else {
                r = nodeHash(r, p)
            }
            fn >>= 1
            sn >>= 1
        }
        guard sn == 0 else { throw .proofWrongLength(expected: expected, actual: proof.count) }
        return r
    }

    /// Checks that `leaf` is the `index`-th leaf of the tree of `size` leaves with root `root`.
    ///
    /// The size is not hashed into the root, so `size` and `root` must come
    /// together from one signed checkpoint.
    public static func verifyInclusion(
        leaf: LogHash, index: UInt64, size: UInt64, proof: [LogHash], root: LogHash
    ) throws(MerkleError) {
        let computed = try rootFromInclusionProof(leaf: leaf, index: index, size: size, proof: proof)
        guard computed == root else { throw .rootMismatch(expected: root, computed: computed) }
    }

    /// Checks that the tree of `newSize` leaves with root `newRoot` extends the
    /// tree of `oldSize` leaves with root `oldRoot` (RFC 9162 2.1.4.2).
    ///
    /// Equal sizes need an empty proof and equal roots. An old size of 0 is
    /// refused (`emptyTreeHasNoProof`): RFC 9162 defines proofs only for
    /// 0 < old < new, and there is nothing in an empty log that could have been rewritten.
    public static func verifyConsistency(
        oldSize: UInt64, newSize: UInt64, oldRoot: LogHash, newRoot: LogHash, proof: [LogHash]
    ) throws(MerkleError) {
        guard oldSize <= newSize else { throw .oldSizeLargerThanNew(old: oldSize, new: newSize) }
        if oldSize == newSize {
            guard proof.isEmpty else { throw .proofWrongLength(expected: 0, actual: proof.count) }
            guard oldRoot == newRoot else { throw .sameSizeRootsDiffer(size: oldSize, old: oldRoot, new: newRoot) }
            if oldSize == 0, newRoot != emptyRoot { throw .rootMismatch(expected: newRoot, computed: emptyRoot) }
            return
        }
        guard oldSize > 0 else { throw .emptyTreeHasNoProof }
        let expected = consistencyProofLength(oldSize: oldSize, newSize: newSize)
        guard proof.count == expected else { throw .proofWrongLength(expected: expected, actual: proof.count) }

        // 2. If first is an exact power of 2, prepend first_hash.
        var path = proof
        if oldSize & (oldSize - 1) == 0 { path.insert(oldRoot, at: 0) }
        guard let head = path.first else { throw .proofWrongLength(expected: expected, actual: proof.count) }
        // 3./4. fn = first - 1, sn = second - 1, shift out trailing one bits of fn.
        var fn = oldSize - 1
        var sn = newSize - 1
        while fn & 1 == 1 {
            fn >>= 1
            sn >>= 1
        }
        // 5./6.
        var fr = head
        var sr = head
        for c in path.dropFirst() {
            guard sn != 0 else { throw .proofWrongLength(expected: expected, actual: proof.count) }
            if fn & 1 == 1 || fn == sn {
                fr = nodeHash(c, fr)
                sr = nodeHash(c, sr)
                while fn & 1 == 0 && fn != 0 {
                    fn >>= 1
                    sn >>= 1
                }
            } else {
                sr = nodeHash(sr, c)
            }
            fn >>= 1
            sn >>= 1
        }
        // 7.
        guard sn == 0 else { throw .proofWrongLength(expected: expected, actual: proof.count) }
        guard fr == oldRoot else { throw .oldRootMismatch(expected: oldRoot, computed: fr) }
        guard sr == newRoot else { throw .rootMismatch(expected: newRoot, computed: sr) }
    }
}
