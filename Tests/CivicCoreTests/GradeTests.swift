import CivicCore
import CivicTesting
import Testing

/// Grades: Rongcheng's bands, lock-ins after a fall, rules that cap the grade, corrections.
@Suite struct GradeTests {
    static func rongcheng() -> Scheme {
        pointsScheme(rules: [
            rule("tombstone-oversize", Points(-100), category: "housing-and-land"),
            rule("organ-donation", Points(100), category: "donation"),
            rule("public-nuisance", Points(-20), category: "public-order", gradeCap: "B"),
            rule("court-judgment-unfulfilled", .zero, category: "court-enforcement", reporters: [.authority], gradeCap: "D"),
        ])
    }

    @Test func aFallToBIsLockedForExactlyTwoYears() async throws {
        // Proves a fall to B (1000 - 100 = 900) holds the grade at B for two years even after good deeds lift the score into A's band, and ends on the day.
        let world = try await TestWorld.make(schemes: [Self.rongcheng()], subjects: [person("wang-fang")])
        try await world.record("tombstone", about: "wang-fang", rule: "tombstone-oversize", on: day("2026-03-10"))
        try await world.close(month("2026-03"), on: day("2026-03-31"))
        let fallen = try #require(await world.storedStanding(of: "wang-fang"))
        #expect(fallen.score == Points(900))
        #expect(fallen.grade == "B")
        #expect(fallen.lock == Lock(grade: "B", since: day("2026-03-31"), until: day("2028-03-31")))

        try await world.record("donation", about: "wang-fang", rule: "organ-donation", on: day("2026-06-05"))
        try await world.close(month("2026-06"), on: day("2026-06-30"))
        let recovered = try #require(await world.storedStanding(of: "wang-fang"))
        #expect(recovered.score == Points(1000))
        #expect(recovered.grade == "B")

        let dayBefore = try await world.standing(of: "wang-fang", asOf: day("2028-03-30"))
        #expect(dayBefore.grade == "B")
        #expect(dayBefore.lock?.until == day("2028-03-31"))
        let theDay = try await world.standing(of: "wang-fang", asOf: day("2028-03-31"))
        #expect(theDay.grade == "A")
        #expect(theDay.lock == nil)

        // A refresh on the day stores the same as the fresh fold.
        _ = try await world.engine(on: day("2028-03-31")).refreshStandings()
        #expect(await world.storedStanding(of: "wang-fang") == theDay)
    }

    @Test func aCourtJudgmentCapsTheGradeAtDRegardlessOfPointsUntilRemedied() async throws {
        // Proves an authority's judgment puts a 1,000-point resident at D, and recording the remedy (by the case number) lifts the cap that same day.
        let world = try await TestWorld.make(schemes: [Self.rongcheng()], subjects: [person("liu-qiang")])
        try await world.file("judgment", about: "liu-qiang", rule: "court-judgment-unfulfilled", on: day("2026-03-12"),
                             by: TestWorld.authority, role: .authority, sourceRecord: "2026-lu-1082-zhi-15")
        try await world.approve("judgment", on: day("2026-03-25"))
        try await world.close(month("2026-03"), on: day("2026-03-31"))
        let capped = try #require(await world.storedStanding(of: "liu-qiang"))
        #expect(capped.score == Points(1000))
        #expect(capped.grade == "D")
        #expect(capped.cappedBy == TestWorld.entryID(of: "judgment"))
        #expect(capped.activeRules == ["court-judgment-unfulfilled"])

        _ = try await world.engine(on: day("2026-05-10"))
            .remedy("paid", target: .sourceRecord("2026-lu-1082-zhi-15"), by: TestWorld.authority, note: "judgment fulfilled")
        let remedied = try #require(await world.storedStanding(of: "liu-qiang"))
        #expect(remedied.asOf == day("2026-05-10"))
        #expect(remedied.grade == "A")
        #expect(remedied.cappedBy == nil)
        #expect(remedied.lock == nil)
        #expect(remedied.activeRules.isEmpty)
        // The cap does not come back later either.
        #expect(try await world.standing(of: "liu-qiang", asOf: day("2027-01-01")).grade == "A")
    }

    @Test func aCorrectionCancelsThePointsAndEndsTheGradeCapButTheOriginalStays() async throws {
        // Proves correcting a -20 nuisance entry (grade capped at B) brings the score back to 1,000 and the grade to A, while both entries stay in the ledger.
        let world = try await TestWorld.make(schemes: [Self.rongcheng()], subjects: [person("chen-jie")])
        try await world.record("nuisance", about: "chen-jie", rule: "public-nuisance", on: day("2026-03-05"))
        try await world.close(month("2026-03"), on: day("2026-03-31"))
        let capped = try #require(await world.storedStanding(of: "chen-jie"))
        #expect(capped.score == Points(980))
        #expect(capped.grade == "B")
        #expect(capped.cappedBy == TestWorld.entryID(of: "nuisance"))

        let (result, correction) = try await world.engine(on: day("2026-04-08"))
            .correct("fix-nuisance", entry: TestWorld.entryID(of: "nuisance"), reason: "wrong household named", by: TestWorld.admin)
        #expect(result == .recorded)
        #expect(correction.points == Points(20))
        #expect(correction.references == TestWorld.entryID(of: "nuisance"))

        let corrected = try #require(await world.storedStanding(of: "chen-jie"))
        #expect(corrected.score == Points(1000))
        #expect(corrected.cappedBy == nil)
        #expect(corrected.grade == "A")
        #expect(corrected.lock == nil)

        let ledger = await world.store.entries(subject: "chen-jie")
        #expect(ledger.map(\.id) == [TestWorld.entryID(of: "nuisance"), "fix-nuisance"])
        #expect(ledger.first?.points == Points(-20))
        // Correcting twice is refused; repeating the same correction is a no-op.
        let again = try await world.engine(on: day("2026-04-09"))
            .correct("fix-nuisance", entry: TestWorld.entryID(of: "nuisance"), reason: "wrong household named", by: TestWorld.admin)
        #expect(again.0 == .unchanged)
        let twice = await civicErrorCode {
            _ = try await world.engine(on: day("2026-04-09"))
                .correct("fix-nuisance-2", entry: TestWorld.entryID(of: "nuisance"), reason: "again", by: TestWorld.admin)
        }
        #expect(twice == .refused)
    }
}
