import CivicLog
import Testing

@Suite struct TileTests {
    @Test(arguments: [
        (UInt8(0), UInt64(0), 256, "tile/0/000"),
        (0, 1, 256, "tile/0/001"),
        (0, 999, 256, "tile/0/999"),
        (0, 1000, 256, "tile/0/x001/000"),
        (2, 1_234_067, 256, "tile/2/x001/x234/067"),
        (1, 1_234_067, 5, "tile/1/x001/x234/067.p/5"),
        (0, 273, 112, "tile/0/273.p/112"),
        (63, 0, 1, "tile/63/000.p/1"),
        (0, 1_000_000, 255, "tile/0/x001/x000/000.p/255"),
        (0, UInt64.max, 256, "tile/0/x018/x446/x744/x073/x709/x551/615"),
    ])
    func pathRoundTrip(level: UInt8, index: UInt64, width: Int, path: String) throws {
        let key = try TileKey(level: level, index: index, width: width)
        #expect(key.path == path)
        #expect(try TileKey(path: path) == key)
        #expect(key.isPartial == (width < 256))
    }

    @Test(arguments: [
        "", "tile", "tile/0", "tile/0/", "/tile/0/000", "tile/0/000/", "tiles/0/000", "tile/entries/000",
        "tile/00/000", "tile/01/000", "tile/64/000", "tile/-1/000", "tile/+1/000", "tile/a/000",
        "tile/0/1", "tile/0/01", "tile/0/0001", "tile/0/1234067", "tile/0/x001", "tile/0/001/234", "tile/0/x001/x234",
        "tile/0/X001/000", "tile/0/x000/001", "tile/0/x1/000", "tile/0/00a", "tile/0/ 01",
        "tile/0/000.p", "tile/0/000.p/", "tile/0/000.p/0", "tile/0/000.p/256", "tile/0/000.p/05", "tile/0/000.p/1/2",
        "tile/0/000.P/5", "tile/0/000.p/x5", "tile/0/x001.p/5/000",
        "tile/0/x018/x446/x744/x073/x709/x551/616", "tile/0/x999/x999/x999/x999/x999/x999/x999/999",
        "tile/0/０００",
    ])
    func malformedPathsAreRejected(path: String) {
        #expect(throws: MerkleError.self, "\(path)") { try TileKey(path: path) }
    }

    @Test func invalidKeys() {
        #expect(throws: MerkleError.invalidTileWidth(0)) { try TileKey(level: 0, index: 0, width: 0) }
        #expect(throws: MerkleError.invalidTileWidth(257)) { try TileKey(level: 0, index: 0, width: 257) }
        #expect(throws: MerkleError.invalidTileLevel(64)) { try TileKey(level: 64, index: 0) }
    }

    @Test func keysOrder() throws {
        let keys = [try TileKey(level: 1, index: 0), try TileKey(level: 0, index: 5), try TileKey(level: 0, index: 5, width: 3)]
        #expect(keys.sorted() == [try TileKey(level: 0, index: 5, width: 3), try TileKey(level: 0, index: 5), try TileKey(level: 1, index: 0)])
    }

    @Test func bodySerializationRoundTrip() throws {
        let key = try TileKey(level: 0, index: 3, width: 7)
        let tile = try Tile(key: key, hashes: Fixture.leafHashes(count: 7))
        #expect(tile.serialized.count == 7 * 32)
        #expect(try Tile(key: key, body: tile.serialized) == tile)
        #expect(throws: MerkleError.tileBodyWrongLength(key: key, expectedBytes: 224, actualBytes: 223)) {
            try Tile(key: key, body: tile.serialized.dropLast())
        }
        #expect(throws: MerkleError.tileBodyWrongLength(key: key, expectedBytes: 224, actualBytes: 256)) {
            try Tile(key: key, body: tile.serialized + [UInt8](repeating: 0, count: 32))
        }
        #expect(throws: MerkleError.tileWrongWidth(key: key, expected: 7, actual: 6)) {
            try Tile(key: key, hashes: Fixture.leafHashes(count: 6))
        }
    }

    @Test func edgeTiles() throws {
        #expect(TlogTiles.edgeTiles(size: 0) == [])
        #expect(TlogTiles.edgeTiles(size: 1) == [try TileKey(level: 0, index: 0, width: 1)])
        #expect(TlogTiles.edgeTiles(size: 256) == [try TileKey(level: 1, index: 0, width: 1)])
        #expect(TlogTiles.edgeTiles(size: 65_536) == [try TileKey(level: 2, index: 0, width: 1)])
        #expect(TlogTiles.edgeTiles(size: UInt64.max).count == 8)
    }

    @Test func appendRejectsBadEdges() throws {
        let leaves = Fixture.leafHashes(count: 600)
        let store = try Fixture.buildTiles(Array(leaves.prefix(300)), maxBatch: 300, seed: 1)
        let more = Array(leaves[300...])
        // Missing level-0 edge tile (300 = 1 full + partial 44; level 1 partial 1).
        #expect(throws: MerkleError.missingTile(try TileKey(level: 0, index: 1, width: 44))) {
            try TlogTiles.append(size: 300, edge: TileSet(), leaves: more)
        }
        // Edge tile of the wrong width.
        let narrow = try Tile(key: try TileKey(level: 0, index: 1, width: 43), hashes: Array(store[level: 0, index: 1]!.prefix(43)))
        #expect(throws: MerkleError.tileWrongWidth(key: try TileKey(level: 0, index: 1, width: 44), expected: 44, actual: 43)) {
            try TlogTiles.append(size: 300, edge: TileSet([narrow]), leaves: more)
        }
        // Appending nothing writes nothing; appending past 2^64 is refused.
        #expect(try TlogTiles.append(size: 300, edge: TileSet(), leaves: []) == [])
        #expect(throws: MerkleError.treeSizeOverflow(size: UInt64.max, adding: 1)) {
            try TlogTiles.append(size: UInt64.max, edge: TileSet(), leaves: [leaves[0]])
        }
        // 300 + 200 leaves stays inside level-0 tile 1: the level-1 edge is not needed.
        let level0Edge = TileSet(store.tiles.filter { $0.key.isPartial && $0.key.level == 0 })
        let within = try TlogTiles.append(size: 300, edge: level0Edge, leaves: Array(leaves[300 ..< 500]))
        #expect(within.map(\.key) == [try TileKey(level: 0, index: 1, width: 244)])
        // 300 + 300 completes tile 1 and grows the level-1 edge tile.
        let edge = TileSet(store.tiles.filter { $0.key.isPartial })
        let written = try TlogTiles.append(size: 300, edge: edge, leaves: more)
        #expect(written.map(\.key) == [
            try TileKey(level: 0, index: 1), try TileKey(level: 0, index: 2, width: 88),
            try TileKey(level: 1, index: 0, width: 2),
        ])
        var grown = store
        grown.insert(contentsOf: written)
        #expect(try TlogTiles.root(size: 600, tiles: grown) == Merkle.root(of: leaves))
    }

    @Test func missingOrShortTilesAreReported() throws {
        let leaves = Fixture.leafHashes(count: 1000)
        let store = try Fixture.buildTiles(leaves, maxBatch: 100, seed: 4)
        let keys = TlogTiles.tilesForInclusion(index: 500, size: 1000)
        #expect(keys.contains(try TileKey(level: 0, index: 1)))
        var tiles = Fixture.exactly(keys, from: store)
        let removed = try #require(keys.first)
        tiles[removed] = nil
        #expect(throws: MerkleError.missingTile(removed)) { try TlogTiles.inclusionProof(index: 500, size: 1000, tiles: tiles) }
        var short = Fixture.exactly(keys, from: store)
        short[removed] = Array(short[removed]!.dropLast())
        #expect(throws: MerkleError.tileWrongWidth(key: removed, expected: removed.width, actual: removed.width - 1)) {
            try TlogTiles.inclusionProof(index: 500, size: 1000, tiles: short)
        }
        #expect(throws: MerkleError.self) { try TlogTiles.root(size: 1000, tiles: TileSet()) }
        #expect(throws: MerkleError.self) { try TlogTiles.consistencyProof(oldSize: 10, newSize: 1000, tiles: TileSet()) }
        // A tile longer than 256 hashes is never trusted.
        let rootKeys = TlogTiles.tilesForRoot(size: 1000)
        #expect(rootKeys == [try TileKey(level: 0, index: 3, width: 232), try TileKey(level: 1, index: 0, width: 3)])
        var tooWide = Fixture.exactly(rootKeys, from: store)
        let partial = rootKeys[0]
        tooWide[partial] = tooWide[partial].map { $0 + $0 }
        #expect(throws: MerkleError.tileWrongWidth(key: partial, expected: 232, actual: 464)) { try TlogTiles.root(size: 1000, tiles: tooWide) }
    }
}

struct UpperInteriorTests {
    @Test func proofsFromUpperInteriorsEqualProofsFromTilesAlone() throws {
        // 66,000 leaves: full tiles at levels 0 and 1. A proof read through the upper 31 interior hashes of every full
        // tile (hashing the lowest three heights from the tile) equals the one hashed from the tiles alone, and both
        // equal the reference Merkle tree's.
        let size: UInt64 = 66_000
        let hashes = (0..<size).map { LogHash(sha256: Array("leaf \($0)".utf8)) }
        let tiles = try TlogTiles.append(size: 0, edge: TileSet(), leaves: hashes)
        let plain = TileSet(tiles)
        var upper = TileSet(tiles)
        var fullTiles = 0
        for tile in tiles {
            guard let nodes = TlogTiles.upperInterior(of: tile.hashes) else { continue }
            #expect(nodes.count == TlogTiles.upperInteriorCount)
            #expect(nodes == Array(try #require(TlogTiles.interior(of: tile.hashes)).suffix(31)))
            upper.insert(interior: nodes, level: tile.key.level, index: tile.key.index)
            fullTiles += 1
        }
        #expect(fullTiles == 257 + 1)
        var random = SplitMix64(seed: 11)
        for _ in 0..<20 {
            let index = random.next() % size
            let proof = try TlogTiles.inclusionProof(index: index, size: size, tiles: upper)
            #expect(proof == (try TlogTiles.inclusionProof(index: index, size: size, tiles: plain)))
            try Merkle.verifyInclusion(leaf: hashes[Int(index)], index: index, size: size, proof: proof, root: Merkle.root(of: hashes))
        }
        for old in [1, 255, 256, 4_097, 65_535, 65_536, 65_537, 65_999] as [UInt64] {
            #expect(try TlogTiles.consistencyProof(oldSize: old, newSize: size, tiles: upper)
                == (try TlogTiles.consistencyProof(oldSize: old, newSize: size, tiles: plain)))
        }
        // A damaged upper interior changes the proofs that read it: the interior is used, not ignored.
        var damaged = TileSet(tiles)
        for tile in tiles {
            guard var nodes = TlogTiles.upperInterior(of: tile.hashes) else { continue }
            nodes[0] = LogHash(sha256: [1])
            damaged.insert(interior: nodes, level: tile.key.level, index: tile.key.index)
        }
        let differing = try stride(from: UInt64(0), to: size, by: 331).filter { index in
            try TlogTiles.inclusionProof(index: index, size: size, tiles: damaged) != TlogTiles.inclusionProof(index: index, size: size, tiles: plain)
        }
        #expect(!differing.isEmpty)
    }
}
