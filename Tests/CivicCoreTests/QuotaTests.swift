import CivicCore
import CivicTesting
import Testing

/// Zhaojiashan's yearly quota: 2 points per villager, so a household of five needs 10; 80 and over are exempt.
@Suite struct QuotaTests {
    static func zhaojiashan() -> Scheme {
        pointsScheme(
            rules: [
                rule("street-cleaning-8h", Points(2), category: "volunteering"),
                rule("prune-neighbours-tree", Points(1)),
                rule("help-read-water-meter", points("0.5")),
            ],
            quota: Quota(pointsPerPersonYearly: Points(2)),
            exemptions: [.ageFrom(80), .attribute("carer")],
            measures: [measure("welfare-handout-cut", .sanction, domain: .community, condition: .quotaUnmet)])
    }

    /// The Sun household: four adults and a grandfather born in 1945 (81 at the end of 2026).
    static func sunHousehold(carer: Subject.ID? = nil) -> [Subject] {
        let members: [(Subject.ID, Day)] = [
            ("sun-jian", day("1980-04-02")), ("sun-mei", day("1982-09-14")), ("sun-hao", day("2004-01-30")),
            ("sun-lin", day("2007-06-11")), ("sun-grandfather", day("1945-05-01")),
        ]
        return [household("h-sun")] + members.map { id, born in
            person(id, household: "h-sun", born: born, attributes: id == carer ? ["carer"] : [])
        }
    }

    /// Records 2026's deeds: two points each for three adults, and `lastAdult` rules for the fourth.
    static func world(carer: Subject.ID? = nil, lastAdult: [Rule.ID], publishedOn: Day = day("2025-12-01")) async throws -> TestWorld {
        let world = try await TestWorld.make(schemes: [zhaojiashan()], subjects: sunHousehold(carer: carer), publishedOn: publishedOn)
        var reports: [(Report.ID, Subject.ID, Rule.ID)] = [
            ("clean-jian", "sun-jian", "street-cleaning-8h"), ("clean-mei", "sun-mei", "street-cleaning-8h"),
            ("clean-hao", "sun-hao", "street-cleaning-8h"),
        ]
        for (index, ruleID) in lastAdult.enumerated() { reports.append((Report.ID("lin-\(index)"), "sun-lin", ruleID)) }
        for (id, subject, ruleID) in reports {
            try await world.record(id, about: subject, rule: ruleID, on: day("2026-05-12"))
        }
        try await world.close(month("2026-05"), on: day("2026-05-25"))
        try await world.close(month("2027-01"), on: day("2027-01-25"))
        return world
    }

    @Test func aHouseholdOfFiveWithAnExemptEightyYearOldNeedsEightAndMeetsIt() async throws {
        // Proves the household requirement is 4 x 2 = 8 with the 81-year-old exempt, and 2 + 2 + 2 + 2 = 8 meets it.
        let world = try await Self.world(lastAdult: ["street-cleaning-8h"])
        let quota = try #require(await world.storedStanding(of: "h-sun")?.quota)
        #expect(quota == QuotaStatus(year: 2026, required: Points(8), earned: Points(8), exemptMembers: 1, members: 5))
        #expect(quota.isMet)
        let check = try await world.engine(on: day("2027-01-25")).check("h-sun", measure: "welfare-handout-cut")
        #expect(check.applies == false)
        #expect(check.reason.hasSuffix("quota-met:2026"))
    }

    @Test func halfAPointShortIsUnmetWithTheShortfallShown() async throws {
        // Proves 2 + 2 + 2 + 1.5 = 7.5 misses the requirement of 8 by 0.5, and the quota sanction then applies.
        let world = try await Self.world(lastAdult: ["prune-neighbours-tree", "help-read-water-meter"])
        let quota = try #require(await world.storedStanding(of: "h-sun")?.quota)
        #expect(quota.required == Points(8))
        #expect(quota.earned == points("7.5"))
        #expect(!quota.isMet)
        #expect(quota.shortfall == points("0.5"))
        let check = try await world.engine(on: day("2027-01-25")).check("h-sun", measure: "welfare-handout-cut")
        #expect(check.applies)
        #expect(check.reason.hasSuffix("quota-unmet:2026"))
        // The fresh fold agrees with what the cycle close stored.
        #expect(try await world.standing(of: "h-sun", asOf: day("2027-01-25")) == (await world.storedStanding(of: "h-sun")))
    }

    @Test func aCarerIsExemptTooSoTheSameHalfPointShortfallMeetsSix() async throws {
        // Proves flagging one adult as a carer lowers the requirement to 3 x 2 = 6, which 7.5 meets, with two members exempt.
        let world = try await Self.world(carer: "sun-mei", lastAdult: ["prune-neighbours-tree", "help-read-water-meter"])
        let quota = try #require(await world.storedStanding(of: "h-sun")?.quota)
        #expect(quota == QuotaStatus(year: 2026, required: Points(6), earned: points("7.5"), exemptMembers: 2, members: 5))
        #expect(quota.isMet)
        // The carer's own quota is waived; the 1.5-point member's own quota is not met.
        #expect(await world.storedStanding(of: "sun-mei")?.quota?.required == .zero)
        #expect(await world.storedStanding(of: "sun-lin")?.quota?.isMet == false)
    }

    @Test func aYearIsAssessedOnlyIfTheSchemeWasPublishedBeforeItBegan() async throws {
        // Proves a scheme first published on 2026-02-01 has no quota for 2026 in January 2027, and does assess 2027 a year later.
        let world = try await Self.world(lastAdult: [], publishedOn: day("2026-02-01"))
        #expect(await world.storedStanding(of: "h-sun")?.quota == nil)
        let check = try await world.engine(on: day("2027-01-25")).check("h-sun", measure: "welfare-handout-cut")
        #expect(check.applies == false)
        #expect(check.reason.hasSuffix("no-quota"))

        let nextYear = try await world.standing(of: "h-sun", asOf: day("2028-01-15"))
        #expect(nextYear.quota == QuotaStatus(year: 2027, required: Points(8), earned: .zero, exemptMembers: 1, members: 5))
    }
}
