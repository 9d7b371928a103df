import CivicLog
import Testing

/// TlogTiles (built by `append` in random batches) against the in-memory RFC 9162 reference.
@Suite struct EquivalenceTests {
    static let leaves = Fixture.leafHashes(count: 300)

    /// Checks root, inclusion and consistency at one tree size, reading only
    /// the tiles the `tilesFor…` functions name, cut to the width they name.
    static func checkSize(_ size: Int, store: TileSet, inclusionIndices: [Int], oldSizes: [Int], leaves: [LogHash]) throws {
        let n = UInt64(size)
        let prefix = Array(leaves.prefix(size))
        let root = Merkle.root(of: prefix)
        let rootTiles = Fixture.exactly(TlogTiles.tilesForRoot(size: n), from: store)
        #expect(try TlogTiles.root(size: n, tiles: rootTiles) == root, "root at size \(size)")
        for index in inclusionIndices where index < size {
            let i = UInt64(index)
            let tiles = Fixture.exactly(TlogTiles.tilesForInclusion(index: i, size: n), from: store)
            let proof = try TlogTiles.inclusionProof(index: i, size: n, tiles: tiles)
            #expect(proof == (try Merkle.inclusionProof(index: i, leafHashes: prefix)), "inclusion \(index) in \(size)")
            try Merkle.verifyInclusion(leaf: leaves[index], index: i, size: n, proof: proof, root: root)
        }
        for old in oldSizes where old >= 1 && old <= size {
            let m = UInt64(old)
            let tiles = Fixture.exactly(TlogTiles.tilesForConsistency(oldSize: m, newSize: n), from: store)
            let proof = try TlogTiles.consistencyProof(oldSize: m, newSize: n, tiles: tiles)
            #expect(proof == (try Merkle.consistencyProof(oldSize: m, leafHashes: prefix)), "consistency \(old) -> \(size)")
            let oldRoot = Merkle.root(of: Array(leaves.prefix(old)))
            try Merkle.verifyConsistency(oldSize: m, newSize: n, oldRoot: oldRoot, newRoot: root, proof: proof)
        }
    }

    /// Every size 0...300, growing one batch at a time (batches of 1...7 so
    /// every size is an append boundary at least once across seeds).
    @Test(arguments: [UInt64(1), 2, 3])
    func everySizeUpTo300(seed: UInt64) throws {
        var rng = SplitMix64(seed: seed &* 77)
        var checked = Set<Int>()
        _ = try Fixture.buildTiles(Self.leaves, maxBatch: seed == 1 ? 1 : 7, seed: seed) { size, store in
            checked.insert(size)
            let small = size <= 40
            let indices = small ? Array(0..<size) : (0..<8).map { _ in Int(rng.next() % UInt64(size)) } + [0, size - 1]
            let olds = small ? Array(1...size) : (0..<8).map { _ in 1 + Int(rng.next() % UInt64(size)) } + [1, size - 1, size, 255, 256, 257]
            try Self.checkSize(size, store: store, inclusionIndices: indices, oldSizes: olds, leaves: Self.leaves)
        }
        if seed == 1 { #expect(checked == Set(1...300)) }
    }

    /// Tiles of the full 300-leaf tree answer for every smaller size too
    /// (wider tiles stand in for the partial tiles of older sizes).
    @Test func olderSizesFromNewerTiles() throws {
        let store = try Fixture.buildTiles(Self.leaves, maxBatch: 64, seed: 9)
        #expect(try TlogTiles.root(size: 0, tiles: store) == Merkle.emptyRoot)
        for size in 1...300 {
            let n = UInt64(size)
            #expect(try TlogTiles.root(size: n, tiles: store) == Merkle.root(of: Array(Self.leaves.prefix(size))), "size \(size)")
            let index = UInt64(size / 3)
            let proof = try TlogTiles.inclusionProof(index: index, size: n, tiles: store)
            try Merkle.verifyInclusion(leaf: Self.leaves[Int(index)], index: index, size: n,
                                       proof: proof, root: TlogTiles.root(size: n, tiles: store))
        }
    }

    @Test func oneBigAppendEqualsManySmallOnes() throws {
        let leaves = Fixture.leafHashes(count: 100_000)
        let oneShot = try TlogTiles.append(size: 0, edge: TileSet(), leaves: leaves)
        let batched = try Fixture.buildTiles(leaves, maxBatch: 4_000, seed: 5)
        #expect(TileSet(oneShot).tiles == batched.tiles)
        // 390 full + 1 partial level-0 tiles, 1 full + 1 partial level-1, 1 partial level-2.
        #expect(oneShot.filter { $0.key.level == 0 }.count == 391)
        #expect(oneShot.map(\.key).filter { $0.level > 0 } == [
            try TileKey(level: 1, index: 0), try TileKey(level: 1, index: 1, width: 134),
            try TileKey(level: 2, index: 0, width: 1),
        ])
        #expect(try TlogTiles.root(size: 100_000, tiles: batched) == Merkle.root(of: leaves))
    }

    /// The C2SP example: a tree of 70,000 leaves, grown in uneven batches.
    @Test func seventyThousandLeaves() throws {
        let leaves = Fixture.leafHashes(count: 70_000)
        var sizes = [Int]()
        let store = try Fixture.buildTiles(leaves, maxBatch: 9_000, seed: 42) { size, _ in sizes.append(size) }
        #expect(sizes.count > 5)
        let tiles = store.tiles
        #expect(tiles.filter { $0.key.level == 0 && !$0.key.isPartial }.count == 273)
        #expect(tiles.filter { $0.key.isPartial }.map(\.key) == [
            try TileKey(level: 0, index: 273, width: 112),
            try TileKey(level: 1, index: 1, width: 17),
            try TileKey(level: 2, index: 0, width: 1),
        ])
        #expect(TlogTiles.edgeTiles(size: 70_000) == tiles.filter { $0.key.isPartial }.map(\.key))

        let root = Merkle.root(of: leaves)
        #expect(try TlogTiles.root(size: 70_000, tiles: store) == root)
        var rng = SplitMix64(seed: 3)
        let indices = [0, 255, 256, 65_535, 65_536, 69_999] + (0..<6).map { _ in Int(rng.next() % 70_000) }
        for index in indices {
            let i = UInt64(index)
            let keys = TlogTiles.tilesForInclusion(index: i, size: 70_000)
            #expect(keys.count <= 8, "\(keys)")
            let proof = try TlogTiles.inclusionProof(index: i, size: 70_000, tiles: Fixture.exactly(keys, from: store))
            #expect(proof == (try Merkle.inclusionProof(index: i, leafHashes: leaves)))
            try Merkle.verifyInclusion(leaf: leaves[index], index: i, size: 70_000, proof: proof, root: root)
        }
        for old in [1, 255, 256, 257, 65_536, 65_537, 69_999] + sizes.prefix(4) {
            let m = UInt64(old)
            let keys = TlogTiles.tilesForConsistency(oldSize: m, newSize: 70_000)
            #expect(keys.count <= 12, "\(keys)")
            let proof = try TlogTiles.consistencyProof(oldSize: m, newSize: 70_000, tiles: Fixture.exactly(keys, from: store))
            #expect(proof == (try Merkle.consistencyProof(oldSize: m, leafHashes: leaves)))
            try Merkle.verifyConsistency(oldSize: m, newSize: 70_000, oldRoot: Merkle.root(of: Array(leaves.prefix(old))),
                                         newRoot: root, proof: proof)
        }
    }
}
