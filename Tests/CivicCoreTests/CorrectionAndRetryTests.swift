import CivicCore
import CivicTesting
import Testing

/// Corrections undo a mistaken fall, deeds count in the year they were done, and retries on a later day stay no-ops.
@Suite struct CorrectionAndRetryTests {
    static func scheme(quota: Quota? = nil) -> Scheme {
        pointsScheme(rules: [
            rule("tombstone-oversize", Points(-100), category: "housing-and-land"),
            rule("street-cleaning", Points(2), category: "volunteering"),
        ], quota: quota)
    }

    @Test func aCorrectedDeductionEndsTheLockInItCaused() async throws {
        // Proves a fall to B caused only by an entry later corrected stops holding the grade at B from the correction on.
        let world = try await TestWorld.make(schemes: [Self.scheme()], subjects: [person("wang-fang")])
        try await world.record("tombstone", about: "wang-fang", rule: "tombstone-oversize", on: day("2026-03-10"))
        try await world.close(month("2026-03"), on: day("2026-03-31"))
        #expect(await world.storedStanding(of: "wang-fang")?.grade == "B")

        _ = try await world.engine(on: day("2026-04-15"))
            .correct("fix-1", entry: TestWorld.entryID(of: "tombstone"), reason: "the tombstone belongs to another family", by: TestWorld.admin)
        let corrected = try #require(await world.storedStanding(of: "wang-fang"))
        #expect(corrected.score == Points(1000))
        #expect(corrected.grade == "A")
        #expect(corrected.lock == nil)
        // The day before the correction the fall still stood, as the ledger recorded it.
        let before = try await world.standing(of: "wang-fang", asOf: day("2026-04-14"))
        #expect(before.grade == "B")
    }

    @Test func aDecemberDeedEnteredInJanuaryCountsForItsOwnYear() async throws {
        // Proves quota points count in the year the deed was done, not the year the committee entered it.
        let world = try await TestWorld.make(schemes: [Self.scheme(quota: Quota(pointsPerPersonYearly: Points(2)))],
                                             subjects: [person("li-ming")], publishedOn: day("2025-12-01"))
        try await world.file("cleaning", about: "li-ming", rule: "street-cleaning", on: day("2026-01-05"), occurredOn: day("2025-12-28"))
        try await world.approve("cleaning", on: day("2026-01-25"))
        try await world.close(month("2026-01"), on: day("2026-01-31"))
        let standing = try #require(await world.storedStanding(of: "li-ming"))
        #expect(standing.earned.previousYear == Points(2))
        #expect(standing.earned.thisYear == .zero)
    }

    @Test func aRetryOnALaterDayWithoutAFilingDayIsTheSameReport() async throws {
        // Proves a client that retries a filing the next day (no explicit filing day) gets a no-op, not a conflict.
        let world = try await TestWorld.make(schemes: [Self.scheme()], subjects: [person("li-ming")])
        let request = ReportRequest(id: "r-1", subject: "li-ming", rule: "street-cleaning", reporter: TestWorld.assessor, role: .assessor,
                                    occurredOn: day("2026-03-01"), statement: "Cleaned the lane")
        #expect(try await world.engine(on: day("2026-03-02")).file(request) == .recorded)
        let commits = await world.store.commitCount
        #expect(try await world.engine(on: day("2026-03-03")).file(request) == .unchanged)
        #expect(await world.store.commitCount == commits)
        var changed = request
        changed.statement = "Something else"
        await #expect(throws: CivicError.self) { try await world.engine(on: day("2026-03-03")).file(changed) }
    }

    @Test func aRetryAfterANewHandbookVersionIsTheSameReport() async throws {
        // Found by the simulation (seed 11, 570 operations): a filing whose answer was lost, retried after the
        // village published a new version of its handbook, was refused as "id already used for a different report".
        let world = try await TestWorld.make(schemes: [Self.scheme()], subjects: [person("li-ming")])
        let request = ReportRequest(id: "r-1", subject: "li-ming", rule: "street-cleaning", reporter: TestWorld.assessor, role: .assessor,
                                    occurredOn: day("2026-03-01"), statement: "Cleaned the lane")
        #expect(try await world.engine(on: day("2026-03-02")).file(request) == .recorded)
        var next = world.handbook
        next.version = 2
        _ = try await world.engine(on: day("2026-03-02")).publish(next, source: "# version 2", by: TestWorld.admin)
        let commits = await world.store.commitCount
        #expect(try await world.engine(on: day("2026-03-03")).file(request) == .unchanged)
        #expect(await world.store.commitCount == commits)
        #expect(await world.store.report("r-1")?.report.handbookVersion == 1, "filed under the version current then")
        var changed = request
        changed.statement = "Something else"
        await #expect(throws: CivicError.self) { try await world.engine(on: day("2026-03-03")).file(changed) }
    }
}
