import CivicLog
import Testing

/// Broken, forged or misapplied proofs must be rejected with the error that names the problem.
@Suite struct TamperTests {
    static let leaves = Fixture.leafHashes(count: 300)
    static let other = (0..<300).map { Merkle.leafHash(Fixture.leafInput($0) + [0xFF]) }
    static let store = try! Fixture.buildTiles(leaves, maxBatch: 50, seed: 11)

    static func error(_ body: () throws(MerkleError) -> Void) -> MerkleError? {
        do { try body(); return nil } catch { return error }
    }

    @Test(arguments: [(5, 6), (0, 1), (2, 3), (77, 300), (255, 256), (256, 257), (299, 300), (13, 200)])
    func tamperedInclusion(index: Int, size: Int) throws {
        let i = UInt64(index), n = UInt64(size)
        let root = try TlogTiles.root(size: n, tiles: Self.store)
        let proof = try TlogTiles.inclusionProof(index: i, size: n, tiles: Self.store)
        let leaf = Self.leaves[index]
        try Merkle.verifyInclusion(leaf: leaf, index: i, size: n, proof: proof, root: root)

        // Every bit-0 of every byte of every proof hash.
        for position in proof.indices {
            for byte in 0..<LogHash.byteCount {
                var bad = proof
                bad[position] = Fixture.flipped(bad[position], byte: byte)
                let e = Self.error { () throws(MerkleError) in try Merkle.verifyInclusion(leaf: leaf, index: i, size: n, proof: bad, root: root) }
                guard case .rootMismatch(expected: root, computed: _) = e else {
                    Issue.record("flipped byte \(byte) of proof[\(position)]: \(String(describing: e))"); return
                }
            }
        }
        // Wrong leaf, wrong root.
        #expect(Self.error { () throws(MerkleError) in
            try Merkle.verifyInclusion(leaf: Fixture.flipped(leaf, byte: 31), index: i, size: n, proof: proof, root: root)
        }.map { if case .rootMismatch = $0 { true } else { false } } == true)
        // Wrong length: truncated, extended.
        if !proof.isEmpty {
            #expect(Self.error { () throws(MerkleError) in
                try Merkle.verifyInclusion(leaf: leaf, index: i, size: n, proof: Array(proof.dropLast()), root: root)
            } == .proofWrongLength(expected: proof.count, actual: proof.count - 1))
        }
        #expect(Self.error { () throws(MerkleError) in
            try Merkle.verifyInclusion(leaf: leaf, index: i, size: n, proof: proof + [root], root: root)
        } == .proofWrongLength(expected: proof.count, actual: proof.count + 1))
        // Wrong index (same length or not, never accepted).
        for wrongIndex in [i ^ 1, i + 1, i &- 1, i ^ 2] where wrongIndex != i && wrongIndex < n {
            #expect(Self.error { () throws(MerkleError) in
                try Merkle.verifyInclusion(leaf: leaf, index: wrongIndex, size: n, proof: proof, root: root)
            } != nil, "index \(wrongIndex) accepted")
        }
        #expect(Self.error { () throws(MerkleError) in
            try Merkle.verifyInclusion(leaf: leaf, index: n, size: n, proof: proof, root: root)
        } == .indexOutOfRange(index: n, size: n))
        // Wrong size: the proof does not prove the leaf is in the tree of another size.
        // (The size itself is not hashed, so it must come from the signed checkpoint with the root.)
        for wrongSize in [n + 1, n * 2, n - 1, n + 256, i + 1] where wrongSize != n && wrongSize > i && wrongSize <= 300 {
            let wrongRoot = try TlogTiles.root(size: wrongSize, tiles: Self.store)
            #expect(Self.error { () throws(MerkleError) in
                try Merkle.verifyInclusion(leaf: leaf, index: i, size: wrongSize, proof: proof, root: wrongRoot)
            } != nil, "size \(wrongSize) accepted")
        }
        #expect(Self.error { () throws(MerkleError) in
            try Merkle.verifyInclusion(leaf: leaf, index: i, size: n * 4 + 1000, proof: proof, root: root)
        } != nil)
        // The same position in another tree of the same size.
        let otherTree = try Fixture.buildTiles(Array(Self.other.prefix(size)), maxBatch: 300, seed: 1)
        let otherProof = try TlogTiles.inclusionProof(index: i, size: n, tiles: otherTree)
        #expect(proof.isEmpty || Self.error { () throws(MerkleError) in
            try Merkle.verifyInclusion(leaf: leaf, index: i, size: n, proof: otherProof, root: root)
        }.map { if case .rootMismatch = $0 { true } else { false } } == true)
    }

    @Test(arguments: [(1, 2), (3, 7), (4, 8), (6, 8), (100, 300), (255, 256), (256, 300), (1, 300), (299, 300), (129, 257)])
    func tamperedConsistency(old: Int, new: Int) throws {
        let m = UInt64(old), n = UInt64(new)
        let oldRoot = try TlogTiles.root(size: m, tiles: Self.store)
        let newRoot = try TlogTiles.root(size: n, tiles: Self.store)
        let proof = try TlogTiles.consistencyProof(oldSize: m, newSize: n, tiles: Self.store)
        try Merkle.verifyConsistency(oldSize: m, newSize: n, oldRoot: oldRoot, newRoot: newRoot, proof: proof)

        func check(_ o: UInt64, _ nn: UInt64, _ or: LogHash, _ nr: LogHash, _ p: [LogHash]) -> MerkleError? {
            Self.error { () throws(MerkleError) in try Merkle.verifyConsistency(oldSize: o, newSize: nn, oldRoot: or, newRoot: nr, proof: p) }
        }
        func isRootMismatch(_ e: MerkleError?) -> Bool {
            switch e {
            case .rootMismatch?, .oldRootMismatch?: true
            default: false
            }
        }
        for position in proof.indices {
            for byte in 0..<LogHash.byteCount {
                var bad = proof
                bad[position] = Fixture.flipped(bad[position], byte: byte)
                let e = check(m, n, oldRoot, newRoot, bad)
                guard isRootMismatch(e) else { Issue.record("flipped byte \(byte) of proof[\(position)]: \(String(describing: e))"); return }
            }
        }
        #expect(check(m, n, Fixture.flipped(oldRoot, byte: 0), newRoot, proof).map(isRootMismatch) == true)
        #expect(check(m, n, oldRoot, Fixture.flipped(newRoot, byte: 0), proof) == .rootMismatch(expected: Fixture.flipped(newRoot, byte: 0), computed: newRoot))
        #expect(check(m, n, newRoot, oldRoot, proof) != nil, "swapped roots accepted")
        #expect(check(m, n, oldRoot, newRoot, Array(proof.dropLast())) == .proofWrongLength(expected: proof.count, actual: proof.count - 1))
        #expect(check(m, n, oldRoot, newRoot, proof + [newRoot]) == .proofWrongLength(expected: proof.count, actual: proof.count + 1))
        #expect(check(m, n, oldRoot, newRoot, [newRoot] + proof) != nil)
        #expect(check(n, m, newRoot, oldRoot, proof) == .oldSizeLargerThanNew(old: n, new: m))
        #expect(check(0, n, Merkle.emptyRoot, newRoot, proof) == .emptyTreeHasNoProof)
        // Another pair of sizes, with those trees' roots: never accepted.
        for (o, nn) in [(m + 1, n), (m, n + 1), (m - 1, n), (m, n - 1), (1, n), (m, 300)]
        where (o, nn) != (m, n) && o >= 1 && o < nn && nn <= 300 {
            let o1 = try TlogTiles.root(size: o, tiles: Self.store), n1 = try TlogTiles.root(size: nn, tiles: Self.store)
            #expect(check(o, nn, o1, n1, proof) != nil, "sizes \(o) -> \(nn) accepted")
        }
        #expect(check(m, n * 4 + 1000, oldRoot, newRoot, proof) != nil)
        // A proof between the same sizes of another log.
        let otherTree = try Fixture.buildTiles(Array(Self.other.prefix(new)), maxBatch: 300, seed: 1)
        let otherProof = try TlogTiles.consistencyProof(oldSize: m, newSize: n, tiles: otherTree)
        #expect(isRootMismatch(check(m, n, oldRoot, newRoot, otherProof)))
    }

    @Test func sameAndEmptySizes() throws {
        let root = try TlogTiles.root(size: 10, tiles: Self.store)
        try Merkle.verifyConsistency(oldSize: 10, newSize: 10, oldRoot: root, newRoot: root, proof: [])
        #expect(Self.error { () throws(MerkleError) in
            try Merkle.verifyConsistency(oldSize: 10, newSize: 10, oldRoot: root, newRoot: root, proof: [root])
        } == .proofWrongLength(expected: 0, actual: 1))
        let other = Fixture.flipped(root, byte: 3)
        #expect(Self.error { () throws(MerkleError) in
            try Merkle.verifyConsistency(oldSize: 10, newSize: 10, oldRoot: root, newRoot: other, proof: [])
        } == .sameSizeRootsDiffer(size: 10, old: root, new: other))
        try Merkle.verifyConsistency(oldSize: 0, newSize: 0, oldRoot: Merkle.emptyRoot, newRoot: Merkle.emptyRoot, proof: [])
        #expect(Self.error { () throws(MerkleError) in
            try Merkle.verifyInclusion(leaf: root, index: 0, size: 0, proof: [], root: Merkle.emptyRoot)
        } == .indexOutOfRange(index: 0, size: 0))
        #expect(try TlogTiles.consistencyProof(oldSize: 7, newSize: 7, tiles: Self.store) == [])
        #expect(throws: MerkleError.emptyTreeHasNoProof) { try TlogTiles.consistencyProof(oldSize: 0, newSize: 7, tiles: Self.store) }
        #expect(throws: MerkleError.oldSizeLargerThanNew(old: 8, new: 7)) { try TlogTiles.consistencyProof(oldSize: 8, newSize: 7, tiles: Self.store) }
        #expect(throws: MerkleError.indexOutOfRange(index: 7, size: 7)) { try TlogTiles.inclusionProof(index: 7, size: 7, tiles: Self.store) }
        #expect(throws: MerkleError.indexOutOfRange(index: 3, size: 3)) { try Merkle.inclusionProof(index: 3, leafHashes: Array(Self.leaves.prefix(3))) }
        #expect(throws: MerkleError.emptyTreeHasNoProof) { try Merkle.consistencyProof(oldSize: 0, leafHashes: Self.leaves) }
        #expect(TlogTiles.tilesForInclusion(index: 5, size: 5).isEmpty)
        #expect(TlogTiles.tilesForConsistency(oldSize: 5, newSize: 5).isEmpty)
        #expect(TlogTiles.tilesForRoot(size: 0).isEmpty)
        // Huge sizes/indices are refused or answered, never a crash.
        #expect(throws: MerkleError.self) {
            try Merkle.verifyInclusion(leaf: root, index: UInt64.max - 1, size: UInt64.max, proof: [], root: root)
        }
        #expect(throws: MerkleError.self) {
            try Merkle.verifyConsistency(oldSize: 1, newSize: UInt64.max, oldRoot: root, newRoot: root, proof: [root])
        }
        #expect(throws: MerkleError.self) { try TlogTiles.inclusionProof(index: 5, size: UInt64.max, tiles: Self.store) }
    }

    @Test func errorsDescribeWhatFailed() throws {
        let h = Self.leaves[0]
        #expect(MerkleError.indexOutOfRange(index: 9, size: 4).description == "leaf index 9 is out of range for a tree of 4 leaves")
        #expect(MerkleError.proofWrongLength(expected: 3, actual: 5).description == "proof has 5 hashes, expected 3")
        #expect(MerkleError.rootMismatch(expected: h, computed: h).description.contains(h.hex))
        #expect(MerkleError.missingTile(try TileKey(level: 1, index: 1234067, width: 5)).description.contains("tile/1/x001/x234/067.p/5"))
    }
}
