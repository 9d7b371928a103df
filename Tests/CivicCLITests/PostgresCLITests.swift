import CivicPostgres
import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import Testing

/// The CLI on PostgreSQL: `--database postgres://...` and `civic migrate-store`.
@Suite(.serialized, .enabled(if: PostgresScratch.url != nil, "CIVIC_TEST_POSTGRES_URL is not set: PostgreSQL CLI tests skipped"))
struct PostgresCLITests {
    /// Runs `body` with the URL of a new scratch schema, dropped afterwards.
    func withScratchURL(_ body: (String) async throws -> Void) async throws {
        let settings = try PostgresScratch.settings()
        let base = PostgresScratch.url!
        let url = base + (base.contains("?") ? "&" : "?") + "search_path=\(settings.searchPath!)"
        do {
            try await body(url)
        } catch {
            try? await PostgresScratch.drop(settings)
            throw error
        }
        try await PostgresScratch.drop(settings)
    }

    func expectSuccess(_ outcome: CivicRunner.Outcome, sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(outcome.status == 0, "stderr: \(outcome.stderr)", sourceLocation: sourceLocation)
    }

    @Test func migrateStoreMovesADeploymentOnceAndVerifiesIt() async throws {
        // A SQLite deployment moves to PostgreSQL with counts and an entry checksum verified; every command then
        // answers the same from the copy; a second run is refused and changes nothing.
        let civic = try CivicRunner()
        defer { civic.remove() }
        try await withScratchURL { url in
            let demo = ["demo", "--residents", "100", "--seed", "5", "--end-month", "2026-09", "--as-of", "2026-10-15"]
            expectSuccess(try civic.run(demo))
            // An account with a token (and the access events they leave) travels with the ledger.
            expectSuccess(try civic.run(["account", "add", "--id", "auditor-1", "--role", "auditor", "--name", "Auditor"]))
            expectSuccess(try civic.run(["token", "issue", "--account", "auditor-1"]))

            let migrated = try civic.run(["migrate-store", "--from", "sqlite:" + civic.path("civic.db"), "--to", url, "--page-size", "500"], database: nil)
            expectSuccess(migrated)
            #expect(migrated.stdout.contains("verified: the same counts and records on both sides"))
            #expect(migrated.stdout.contains("  accounts           1"), "\(migrated.stdout)")
            #expect(migrated.stdout.contains("  access events") && !migrated.stdout.contains("  access events      0"), "\(migrated.stdout)")
            #expect(migrated.stderr.contains("throttle rows and idempotency records are not copied"))
            let accounts = try civic.run(["account", "list", "--database", url], database: nil)
            expectSuccess(accounts)
            #expect(accounts.stdout.contains("auditor-1"), "the account did not reach PostgreSQL: \(accounts.stdout)")
            #expect(!migrated.stdout.contains("civic:civic@"), "the password is not printed")
            let checksum = try #require(migrated.stdout.split(separator: "\n").first { $0.contains("sha256:") })

            for command in [["export", "--what", "entries", "--format", "csv"], ["export", "--what", "standings"], ["export", "--what", "subjects"],
                            ["list", "black", "--as-of", "2026-09-30"], ["score", "p-00001", "--explain", "--as-of", "2026-09-30"]] {
                let onSQLite = try civic.run(command)
                let onPostgres = try civic.run(command + ["--database", url], database: nil)
                expectSuccess(onPostgres)
                #expect(onSQLite.stdout == onPostgres.stdout, "\(command.joined(separator: " "))")
                if command[0] != "list" { #expect(onSQLite.stdout.count > 100, "\(command.joined(separator: " ")) printed next to nothing") }
            }
            let verified = try civic.run(["verify", "--database", url], database: nil)
            expectSuccess(verified)
            #expect(verified.stdout.contains("storage: ok"))
            #expect(verified.stdout.contains("0 mismatch(es)"))

            let again = try civic.run(["migrate-store", "--from", civic.path("civic.db"), "--to", url], database: nil)
            #expect(again.status == 73)
            #expect(again.stderr.contains("already holds data"))
            let exportAfter = try civic.run(["export", "--what", "entries", "--format", "csv", "--database", url], database: nil)
            #expect(exportAfter.stdout == (try civic.run(["export", "--what", "entries", "--format", "csv"])).stdout)

            // And back: PostgreSQL to a new SQLite file gives the same checksum.
            let back = try civic.run(["migrate-store", "--from", url, "--to", "sqlite:" + civic.path("back.db")], database: nil)
            expectSuccess(back)
            #expect(back.stdout.contains(String(checksum.split(separator: " ").last!)))
            #expect(try civic.run(["account", "list", "--database", civic.path("back.db")], database: nil).stdout.contains("auditor-1"))
        }
    }

    @Test func everyCommandWorksOnPostgres() async throws {
        // init, handbook publish, subject import, actors, a report, a review, a cycle close and a score, all on PostgreSQL.
        let civic = try CivicRunner()
        defer { civic.remove() }
        try await withScratchURL { url in
            func run(_ arguments: [String]) throws -> CivicRunner.Outcome { try civic.run(arguments + ["--database", url], database: nil) }
            let day = ["--as-of", "2026-03-01"]
            expectSuccess(try run(["init", "--jurisdiction", "testville", "--name-en", "Testville", "--name-zh", "测试村"] + day))
            let twice = try run(["init", "--jurisdiction", "testville", "--name-en", "Testville", "--name-zh", "测试村"] + day)
            #expect(twice.status == 73)
            expectSuccess(try run(["handbook", "publish", CLITests.handbook, "--by", "admin"] + day))
            expectSuccess(try run(["subject", "import", CLITests.residents] + day))
            expectSuccess(try run(["actor", "add", "--id", "asr-1", "--name", "A", "--roles", "assessor", "--jurisdiction", "testville"] + day))
            expectSuccess(try run(["actor", "add", "--id", "rev-1", "--name", "R", "--roles", "reviewer", "--jurisdiction", "testville", "--subject", "p-1"] + day))
            let march = ["--as-of", "2026-03-18"]
            expectSuccess(try run(["report", "--id", "r-1", "--subject", "p-3", "--rule", "R-ESCORT-ELDER", "--by", "asr-1", "--role", "assessor",
                                   "--occurred", "2026-03-10", "--statement", "Drove Mrs Zhao to hospital",
                                   "--evidence", "photo:sha256:aa", "--evidence", "photo:sha256:bb"] + march))
            expectSuccess(try run(["review", "--id", "d-1", "--report", "r-1", "--decision", "approve", "--by", "rev-1", "--as-of", "2026-03-25"]))
            expectSuccess(try run(["cycle", "close", "--jurisdiction", "testville", "--month", "2026-03", "--by", "admin", "--as-of", "2026-03-31"]))
            let score = try run(["score", "p-3", "--explain", "--as-of", "2026-03-31"])
            expectSuccess(score)
            #expect(score.stdout.contains("report r-1 by asr-1 (assessor)"))
            #expect(score.stdout.contains("decided approve by R (rev-1)"))
            let verified = try run(["verify"])
            expectSuccess(verified)
            let demoRefused = try run(["demo", "--residents", "60", "--end-month", "2026-02", "--as-of", "2026-03-01"])
            #expect(demoRefused.status == 73, "the demo never writes into a database that holds data")
        }
    }

    @Test func badDatabaseArgumentsSayWhat() throws {
        // A malformed URL is invalid input (65) and an unreachable server a storage error (74), neither printing the password.
        let civic = try CivicRunner()
        defer { civic.remove() }
        let malformed = try civic.run(["score", "p-1", "--database", "postgres://civic:hunter2@/nowhere"], database: nil)
        #expect(malformed.status == 65)
        #expect(!malformed.stderr.contains("hunter2"))
        let unreachable = try civic.run(["score", "p-1", "--database", "postgres://civic:hunter2@127.0.0.1:1/civic?sslmode=disable"], database: nil)
        #expect(unreachable.status == 74)
        #expect(unreachable.stderr.contains("127.0.0.1:1"))
        #expect(!unreachable.stderr.contains("hunter2"))
    }

    @Test func serveDemoKeepsItsFilesInTheDataDirectory() async throws {
        // A PostgreSQL URL is not a file: without --data-dir the server says where its keys must go; with it, the
        // demo starts, its keys are made there readable by their owner only, its accounts go into PostgreSQL (no
        // access file beside the keys, and another command on the same URL sees them), and the log signs with the
        // key it made.
        let civic = try CivicRunner()
        defer { civic.remove() }
        try await withScratchURL { url in
            let without = try civic.run(["serve", "--demo", "--demo-residents", "20", "--database", url, "--port", "1"], database: nil)
            #expect(without.status == 65, "stderr: \(without.stderr)")
            #expect(without.stderr.contains("--data-dir"))
            #expect(!without.stderr.contains("certificate-key'"), "it no longer tries to write beside the URL")

            let data = civic.path("data")
            let port = Int.random(in: 20_000...40_000)
            let server = Process()
            server.executableURL = CivicRunner.executable
            server.arguments = ["serve", "--demo", "--demo-residents", "20", "--database", url, "--data-dir", data,
                                "--port", String(port), "--log-level", "warning"]
            server.environment = ProcessInfo.processInfo.environment.filter { $0.key != "CIVIC_DATABASE" && $0.key != "CIVIC_DATA_DIR" }
            server.standardError = FileHandle.nullDevice
            server.standardOutput = FileHandle.nullDevice
            try server.run()
            defer { if server.isRunning { server.terminate() } }
            var checkpoint: String?
            for _ in 0..<600 where checkpoint == nil && server.isRunning {
                if let (body, response) = try? await URLSession.shared.data(from: URL(string: "http://127.0.0.1:\(port)/log/checkpoint")!),
                   (response as? HTTPURLResponse)?.statusCode == 200 {
                    checkpoint = String(decoding: body, as: UTF8.self)
                } else {
                    try await Task.sleep(for: .milliseconds(200))
                }
            }
            let served = try #require(checkpoint, "the server on PostgreSQL with --data-dir did not serve a checkpoint")
            #expect(served.hasPrefix("civiccredit.example/demo-ledger\n"))
            for name in ["civic.certificate-key", "civic.log-key"] {
                let attributes = try FileManager.default.attributesOfItem(atPath: data + "/" + name)
                #expect((attributes[.posixPermissions] as? Int) == 0o600, "\(name) is readable by others")
            }
            #expect(!FileManager.default.fileExists(atPath: data + "/civic-access.db"), "the accounts went into a file, not PostgreSQL")
            let accounts = try civic.run(["account", "list", "--database", url], database: nil)
            expectSuccess(accounts)
            #expect(accounts.stdout.contains("demo-admin"), "the demo's accounts are not in PostgreSQL: \(accounts.stdout)")
            let directory = try FileManager.default.attributesOfItem(atPath: data)
            #expect((directory[.posixPermissions] as? Int) == 0o700)
            let key = try civic.run(["log", "key", "--database", url, "--data-dir", data], database: nil)
            expectSuccess(key)
            #expect(key.stdout.hasPrefix("civiccredit.example/demo-ledger+"))
            server.terminate()
            server.waitUntilExit()
        }
    }

    @Test func serveDemoOnPostgresWritesItsKeysToNamedFilesAndNeverPrintsThePassword() async throws {
        // Found by scripts/crash-test: `civic serve --demo` on PostgreSQL wrote the certificate key to a path made from
        // the URL ("postgres://...certificate-key") and failed, and printed the URL with its password to stderr.
        let civic = try CivicRunner()
        defer { civic.remove() }
        try await withScratchURL { url in
            let password = try #require(URLComponents(string: url)?.password)
            let port = Int.random(in: 20_000...40_000)
            let server = Process()
            server.executableURL = CivicRunner.executable
            server.arguments = ["serve", "--demo", "--demo-residents", "20", "--database", url, "--access-database", civic.path("access.db"),
                                "--certificate-key", civic.path("cert.key"), "--log-key-file", civic.path("log.key"),
                                "--port", "\(port)", "--log-level", "warning", "--as-of", "2026-10-15"]
            let errors = Pipe()
            server.standardError = errors
            server.standardOutput = FileHandle.nullDevice
            try server.run()
            defer { if server.isRunning { server.terminate() } }
            var ready = false
            for _ in 0..<1_200 where !ready && server.isRunning {
                let request = URLRequest(url: URL(string: "http://127.0.0.1:\(port)/livez")!)
                if let (_, response) = try? await URLSession.shared.data(for: request), (response as? HTTPURLResponse)?.statusCode == 200 {
                    ready = true
                } else {
                    try await Task.sleep(for: .milliseconds(100))
                }
            }
            server.terminate()
            server.waitUntilExit()
            let stderr = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            #expect(ready, "the server did not answer: \(stderr)")
            #expect(FileManager.default.fileExists(atPath: civic.path("cert.key")) && FileManager.default.fileExists(atPath: civic.path("log.key")))
            #expect(stderr.contains("building the demo data into"), "\(stderr)")
            #expect(!stderr.contains(":\(password)@"), "the password was printed")
        }
    }
}
