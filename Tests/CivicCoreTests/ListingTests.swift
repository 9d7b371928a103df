import CivicCore
import CivicTesting
import Testing

/// Blacklists, the measures relying parties check, expiry, and the neutrality of having no record.
@Suite struct ListingTests {
    static func defaulters() -> Scheme {
        pointsScheme(
            rules: [
                rule("court-defaulter", .zero, category: "court-enforcement", reporters: [.authority]),
                rule("late-loan-payment", Points(-5), category: "financial-credit", reporters: [.authority]),
                rule("litter", Points(-3), category: "sanitation"),
            ],
            lists: [
                listCriterion("dishonest-judgment-debtors", .black, trigger: .rule(["court-defaulter"]), duration: .untilRemedied,
                              remedyHint: "fulfil the judgment"),
                listCriterion("loan-defaulters", .black, trigger: .rule(["late-loan-payment"]), duration: .days(365)),
            ],
            measures: [
                measure("no-high-speed-rail", .sanction, domain: .transport, condition: .onList(.black),
                        legalBasis: "Opinions on restricting dishonest judgment debtors (2018)", remedyHint: "fulfil the judgment"),
                measure("no-bike-deposit-waiver", .sanction, domain: .commerce, condition: .onList(.black)),
                measure("no-new-loans", .sanction, domain: .finance, condition: .onList(.black)),
                measure("deposit-free-rental", .reward, domain: .commerce, condition: .gradeAtLeast("A")),
            ],
            negativeExpiryDays: 730)
    }

    @Test func aBlacklistingUntilRemediedEndsTheSameDayTheRemedyIsRecorded() async throws {
        // Proves a relying party's check says applies=true (on-black-list) before the remedy and applies=false after it, on the same day.
        let world = try await TestWorld.make(schemes: [Self.defaulters()], subjects: [person("he-jun")])
        try await world.file("judgment", about: "he-jun", rule: "court-defaulter", on: day("2026-03-05"),
                             by: TestWorld.authority, role: .authority, sourceRecord: "2026-zhi-0042")
        try await world.approve("judgment", on: day("2026-03-25"))
        try await world.close(month("2026-03"), on: day("2026-03-31"))

        let today = world.engine(on: day("2026-04-10"))
        let before = try await today.check("he-jun", measure: "no-high-speed-rail")
        #expect(before.applies)
        #expect(before.kind == .sanction)
        #expect(before.reason == "on-black-list")
        #expect(before.remedyHint?.en == "fulfil the judgment")
        #expect(await world.store.listings(on: .black, activeOn: day("2026-04-10"), limit: 10).map(\.subject) == ["he-jun"])

        _ = try await today.remedy("judgment-fulfilled", target: .sourceRecord("2026-zhi-0042"), by: TestWorld.authority, note: "debt paid")
        let after = try await today.check("he-jun", measure: "no-high-speed-rail")
        #expect(after.applies == false)
        #expect(after.reason == "not-on-black-list")
        #expect(after.remedyHint == nil)
        #expect(await world.store.listings(on: .black, activeOn: day("2026-04-10"), limit: 10).isEmpty)
        let listing = try #require(await world.storedStanding(of: "he-jun")?.listings.first)
        #expect(listing.endsOn == day("2026-04-10"))
        #expect(listing.endReason == .remedied)
    }

    @Test func aListingActsOnlyInItsOwnDomainUnlessTheMeasureNamesALegalBasis() async throws {
        // Proves a court listing does not bar a commerce measure without a legal basis (proportionality), while the rail measure with one applies.
        let world = try await TestWorld.make(schemes: [Self.defaulters()], subjects: [person("he-jun")])
        try await world.record("judgment", about: "he-jun", rule: "court-defaulter", on: day("2026-03-05"), by: TestWorld.authority, role: .authority)
        try await world.close(month("2026-03"), on: day("2026-03-31"))
        let engine = world.engine(on: day("2026-04-01"))
        #expect(try await engine.check("he-jun", measure: "no-high-speed-rail").applies)
        let bikes = try await engine.check("he-jun", measure: "no-bike-deposit-waiver")
        #expect(bikes.applies == false)
        #expect(bikes.reason == "not-on-black-list")
    }

    @Test func aOneYearListingEndsExactlyOnTime() async throws {
        // Proves a 365-day loan-default listing from 2026-03-31 applies on 2027-03-30 and no longer on 2027-03-31.
        let world = try await TestWorld.make(schemes: [Self.defaulters()], subjects: [person("ma-li")])
        try await world.record("missed-payment", about: "ma-li", rule: "late-loan-payment", on: day("2026-03-15"),
                               by: TestWorld.authority, role: .authority)
        try await world.close(month("2026-03"), on: day("2026-03-31"))
        let engine = world.engine(on: day("2027-04-01"))
        #expect(try await engine.check("ma-li", measure: "no-new-loans", asOf: day("2026-03-30")).applies == false)
        #expect(try await engine.check("ma-li", measure: "no-new-loans", asOf: day("2026-03-31")).applies)
        #expect(try await engine.check("ma-li", measure: "no-new-loans", asOf: day("2027-03-30")).applies)
        let ended = try await engine.check("ma-li", measure: "no-new-loans", asOf: day("2027-03-31"))
        #expect(ended.applies == false)
        let listing = try #require(try await world.standing(of: "ma-li", asOf: day("2027-03-31")).listings.first)
        #expect(listing.endsOn == day("2027-03-31"))
        #expect(listing.endReason == .termEnded)
    }

    @Test func aNegativeEntryExpiresExactlyToTheDay() async throws {
        // Proves a -3 entry effective 2026-03-31 with the scheme's 730-day limit counts on 2028-03-29 and not on 2028-03-30 or after.
        let world = try await TestWorld.make(schemes: [Self.defaulters()], subjects: [person("zhao-lei")])
        try await world.record("litter", about: "zhao-lei", rule: "litter", on: day("2026-03-12"))
        try await world.close(month("2026-03"), on: day("2026-03-31"))
        let entry = try #require(await world.store.entry(TestWorld.entryID(of: "litter")))
        #expect(entry.expiresOn == day("2028-03-30"))  // 2026-03-31 + 730 days, across the 2028 leap day.
        #expect(try await world.standing(of: "zhao-lei", asOf: day("2028-03-29")).score == Points(997))
        #expect(try await world.standing(of: "zhao-lei", asOf: day("2028-03-30")).score == Points(1000))
        #expect(try await world.standing(of: "zhao-lei", asOf: day("2028-03-31")).score == Points(1000))
        #expect(try await world.standing(of: "zhao-lei", asOf: day("2028-03-30")).activeEntries == 0)
    }

    @Test func havingNoRecordIsNeutral() async throws {
        // Proves a subject with no entries has the base score 1,000, the neutral grade A, no sanction, the neutral reward, and `no-record` reasons.
        let world = try await TestWorld.make(schemes: [Self.defaulters()], subjects: [person("new-arrival")])
        let standing = try await world.standing(of: "new-arrival", asOf: day("2026-06-01"))
        #expect(standing.score == Points(1000))
        #expect(standing.grade == "A")
        #expect(standing.hasRecord == false)
        #expect(standing.listings.isEmpty)

        let engine = world.engine(on: day("2026-06-01"))
        let sanction = try await engine.check("new-arrival", measure: "no-high-speed-rail")
        #expect(sanction.applies == false)
        #expect(sanction.reason == "no-record:not-on-black-list")
        let reward = try await engine.check("new-arrival", measure: "deposit-free-rental")
        #expect(reward.applies)
        #expect(reward.reason.hasPrefix("no-record"))
    }
}
