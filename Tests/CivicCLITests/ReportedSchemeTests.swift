import Foundation
import Testing

/// The bundled handbooks of the reported schemes, each run through the real `civic` binary on the
/// report's own figures: points, caps, thresholds, fines, listings and their terms, sanctions.
@Suite(.serialized)
struct ReportedSchemeTests {
    /// A database with `top` (and `village` under it when given), one bundled handbook published with
    /// `--bundled`, the subjects in `subjects` (CSV rows after the header), an assessor, two reviewers,
    /// an authority feed, and one resident account per `residents` entry (actor id -> subject id).
    func world(top: String, village: String? = nil, bundled: String, subjects: String,
               residents: [String: String] = [:]) throws -> CivicRunner {
        let civic = try CivicRunner()
        let day = ["--as-of", "2026-03-01"]
        try ok(civic.run(["init", "--jurisdiction", top, "--name-en", top, "--name-zh", top] + day))
        let home = village ?? top
        if let village {
            try ok(civic.run(["jurisdiction", "add", "--id", village, "--name-en", village, "--name-zh", village, "--parent", top] + day))
        }
        let published = try civic.run(["handbook", "publish", "--bundled", bundled, "--by", "admin"] + day)
        try ok(published)
        #expect(published.stdout.hasPrefix("recorded: handbook '\(home)' version 1"), "\(published.stdout)")
        try civic.write("subjects.csv", "id,kind,name,jurisdiction,household,birth_date,attributes,registered_on\n" + subjects)
        try ok(civic.run(["subject", "import", civic.path("subjects.csv")] + day))
        var actors = [("asr-1", "assessor", ""), ("rev-1", "reviewer", ""), ("rev-2", "reviewer", ""), ("feed", "authority", "")]
        for (actor, subject) in residents.sorted(by: { $0.key < $1.key }) { actors.append((actor, "resident", subject)) }
        for (id, roles, subject) in actors {
            var arguments = ["actor", "add", "--id", id, "--name", id, "--roles", roles, "--jurisdiction", home] + day
            if !subject.isEmpty { arguments += ["--subject", subject] }
            try ok(civic.run(arguments))
        }
        return civic
    }

    func ok(_ outcome: CivicRunner.Outcome, sourceLocation: SourceLocation = #_sourceLocation) throws {
        #expect(outcome.status == 0, "stdout: \(outcome.stdout)\nstderr: \(outcome.stderr)", sourceLocation: sourceLocation)
    }

    /// Files a report by the assessor (or `by` in `role`) with two photos, and has it approved by `approvers`.
    func deed(_ civic: CivicRunner, _ id: String, subject: String, rule: String, occurred: String, filed: String,
              by: String = "asr-1", role: String = "assessor", evidence: [String] = ["photo:sha256:a", "photo:sha256:b"],
              extra: [String] = [], approvers: [String] = ["rev-1"], sourceLocation: SourceLocation = #_sourceLocation) throws {
        try ok(civic.run(["report", "--id", id, "--subject", subject, "--rule", rule, "--by", by, "--role", role,
                          "--occurred", occurred, "--statement", "Seen by the reporter"] + evidence.flatMap { ["--evidence", $0] }
                         + extra + ["--as-of", filed]), sourceLocation: sourceLocation)
        try approve(civic, id, approvers: approvers, on: filed, sourceLocation: sourceLocation)
    }

    func approve(_ civic: CivicRunner, _ report: String, approvers: [String] = ["rev-1"], on day: String,
                 sourceLocation: SourceLocation = #_sourceLocation) throws {
        for reviewer in approvers {
            try ok(civic.run(["review", "--id", "d-\(report)-\(reviewer)", "--report", report, "--decision", "approve", "--by", reviewer,
                              "--as-of", day]), sourceLocation: sourceLocation)
        }
    }

    /// Imports an authority feed (CSV rows after the header) and has every record approved by both reviewers.
    /// Rules in `single` need one approval (the handbook's `approvals` default); every other record gets two.
    func feed(_ civic: CivicRunner, _ rows: [(id: String, subject: String, rule: String, record: String)], on day: String,
              single: Set<String> = [], sourceLocation: SourceLocation = #_sourceLocation) throws {
        let lines = rows.map { "\($0.id),record,\($0.subject),\($0.rule),\($0.record),\(day),Record \($0.record)" }
        try civic.write("feed-\(day).csv", "id,kind,subject,rule,source_record,occurred_on,statement\n" + lines.joined(separator: "\n") + "\n")
        let imported = try civic.run(["report", "import", civic.path("feed-\(day).csv"), "--by", "feed", "--as-of", day])
        try ok(imported, sourceLocation: sourceLocation)
        #expect(imported.stdout.contains("\(rows.count) records filed for review"), "\(imported.stdout)", sourceLocation: sourceLocation)
        for row in rows {
            try approve(civic, row.id, approvers: single.contains(row.rule) ? ["rev-1"] : ["rev-1", "rev-2"], on: day, sourceLocation: sourceLocation)
        }
    }

    @discardableResult
    func close(_ civic: CivicRunner, _ jurisdiction: String, month: String, on day: String,
               sourceLocation: SourceLocation = #_sourceLocation) throws -> String {
        let closed = try civic.run(["cycle", "close", "--jurisdiction", jurisdiction, "--month", month, "--by", "admin", "--as-of", day])
        try ok(closed, sourceLocation: sourceLocation)
        return closed.stdout
    }

    /// The subject's standing in `scheme` as `score --json` gives it.
    func standing(_ civic: CivicRunner, _ subject: String, scheme: String, on day: String,
                  sourceLocation: SourceLocation = #_sourceLocation) throws -> (score: String?, grade: String?, listings: [[String: Any]]) {
        let outcome = try civic.run(["score", subject, "--json", "--as-of", day])
        try ok(outcome, sourceLocation: sourceLocation)
        let all = try JSONSerialization.jsonObject(with: Data(outcome.stdout.utf8)) as? [[String: Any]] ?? []
        let standing = all.first { $0["scheme"] as? String == scheme }?["standing"] as? [String: Any]
        return (standing?["score"] as? String, standing?["grade"] as? String, standing?["listings"] as? [[String: Any]] ?? [])
    }

    /// A relying party's question: does the measure apply, and the reason code.
    func check(_ civic: CivicRunner, _ subject: String, _ measure: String, on day: String,
               sourceLocation: SourceLocation = #_sourceLocation) throws -> (applies: Bool?, reason: String?) {
        let outcome = try civic.run(["check", subject, measure, "--json", "--as-of", day])
        try ok(outcome, sourceLocation: sourceLocation)
        let decision = try JSONSerialization.jsonObject(with: Data(outcome.stdout.utf8)) as? [String: Any]
        return (decision?["applies"] as? Bool, decision?["reason"] as? String)
    }

    @Test func bundledHandbooksAreListedAndPublishedByNameWithClearErrors() throws {
        // `handbook bundled` lists every shipped handbook with its jurisdiction, `show --bundled` reads one before it is
        // published; `publish --bundled` refuses an unknown name
        // (naming the bundled ones), a name and a file together, and a jurisdiction not yet registered, changing nothing.
        let civic = try CivicRunner()
        defer { civic.remove() }
        let listed = try civic.run(["handbook", "bundled", "--json"], database: nil)
        try ok(listed)
        let rows = try JSONSerialization.jsonObject(with: Data(listed.stdout.utf8)) as? [[String: Any]] ?? []
        let jurisdictions = Dictionary(uniqueKeysWithValues: rows.compactMap { row in
            (row["file"] as? String).map { ($0, row["jurisdiction"] as? String ?? "") }
        })
        #expect(jurisdictions["dongdao-lu-jia.yaml"] == "dongdao-lu-jia")
        #expect(jurisdictions["china.yaml"] == "china")
        #expect(rows.first { $0["file"] as? String == "rongcheng.yaml" }?["inDemo"] as? Bool == true)
        #expect(rows.first { $0["file"] as? String == "teng-jia.yaml" }?["inDemo"] as? Bool == false)

        let read = try civic.run(["handbook", "show", "--bundled", "teng-jia"], database: nil)
        try ok(read)
        #expect(read.stdout.contains("Teng Jia Village Credit Handbook · 滕家村信用手册"), "\(read.stdout)")
        #expect(read.stdout.contains("R-PEDESTRIANS"))

        let day = ["--as-of", "2026-03-01"]
        try ok(civic.run(["init", "--jurisdiction", "rongcheng", "--name-en", "Rongcheng", "--name-zh", "荣成"] + day))
        let unknown = try civic.run(["handbook", "publish", "--bundled", "dongdao.yaml", "--by", "admin"] + day)
        #expect(unknown.status == 66)
        #expect(unknown.stderr.contains("--bundled: no bundled handbook 'dongdao.yaml' (bundled: china.yaml, dongdao-lu-jia.yaml"), "\(unknown.stderr)")
        let both = try civic.run(["handbook", "publish", "county.yaml", "--bundled", "teng-jia", "--by", "admin"] + day)
        #expect(both.status == 65)
        #expect(both.stderr.contains("give either a handbook FILE or --bundled NAME, not both"))
        let unregistered = try civic.run(["handbook", "publish", "--bundled", "teng-jia", "--by", "admin"] + day)
        #expect(unregistered.status == 66)
        #expect(unregistered.stderr.contains("handbook for unknown jurisdiction 'teng-jia'"), "\(unregistered.stderr)")
        let shown = try civic.run(["handbook", "show", "--jurisdiction", "rongcheng"] + day)
        #expect(shown.status == 66, "nothing was published")
    }

    // MARK: - Villages of Rongcheng (The Nation; Get Real)

    @Test func dongdaoLuJiaCapsElderTripsAtTwoAMonthAndGradesAsTheNationReports() throws {
        // The Nation's Dongdao Lu Jia handbook: tree 1, elder trip 1 (two a month: the third gives nothing and says why),
        // ditch 1, water meter and tools 0.5, chimney 1 on a friend's photograph; chickens -10 with a 200 yuan fine and a
        // fight -10 with 1,000 yuan drop 1,000 (A) to 980 (B); oysters and oil at A+ (1,010).
        let civic = try world(top: "rongcheng", village: "dongdao-lu-jia", bundled: "dongdao-lu-jia.yaml", subjects: """
            p-1,person,Liu Jianyi,dongdao-lu-jia,,1954-01-01,,2026-01-01
            p-2,person,Mu Lan,dongdao-lu-jia,,1970-01-01,,2026-01-01
            p-3,person,Sun Hao,dongdao-lu-jia,,1980-01-01,,2026-01-01
            """, residents: ["res-1": "p-1"])
        defer { civic.remove() }
        let filed = "2026-03-18"
        for (index, occurred) in ["2026-03-02", "2026-03-09", "2026-03-16"].enumerated() {
            try deed(civic, "trip-\(index + 1)", subject: "p-1", rule: "R-ESCORT-ELDER", occurred: occurred, filed: filed)
        }
        try deed(civic, "meter-1", subject: "p-1", rule: "R-WATER-METER", occurred: "2026-03-05", filed: filed)
        try deed(civic, "tree-1", subject: "p-1", rule: "R-PRUNE-TREE", occurred: "2026-03-06", filed: filed)
        try deed(civic, "meter-2", subject: "p-2", rule: "R-WATER-METER", occurred: "2026-03-05", filed: filed)
        try deed(civic, "hens-1", subject: "p-3", rule: "R-CHICKENS", occurred: "2026-03-10", filed: filed)
        try deed(civic, "fight-1", subject: "p-3", rule: "R-FIGHT", occurred: "2026-03-11", filed: filed, approvers: ["rev-1"])
        let oneApproval = try civic.run(["report", "list", "--status", "pending", "--as-of", filed])
        #expect(oneApproval.stdout.contains("fight-1"), "a fight needs a second reviewer: \(oneApproval.stdout)")
        try approve(civic, "fight-1", approvers: ["rev-2"], on: filed)

        let march = try close(civic, "dongdao-lu-jia", month: "2026-03", on: "2026-03-31")
        #expect(march.contains("entered 7, capped 1"), "\(march)")
        let capped = try civic.run(["report", "list", "--status", "capped", "--as-of", "2026-04-01"])
        try ok(capped)
        #expect(capped.stdout.contains("trip-3"))
        #expect(capped.stdout.contains("no points: R-ESCORT-ELDER counts at most 2 per month, and 2 were already entered for the month from 2026-03-01"),
                "\(capped.stdout)")
        #expect(!capped.stdout.contains("trip-1") && !capped.stdout.contains("trip-2"))

        let april1 = "2026-04-01"
        #expect(try standing(civic, "p-1", scheme: "dongdao-lu-jia-points", on: april1).score == "1003.5")
        #expect(try standing(civic, "p-1", scheme: "dongdao-lu-jia-points", on: april1).grade == "A")
        #expect(try standing(civic, "p-2", scheme: "dongdao-lu-jia-points", on: april1).score == "1000.5")
        let faulty = try standing(civic, "p-3", scheme: "dongdao-lu-jia-points", on: april1)
        #expect(faulty.score == "980")
        #expect(faulty.grade == "B", "below 1,000 is a B, as The Nation reports")
        let explained = try civic.run(["score", "p-3", "--explain", "--as-of", april1])
        #expect(explained.stdout.contains("-10      e:hens-1  deed R-CHICKENS Let chickens out of their coop"), "\(explained.stdout)")
        #expect(explained.stdout.contains("fine 200 yuan (not collected here)"))
        #expect(explained.stdout.contains("fine 1000 yuan (not collected here)"))
        #expect(try check(civic, "p-1", "dongdao-lu-jia-new-year-basket", on: april1) == (false, "grade-below:A+"))

        // A new month starts a new count of two trips; the chimney counts on one photograph, claimed by the villager himself;
        // 1003.5 + 2 + 2 + 0.5 + 1 + 1 = 1010, the product's A+.
        let aprilFiled = "2026-04-18"
        try deed(civic, "trip-4", subject: "p-1", rule: "R-ESCORT-ELDER", occurred: "2026-04-02", filed: aprilFiled)
        try deed(civic, "trip-5", subject: "p-1", rule: "R-ESCORT-ELDER", occurred: "2026-04-09", filed: aprilFiled)
        try deed(civic, "ditch-1", subject: "p-1", rule: "R-CAR-DITCH", occurred: "2026-04-03", filed: aprilFiled)
        try deed(civic, "ditch-2", subject: "p-1", rule: "R-CAR-DITCH", occurred: "2026-04-13", filed: aprilFiled)
        try deed(civic, "tools-1", subject: "p-1", rule: "R-LEND-TOOLS", occurred: "2026-04-04", filed: aprilFiled)
        try deed(civic, "tree-2", subject: "p-1", rule: "R-PRUNE-TREE", occurred: "2026-04-05", filed: aprilFiled)
        try deed(civic, "chimney-1", subject: "p-1", rule: "R-MEND-CHIMNEY", occurred: "2026-04-06", filed: aprilFiled,
                 by: "res-1", role: "self", evidence: ["photo:sha256:friend"])
        let april = try close(civic, "dongdao-lu-jia", month: "2026-04", on: "2026-04-30")
        #expect(april.contains("entered 7, capped 0"), "\(april)")
        let may1 = "2026-05-01"
        #expect(try standing(civic, "p-1", scheme: "dongdao-lu-jia-points", on: may1).score == "1010")
        #expect(try standing(civic, "p-1", scheme: "dongdao-lu-jia-points", on: may1).grade == "A+")
        #expect(try check(civic, "p-1", "dongdao-lu-jia-new-year-basket", on: may1) == (true, "grade-at-least:A+"))
    }

    @Test func donghuotangzhaiAddsFiveForSixMonthsOfHelpDeductsTwentyAndHangsFiveStarCitizensOnTheBillboard() throws {
        // Get Real's Donghuotangzhai: criterion 2.5 adds 5 for help to non-relatives lasting more than six months (150 days
        // is refused and says why), regulation 15 deducts 20 for a public nuisance, returning a wallet with its contents
        // puts a resident among the five-star citizens on the billboard for a year, and 1,050 points (AAA) put one there too.
        let civic = try world(top: "rongcheng", village: "donghuotangzhai", bundled: "donghuotangzhai.yaml", subjects: """
            p-1,person,Wang Chaoxiang,donghuotangzhai,,1960-01-01,,2026-01-01
            p-2,person,Zhou Min,donghuotangzhai,,1975-01-01,,2026-01-01
            p-3,person,Ma Lan,donghuotangzhai,,1965-01-01,,2026-01-01
            p-4,person,Guo Ping,donghuotangzhai,,1966-01-01,,2026-01-01
            """)
        defer { civic.remove() }
        let filed = "2026-03-18"
        // Ten long helps reach 1,050, the top grade the billboard holds; nine reach 1,045 and do not.
        for index in 1...10 {
            try deed(civic, "ma-\(index)", subject: "p-3", rule: "R-2-5-HELP-IN-NEED", occurred: "2026-03-01", filed: filed,
                     evidence: ["video:sha256:ma-\(index)"], extra: ["--duration-days", "190"])
            if index < 10 {
                try deed(civic, "guo-\(index)", subject: "p-4", rule: "R-2-5-HELP-IN-NEED", occurred: "2026-03-01", filed: filed,
                         evidence: ["video:sha256:guo-\(index)"], extra: ["--duration-days", "190"])
            }
        }
        let short = try civic.run(["report", "--id", "help-short", "--subject", "p-1", "--rule", "R-2-5-HELP-IN-NEED", "--by", "asr-1",
                                   "--role", "assessor", "--occurred", "2026-03-01", "--statement", "Cooked for a widower",
                                   "--evidence", "video:sha256:v", "--duration-days", "150", "--as-of", filed])
        #expect(short.status == 77)
        #expect(short.stderr.contains("rule 'R-2-5-HELP-IN-NEED' needs at least 183 days; reported 150"), "\(short.stderr)")
        try deed(civic, "help-1", subject: "p-1", rule: "R-2-5-HELP-IN-NEED", occurred: "2026-03-01", filed: filed,
                 evidence: ["video:sha256:v"], extra: ["--duration-days", "200"])
        try deed(civic, "wallet-1", subject: "p-1", rule: "R-RETURN-WALLET", occurred: "2026-03-08", filed: filed,
                 evidence: ["document:police-receipt-17"], approvers: ["rev-1", "rev-2"])
        try deed(civic, "nuisance-1", subject: "p-2", rule: "R-15-PUBLIC-NUISANCE", occurred: "2026-03-09", filed: filed,
                 approvers: ["rev-1", "rev-2"])
        try close(civic, "donghuotangzhai", month: "2026-03", on: "2026-03-31")

        let day = "2026-04-01"
        let helper = try standing(civic, "p-1", scheme: "donghuotangzhai-points", on: day)
        #expect(helper.score == "1015")
        #expect(helper.grade == "A")
        #expect(helper.listings.first?["criterion"] as? String == "donghuotangzhai-five-star-citizens")
        #expect(helper.listings.first?["endsOn"] as? String == "2027-03-31")
        #expect(try standing(civic, "p-2", scheme: "donghuotangzhai-points", on: day).score == "980")
        #expect(try check(civic, "p-1", "donghuotangzhai-billboard-name", on: day) == (true, "on-red-list"))
        #expect(try check(civic, "p-2", "donghuotangzhai-billboard-name", on: day) == (false, "not-on-red-list"))
        let best = try standing(civic, "p-3", scheme: "donghuotangzhai-points", on: day)
        #expect(best.score == "1050" && best.grade == "AAA")
        #expect(best.listings.first?["criterion"] as? String == "donghuotangzhai-billboard")
        #expect(try check(civic, "p-3", "donghuotangzhai-billboard-name", on: day) == (true, "on-red-list"))
        let almost = try standing(civic, "p-4", scheme: "donghuotangzhai-points", on: day)
        #expect(almost.score == "1045" && almost.grade == "A")
        #expect(try check(civic, "p-4", "donghuotangzhai-billboard-name", on: day) == (false, "not-on-red-list"))
        let red = try civic.run(["list", "red", "--as-of", day])
        #expect(red.stdout.contains("p-1") && red.stdout.contains("W******") && red.stdout.contains("p-3"), "\(red.stdout)")
        #expect(!red.stdout.contains("p-2") && !red.stdout.contains("p-4"), "\(red.stdout)")
        #expect(try check(civic, "p-1", "donghuotangzhai-billboard-name", on: "2027-03-31") == (false, "not-on-red-list"),
                "the title is held for a year")
    }

    @Test func maoLiuJiaCountsFourPointsForCareTwiceAMonth() throws {
        // The Nation's Mao Liu Jia: caring for a disabled villager earns 4 points, twice a month; a third visit in the month is capped.
        let civic = try world(top: "rongcheng", village: "mao-liu-jia", bundled: "mao-liu-jia.yaml", subjects: """
            p-1,person,Gao Li,mao-liu-jia,,1980-01-01,,2026-01-01
            p-2,person,Lin Jing,mao-liu-jia,,1985-01-01,,2026-01-01
            """, residents: ["res-2": "p-2"])
        defer { civic.remove() }
        let filed = "2026-03-18"
        for (index, occurred) in ["2026-03-03", "2026-03-10", "2026-03-17"].enumerated() {
            try deed(civic, "care-\(index + 1)", subject: "p-1", rule: "R-DISABLED-CARE", occurred: occurred, filed: filed)
        }
        try deed(civic, "care-self", subject: "p-2", rule: "R-DISABLED-CARE", occurred: "2026-03-12", filed: filed,
                 by: "res-2", role: "self", evidence: ["video:sha256:visit"])
        let closed = try close(civic, "mao-liu-jia", month: "2026-03", on: "2026-03-31")
        #expect(closed.contains("entered 3, capped 1"), "\(closed)")
        #expect(try standing(civic, "p-1", scheme: "mao-liu-jia-points", on: "2026-04-01").score == "1008")
        #expect(try standing(civic, "p-2", scheme: "mao-liu-jia-points", on: "2026-04-01").score == "1004")
        let capped = try civic.run(["report", "list", "--status", "capped", "--as-of", "2026-04-01"])
        #expect(capped.stdout.contains("care-3") && capped.stdout.contains("R-DISABLED-CARE counts at most 2 per month"), "\(capped.stdout)")
    }

    @Test func ximuJiaHangsTheEnamelPlaqueOnFamiliesWithRecordedGoodDeeds() throws {
        // The Nation's Ximu Jia: the plaque "Family with exemplary social credit" goes to a household whose recorded deeds reach
        // 1,005 (the product's own figure), not to a side of the village; a family may claim its own deeds with evidence.
        let civic = try world(top: "rongcheng", village: "ximu-jia", bundled: "ximu-jia.yaml", subjects: """
            h-1,household,Mu household,ximu-jia,,,,2026-01-01
            p-1,person,Mu Hua,ximu-jia,h-1,1970-01-01,,2026-01-01
            h-2,household,Chen household,ximu-jia,,,,2026-01-01
            p-2,person,Chen Bo,ximu-jia,h-2,1972-01-01,,2026-01-01
            """, residents: ["res-1": "p-1"])
        defer { civic.remove() }
        let filed = "2026-03-18"
        for index in 1...4 {
            try deed(civic, "mu-\(index)", subject: "h-1", rule: "R-HELP-NEIGHBOUR", occurred: "2026-03-0\(index)", filed: filed)
            try deed(civic, "chen-\(index)", subject: "h-2", rule: "R-HELP-NEIGHBOUR", occurred: "2026-03-0\(index)", filed: filed)
        }
        try deed(civic, "mu-claim", subject: "h-1", rule: "R-HELP-NEIGHBOUR", occurred: "2026-03-09", filed: filed,
                 by: "res-1", role: "self")
        let claims = try civic.run(["report", "--id", "chen-claim", "--subject", "h-2", "--rule", "R-HELP-NEIGHBOUR", "--by", "res-1",
                                    "--role", "self", "--occurred", "2026-03-09", "--statement", "Helped", "--evidence", "video:x", "--as-of", filed])
        #expect(claims.status == 77, "a family claims only its own deeds")
        #expect(claims.stderr.contains("a self-claim must be about the reporter or the reporter's household"))
        try close(civic, "ximu-jia", month: "2026-03", on: "2026-03-31")
        let day = "2026-04-01"
        let mu = try standing(civic, "h-1", scheme: "ximu-jia-families", on: day)
        #expect(mu.score == "1005" && mu.grade == "exemplary")
        let chen = try standing(civic, "h-2", scheme: "ximu-jia-families", on: day)
        #expect(chen.score == "1004" && chen.grade == "ordinary")
        #expect(try check(civic, "h-1", "ximu-jia-enamel-plaque", on: day) == (true, "on-red-list"))
        #expect(try check(civic, "h-2", "ximu-jia-enamel-plaque", on: day) == (false, "not-on-red-list"))
    }

    @Test func tengJiaAnnouncesBadPointsForAWeek() throws {
        // The Nation's Teng Jia announces those who got bad points: littering (-3) and failing to stop for pedestrians
        // (-5, 50 yuan) put a resident on the announced list, masked, for the seven days after the close that entered them.
        let civic = try world(top: "rongcheng", village: "teng-jia", bundled: "teng-jia.yaml", subjects: """
            p-1,person,Teng Fei,teng-jia,,1980-01-01,,2026-01-01
            p-2,person,Hu Yan,teng-jia,,1982-01-01,,2026-01-01
            p-3,person,Zhu Qiang,teng-jia,,1990-01-01,,2026-01-01
            """)
        defer { civic.remove() }
        try deed(civic, "litter-1", subject: "p-1", rule: "R-LITTER", occurred: "2026-03-10", filed: "2026-03-18")
        try civic.write("police.csv", """
            id,kind,subject,rule,source_record,occurred_on,statement
            ped-1,record,p-2,R-PEDESTRIANS,ticket-2026-88,2026-03-12,Did not stop at the zebra crossing

            """)
        try ok(civic.run(["report", "import", civic.path("police.csv"), "--by", "feed", "--as-of", "2026-03-18"]))
        try approve(civic, "ped-1", on: "2026-03-18")
        try close(civic, "teng-jia", month: "2026-03", on: "2026-03-31")

        #expect(try standing(civic, "p-1", scheme: "teng-jia-points", on: "2026-04-01").score == "997")
        #expect(try standing(civic, "p-2", scheme: "teng-jia-points", on: "2026-04-01").score == "995")
        let announced = try civic.run(["list", "black", "--as-of", "2026-04-06"])
        try ok(announced)
        #expect(announced.stdout.contains("T******") && announced.stdout.contains("H*****"), "\(announced.stdout)")
        #expect(!announced.stdout.contains("Teng Fei") && !announced.stdout.contains("p-3"))
        #expect(announced.stdout.contains("2 on the black list on 2026-04-06"))
        let over = try civic.run(["list", "black", "--as-of", "2026-04-07"])
        #expect(over.stdout.contains("0 on the black list on 2026-04-07"), "\(over.stdout)")
        #expect(try standing(civic, "p-1", scheme: "teng-jia-points", on: "2026-04-07").score == "997", "the points stay; the announcement ends")
    }

    // MARK: - National lists (The Telegraph; Get Real; The Nation; the explainer)

    @Test func courtDefaultersFaceEachJointSanctionUntilTheJudgmentIsCarriedOut() throws {
        // The court's list: a judgment not carried out lists a person or a company until remedied, and each joint sanction
        // the reports name applies, rail and air separately, with its legal basis; the court's record of compliance lifts all.
        let civic = try world(top: "china", bundled: "china.yaml", subjects: """
            p-1,person,Tao Mingjian,china,,1970-01-01,,2026-01-01
            p-2,person,Li Na,china,,1980-01-01,,2026-01-01
            c-1,organisation,Example Machinery Co,china,,,,2026-01-01
            """)
        defer { civic.remove() }
        try feed(civic, [("j-1", "p-1", "R-JUDGMENT-NOT-PERFORMED", "case-2026-11"), ("j-2", "c-1", "R-JUDGMENT-NOT-PERFORMED", "case-2026-12")],
                 on: "2026-03-18")
        let closed = try close(civic, "china", month: "2026-03", on: "2026-03-31")
        #expect(closed.contains("entered 2"), "\(closed)")

        let day = "2026-04-01"
        let listed = try standing(civic, "p-1", scheme: "court-defaulters", on: day)
        #expect(listed.grade == "listed")
        #expect(listed.listings.first?["criterion"] as? String == "court-dishonest-debtors")
        #expect(listed.listings.first?["endsOn"] == nil, "until remedied: no end day")
        let sanctions = ["court-no-high-speed-rail", "court-no-air-travel", "court-no-star-hotel", "court-no-property-purchase",
                         "court-no-new-loans", "court-no-senior-state-post", "court-no-public-tenders"]
        for measure in sanctions {
            #expect(try check(civic, "p-1", measure, on: day) == (true, "on-black-list"), "\(measure)")
            #expect(try check(civic, "p-2", measure, on: day) == (false, "no-record:not-on-black-list"), "\(measure)")
        }
        #expect(try check(civic, "c-1", "court-no-public-tenders", on: day) == (true, "on-black-list"))
        let shown = try civic.run(["handbook", "show", "--jurisdiction", "china", "--as-of", day])
        #expect(shown.stdout.contains("art. 3(9)") && shown.stdout.contains("art. 3(1)"), "rail and air name their own articles")

        try ok(civic.run(["remedy", "--id", "rem-1", "--record", "case-2026-11", "--by", "feed", "--note", "judgment satisfied", "--as-of", "2026-04-10"]))
        for measure in sanctions {
            #expect(try check(civic, "p-1", measure, on: "2026-04-10") == (false, "not-on-black-list"), "\(measure)")
        }
        #expect(try standing(civic, "p-1", scheme: "court-defaulters", on: "2026-04-10").grade == "not-listed")
        #expect(try check(civic, "c-1", "court-no-public-tenders", on: "2026-04-10") == (true, "on-black-list"), "only the remedied record ends")
    }

    @Test func economicOffenceListingsLastAYearAndSanctionOnlyWhereTheLawLinksTheConduct() throws {
        // CreditChina's list: an unpaid tax, fine or loan lists a person or company for a year (The Nation); the unpaid tax
        // bars rail and air, leaving the country (The Telegraph) and, for a company, public tenders; a missed loan payment
        // bars only new loans; paying up ends the listing early.
        let civic = try world(top: "china", bundled: "china.yaml", subjects: """
            p-3,person,Chen Gang,china,,1970-01-01,,2026-01-01
            p-4,person,Huang Min,china,,1980-01-01,,2026-01-01
            c-2,organisation,Example Foods Co,china,,,,2026-01-01
            """)
        defer { civic.remove() }
        try feed(civic, [("t-1", "p-3", "R-UNPAID-TAX", "tax-2026-5"), ("l-1", "p-4", "R-UNPAID-LOAN", "loan-2026-9"),
                         ("t-2", "c-2", "R-UNPAID-TAX", "tax-2026-6")], on: "2026-03-18")
        try close(civic, "china", month: "2026-03", on: "2026-03-31")

        let day = "2026-04-01"
        let taxed = try standing(civic, "p-3", scheme: "economic-offences", on: day)
        #expect(taxed.grade == "listed")
        #expect(taxed.listings.first?["criterion"] as? String == "creditchina-economic-offences")
        #expect(taxed.listings.first?["endsOn"] as? String == "2027-03-31", "a year from the close that listed it")
        #expect(try check(civic, "p-3", "economic-offence-no-high-speed-rail", on: day) == (true, "rule-active:R-UNPAID-TAX"))
        #expect(try check(civic, "p-3", "economic-offence-no-air-travel", on: day) == (true, "rule-active:R-UNPAID-TAX"))
        #expect(try check(civic, "p-3", "economic-offence-exit-ban", on: day) == (true, "rule-active:R-UNPAID-TAX"))
        #expect(try check(civic, "c-2", "economic-offence-no-public-tenders", on: day) == (true, "rule-active:R-UNPAID-TAX"))
        #expect(try check(civic, "p-4", "economic-offence-no-new-loans", on: day) == (true, "rule-active:R-UNPAID-LOAN"))
        #expect(try check(civic, "p-4", "economic-offence-no-high-speed-rail", on: day) == (false, "rule-not-active"),
                "a missed loan payment is listed but does not bar travel")
        #expect(try check(civic, "p-4", "economic-offence-exit-ban", on: day) == (false, "rule-not-active"))

        try ok(civic.run(["remedy", "--id", "rem-4", "--record", "loan-2026-9", "--by", "feed", "--note", "instalment repaid", "--as-of", "2026-05-02"]))
        #expect(try check(civic, "p-4", "economic-offence-no-new-loans", on: "2026-05-02") == (false, "rule-not-active"))
        #expect(try standing(civic, "p-4", scheme: "economic-offences", on: "2026-05-02").grade == "not-listed")

        #expect(try check(civic, "p-3", "economic-offence-no-high-speed-rail", on: "2027-03-30") == (true, "rule-active:R-UNPAID-TAX"))
        #expect(try check(civic, "p-3", "economic-offence-no-high-speed-rail", on: "2027-03-31") == (false, "not-on-black-list"),
                "banned for a year, then off")
        #expect(try standing(civic, "p-3", scheme: "economic-offences", on: "2027-03-31").grade == "not-listed")
    }

    @Test func companyTaxCreditGradesAtNinetySeventyAndFortyAndDecidesTenders() throws {
        // Company tax credit: 100 at most; A from 90, B from 70, C from 40, D below (or straight to D for evasion); an A
        // company is preferred in tenders and lending, a D company is excluded from tenders.
        let civic = try world(top: "china", bundled: "china.yaml", subjects: """
            c-1,organisation,Prompt Payers Co,china,,,,2026-01-01
            c-2,organisation,Late Payers Co,china,,,,2026-01-01
            c-3,organisation,Evaders Co,china,,,,2026-01-01
            c-4,organisation,Fined Co,china,,,,2026-01-01
            c-5,organisation,Fined Late Co,china,,,,2026-01-01
            """)
        defer { civic.remove() }
        try feed(civic, [("late-1", "c-1", "R-TAX-PAID-LATE", "tx-1"),
                         ("late-2", "c-2", "R-TAX-PAID-LATE", "tx-2"), ("late-3", "c-2", "R-TAX-PAID-LATE", "tx-3"),
                         ("evade-1", "c-3", "R-TAX-EVASION", "tx-4"),
                         ("pen-1", "c-4", "R-TAX-PENALTY", "tx-5"), ("pen-2", "c-4", "R-TAX-PENALTY", "tx-6"), ("pen-3", "c-4", "R-TAX-PENALTY", "tx-7"),
                         ("pen-4", "c-5", "R-TAX-PENALTY", "tx-8"), ("pen-5", "c-5", "R-TAX-PENALTY", "tx-9"), ("pen-6", "c-5", "R-TAX-PENALTY", "tx-10"),
                         ("return-1", "c-5", "R-TAX-RETURN-LATE", "tx-11")], on: "2026-03-18", single: ["R-TAX-PAID-LATE", "R-TAX-RETURN-LATE"])
        try close(civic, "china", month: "2026-03", on: "2026-03-31")

        let day = "2026-04-01"
        let expected: [(String, String, String)] = [("c-1", "90", "A"), ("c-2", "80", "B"), ("c-3", "100", "D"), ("c-4", "40", "C"), ("c-5", "35", "D")]
        for (company, score, grade) in expected {
            let standing = try standing(civic, company, scheme: "tax-credit", on: day)
            #expect(standing.score == score && standing.grade == grade, "\(company): \(standing)")
        }
        #expect(try check(civic, "c-1", "tax-grade-a-tender-preference", on: day) == (true, "grade-at-least:A"))
        #expect(try check(civic, "c-1", "tax-grade-a-lending-preference", on: day) == (true, "grade-at-least:A"))
        #expect(try check(civic, "c-2", "tax-grade-a-tender-preference", on: day) == (false, "grade-below:A"))
        #expect(try check(civic, "c-4", "tax-grade-d-no-public-tenders", on: day) == (false, "grade-above:D"))
        #expect(try check(civic, "c-5", "tax-grade-d-no-public-tenders", on: day) == (true, "grade-at-most:D"))
        #expect(try check(civic, "c-3", "tax-grade-d-no-public-tenders", on: day) == (true, "grade-at-most:D"), "evasion: straight to D")
        // The faults count for a year: a year after the close, the late payer is back at 100 and an A.
        #expect(try standing(civic, "c-2", scheme: "tax-credit", on: "2027-03-31").grade == "A")
    }
}
