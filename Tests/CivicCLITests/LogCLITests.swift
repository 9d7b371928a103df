import CivicLog
import CivicSQLite
import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import Testing

extension CivicRunner {
    /// The demo closes every month up to the one before today.
    static var lastClosedMonth: String {
        let parts = Calendar.current.dateComponents([.year, .month], from: Date())
        let (year, month) = parts.month! == 1 ? (parts.year! - 1, 12) : (parts.year!, parts.month! - 1)
        return String(format: "%04d-%02d", year, month)
    }
}

/// The transparency log from the terminal and over HTTP: keys, checkpoints, proofs, an outside verifier and a witness
/// that cosigns an honest log and refuses a forked one.
@Suite struct LogCLITests {
    @Test("a witness cosigns the served checkpoint, the server publishes the cosignature, and a forked checkpoint is refused")
    func witnessAndFork() async throws {
        let runner = try CivicRunner()
        defer { runner.remove() }
        #expect(try runner.run(["demo", "--residents", "60"]).status == 0)
        let keygen = try runner.run(["log", "keygen", "--origin", "civiccredit.test/cli"])
        #expect(keygen.status == 0, "\(keygen.stderr)")
        #expect(try runner.run(["log", "keygen"]).status == 73, "a second key must not replace the first")
        let vkey = try runner.run(["log", "key"]).stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        let logVerifier = try NoteVerifier(vkey: vkey)
        let attrs = try FileManager.default.attributesOfItem(atPath: runner.path("civic.db.log-key"))
        #expect((attrs[.posixPermissions] as? NSNumber)?.intValue == 0o600)

        let first = try runner.run(["log", "checkpoint"])
        #expect(first.status == 0, "\(first.stderr)")
        let (checkpoint, _) = try LogVerifier.open(first.stdout, key: logVerifier)
        try runner.write("saved-checkpoint", first.stdout)
        let verified = try runner.run(["verify"])
        #expect(verified.status == 0, "\(verified.stdout)\(verified.stderr)")
        #expect(verified.stdout.contains("1 checkpoint(s) (signatures checked), 0 problem(s)"), "\(verified.stdout)")

        // A proof of an entry leads to the signed root.
        let export = try runner.run(["log", "prove", "--json", "no-such-entry"])
        #expect(export.status == 66)

        // The witness's key exists before the server starts, so the server can be told to trust it.
        let state = runner.path("witness")
        try FileManager.default.createDirectory(atPath: state, withIntermediateDirectories: true)
        let witness = try CosignatureSigner(name: "witness.test")
        try runner.write("witness/witness-key", witness.skey + "\n")

        let port = Int.random(in: 20_000...40_000)
        let server = Process()
        server.executableURL = CivicRunner.executable
        server.arguments = ["serve", "--database", runner.path("civic.db"), "--log-level", "warning", "--witness", witness.verifier.vkey]
        var environment = ProcessInfo.processInfo.environment
        environment["HTTP_PORT"] = String(port)
        server.environment = environment
        server.standardError = FileHandle.nullDevice
        server.standardOutput = FileHandle.nullDevice
        try server.run()
        defer { if server.isRunning { server.terminate() } }
        let base = "http://127.0.0.1:\(port)"
        func fetch(_ path: String) async -> (Int, Data)? {
            guard let (data, response) = try? await URLSession.shared.data(from: URL(string: base + path)!),
                  let http = response as? HTTPURLResponse else { return nil }
            return (http.statusCode, data)
        }
        func get(_ path: String) async -> (Int, String)? {
            await fetch(path).map { ($0.0, String(decoding: $0.1, as: UTF8.self)) }
        }
        var ready = false
        for _ in 0..<600 where !ready {  // up to a minute: a loaded machine starts the server slowly
            if await get("/livez")?.0 == 200 { ready = true } else { try await Task.sleep(for: .milliseconds(100)) }
        }
        #expect(ready)
        #expect(await get("/log/key")?.1.trimmingCharacters(in: .whitespacesAndNewlines) == vkey)
        // The first full tile of leaf hashes, exactly as the leaves hold them.
        let tile = await fetch("/log/tile/0/000")
        #expect(tile?.0 == 200 && tile?.1.count == 256 * 32)

        // A record's key may hold characters a path must percent-encode ('@' in a cycle's key): the route decodes them.
        let cycle = try #require(await get("/log/records/cycle/rongcheng%40\(CivicRunner.lastClosedMonth)/proof"))
        #expect(cycle.0 == 200 && cycle.1.contains("\"key\":\"rongcheng@\(CivicRunner.lastClosedMonth)\""), "\(cycle)")

        let round = try runner.run(["log", "witness", "--log", base, "--state", state, "--log-key", vkey], database: nil)
        #expect(round.status == 0, "\(round.stdout)\(round.stderr)")
        #expect(round.stdout.contains("cosigned civiccredit.test/cli at \(checkpoint.size) leaves"))
        let published = try #require(await get("/log/checkpoint")?.1)
        let note = try SignedNote.parse(published)
        #expect(note.signatures.count == 2, "\(published)")
        #expect(try witness.verifier.verify(note.signatures[1], of: checkpoint) > 0)

        let outside = try runner.run(["log", "verify", "--checkpoint", runner.path("saved-checkpoint"), "--key", vkey, "--log", base], database: nil)
        #expect(outside.status == 0 && outside.stdout.hasPrefix("consistent"), "\(outside.stdout)\(outside.stderr)")

        // Someone holding the log's key signs a second tree of the same size and stores it as the latest checkpoint.
        let signer = try NoteSigner(skey: try String(contentsOfFile: runner.path("civic.db.log-key"), encoding: .utf8)
            .trimmingCharacters(in: .whitespacesAndNewlines))
        var forked = checkpoint
        forked.root = LogHash(sha256: Array("another history".utf8))
        let forgery = SignedNote(text: forked.body, signatures: [signer.signature(for: forked.body)]).serialized
        let store = try SQLiteStore(path: runner.path("civic.db"))
        _ = try await store.appendCheckpoint(size: forked.size, root: forked.root, note: forgery, signedAt: 1)

        let refused = try runner.run(["log", "witness", "--log", base, "--state", state], database: nil)
        #expect(refused.status == 70, "\(refused.stdout)\(refused.stderr)")
        #expect(refused.stderr.contains("two different trees were signed at size \(checkpoint.size)"), "\(refused.stderr)")
        let diverged = try runner.run(["log", "verify", "--checkpoint", runner.path("saved-checkpoint"), "--key", vkey, "--log", base], database: nil)
        #expect(diverged.status == 70 && diverged.stderr.contains("the log forked"), "\(diverged.stderr)")
        // The database's own audit names the checkpoint whose root the leaves do not give.
        server.terminate()
        server.waitUntilExit()
        let audit = try runner.run(["verify"])
        #expect(audit.status == 70)
        #expect(audit.stdout.contains("checkpoint 2 signed the root"), "\(audit.stdout)")
    }

    @Test("bad input to the log commands is a clear error, never a crash")
    func badInput() throws {
        let runner = try CivicRunner()
        defer { runner.remove() }
        #expect(try runner.run(["demo", "--residents", "60"]).status == 0)
        let noKey = try runner.run(["log", "checkpoint"])
        #expect(noKey.status == 66 && noKey.stderr.contains("civic log keygen"), "\(noKey.stderr)")
        #expect(try runner.run(["log", "keygen", "--origin", "has space"]).status == 65)
        #expect(try runner.run(["log", "keygen"]).status == 0)
        #expect(try runner.run(["log", "consistency", "10", "5"]).status == 65)
        #expect(try runner.run(["log", "consistency", "1", "999999999"]).status == 66)
        #expect(try runner.run(["log", "prove", "x", "--kind", "nonsense"]).status == 65)
        try runner.write("garbage", "not a checkpoint\n")
        let vkey = try runner.run(["log", "key"]).stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        let garbage = try runner.run(["log", "verify", "--checkpoint", runner.path("garbage"), "--key", vkey, "--database", runner.path("civic.db")],
                                     database: nil)
        #expect(garbage.status == 65 && garbage.stderr.contains("the saved checkpoint"), "\(garbage.stderr)")
        let wrongKey = try runner.run(["log", "verify", "--checkpoint", runner.path("garbage"), "--key", "nobody+00000000+AAAA",
                                       "--database", runner.path("civic.db")], database: nil)
        #expect(wrongKey.status == 65 && wrongKey.stderr.contains("the log key is not a verifier key"), "\(wrongKey.stderr)")
    }
}
