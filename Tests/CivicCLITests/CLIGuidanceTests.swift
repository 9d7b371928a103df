import Foundation
import Testing

/// What the command line says when a person gets something wrong: the version, the command or name they
/// probably meant with the ones that exist, why a file could not be read, and a help example that works.
@Suite(.serialized)
struct CLIGuidanceTests {
    func expectSuccess(_ outcome: CivicRunner.Outcome, sourceLocation: SourceLocation = #_sourceLocation) throws {
        #expect(outcome.status == 0, "stderr: \(outcome.stderr)", sourceLocation: sourceLocation)
    }

    @Test func versionMatchesTheAPIDocument() throws {
        // `civic --version` prints the product's version, which is the API document's `info.version`.
        let civic = try CivicRunner()
        defer { civic.remove() }
        let outcome = try civic.run(["--version"], database: nil)
        try expectSuccess(outcome)
        let document = try String(contentsOf: CivicRunner.packageRoot.appendingPathComponent("Sources/CivicAPI/openapi.yaml"), encoding: .utf8)
        let line = try #require(document.split(separator: "\n").first { $0.trimmingCharacters(in: .whitespaces).hasPrefix("version:") })
        let version = line.split(separator: ":", maxSplits: 1)[1].trimmingCharacters(in: .whitespaces).trimmingCharacters(in: CharacterSet(charactersIn: "\"'"))
        #expect(outcome.stdout.trimmingCharacters(in: .whitespacesAndNewlines) == version)
    }

    @Test func mistypedCommandsSuggestTheLikelyOne() throws {
        let civic = try CivicRunner()
        defer { civic.remove() }
        // A swapped pair of letters at the top level.
        let top = try civic.run(["scroe", "p-1"], database: nil)
        #expect(top.status == 64)
        #expect(top.stderr.contains("'scroe' is not a command of `civic`; did you mean `civic score`?"), "\(top.stderr)")
        #expect(top.stderr.contains("commands: demo, init,"))
        // Under a command with a default subcommand ("report" files by default): close to a subcommand's name.
        let nested = try civic.run(["report", "lsit"], database: nil)
        #expect(nested.status == 64)
        #expect(nested.stderr.contains("did you mean `civic report list`?"), "\(nested.stderr)")
        // Nothing close: the list of commands, no guess.
        let far = try civic.run(["frobnicate"], database: nil)
        #expect(far.status == 64)
        #expect(far.stderr.contains("'frobnicate' is not a command of `civic`"))
        #expect(!far.stderr.contains("did you mean"))
        // A correct command with a missing option still gets ArgumentParser's own precise message.
        let missing = try civic.run(["report", "file", "--id", "r-1"], database: nil)
        #expect(missing.status == 64)
        #expect(missing.stderr.contains("Missing expected argument '--subject <subject>'"), "\(missing.stderr)")
    }

    @Test func unknownNamesSuggestTheLikelyOneAndListTheKnown() throws {
        let civic = try CivicRunner()
        defer { civic.remove() }
        let day = ["--as-of", "2026-03-01"]
        try expectSuccess(civic.run(["init", "--jurisdiction", "testville", "--name-en", "Testville", "--name-zh", "测试村"] + day))
        try expectSuccess(civic.run(["handbook", "publish", CLITests.handbook, "--by", "admin"] + day))
        try expectSuccess(civic.run(["subject", "import", CLITests.residents] + day))
        try expectSuccess(civic.run(["actor", "add", "--id", "asr-1", "--name", "asr-1", "--roles", "assessor", "--jurisdiction", "testville"] + day))

        let jurisdiction = try civic.run(["cycle", "close", "--jurisdiction", "testvile", "--month", "2026-02", "--by", "admin"] + day)
        #expect(jurisdiction.status == 66)
        #expect(jurisdiction.stderr.contains("no jurisdiction 'testvile'; did you mean 'testville'?"), "\(jurisdiction.stderr)")
        #expect(jurisdiction.stderr.contains("known: testville"))

        let rule = try civic.run(["report", "--id", "r-1", "--subject", "p-3", "--rule", "R-ESCORT-ELDR", "--by", "asr-1", "--role", "assessor",
                                  "--occurred", "2026-02-27", "--statement", "x", "--evidence", "photo:sha256:aa", "--evidence", "photo:sha256:bb"] + day)
        #expect(rule.status == 66)
        #expect(rule.stderr.contains("did you mean 'R-ESCORT-ELDER'?"), "\(rule.stderr)")
        #expect(rule.stderr.contains("known: ") && rule.stderr.contains("R-COURT-DEFAULT"))

        let measure = try civic.run(["check", "p-3", "zzzz-nothing-like-it"] + day)
        #expect(measure.status == 66)
        #expect(measure.stderr.contains("no measure 'zzzz-nothing-like-it'"))
        #expect(!measure.stderr.contains("did you mean"), "a guess for a word close to nothing: \(measure.stderr)")
        #expect(measure.stderr.contains("known: "))
    }

    @Test func unreadableFilesSayWhy() throws {
        let civic = try CivicRunner()
        defer { civic.remove() }
        let absent = civic.path("absent.yaml")
        let lint = try civic.run(["handbook", "lint", absent], database: nil)
        #expect(lint.status == 66)
        #expect(lint.stderr.contains("cannot read '\(absent)': No such file or directory"), "\(lint.stderr)")
        try FileManager.default.createDirectory(atPath: civic.path("feeds"), withIntermediateDirectories: true)
        try expectSuccess(civic.run(["init", "--jurisdiction", "testville", "--name-en", "Testville", "--name-zh", "测试村", "--as-of", "2026-03-01"]))
        let directory = try civic.run(["report", "import", civic.path("feeds"), "--by", "admin", "--as-of", "2026-03-01"])
        #expect(directory.status == 65)
        #expect(directory.stderr.contains("cannot read '\(civic.path("feeds"))': it is a directory, not a file"), "\(directory.stderr)")
        let subjects = try civic.run(["subject", "import", civic.path("none.csv"), "--as-of", "2026-03-01"])
        #expect(subjects.status == 66)
        #expect(subjects.stderr.contains("No such file or directory"), "\(subjects.stderr)")
    }

    @Test func theReportHelpExampleRunsOnTheDemo() throws {
        // The example in `civic report file --help` names a real subject, rule and assessor of `civic demo`, and files.
        let civic = try CivicRunner()
        defer { civic.remove() }
        try expectSuccess(civic.run(["demo", "--residents", "100", "--seed", "3", "--end-month", "2026-11", "--as-of", "2026-12-03"]))
        let help = try civic.run(["report", "file", "--help"], database: nil)
        try expectSuccess(help)
        let flat = help.stdout.replacingOccurrences(of: "\n", with: " ").split(separator: " ").joined(separator: " ")
        let start = try #require(flat.range(of: "civic report "))
        let end = try #require(flat.range(of: "USAGE:"))
        let example = String(flat[start.upperBound..<end.lowerBound]).trimmingCharacters(in: .whitespaces)
        var words: [String] = []
        var quoted: String?
        for word in example.split(separator: " ").map(String.init) {
            if var text = quoted {
                text += " " + word
                if word.hasSuffix("\"") { words.append(String(text.dropFirst().dropLast())); quoted = nil } else { quoted = text }
            } else if word.hasPrefix("\"") {
                if word.count > 1, word.hasSuffix("\"") { words.append(String(word.dropFirst().dropLast())) } else { quoted = word }
            } else {
                words.append(word)
            }
        }
        #expect(words.contains("--rule"))
        let filed = try civic.run(["report"] + words + ["--as-of", "2026-12-03"])
        try expectSuccess(filed)
        let listed = try civic.run(["report", "list", "--as-of", "2026-12-03"])
        #expect(listed.stdout.contains("r-1"), "\(listed.stdout) \(listed.stderr)")
    }
}
