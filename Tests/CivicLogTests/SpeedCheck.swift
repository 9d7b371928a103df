import CivicLog
import Foundation
import Testing

/// Rough speed check, run by hand:
/// `CIVICLOG_SPEED=1 swift test -c release --filter SpeedCheck`
@Suite struct SpeedCheck {
    @Test(.enabled(if: ProcessInfo.processInfo.environment["CIVICLOG_SPEED"] != nil))
    func millionLeaves() throws {
        let clock = ContinuousClock()
        let count = 1_000_000
        let leaves = (0..<count).map { i in withUnsafeBytes(of: UInt64(i).bigEndian) { Merkle.leafHash(Array($0)) } }
        var store = TileSet()
        var size: UInt64 = 0
        let appendTime = try clock.measure {
            while size < UInt64(count) {
                var edge = TileSet()
                for key in TlogTiles.edgeTiles(size: size) {
                    if let h = store[level: key.level, index: key.index] { edge.insert(key: key, hashes: Array(h.prefix(key.width))) }
                }
                let batch = Array(leaves[Int(size) ..< Int(size) + 10_000])
                store.insert(contentsOf: try TlogTiles.append(size: size, edge: edge, leaves: batch))
                size += 10_000
            }
        }
        var root = Merkle.emptyRoot
        let rootTime = try clock.measure { root = try TlogTiles.root(size: size, tiles: store) }
        var proof = [LogHash]()
        let inclusionTime = try clock.measure {
            for i in 0..<100 { proof = try TlogTiles.inclusionProof(index: UInt64(i * 9_973), size: size, tiles: store) }
        }
        try Merkle.verifyInclusion(leaf: leaves[99 * 9_973], index: UInt64(99 * 9_973), size: size, proof: proof, root: root)
        let consistencyTime = try clock.measure {
            for i in 1...100 { proof = try TlogTiles.consistencyProof(oldSize: UInt64(i * 9_871), newSize: size, tiles: store) }
        }
        let oldRoot = try TlogTiles.root(size: 100 * 9_871, tiles: store)
        try Merkle.verifyConsistency(oldSize: 100 * 9_871, newSize: size, oldRoot: oldRoot, newRoot: root, proof: proof)
        let inclusionKeys = TlogTiles.tilesForInclusion(index: 123_456, size: size).count
        let consistencyKeys = TlogTiles.tilesForConsistency(oldSize: 654_321, newSize: size).count
        print("""
        SPEED append 1,000,000 leaves in batches of 10,000: \(appendTime) (\(store.count) tiles)
        SPEED root at 1,000,000: \(rootTime)
        SPEED inclusion proof at 1,000,000: \(inclusionTime / 100) each (\(inclusionKeys) tiles)
        SPEED consistency proof at 1,000,000: \(consistencyTime / 100) each (\(consistencyKeys) tiles)
        """)
    }
}
