import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import Testing

/// `civic serve`, `civic account` and `civic token` through the real binary.
@Suite struct ServeCLITests {
    @Test("an administrator bootstrapped from the CLI reaches the served API with an issued token, and SIGTERM stops the server cleanly")
    func bootstrapServeAndStop() async throws {
        let runner = try CivicRunner()
        defer { runner.remove() }
        #expect(try runner.run(["demo", "--residents", "60"]).status == 0)
        let added = try runner.run(["account", "add", "--id", "ops", "--role", "administrator", "--name", "Credit office", "--actor", "admin"])
        #expect(added.status == 0, "\(added.stderr)")
        #expect(added.stderr.contains("password (shown once): "))
        let refused = try runner.run(["account", "add", "--id", "ops2", "--role", "administrator", "--name", "X", "--actor", "nobody"])
        #expect(refused.status == 66, "\(refused.stderr)")
        let issued = try runner.run(["token", "issue", "--account", "ops", "--scope", "read", "--scope", "write"])
        #expect(issued.status == 0, "\(issued.stderr)")
        let token = issued.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(token.hasPrefix("civic_"))
        #expect(FileManager.default.fileExists(atPath: runner.path("civic-access.db")))

        let port = Int.random(in: 20_000...40_000)
        let server = Process()
        server.executableURL = CivicRunner.executable
        server.arguments = ["serve", "--database", runner.path("civic.db"), "--log-level", "warning"]
        var environment = ProcessInfo.processInfo.environment
        environment["HTTP_PORT"] = String(port)
        server.environment = environment
        let errors = Pipe()
        server.standardError = errors
        server.standardOutput = FileHandle.nullDevice
        try server.run()
        defer { if server.isRunning { server.terminate() } }

        func get(_ path: String, token: String? = nil) async -> (Int, String)? {
            var request = URLRequest(url: URL(string: "http://127.0.0.1:\(port)\(path)")!)
            if let token { request.setValue("Bearer \(token)", forHTTPHeaderField: "Authorization") }
            guard let (data, response) = try? await URLSession.shared.data(for: request), let http = response as? HTTPURLResponse else { return nil }
            return (http.statusCode, String(decoding: data, as: UTF8.self))
        }
        var ready = false
        for _ in 0..<600 where !ready {  // up to a minute: a loaded machine starts the server slowly
            if await get("/livez")?.0 == 200 { ready = true } else { try await Task.sleep(for: .milliseconds(100)) }
        }
        #expect(ready, "the server did not answer on port \(port)")
        let me = await get("/me", token: token)
        #expect(me?.0 == 200)
        #expect(me?.1.contains("\"ops\"") == true)
        #expect(await get("/me")?.0 == 401)

        server.terminate()  // SIGTERM: graceful shutdown
        server.waitUntilExit()
        #expect(server.terminationReason == .exit && server.terminationStatus == 0)
        let log = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        #expect(!log.contains(token), "the token reached the log")
    }
}
