import CivicCore
import CivicTesting
import Testing

/// Grade caps that start a lock-in ("straight down to D, locked for five years") and caps that hold
/// until remedied, with the figures of Rongcheng's published grade table (1,000 to start; D is 0-599,
/// locked for five years).
@Suite struct GradeCapTermsTests {
    /// Rongcheng's table with one deliberate act that sends a subject straight to D and one court
    /// judgment whose cap holds until it is carried out; both count for a year.
    static func rongcheng() -> Scheme {
        var deliberate = rule("deliberate-act", .zero, category: "public-order", expiryDays: 365, gradeCap: "D")
        deliberate.gradeCapTerms = GradeCapTerms(startsLockIn: true)
        var judgment = rule("court-judgment-unfulfilled", .zero, category: "court-enforcement", expiryDays: 365,
                            reporters: [.assessor, .authority], gradeCap: "D")
        judgment.gradeCapTerms = GradeCapTerms(untilRemedied: true)
        let plain = rule("public-nuisance", Points(-20), category: "public-order", expiryDays: 365, gradeCap: "B")
        return pointsScheme(rules: [deliberate, judgment, plain])
    }

    @Test func aCapThatLocksHoldsDForFiveYearsAfterItsEntryExpires() async throws {
        // Proves a deliberate act entered at the March close (2026-03-31) sends 1,000 points straight to D; the entry expires after 365 days but D's five-year lock holds until 2031-03-31, then the grade is A again; the stored standing equals a fresh fold and the path names the entry.
        let world = try await TestWorld.make(schemes: [Self.rongcheng()], subjects: [person("wang-li")])
        try await world.record("act", about: "wang-li", rule: "deliberate-act", on: day("2026-03-02"))
        try await world.close(month("2026-03"), on: day("2026-03-31"))
        let entry = try #require(await world.store.entry(TestWorld.entryID(of: "act")))
        #expect(entry.gradeCapLockYears == 5)
        let stored = try #require(await world.storedStanding(of: "wang-li"))
        #expect(stored.score == Points(1000))
        #expect(stored.grade == "D")
        #expect(stored.lock == Lock(grade: "D", since: day("2026-03-31"), until: day("2031-03-31")))
        #expect(try await world.standing(of: "wang-li", asOf: day("2026-03-31")) == stored)

        let afterExpiry = try await world.standing(of: "wang-li", asOf: day("2027-03-31"))
        #expect(afterExpiry.cappedBy == nil)
        #expect(afterExpiry.grade == "D")
        #expect(try await world.standing(of: "wang-li", asOf: day("2031-03-30")).grade == "D")
        #expect(try await world.standing(of: "wang-li", asOf: day("2031-03-31")).grade == "A")

        let entries = await world.store.entries(subject: "wang-li")
        let explanation = Evaluator(scheme: Self.rongcheng()).explain(subject: "wang-li", entries: entries, asOf: day("2028-01-01"))
        #expect(explanation.lockStartedBy == entry.id)
        #expect(explanation.gradeReasons.contains { $0.contains("grade cap started the lock-in on 2026-03-31") })
        let path = GradePath.compute(scheme: Self.rongcheng(), subject: "wang-li", entries: entries, asOf: day("2028-01-01"))
        #expect(path.holds.map(\.kind) == [.lockIn])
        #expect(path.holds.first?.entry == entry.id)
        #expect(path.holds.first?.until == day("2031-03-31"))
        #expect(path.earliestDay == day("2031-03-31"))
    }

    @Test func aCorrectionEndsTheLockItsCapStarted() async throws {
        // Proves the lock started by a mistaken entry ends on the day the entry is corrected, not five years on.
        let world = try await TestWorld.make(schemes: [Self.rongcheng()], subjects: [person("wang-li")])
        try await world.record("act", about: "wang-li", rule: "deliberate-act", on: day("2026-03-02"))
        try await world.close(month("2026-03"), on: day("2026-03-31"))
        _ = try await world.engine(on: day("2026-04-08"))
            .correct("fix-act", entry: TestWorld.entryID(of: "act"), reason: "wrong person named", by: TestWorld.admin)
        let corrected = try await world.standing(of: "wang-li", asOf: day("2026-04-08"))
        #expect(corrected.grade == "A")
        #expect(corrected.lock == nil)
        #expect(await world.storedStanding(of: "wang-li") == corrected)
    }

    @Test func aCapUntilRemediedOutlivesItsExpiryAndEndsOnTheRemedy() async throws {
        // Proves a court judgment's cap at D holds past its 365-day expiry, the path says it lasts until remedied, and the remedy brings A back with no lock.
        let world = try await TestWorld.make(schemes: [Self.rongcheng()], subjects: [person("zhao-min")])
        try await world.record("judgment", about: "zhao-min", rule: "court-judgment-unfulfilled", on: day("2026-03-02"))
        try await world.close(month("2026-03"), on: day("2026-03-31"))
        let entryID = TestWorld.entryID(of: "judgment")
        #expect(await world.store.entry(entryID)?.gradeCapUntilRemedied == true)

        let twoYearsOn = try await world.standing(of: "zhao-min", asOf: day("2028-03-02"))
        #expect(twoYearsOn.activeEntries == 0)
        #expect(twoYearsOn.grade == "D")
        #expect(twoYearsOn.cappedBy == entryID)
        #expect(twoYearsOn.lock == nil)
        let entries = await world.store.entries(subject: "zhao-min")
        let path = GradePath.compute(scheme: Self.rongcheng(), subject: "zhao-min", entries: entries, asOf: day("2028-03-02"))
        #expect(path.holds.map(\.kind) == [.gradeCap])
        #expect(path.holds.first?.until == nil)
        #expect(path.earliestDay == nil)
        let explanation = Evaluator(scheme: Self.rongcheng()).explain(subject: "zhao-min", entries: entries, asOf: day("2028-03-02"))
        #expect(explanation.capsInForce.map(\.id) == [entryID])
        #expect(explanation.gradeReasons.contains("capped at D by entry \(entryID) until it is remedied or corrected"))

        _ = try await world.engine(on: day("2028-03-10"))
            .remedy("judgment-carried-out", target: .entry(entryID), by: TestWorld.authority, note: "judgment carried out")
        let remedied = try await world.standing(of: "zhao-min", asOf: day("2028-03-10"))
        #expect(remedied.grade == "A")
        #expect(remedied.cappedBy == nil)
        #expect(await world.storedStanding(of: "zhao-min") == remedied)
    }

    @Test func aPlainCapStillLapsesWithItsEntryAndLocksNothing() async throws {
        // Proves a cap without terms holds only while its entry counts: B from the March close, A again on its expiry 365 days later (2027-03-31), no lock.
        let world = try await TestWorld.make(schemes: [Self.rongcheng()], subjects: [person("li-na")])
        try await world.record("nuisance", about: "li-na", rule: "public-nuisance", on: day("2026-03-02"))
        try await world.close(month("2026-03"), on: day("2026-03-31"))
        #expect(try await world.standing(of: "li-na", asOf: day("2026-03-31")).grade == "B")
        #expect(try await world.standing(of: "li-na", asOf: day("2027-03-30")).grade == "B")
        let expired = try await world.standing(of: "li-na", asOf: day("2027-03-31"))
        #expect(expired.grade == "A")
        #expect(expired.lock == nil)
        #expect(await world.store.entry(TestWorld.entryID(of: "nuisance"))?.gradeCapLockYears == nil)
    }
}
