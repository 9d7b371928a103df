import CivicLog
import Foundation
import Testing

/// RFC 6962 reference vectors from transparency-dev/merkle (see Fixtures/README.md).
struct Vectors: Decodable {
    struct Source: Decodable { let repository: String; let commit: String; let files: [String] }
    struct InclusionCase: Decodable { let index: UInt64; let size: UInt64; let proof: [String] }
    struct ConsistencyCase: Decodable { let oldSize: UInt64; let newSize: UInt64; let proof: [String] }
    struct InclusionProbe: Decodable {
        let file: String; let desc: String; let index: UInt64; let size: UInt64
        let leafHash: String; let root: String; let proof: [String]; let wantError: Bool
    }
    struct ConsistencyProbe: Decodable {
        let file: String; let desc: String; let oldSize: UInt64; let newSize: UInt64
        let oldRoot: String; let newRoot: String; let proof: [String]; let wantError: Bool
    }
    let source: Source
    let leafInputs: [String]
    let nodeHashes: [[String]]
    let roots: [String]
    let inclusionProofs: [InclusionCase]
    let consistencyProofs: [ConsistencyCase]
    let inclusionProbes: [InclusionProbe]
    let consistencyProbes: [ConsistencyProbe]

    static func load() throws -> Vectors {
        let url = try #require(Bundle.module.url(forResource: "Fixtures/rfc6962-vectors", withExtension: "json"))
        return try JSONDecoder().decode(Vectors.self, from: Data(contentsOf: url))
    }
}

func hashes(_ hex: [String]) throws -> [LogHash] {
    try hex.map { try #require(LogHash(hex: $0)) }
}

@Suite struct VectorTests {
    let v: Vectors
    let leaves: [LogHash]
    let store: TileSet

    init() throws {
        v = try Vectors.load()
        leaves = v.leafInputs.map { Merkle.leafHash(Fixture.bytes(hex: $0)) }
        store = try Fixture.buildTiles(leaves, maxBatch: 3, seed: 1)
    }

    @Test func sourceIsRecorded() {
        #expect(v.source.repository == "https://github.com/transparency-dev/merkle")
        #expect(v.source.commit.count == 40)
    }

    @Test func leafAndNodeHashes() throws {
        #expect(Merkle.emptyRoot.hex == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        #expect(leaves.map(\.hex) == v.nodeHashes[0])
        for (level, row) in v.nodeHashes.enumerated() {
            let width = 1 << level
            for (i, expected) in row.enumerated() {
                #expect(Merkle.root(of: Array(leaves[i * width ..< (i + 1) * width])).hex == expected)
            }
        }
    }

    @Test func rootsForEverySize() throws {
        #expect(v.roots.count == 9)
        for size in 0...8 {
            #expect(Merkle.root(of: Array(leaves.prefix(size))).hex == v.roots[size], "size \(size)")
            #expect(try TlogTiles.root(size: UInt64(size), tiles: store).hex == v.roots[size], "tiles, size \(size)")
        }
    }

    @Test func inclusionProofs() throws {
        for c in v.inclusionProofs {
            let expected = try hashes(c.proof)
            let prefix = Array(leaves.prefix(Int(c.size)))
            #expect(try Merkle.inclusionProof(index: c.index, leafHashes: prefix) == expected)
            #expect(try TlogTiles.inclusionProof(index: c.index, size: c.size, tiles: store) == expected)
            let root = try #require(LogHash(hex: v.roots[Int(c.size)]))
            try Merkle.verifyInclusion(leaf: leaves[Int(c.index)], index: c.index, size: c.size, proof: expected, root: root)
        }
    }

    @Test func consistencyProofs() throws {
        for c in v.consistencyProofs {
            let expected = try hashes(c.proof)
            let prefix = Array(leaves.prefix(Int(c.newSize)))
            #expect(try Merkle.consistencyProof(oldSize: c.oldSize, leafHashes: prefix) == expected)
            #expect(try TlogTiles.consistencyProof(oldSize: c.oldSize, newSize: c.newSize, tiles: store) == expected)
            let oldRoot = try #require(LogHash(hex: v.roots[Int(c.oldSize)]))
            let newRoot = try #require(LogHash(hex: v.roots[Int(c.newSize)]))
            try Merkle.verifyConsistency(oldSize: c.oldSize, newSize: c.newSize, oldRoot: oldRoot, newRoot: newRoot, proof: expected)
        }
    }

    /// All inclusion and consistency proofs among the 8 vector leaves agree
    /// between the reference, the tiles, and the vectors' roots.
    @Test func allProofsOverVectorLeaves() throws {
        for size in 1...8 {
            let root = try #require(LogHash(hex: v.roots[size]))
            for index in 0..<size {
                let proof = try TlogTiles.inclusionProof(index: UInt64(index), size: UInt64(size), tiles: store)
                #expect(proof == (try Merkle.inclusionProof(index: UInt64(index), leafHashes: Array(leaves.prefix(size)))))
                try Merkle.verifyInclusion(leaf: leaves[index], index: UInt64(index), size: UInt64(size), proof: proof, root: root)
            }
            for old in 1...size {
                let oldRoot = try #require(LogHash(hex: v.roots[old]))
                let proof = try TlogTiles.consistencyProof(oldSize: UInt64(old), newSize: UInt64(size), tiles: store)
                #expect(proof == (try Merkle.consistencyProof(oldSize: UInt64(old), leafHashes: Array(leaves.prefix(size)))))
                try Merkle.verifyConsistency(oldSize: UInt64(old), newSize: UInt64(size), oldRoot: oldRoot, newRoot: root, proof: proof)
            }
        }
    }

    @Test func inclusionProbes() throws {
        #expect(v.inclusionProbes.count > 50)
        for p in v.inclusionProbes {
            let leaf = try #require(LogHash(hex: p.leafHash))
            let root = try #require(LogHash(hex: p.root))
            let proof = try hashes(p.proof)
            let result = Result { () throws(MerkleError) in
                try Merkle.verifyInclusion(leaf: leaf, index: p.index, size: p.size, proof: proof, root: root)
            }
            switch result {
            case .success: #expect(!p.wantError, "\(p.file): accepted a bad proof")
            case let .failure(error): #expect(p.wantError, "\(p.file): rejected a good proof: \(error)")
            }
        }
    }

    @Test func consistencyProbes() throws {
        #expect(v.consistencyProbes.count > 50)
        for p in v.consistencyProbes {
            let oldRoot = try #require(LogHash(hex: p.oldRoot))
            let newRoot = try #require(LogHash(hex: p.newRoot))
            let proof = try hashes(p.proof)
            let result = Result { () throws(MerkleError) in
                try Merkle.verifyConsistency(oldSize: p.oldSize, newSize: p.newSize, oldRoot: oldRoot, newRoot: newRoot, proof: proof)
            }
            switch result {
            case .success: #expect(!p.wantError, "\(p.file): accepted a bad proof")
            case let .failure(error): #expect(p.wantError, "\(p.file): rejected a good proof: \(error)")
            }
        }
    }
}
