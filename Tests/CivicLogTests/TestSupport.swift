import CivicLog
import CivicCore
import Foundation

/// The project's seeded generator (SplitMix64), under the name these files use.
typealias SplitMix64 = SeededRandom

enum Fixture {
    static func leafInput(_ i: Int) -> [UInt8] {
        var rng = SplitMix64(seed: UInt64(i) &* 0x1000_0001 &+ 7)
        let length = Int(rng.next() % 40)
        return (0..<length).map { _ in UInt8(truncatingIfNeeded: rng.next()) }
    }

    static func leafHashes(count: Int) -> [LogHash] {
        (0..<count).map { Merkle.leafHash(leafInput($0)) }
    }

    /// Grows a tiled tree to all of `leaves` through `TlogTiles.append`, in
    /// batches of random size, as a database would, checking the edge tiles
    /// it reads are exactly the ones `edgeTiles` names.
    static func buildTiles(
        _ leaves: [LogHash], startingWith store: TileSet = TileSet(), from start: Int = 0,
        maxBatch: Int, seed: UInt64, afterEachBatch: (Int, TileSet) throws -> Void = { _, _ in }
    ) throws -> TileSet {
        var store = store
        var rng = SplitMix64(seed: seed)
        var size = start
        while size < leaves.count {
            let batch = min(leaves.count - size, 1 + Int(rng.next() % UInt64(maxBatch)))
            var edge = TileSet()
            for key in TlogTiles.edgeTiles(size: UInt64(size)) {
                guard let hashes = store[level: key.level, index: key.index] else { throw MerkleError.missingTile(key) }
                edge.insert(try Tile(key: key, hashes: Array(hashes.prefix(key.width))))
            }
            let written = try TlogTiles.append(size: UInt64(size), edge: edge, leaves: Array(leaves[size ..< size + batch]))
            store.insert(contentsOf: written)
            size += batch
            try afterEachBatch(size, store)
        }
        return store
    }

    /// Only the named tiles, cut to exactly the width the key names — what a
    /// store holding just the tiles of that tree size would return.
    static func exactly(_ keys: [TileKey], from store: TileSet) -> [TileKey: [LogHash]] {
        var out = [TileKey: [LogHash]]()
        for key in keys {
            if let hashes = store[level: key.level, index: key.index] { out[key] = Array(hashes.prefix(key.width)) }
        }
        return out
    }

    static func bytes(hex: String) -> [UInt8] {
        let utf8 = Array(hex.utf8)
        func nibble(_ c: UInt8) -> UInt8 {
            switch c {
            case 0x30...0x39: c - 0x30
            case 0x61...0x66: c - 0x61 + 10
            case 0x41...0x46: c - 0x41 + 10
            default: 0
            }
        }
        return stride(from: 0, to: utf8.count, by: 2).map { nibble(utf8[$0]) << 4 | nibble(utf8[$0 + 1]) }
    }

    static func hex(_ bytes: [UInt8]) -> String {
        bytes.map { String(format: "%02x", $0) }.joined()
    }

    static func flipped(_ hash: LogHash, byte: Int, mask: UInt8 = 0x01) -> LogHash {
        var bytes = hash.bytes
        bytes[byte] ^= mask
        return LogHash(bytes: bytes)!
    }
}
