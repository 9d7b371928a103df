import CivicCore
import CivicTesting
import Testing

/// "Residents know little about how it works": the path to the next grade, and a handbook change previewed before publishing.
struct GradePathAndPreviewTests {
    static let escort = rule("R-ESCORT", Points(1), cap: Cap(count: 2, period: .month))
    static let clean = rule("R-CLEAN", Points(2))
    static let nuisance = rule("R-NUISANCE", Points(-20), category: "public-order", expiryDays: 365)
    static let litter = rule("R-LITTER", Points(-3), category: "sanitation", expiryDays: 365)

    func world() async throws -> TestWorld {
        try await TestWorld.make(schemes: [pointsScheme(rules: [Self.escort, Self.clean, Self.nuisance, Self.litter], negativeExpiryDays: 365)],
                                 subjects: [person("p-1"), person("p-2"), person("p-3")])
    }

    @Test func pathNamesTheRulesTheirCapsAndTheLockInsEarliestDay() async throws {
        // A resident who fell to B (1000 - 20 - 3 - 3 - 3 = 971 is A; two nuisances make 960 - 3 = 957, B) sees what each
        // entry's reversal or expiry would do, how many good deeds reach A, and that the two-year lock-in decides when.
        let world = try await world()
        try await world.record("n-1", about: "p-1", rule: "R-NUISANCE", on: day("2026-01-10"))
        try await world.record("n-2", about: "p-1", rule: "R-NUISANCE", on: day("2026-01-11"))
        try await world.record("l-1", about: "p-1", rule: "R-LITTER", on: day("2026-01-12"))
        try await world.close(month("2026-01"))
        let asOf = day("2026-02-15")
        let path = try #require(try await world.engine(on: asOf).path("p-1").first)
        #expect(path.score == Points(957) && path.grade == "B")
        #expect(path.nextGrade == "A" && path.pointsNeeded == Points(3))
        #expect(path.holds.map(\.kind) == [.lockIn])
        #expect(path.earliestDay == day("2028-01-31"), "the fall on 2026-01-31 holds the grade at B for two years")
        let reversed = try #require(path.entries.first { $0.entry == TestWorld.entryID(of: "n-1") })
        #expect(reversed.ifReversed.score == Points(977))
        #expect(reversed.ifReversed.grade == "B", "the lock-in ends early only when every entry behind the fall is corrected; n-2 and l-1 still count")
        #expect(reversed.onExpiry == GradePath.Outcome(asOf: day("2027-01-31"), score: Points(1000), grade: "B"),
                "all three entries expire together on 2027-01-31, but the lock-in still holds the grade at B")
        let escort = try #require(path.rules.first { $0.rule == "R-ESCORT" })
        #expect(escort.occurrencesNeeded == 3 && escort.periodsNeeded == 2, "3 escorts at 2 a month take two months")
        #expect(escort.earliestDay == day("2028-01-31"))
        let clean = try #require(path.rules.first { $0.rule == "R-CLEAN" })
        #expect(clean.occurrencesNeeded == 2 && clean.scoreAfterOne == Points(959))
        #expect(path.rules.first?.rule == "R-CLEAN", "the rule that needs fewest entries comes first")
    }

    @Test func previewOfAHarsherRuleCountsAndNamesTheGradeFalls() async throws {
        // The committee makes the nuisance rule -120 instead of -20: exactly the two subjects with a nuisance entry
        // fall from A to B (980 -> 880), the one with only litter is unchanged, and nothing is written.
        let world = try await world()
        try await world.record("n-1", about: "p-1", rule: "R-NUISANCE", on: day("2026-01-10"))
        try await world.record("n-2", about: "p-2", rule: "R-NUISANCE", on: day("2026-01-10"))
        try await world.record("l-1", about: "p-3", rule: "R-LITTER", on: day("2026-01-10"))
        try await world.close(month("2026-01"))
        var candidate = world.handbook
        candidate.version = 2
        candidate.schemes[0].rules[2].points = Points(-120)
        let commitsBefore = await world.store.commitCount
        let preview = try await world.engine(on: day("2026-02-15")).preview(candidate)
        #expect(await world.store.commitCount == commitsBefore)
        #expect(preview.reportsReplayed == 3 && preview.reportsChanged == 2 && preview.reportsDropped == 0)
        let effect = try #require(preview.schemes.first)
        #expect(effect.change == .changed && effect.subjects == 3 && effect.scoreChanges == 2)
        #expect(effect.gradeMoves.map(\.move) == ["A → B"])
        #expect(effect.gradeMoves.first?.count == 2)
        #expect(effect.gradeMoves.first?.examples.map(\.subject) == ["p-1", "p-2"])
        #expect(effect.gradeMoves.first?.examples.first?.after == "B (score 880)")
        // The published standing is untouched.
        #expect(try await world.standing(of: "p-1", asOf: day("2026-02-15")).score == Points(980))
    }

    @Test func previewOfARemovedRuleAndAnUnchangedHandbook() async throws {
        // Removing the litter rule drops its report and lifts the subject back to the base; the same handbook changes nothing.
        let world = try await world()
        try await world.record("l-1", about: "p-3", rule: "R-LITTER", on: day("2026-01-10"))
        try await world.close(month("2026-01"))
        let same = try await world.engine(on: day("2026-02-15")).preview(world.handbook)
        #expect(same.changesNothing && same.reportsChanged == 0)
        var candidate = world.handbook
        candidate.version = 2
        candidate.schemes[0].rules.removeAll { $0.id == "R-LITTER" }
        let preview = try await world.engine(on: day("2026-02-15")).preview(candidate)
        #expect(preview.reportsDropped == 1)
        #expect(preview.schemes.first?.scoreExamples.first?.after == "1000")
    }
}
