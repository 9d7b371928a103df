import CivicLog
import Foundation
import Testing

/// Proofs made by TlogTiles, checked by an independent Python verifier written
/// from RFC 9162 (scripts/merkle-crosscheck.py).
@Suite struct CrossCheckTests {
    static let scriptPath = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("scripts/merkle-crosscheck.py").path

    struct Run { let status: Int32; let output: String }

    static func runScript(_ json: Data) throws -> Run {
        let input = FileManager.default.temporaryDirectory.appendingPathComponent("merkle-crosscheck-\(UUID().uuidString).json")
        try json.write(to: input)
        defer { try? FileManager.default.removeItem(at: input) }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", scriptPath]
        process.standardInput = try FileHandle(forReadingFrom: input)
        let output = Pipe()
        process.standardOutput = output
        try process.run()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return Run(status: process.terminationStatus, output: String(decoding: data, as: UTF8.self))
    }

    @Test func pythonVerifierAgreesAndCanFail() throws {
        let inputs = (0..<1000).map(Fixture.leafInput)
        let leaves = inputs.map { Merkle.leafHash($0) }
        let store = try Fixture.buildTiles(leaves, maxBatch: 97, seed: 2024)
        var rng = SplitMix64(seed: 99)
        var checks = [[String: Any]]()
        for k in 0..<25 {
            let size = k == 0 ? 1000 : 1 + rng.next() % 1000
            let index = rng.next() % size
            let proof = try TlogTiles.inclusionProof(index: index, size: size, tiles: store)
            checks.append(["kind": "inclusion", "index": index, "size": size, "proof": proof.map(\.hex),
                           "root": try TlogTiles.root(size: size, tiles: store).hex])
        }
        for k in 0..<25 {
            let new = k == 0 ? 1000 : 2 + rng.next() % 999
            let old = k == 0 ? 256 : 1 + rng.next() % (new - 1)
            let proof = try TlogTiles.consistencyProof(oldSize: old, newSize: new, tiles: store)
            checks.append(["kind": "consistency", "old": old, "new": new, "proof": proof.map(\.hex),
                           "oldRoot": try TlogTiles.root(size: old, tiles: store).hex,
                           "newRoot": try TlogTiles.root(size: new, tiles: store).hex])
        }
        func document(_ checks: [[String: Any]]) throws -> Data {
            try JSONSerialization.data(withJSONObject: ["leaves": inputs.map(Fixture.hex), "checks": checks])
        }

        let good = try Self.runScript(try document(checks))
        #expect(good.status == 0, "\(good.output)")
        #expect(good.output.contains("50 checks, 0 failed"), "\(good.output)")

        // One hash of one proof changed: the script must notice.
        var bad = checks
        var proof = try #require(bad[30]["proof"] as? [String])
        proof[proof.count / 2] = String(repeating: "0", count: 64)
        bad[30]["proof"] = proof
        let failed = try Self.runScript(try document(bad))
        #expect(failed.status != 0, "\(failed.output)")
        #expect(failed.output.contains("1 failed"), "\(failed.output)")
    }
}
