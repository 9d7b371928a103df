import Foundation
import Testing

/// The CLI as a user meets it: the real `civic` binary, its output and exit codes.
@Suite(.serialized)
struct CLITests {
    static let handbook = CivicRunner.fixtures.appendingPathComponent("testville.yaml").path
    static let residents = CivicRunner.fixtures.appendingPathComponent("residents.csv").path

    /// Sets up a database with the Testville handbook, five subjects and the actors the workflow needs.
    func operatorWorld() throws -> CivicRunner {
        let civic = try CivicRunner()
        let day = ["--as-of", "2026-03-01"]
        try expectSuccess(civic.run(["init", "--jurisdiction", "testville", "--name-en", "Testville", "--name-zh", "测试村"] + day))
        try expectSuccess(civic.run(["handbook", "publish", Self.handbook, "--by", "admin"] + day))
        try expectSuccess(civic.run(["subject", "import", Self.residents] + day))
        for (id, roles, subject) in [("asr-1", "assessor", "p-4"), ("rev-1", "reviewer", "p-1"), ("rev-2", "reviewer", "p-3"), ("court", "authority", "")] {
            var arguments = ["actor", "add", "--id", id, "--name", id, "--roles", roles, "--jurisdiction", "testville"] + day
            if !subject.isEmpty { arguments += ["--subject", subject] }
            try expectSuccess(civic.run(arguments))
        }
        return civic
    }

    func expectSuccess(_ outcome: CivicRunner.Outcome, sourceLocation: SourceLocation = #_sourceLocation) throws {
        #expect(outcome.status == 0, "stderr: \(outcome.stderr)", sourceLocation: sourceLocation)
    }

    @Test func helpListsEveryCommand() throws {
        // The top-level help names every command a newcomer needs, and matches the committed snapshot.
        let civic = try CivicRunner()
        defer { civic.remove() }
        let outcome = try civic.run(["--help"], database: nil)
        #expect(outcome.status == 0)
        let snapshot = try String(contentsOf: CivicRunner.fixtures.appendingPathComponent("help.txt"), encoding: .utf8)
        #expect(outcome.stdout == snapshot)
        for command in ["demo", "init", "handbook", "subject", "report", "review", "cycle", "score", "check", "list", "export", "remedy"] {
            #expect(outcome.stdout.contains("  \(command)"), "missing \(command)")
        }
    }

    @Test func operatorWorkflowFromReportToCheck() throws {
        // A report, a review, a cycle close and an explained score; an authority record lists a subject until remedied.
        let civic = try operatorWorld()
        defer { civic.remove() }
        let march = ["--as-of", "2026-03-18"]
        try expectSuccess(civic.run(["report", "--id", "r-1", "--subject", "p-3", "--rule", "R-ESCORT-ELDER", "--by", "asr-1", "--role", "assessor",
                                     "--occurred", "2026-03-10", "--statement", "Drove Mrs Zhao to hospital",
                                     "--evidence", "photo:sha256:aa", "--evidence", "photo:sha256:bb"] + march))
        try civic.write("court.csv", """
            id,kind,subject,rule,source_record,occurred_on,statement
            c-1,record,p-4,R-COURT-DEFAULT,case-2026-7,2026-03-05,Judgment of 2026-01-10 not carried out

            """)
        let imported = try civic.run(["report", "import", civic.path("court.csv"), "--by", "court"] + march)
        try expectSuccess(imported)
        #expect(imported.stdout.contains("1 records filed for review"))
        let committee = ["--as-of", "2026-03-25"]
        try expectSuccess(civic.run(["review", "--id", "d-1", "--report", "r-1", "--decision", "approve", "--by", "rev-1"] + committee))
        try expectSuccess(civic.run(["review", "--id", "d-2", "--report", "c-1", "--decision", "approve", "--by", "rev-2"] + committee))
        let closed = try civic.run(["cycle", "close", "--jurisdiction", "testville", "--month", "2026-03", "--by", "admin", "--as-of", "2026-03-31"])
        try expectSuccess(closed)
        #expect(closed.stdout.contains("entered 2"))

        let score = try civic.run(["score", "p-3", "--explain", "--as-of", "2026-04-01"])
        try expectSuccess(score)
        #expect(score.stdout.contains("score 1001"))
        #expect(score.stdout.contains("report r-1 by asr-1 (assessor)"))
        #expect(score.stdout.contains("decided approve by rev-1"))
        // A graduated measure: 1,001 is exactly the threshold of the first tier.
        #expect(score.stdout.contains("measure bike-deposit (reward): tier waived — Deposit waived / 免押金: 0 percent; reason score-at-least:1001"),
                "\(score.stdout)")
        let tiered = try civic.run(["check", "p-3", "bike-deposit", "--as-of", "2026-04-01"])
        try expectSuccess(tiered)
        #expect(tiered.stdout.contains("bike-deposit of testville-points (reward) for p-3: yes, eligible; reason score-at-least:1001"), "\(tiered.stdout)")
        #expect(tiered.stdout.contains("tier: waived — Deposit waived / 免押金: 0 percent"))
        let tieredJSON = try JSONSerialization.jsonObject(with: Data(try civic.run(["check", "p-3", "bike-deposit", "--json", "--as-of", "2026-04-01"]).stdout.utf8)) as? [String: Any]
        #expect((tieredJSON?["tier"] as? [String: Any])?["value"] as? [String: String] == ["kind": "amount", "amount": "0", "unit": "percent"])

        let restricted = try civic.run(["check", "p-4", "no-high-speed-rail", "--json", "--as-of", "2026-04-01"])
        try expectSuccess(restricted)
        let before = try JSONSerialization.jsonObject(with: Data(restricted.stdout.utf8)) as? [String: Any]
        #expect(before?["applies"] as? Bool == true)
        #expect(before?["reason"] as? String == "on-black-list")

        try expectSuccess(civic.run(["remedy", "--id", "rem-1", "--record", "case-2026-7", "--by", "court", "--note", "paid", "--as-of", "2026-04-02"]))
        let lifted = try civic.run(["check", "p-4", "no-high-speed-rail", "--json", "--as-of", "2026-04-02"])
        let after = try JSONSerialization.jsonObject(with: Data(lifted.stdout.utf8)) as? [String: Any]
        #expect(after?["applies"] as? Bool == false)
        #expect(after?["reason"] as? String == "not-on-black-list")
    }

    @Test func truncatedCSVSaysWhereAndChangesNothing() throws {
        // A CSV cut off mid-row fails with its file and line, and no subject from it is registered.
        let civic = try operatorWorld()
        defer { civic.remove() }
        try civic.write("more.csv", "id,kind,name,jurisdiction,household,birth_date\np-10,person,Sun Li,testville,,1970-01-01\np-11,person,Gao")
        let outcome = try civic.run(["subject", "import", civic.path("more.csv"), "--as-of", "2026-03-02"])
        #expect(outcome.status == 65)
        #expect(outcome.stderr.contains("more.csv:3: row has 3 fields, the header has 6 (is the file truncated?)"))
        let shown = try civic.run(["subject", "show", "p-10"])
        #expect(shown.status == 66)
        #expect(shown.stderr.contains("no subject 'p-10'"))
    }

    @Test func badCellsAndDatesAreInputErrorsNotCrashes() throws {
        // An empty required CSV cell and a date at the calendar's edge exit 65 with what and where; a subject added again tomorrow is a no-op.
        let civic = try operatorWorld()
        defer { civic.remove() }
        try civic.write("blank.csv", "id,kind,name,jurisdiction\n,person,Wang Li,testville\n")
        let blank = try civic.run(["subject", "import", civic.path("blank.csv"), "--as-of", "2026-03-02"])
        #expect(blank.status == 65)
        #expect(blank.stderr.contains("blank.csv:2: missing id"))
        let edge = try civic.run(["score", "p-1", "--as-of", "9999-03-01"])
        #expect(edge.status == 65)
        #expect(edge.stderr.contains("--as-of: 9999-03-01 is outside the years 1900-2999"))
        let add = ["subject", "add", "--id", "p-20", "--kind", "person", "--name", "Zhou Min", "--jurisdiction", "testville"]
        try expectSuccess(civic.run(add + ["--as-of", "2026-07-15"]))
        let again = try civic.run(add + ["--as-of", "2026-07-16"])
        try expectSuccess(again)
        #expect(again.stdout.hasPrefix("unchanged"))
    }

    @Test func duplicateRequestsAreNoOpsAndConflictsAreRefused() throws {
        // Filing the same report twice changes nothing; reusing its id for other content exits 73.
        let civic = try operatorWorld()
        defer { civic.remove() }
        let report = ["report", "--id", "r-9", "--subject", "p-3", "--rule", "R-NUISANCE", "--by", "asr-1", "--role", "assessor",
                      "--occurred", "2026-03-10", "--statement", "Shouting at night", "--as-of", "2026-03-18"]
        let first = try civic.run(report)
        try expectSuccess(first)
        #expect(first.stdout.hasPrefix("recorded"))
        let again = try civic.run(report)
        try expectSuccess(again)
        #expect(again.stdout.hasPrefix("unchanged"))
        var changed = report
        changed[changed.firstIndex(of: "Shouting at night")!] = "Something else"
        let conflict = try civic.run(changed)
        #expect(conflict.status == 73)
        #expect(conflict.stderr.contains("report 'r-9'"))
    }

    @Test func unknownSubjectAndForbiddenReviewAreRefused() throws {
        // An unknown subject is "not found" (66); a reviewer deciding a report about themself is refused (77).
        let civic = try operatorWorld()
        defer { civic.remove() }
        let unknown = try civic.run(["score", "p-404"])
        #expect(unknown.status == 66)
        #expect(unknown.stderr == "error: no subject 'p-404'\n")
        try expectSuccess(civic.run(["report", "--id", "r-5", "--subject", "p-1", "--rule", "R-NUISANCE", "--by", "asr-1", "--role", "assessor",
                                     "--occurred", "2026-03-10", "--statement", "Noise", "--as-of", "2026-03-18"]))
        let own = try civic.run(["review", "--id", "d-5", "--report", "r-5", "--decision", "reject", "--reason", "no", "--by", "rev-1", "--as-of", "2026-03-25"])
        #expect(own.status == 77)
        #expect(own.stderr.contains("recusal"))
    }

    @Test func lintReportsProtectedCategoriesAndMalformedFilesWithTheirLines() throws {
        // `handbook lint` names file, line and field for each problem and exits 65; a protected category is refused.
        let civic = try CivicRunner()
        defer { civic.remove() }
        var text = try String(contentsOfFile: Self.handbook, encoding: .utf8)
        text = text.replacingOccurrences(of: "category: public-order", with: "category: religion")
        try civic.write("bad.yaml", text)
        let outcome = try civic.run(["handbook", "lint", civic.path("bad.yaml")], database: nil)
        #expect(outcome.status == 65)
        let line = text.components(separatedBy: "\n").firstIndex { $0.contains("category: religion") }! + 1
        #expect(outcome.stdout.contains("bad.yaml:\(line):"))
        #expect(outcome.stdout.contains("'religion' is protected"))

        try civic.write("broken.yaml", "jurisdiction: x\nversion: [1\n")
        let broken = try civic.run(["handbook", "lint", civic.path("broken.yaml")], database: nil)
        #expect(broken.status == 65)
        #expect(broken.stdout.contains("broken.yaml:"))
        #expect(broken.stdout.contains("error"))

        let clean = try civic.run(["handbook", "lint", Self.handbook], database: nil)
        #expect(clean.status == 0, "\(clean.stdout)")
        #expect(clean.stdout.contains("0 error(s)"))
    }

    @Test func demoIsDeterministicAndExplainsItself() throws {
        // The same seed builds the same ledger; the summary shows grades, lists, the month's best and an explained score.
        let civic = try CivicRunner()
        defer { civic.remove() }
        let arguments = ["demo", "--residents", "150", "--seed", "7", "--end-month", "2026-10", "--as-of", "2026-11-21"]
        let first = try civic.run(arguments, database: "one.db")
        try expectSuccess(first)
        for heading in ["Grade distribution on 2026-10-31", "Red list", "Blacklist", "Top residents of 2026-10", "A sample explained score"] {
            #expect(first.stdout.contains(heading), "missing \(heading)")
        }
        #expect(first.stderr.contains("cycle 2026-10 closed 12/12"))
        try expectSuccess(civic.run(arguments, database: "two.db"))
        let exportOne = try civic.run(["export", "--what", "entries", "--format", "csv"], database: "one.db")
        let exportTwo = try civic.run(["export", "--what", "entries", "--format", "csv"], database: "two.db")
        try expectSuccess(exportOne)
        #expect(exportOne.stdout.split(separator: "\n").count > 100)
        #expect(exportOne.stdout == exportTwo.stdout)
        let again = try civic.run(arguments, database: "one.db")
        #expect(again.status == 73)
        #expect(again.stderr.contains("pass --force"))
    }

    @Test func verifyFindsAlteredStandingsAndLedgerRows() throws {
        // `civic verify` passes on an honest database, and exits 70 naming the subject when a standing or an entry is altered behind its back.
        let civic = try CivicRunner()
        defer { civic.remove() }
        try expectSuccess(civic.run(["demo", "--residents", "100", "--seed", "3", "--end-month", "2026-10", "--as-of", "2026-11-21"]))
        let honest = try civic.run(["verify"])
        try expectSuccess(honest)
        #expect(honest.stdout.contains("0 mismatch(es)"))

        // Raise one stored score directly in the file, as someone with disk access might.
        try sqlite(civic.path("civic.db"), "UPDATE standing SET score = score + 5000 WHERE subject = 'p-00001' AND scheme = 'city-points'")
        let altered = try civic.run(["verify"])
        #expect(altered.status == 70)
        #expect(altered.stdout.contains("p-00001"))
        #expect(altered.stdout.contains("1 mismatch(es)"))

        // Changing an entry needs its trigger dropped first; verify reports the missing trigger.
        try expectSuccess(civic.run(["standings", "refresh", "--as-of", "2026-10-31"]))
        try sqlite(civic.path("civic.db"), "DROP TRIGGER entry_no_update; UPDATE entry SET points = points - 10000 WHERE sequence = (SELECT MIN(sequence) FROM entry WHERE kind = 'deed' AND points > 0 AND expires_on IS NULL)")
        let tampered = try civic.run(["verify"])
        #expect(tampered.status == 70)
        #expect(tampered.stdout.contains("entry_no_update"))
        #expect(tampered.stdout.contains("1 mismatch(es)"))
    }

    /// Runs SQL against the database file with Python's sqlite3 module, bypassing the product entirely.
    func sqlite(_ path: String, _ sql: String) throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", "-c", "import sqlite3,sys; c=sqlite3.connect(sys.argv[1]); c.executescript(sys.argv[2]); c.commit()", path, sql]
        try process.run()
        process.waitUntilExit()
        #expect(process.terminationStatus == 0)
    }
}
