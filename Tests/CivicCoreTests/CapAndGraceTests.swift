import CivicCore
import CivicTesting
import Testing

/// Caps ("two trips a month") and grace periods ("3 days to clear litter").
@Suite struct CapAndGraceTests {
    static func hospitalTrips() -> Scheme {
        pointsScheme(rules: [
            rule("take-elder-to-hospital", Points(1), cap: Cap(count: 2, period: .month)),
        ])
    }

    static func litter(expiryDays: Int? = nil) -> Scheme {
        pointsScheme(rules: [rule("litter", Points(-3), category: "sanitation", graceDays: 3, expiryDays: expiryDays)])
    }

    @Test func twoTripsAMonthCountTheThirdIsCappedAndNextMonthCountsAgain() async throws {
        // Proves a cap of 2 per month enters two of three approved March reports, caps the third, and counts an April one.
        let world = try await TestWorld.make(schemes: [Self.hospitalTrips()], subjects: [person("li-na")])
        for (id, date) in [("trip-1", "2026-03-03"), ("trip-2", "2026-03-10"), ("trip-3", "2026-03-17")] {
            try await world.record(Report.ID(id), about: "li-na", rule: "take-elder-to-hospital", on: day(date))
        }
        let march = try await world.close(month("2026-03"), on: day("2026-03-25"))
        #expect(march.entered == 2)
        #expect(march.capped == 1)
        #expect(await world.store.report("trip-3")?.status == .capped)
        #expect(await world.store.entries(subject: "li-na").count == 2)
        #expect(await world.storedStanding(of: "li-na")?.score == Points(1002))

        try await world.record("trip-4", about: "li-na", rule: "take-elder-to-hospital", on: day("2026-04-02"))
        let april = try await world.close(month("2026-04"), on: day("2026-04-25"))
        #expect(april.entered == 1)
        #expect(april.capped == 0)
        #expect(await world.storedStanding(of: "li-na")?.score == Points(1003))
    }

    @Test func litterCuredWithinGraceIsNeverDeducted() async throws {
        // Proves a fault put right within its 3 grace days becomes `cured`, writes no deduction, and leaves the score at 1,000.
        let world = try await TestWorld.make(schemes: [Self.litter()], subjects: [person("zhang-wei")])
        try await world.record("litter-1", about: "zhang-wei", rule: "litter", on: day("2026-03-20"))
        // Littered on the 20th; the grace days are the 20th, 21st and 22nd.
        _ = try await world.engine(on: day("2026-03-22"))
            .remedy("cure-1", target: .report("litter-1"), by: TestWorld.assessor, note: "litter cleared")
        #expect(await world.store.report("litter-1")?.status == .cured)

        let summary = try await world.close(month("2026-03"), on: day("2026-03-31"))
        #expect(summary.entered == 0)
        let entries = await world.store.entries(subject: "zhang-wei")
        #expect(entries.map(\.kind) == [.cure])
        #expect(entries.allSatisfy { $0.points == .zero })
        #expect(await world.storedStanding(of: "zhang-wei")?.score == Points(1000))
        #expect(await world.store.report("litter-1")?.status == .cured)
    }

    @Test func litterNotCuredIsDeductedAtTheFirstCloseAfterTheGrace() async throws {
        // Proves an uncured fault waits out its grace at the March close and is deducted (-3) at the April close.
        let world = try await TestWorld.make(schemes: [Self.litter()], subjects: [person("zhang-wei")])
        try await world.record("litter-1", about: "zhang-wei", rule: "litter", on: day("2026-03-30"))
        let march = try await world.close(month("2026-03"), on: day("2026-03-31"))
        #expect(march.awaitingGrace == 1)
        #expect(march.entered == 0)
        #expect(await world.store.report("litter-1")?.status == .awaitingGrace)
        #expect(await world.storedStanding(of: "zhang-wei")?.score == Points(1000))

        let april = try await world.close(month("2026-04"), on: day("2026-04-25"))
        #expect(april.entered == 1)
        #expect(await world.store.report("litter-1")?.status == .entered)
        let entry = try #require(await world.store.entry(TestWorld.entryID(of: "litter-1")))
        #expect(entry.points == Points(-3))
        #expect(entry.effectiveOn == day("2026-04-25"))
        #expect(await world.storedStanding(of: "zhang-wei")?.score == Points(997))
    }

    @Test(arguments: [("2026-03-22", ReportStatus.awaitingGrace), ("2026-03-23", ReportStatus.entered)])
    func closeOnTheLastGraceDayWaitsAndOnTheDayItEndsDeducts(closeDay: String, expected: ReportStatus) async throws {
        // Proves the grace boundary is exact: littered on the 20th, a close on the 22nd still waits and a close on the 23rd deducts.
        let world = try await TestWorld.make(schemes: [Self.litter()], subjects: [person("zhang-wei")])
        try await world.record("litter-1", about: "zhang-wei", rule: "litter", on: day("2026-03-20"))
        try await world.close(month("2026-03"), on: day(closeDay))
        #expect(await world.store.report("litter-1")?.status == expected)
        let score = await world.storedStanding(of: "zhang-wei")?.score
        #expect(score == (expected == .entered ? Points(997) : Points(1000)))
    }

    @Test func cureOnTheLastGraceDayIsAcceptedAndOnTheDayItEndsIsRefused() async throws {
        // Proves a cure dated the last grace day (22nd) is taken and one dated the day the grace ends (23rd) is refused.
        let world = try await TestWorld.make(schemes: [Self.litter()], subjects: [person("zhang-wei"), person("liu-yang")])
        try await world.record("litter-late", about: "zhang-wei", rule: "litter", on: day("2026-03-20"))
        try await world.record("litter-in-time", about: "liu-yang", rule: "litter", on: day("2026-03-20"))

        let refused = await civicErrorCode {
            _ = try await world.engine(on: day("2026-03-23"))
                .remedy("cure-late", target: .report("litter-late"), by: TestWorld.assessor, note: "cleared")
        }
        #expect(refused == .refused)
        #expect(await world.store.report("litter-late")?.status == .approved)

        _ = try await world.engine(on: day("2026-03-23"))
            .remedy("cure-in-time", target: .report("litter-in-time"), on: day("2026-03-22"), by: TestWorld.assessor, note: "cleared")
        #expect(await world.store.report("litter-in-time")?.status == .cured)

        try await world.close(month("2026-03"), on: day("2026-03-31"))
        #expect(await world.storedStanding(of: "zhang-wei")?.score == Points(997))
        #expect(await world.storedStanding(of: "liu-yang")?.score == Points(1000))
    }
}
