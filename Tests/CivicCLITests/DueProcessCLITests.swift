import Foundation
import Testing

extension CLITests {
    @Test func certificatePathOversightAndPreviewFromTheTerminal() throws {
        // The four commands on one small world: a certificate issued, verified and rejected when altered; the path
        // to the next grade; oversight figures; and a handbook preview whose effect is known exactly.
        let civic = try operatorWorld()
        defer { civic.remove() }
        let march = ["--as-of", "2026-03-18"]
        try expectSuccess(civic.run(["report", "--id", "n-1", "--subject", "p-3", "--rule", "R-NUISANCE", "--by", "asr-1", "--role", "assessor",
                                     "--occurred", "2026-03-10", "--statement", "Loud fireworks at night"] + march))
        try expectSuccess(civic.run(["review", "--id", "d-1", "--report", "n-1", "--decision", "approve", "--by", "rev-1", "--as-of", "2026-03-25"]))
        try expectSuccess(civic.run(["cycle", "close", "--jurisdiction", "testville", "--month", "2026-03", "--by", "admin", "--as-of", "2026-03-31"]))
        let day = ["--as-of", "2026-04-01"]

        let path = try civic.run(["path", "p-3"] + day)
        try expectSuccess(path)
        #expect(path.stdout.contains("score 980, grade A"))
        #expect(path.stdout.contains("next grade AAA from 1050: 70 more point(s) needed"))
        #expect(path.stdout.contains("R-ESCORT-ELDER"))

        let oversight = try civic.run(["oversight", "--json"] + day)
        try expectSuccess(oversight)
        let figures = try JSONSerialization.jsonObject(with: Data(oversight.stdout.utf8)) as? [String: Any]
        let reporters = figures?["reporters"] as? [[String: Any]]
        #expect(reporters?.first?["actor"] as? String == "asr-1")
        #expect(reporters?.first?["volume"] as? Int == 1)

        try civic.write("v2.yaml", try String(contentsOfFile: Self.handbook, encoding: .utf8)
            .replacingOccurrences(of: "version: 1", with: "version: 2").replacingOccurrences(of: "points: -20", with: "points: -120"))
        let preview = try civic.run(["handbook", "preview", civic.path("v2.yaml"), "--jurisdiction", "testville"] + day)
        try expectSuccess(preview)
        #expect(preview.stdout.contains("grade A → B: 1"))
        #expect(preview.stdout.contains("W****** (p-3): A (score 980) → B (score 880)"))

        #expect(try civic.run(["certificate", "issue", "p-3"] + day).stderr.contains("no certificate key"))
        try expectSuccess(civic.run(["certificate", "keygen"]))
        let mode = try FileManager.default.attributesOfItem(atPath: civic.path("civic.db.certificate-key"))[.posixPermissions] as? Int
        #expect(mode == 0o600)
        let issued = try civic.run(["certificate", "issue", "p-3"] + day)
        try expectSuccess(issued)
        let token = try #require(issued.stdout.split(separator: "\n").last.map(String.init))
        let verified = try civic.run(["certificate", "verify", token, "--as-of", "2026-04-02"])
        try expectSuccess(verified)
        #expect(verified.stdout.contains("ACCEPTED"))
        #expect(verified.stdout.contains("current: yes"))
        // A later nuisance makes the genuine certificate out of date, which verify says.
        try expectSuccess(civic.run(["report", "--id", "n-2", "--subject", "p-3", "--rule", "R-NUISANCE", "--by", "asr-1", "--role", "assessor",
                                     "--occurred", "2026-04-03", "--statement", "Fireworks again", "--as-of", "2026-04-03"]))
        try expectSuccess(civic.run(["review", "--id", "d-2", "--report", "n-2", "--decision", "approve", "--by", "rev-1", "--as-of", "2026-04-25"]))
        try expectSuccess(civic.run(["cycle", "close", "--jurisdiction", "testville", "--month", "2026-04", "--by", "admin", "--as-of", "2026-04-30"]))
        let stale = try civic.run(["certificate", "verify", token, "--as-of", "2026-05-01"])
        try expectSuccess(stale)
        #expect(stale.stdout.contains("current: NO, on 2026-05-01 the grade is A and the score 960"))
        // Altering one character of the content is caught; so is a key nobody trusts.
        let parts = token.split(separator: ".").map(String.init)
        var content = Array(parts[1])
        content[40] = content[40] == "A" ? "B" : "A"
        let altered = try civic.run(["certificate", "verify", "CC1.\(String(content)).\(parts[2])", "--as-of", "2026-04-02"])
        #expect(altered.status == 65)
        #expect(altered.stdout.hasPrefix("REJECTED (bad-signature)") || altered.stdout.hasPrefix("REJECTED (malformed)"))
        let stranger = try civic.run(["certificate", "verify", token, "--key-file", civic.path("none.key"), "--as-of", "2026-04-02"])
        #expect(stranger.status == 65)
        #expect(stranger.stdout.contains("REJECTED (unknown-key)"))
    }
}
