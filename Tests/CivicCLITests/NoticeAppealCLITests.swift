import Foundation
import Testing

/// Notices, their delivery, and appeals, through the real binary.
@Suite(.serialized)
struct NoticeAppealCLITests {
    let cli = CLITests()

    /// A blacklisting of p-4 (court record approved by rev-2) closed on 2026-03-31, with a resident account for p-4.
    func listedWorld(before close: (CivicRunner) throws -> Void = { _ in }) throws -> CivicRunner {
        let civic = try cli.operatorWorld()
        let march = ["--as-of", "2026-03-18"]
        try cli.expectSuccess(civic.run(["actor", "add", "--id", "res-4", "--name", "Zhao Lei", "--roles", "resident", "--jurisdiction", "testville",
                                         "--subject", "p-4"] + march))
        try civic.write("court.csv", """
            id,kind,subject,rule,source_record,occurred_on,statement
            c-1,record,p-4,R-COURT-DEFAULT,case-2026-7,2026-03-05,Judgment of 2026-01-10 not carried out

            """)
        try cli.expectSuccess(civic.run(["report", "import", civic.path("court.csv"), "--by", "court"] + march))
        try cli.expectSuccess(civic.run(["review", "--id", "d-2", "--report", "c-1", "--decision", "approve", "--by", "rev-2", "--as-of", "2026-03-25"]))
        try close(civic)
        try cli.expectSuccess(civic.run(["cycle", "close", "--jurisdiction", "testville", "--month", "2026-03", "--by", "admin", "--as-of", "2026-03-31"]))
        return civic
    }

    @Test func aListingArrivesWithItsNoticeAndAnOverdueAppealLiftsIt() throws {
        let civic = try listedWorld()
        defer { civic.remove() }
        let list = try civic.run(["notice", "list", "p-4", "--as-of", "2026-04-01"])
        try cli.expectSuccess(list)
        #expect(list.stdout.contains("n:e:c-1"))
        #expect(list.stdout.contains("listed: black/court-defaulters"))
        let shown = try civic.run(["notice", "show", "n:e:c-1"])
        try cli.expectSuccess(shown)
        #expect(shown.stdout.contains("rule: R-COURT-DEFAULT"))
        #expect(shown.stdout.contains("evidence: record case-2026-7"))
        // The court default also costs the graduated bike-deposit reward its tier (1,000 halved it, 950 gets none).
        #expect(shown.stdout.contains("measures against you: bike-deposit, no-high-speed-rail"))
        #expect(shown.stdout.contains("to appeal: civic appeal file --entry e:c-1"))

        // The subject appeals the listing; the reviewer who approved the record may not decide it.
        let filed = try civic.run(["appeal", "file", "--id", "ap-1", "--listing", "p-4/court-defaulters", "--by", "res-4",
                                   "--statement", "The judgment was paid in February", "--evidence", "document:sha256:receipt", "--as-of", "2026-04-02"])
        try cli.expectSuccess(filed)
        #expect(filed.stdout.contains("to be decided by 2026-05-02"))
        let neighbour = try civic.run(["appeal", "file", "--id", "ap-x", "--entry", "e:c-1", "--by", "asr-1", "--statement", "x", "--as-of", "2026-04-02"])
        #expect(neighbour.status == 77)
        let queue = try civic.run(["appeal", "list", "--as-of", "2026-05-03"])
        #expect(queue.stdout.contains("ap-1") && queue.stdout.contains("overdue"))

        func applies(on day: String) throws -> Bool? {
            let check = try civic.run(["check", "p-4", "no-high-speed-rail", "--json", "--as-of", day])
            return (try JSONSerialization.jsonObject(with: Data(check.stdout.utf8)) as? [String: Any])?["applies"] as? Bool
        }
        #expect(try applies(on: "2026-05-02") == true)
        #expect(try applies(on: "2026-05-03") == false)

        let original = try civic.run(["appeal", "decide", "--appeal", "ap-1", "--outcome", "dismissed", "--reason", "stands", "--by", "rev-2", "--as-of", "2026-05-10"])
        #expect(original.status == 77)
        #expect(original.stderr.contains("another reviewer decides the appeal"))
        let decided = try civic.run(["appeal", "decide", "--appeal", "ap-1", "--outcome", "upheld", "--reason", "Receipt from the court",
                                     "--by", "rev-1", "--as-of", "2026-05-10"])
        try cli.expectSuccess(decided)
        #expect(decided.stdout.contains("after its deadline of 2026-05-02"))
        #expect(try applies(on: "2026-05-10") == false)
        let history = try civic.run(["appeal", "list", "--subject", "p-4", "--as-of", "2026-05-10"])
        #expect(history.stdout.contains("upheld by rev-1 on 2026-05-10"))
    }

    @Test func noticesGoOutThroughASpoolDirectoryAndASignedWebhook() throws {
        let civic = try cli.operatorWorld()
        defer { civic.remove() }
        let spool = civic.path("outbox")
        try FileManager.default.createDirectory(atPath: spool, withIntermediateDirectories: true)
        try civic.write("hook.py", Self.webhookServer)
        let server = Process()
        server.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        server.arguments = ["python3", civic.path("hook.py"), "s3cret", civic.path("port"), civic.path("received")]
        // The server must not hold the test's output open, or the test runner waits for it.
        server.standardOutput = FileHandle.nullDevice
        server.standardError = FileHandle.nullDevice
        try server.run()
        defer {
            // SIGKILL: a child may inherit a mask that blocks SIGTERM from the test runner's threads.
            kill(server.processIdentifier, SIGKILL)
            server.waitUntilExit()
        }
        var port = ""
        for _ in 0..<100 where port.isEmpty {
            port = (try? String(contentsOfFile: civic.path("port"), encoding: .utf8)) ?? ""
            if port.isEmpty { Thread.sleep(forTimeInterval: 0.05) }
        }
        #expect(!port.isEmpty, "the test webhook server did not start")
        let day = ["--as-of", "2026-03-01"]
        try cli.expectSuccess(civic.run(["notice", "channel", "add", "--id", "letters", "--kind", "spool", "--target", spool, "--by", "admin"] + day))
        try cli.expectSuccess(civic.run(["notice", "channel", "add", "--id", "sms", "--kind", "webhook", "--target", "http://127.0.0.1:\(port)/notices",
                                         "--secret-env", "SMS_SECRET", "--by", "admin"] + day, environment: ["SMS_SECRET": "s3cret"]))
        try cli.expectSuccess(civic.run(["notice", "channel", "add", "--id", "down", "--kind", "webhook", "--target", "http://127.0.0.1:9/nothing",
                                         "--by", "admin"] + day))
        let missing = try civic.run(["notice", "channel", "add", "--id", "x", "--kind", "webhook", "--target", "http://h/", "--secret-env", "NOPE", "--by", "admin"] + day)
        #expect(missing.status == 65)

        try cli.expectSuccess(civic.run(["report", "--id", "r-1", "--subject", "p-3", "--rule", "R-ESCORT-ELDER", "--by", "asr-1", "--role", "assessor",
                                         "--occurred", "2026-03-10", "--statement", "Drove Mrs Zhao to hospital",
                                         "--evidence", "photo:sha256:aa", "--evidence", "photo:sha256:bb", "--as-of", "2026-03-18"]))
        try cli.expectSuccess(civic.run(["review", "--id", "d-1", "--report", "r-1", "--decision", "approve", "--by", "rev-1", "--as-of", "2026-03-25"]))
        try cli.expectSuccess(civic.run(["cycle", "close", "--jurisdiction", "testville", "--month", "2026-03", "--by", "admin", "--as-of", "2026-03-31"]))

        // The test's webhook listens on loopback, which deliveries reach only when allowed explicitly.
        let confined = ["--spool-root", civic.path("."), "--allow-private-webhooks"]
        let pass = try civic.run(["notice", "deliver", "--timeout", "5"] + confined)
        try cli.expectSuccess(pass)
        // Two notices (the deed, and the standing's rise to the bike-deposit reward's first tier), three channels
        // each: two delivered, the dead one failed and kept for later.
        #expect(pass.stdout.contains("6 attempted, 4 delivered, 2 failed"), "\(pass.stdout)")
        let files = try FileManager.default.contentsOfDirectory(atPath: spool).filter { $0.hasSuffix(".json") }
        #expect(files.sorted() == ["n_e_r-1.json", "n_p-3_testville-points_2026-03-31_1.json"])
        let received = try String(contentsOfFile: civic.path("received"), encoding: .utf8)
        #expect(received.contains("signature-valid n:e:r-1/sms"))
        let shown = try civic.run(["notice", "show", "n:e:r-1"])
        #expect(shown.stdout.contains("delivery via down: pending after 1 attempt(s)"))
        #expect(shown.stdout.contains("delivery via sms: delivered"))
        // Nothing more is due right now: the failed one waits for its pause.
        let again = try civic.run(["notice", "deliver"] + confined)
        #expect(again.stdout.contains("0 attempted"))
    }

    /// A webhook receiver that checks the HMAC-SHA256 signature and answers 200.
    static let webhookServer = """
        import hashlib, hmac, sys
        from http.server import BaseHTTPRequestHandler, HTTPServer
        secret, port_file, log_file = sys.argv[1].encode(), sys.argv[2], sys.argv[3]
        class Hook(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                expected = "sha256=" + hmac.new(secret, body, hashlib.sha256).hexdigest()
                ok = hmac.compare_digest(expected, self.headers.get("X-Civic-Signature", ""))
                with open(log_file, "a") as log:
                    log.write(("signature-valid " if ok else "signature-INVALID ") + self.headers.get("Idempotency-Key", "") + "\\n")
                self.send_response(200 if ok else 401)
                self.end_headers()
            def log_message(self, *args):
                pass
        server = HTTPServer(("127.0.0.1", 0), Hook)
        with open(port_file + ".tmp", "w") as f:
            f.write(str(server.server_address[1]))
        import os; os.rename(port_file + ".tmp", port_file)
        server.serve_forever()
        """
}
