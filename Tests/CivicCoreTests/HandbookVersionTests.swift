import CivicCore
import CivicTesting
import Testing

/// Publishing a new handbook version never rewrites what the ledger already holds.
@Suite struct HandbookVersionTests {
    @Test func aNewVersionChangesNewEntriesOnly() async throws {
        // Proves litter entered under v1 (-3) keeps its points after v2 raises the deduction to -5, while a report filed under v2 takes -5.
        let v1 = pointsScheme(rules: [rule("litter", Points(-3), category: "sanitation")])
        let world = try await TestWorld.make(schemes: [v1], subjects: [person("li-ming"), person("wang-wei")])
        try await world.record("old", about: "li-ming", rule: "litter", on: day("2026-03-10"))
        try await world.close(month("2026-03"))

        var v2 = world.handbook
        v2.version = 2
        v2.schemes[0].rules[0].points = Points(-5)
        let engine = world.engine(on: day("2026-04-01"))
        #expect(try await engine.publish(v2, source: "v2", by: TestWorld.admin) == .recorded)
        // Publishing v2 again is a no-op; skipping to v4 or republishing v2 with other content is refused.
        #expect(try await engine.publish(v2, source: "v2", by: TestWorld.admin) == .unchanged)
        var v4 = v2
        v4.version = 4
        await #expect(throws: CivicError.self) { try await engine.publish(v4, source: "v4", by: TestWorld.admin) }

        try await world.record("new", about: "wang-wei", rule: "litter", on: day("2026-04-10"))
        try await world.close(month("2026-04"))
        let old = try #require(await world.store.entry(TestWorld.entryID(of: "old")))
        let new = try #require(await world.store.entry(TestWorld.entryID(of: "new")))
        #expect(old.points == Points(-3) && old.handbookVersion == 1)
        #expect(new.points == Points(-5) && new.handbookVersion == 2)
        #expect(try await world.standing(of: "li-ming", asOf: day("2026-04-30")).score == Points(997))
        #expect(try await world.standing(of: "wang-wei", asOf: day("2026-04-30")).score == Points(995))
    }
}
