import CivicCore
import CivicTesting
import Foundation
import Testing

/// Exact points, explained scores and the canonical entry encoding.
@Suite struct LedgerTests {
    static func scheme() -> Scheme {
        pointsScheme(rules: [
            rule("help-read-water-meter", points("0.5")),
            rule("lend-tools", points("0.5")),
            rule("street-cleaning-8h", Points(2), category: "volunteering"),
            rule("chickens-out-of-coop", Points(-10), category: "animal-keeping"),
        ])
    }

    @Test func halfPointsAddUpExactly() async throws {
        // Proves +0.5 and +0.5 make exactly one point (1001.00 in hundredths), parsed, summed and printed without a Double.
        #expect(points("0.5") + points("0.5") == Points(1))
        #expect(points("0.5").hundredths == 50)
        #expect(points("-0.5").hundredths == -50)
        #expect(points("2.25").description == "2.25")
        #expect(Points(parsing: "0.125") == nil)
        #expect(Points(parsing: "1e2") == nil)
        // A tenth added ten times is exactly one, as it would not be in binary floating point.
        #expect((0..<10).reduce(Points.zero) { total, _ in total + points("0.1") } == Points(1))

        let world = try await TestWorld.make(schemes: [Self.scheme()], subjects: [person("guo-min")])
        try await world.record("meter", about: "guo-min", rule: "help-read-water-meter", on: day("2026-03-03"))
        try await world.record("tools", about: "guo-min", rule: "lend-tools", on: day("2026-03-04"))
        try await world.close(month("2026-03"))
        let standing = try #require(await world.storedStanding(of: "guo-min"))
        #expect(standing.score == Points(1001))
        #expect(standing.score.hundredths == 100_100)
        // Points travel as exact decimal text.
        let json = String(decoding: try JSONEncoder().encode(points("-0.5")), as: UTF8.self)
        #expect(json == "\"-0.5\"")
        #expect(try JSONDecoder().decode(Points.self, from: Data("\"1000.5\"".utf8)) == Points(hundredths: 100_050))
    }

    @Test func anExplanationListsEveryEntryWithItsReportAndDecisionAndSumsToTheScore() async throws {
        // Proves `explain` shows each contributing entry with its report and named decision, and 1000 + 2 + 0.5 - 10 = 992.5 is the score.
        let world = try await TestWorld.make(schemes: [Self.scheme()], subjects: [person("guo-min")])
        try await world.record("cleaning", about: "guo-min", rule: "street-cleaning-8h", on: day("2026-03-03"))
        try await world.record("meter", about: "guo-min", rule: "help-read-water-meter", on: day("2026-03-04"))
        try await world.file("chickens", about: "guo-min", rule: "chickens-out-of-coop", on: day("2026-03-06"))
        try await world.approve("chickens", on: day("2026-03-25"), by: TestWorld.secondReviewer)
        try await world.close(month("2026-03"))

        let explained = try await world.engine(on: day("2026-04-02")).explain("guo-min")
        let only = try #require(explained.first)
        #expect(explained.count == 1)
        let explanation = only.explanation
        #expect(explanation.standing.score == points("992.5"))
        #expect(Points(1000) + explanation.sumOfContributions == explanation.standing.score)
        #expect(explanation.contributions.map(\.entry.report) == ["cleaning", "meter", "chickens"])
        #expect(explanation.contributions.map(\.entry.points) == [Points(2), points("0.5"), Points(-10)])
        for contribution in explanation.contributions {
            let reportID = try #require(contribution.entry.report)
            let record = try #require(only.reports[reportID])
            #expect(record.report.rule == contribution.entry.rule)
            #expect(record.decisions.map(\.id) == contribution.entry.decisions)
            for decision in record.decisions { #expect(only.reviewers[decision.reviewer] != nil) }
        }
        #expect(only.reports["chickens"]?.decisions.first?.reviewer == TestWorld.secondReviewer)
        #expect(explanation.excluded.isEmpty)
        #expect(explanation.gradeReasons.first == "score 992.5 is in band A (960 below 1030)")
    }

    static func sampleEntry() -> Entry {
        Entry(
            id: "e:litter-1", sequence: 7, kind: .deed, subject: "zhang-wei", scheme: "village-credit",
            handbookJurisdiction: "zhaojiashan", handbookVersion: 1, rule: "litter", category: "sanitation",
            points: Points(-3), dimension: "courtyard", stars: 2, occurredOn: day("2026-03-20"), effectiveOn: day("2026-03-31"),
            expiresOn: day("2028-03-30"), gradeCap: "B", report: "litter-1", decisions: ["d:1", "d:2"], references: "e:0",
            recordedOn: day("2026-03-31"), recordedBy: "admin-office", note: "cleared late")
    }

    @Test func equalEntriesEncodeToEqualBytesStartingWithTheMagic() {
        // Proves the canonical encoding is deterministic for equal entries and starts with "CCE1".
        let first = Self.sampleEntry(), second = Self.sampleEntry()
        #expect(first.canonicalBytes == second.canonicalBytes)
        #expect(Array(first.canonicalBytes.prefix(4)) == Array("CCE1".utf8))
        #expect(Entry.canonicalMagic == [0x43, 0x43, 0x45, 0x31])
    }

    @Test func everyFieldChangeChangesTheBytes() {
        // Proves changing any one field of an entry (or dropping an optional one) changes its canonical bytes.
        let original = Self.sampleEntry()
        let changes: [(String, (inout Entry) -> Void)] = [
            ("id", { $0.id = "e:litter-2" }), ("sequence", { $0.sequence = 8 }), ("kind", { $0.kind = .correction }),
            ("subject", { $0.subject = "zhang-wen" }), ("scheme", { $0.scheme = "city-credit" }),
            ("handbookJurisdiction", { $0.handbookJurisdiction = "rongcheng" }), ("handbookVersion", { $0.handbookVersion = 2 }),
            ("rule", { $0.rule = "litter-river" }), ("rule dropped", { $0.rule = nil }), ("category", { $0.category = "traffic" }),
            ("points", { $0.points = Points(hundredths: -299) }), ("dimension", { $0.dimension = "laws" }),
            ("dimension dropped", { $0.dimension = nil }), ("stars", { $0.stars = 3 }), ("stars dropped", { $0.stars = nil }),
            ("occurredOn", { $0.occurredOn = day("2026-03-21") }), ("occurredOn dropped", { $0.occurredOn = nil }),
            ("effectiveOn", { $0.effectiveOn = day("2026-04-01") }), ("expiresOn", { $0.expiresOn = day("2028-03-31") }),
            ("expiresOn dropped", { $0.expiresOn = nil }), ("gradeCap", { $0.gradeCap = "C" }), ("gradeCap dropped", { $0.gradeCap = nil }),
            ("report", { $0.report = "litter-9" }), ("decisions", { $0.decisions = ["d:1"] }), ("decisions order", { $0.decisions = ["d:2", "d:1"] }),
            ("decisions emptied", { $0.decisions = [] }), ("references", { $0.references = "e:1" }),
            ("recordedOn", { $0.recordedOn = day("2026-04-01") }), ("recordedBy", { $0.recordedBy = "reviewer-zhao" }),
            ("note", { $0.note = "cleared" }), ("note emptied", { $0.note = "" }),
        ]
        var seen: Set<[UInt8]> = [original.canonicalBytes]
        for (field, change) in changes {
            var changed = original
            change(&changed)
            #expect(changed.canonicalBytes != original.canonicalBytes, "changing \(field) must change the bytes")
            #expect(seen.insert(changed.canonicalBytes).inserted, "changing \(field) collides with another change")
        }
    }
}
