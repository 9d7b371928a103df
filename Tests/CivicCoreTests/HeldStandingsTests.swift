import CivicCore
import CivicTesting
import Testing

/// A cycle close folds again only the standings that may have changed since they were stored; the
/// others still hold and only their day moves on. Whatever it skips, every stored standing must equal a
/// fresh fold on its day, and a change that comes by itself (an expiry, a lock-in's end, an appeal's
/// deadline) must be folded on the close that reaches it. A new year moves only the points earned this year
/// and last, which a held standing moves without a fold, unless the scheme has a yearly quota.
@Suite struct HeldStandingsTests {
    static func scheme() -> Scheme {
        pointsScheme(rules: [rule("litter", Points(-30), category: "sanitation"), rule("help", Points(5), category: "volunteering")],
                     negativeExpiryDays: 20)
    }

    /// Every stored standing is the fold of its own day, and every one is on `day`.
    static func expectAllCurrent(_ world: TestWorld, on day: Day, _ comment: Comment) async throws {
        let report = try await world.engine(on: day).verifyStandings()
        #expect(report.mismatches.isEmpty, "\(comment): \(report.mismatches)")
        for standing in await world.store.standings(after: nil, limit: 100) {
            #expect(standing.asOf == day, "\(comment): \(standing.subject) as of \(standing.asOf)")
            #expect(standing == (try await world.standing(of: standing.subject, asOf: day)), "\(comment): \(standing.subject)")
        }
    }

    @Test func aCloseFoldsOnlyWhatMayHaveChangedAndTheRestStaysExact() async throws {
        let world = try await TestWorld.make(schemes: [Self.scheme()], subjects: [person("wang-fang"), person("li-na"), person("zhou-min")])
        try await world.record("litter-1", about: "wang-fang", rule: "litter", on: day("2026-01-10"))
        let first = try await world.close(month("2026-01"))
        #expect(first.standingsHeld == 0, "nothing is held before anything was stored")
        #expect(first.standingsComputed == 3)
        let litter = try #require(await world.storedStanding(of: "wang-fang"))
        #expect(litter.nextChange == day("2026-02-20"), "the entry, effective on the close's day, expires 20 days later")
        #expect(await world.storedStanding(of: "li-na")?.nextChange == Evaluator.noChange, "no record: nothing is due")
        try await Self.expectAllCurrent(world, on: day("2026-01-31"), "after January")

        // February: li-na gets a new entry; zhou-min is held; wang-fang's deduction expires on the 20th.
        try await world.record("help-1", about: "li-na", rule: "help", on: day("2026-02-05"))
        let february = try await world.close(month("2026-02"))
        #expect(february.standingsHeld == 1, "only zhou-min still holds")
        #expect(february.standingsComputed == 3)
        #expect(await world.storedStanding(of: "wang-fang")?.score == Points(1000), "the expiry was folded by the close that reached it")
        #expect(await world.storedStanding(of: "li-na")?.score == Points(1005))
        try await Self.expectAllCurrent(world, on: day("2026-02-28"), "after February")

        // March: nothing happens to anyone, so everyone holds.
        let march = try await world.close(month("2026-03"))
        #expect(march.standingsHeld == 3)
        #expect(march.gradeDistribution["village-credit"]?.values.reduce(0, +) == 3, "held standings still count in the summary")
        try await Self.expectAllCurrent(world, on: day("2026-03-31"), "after March")

        // A new year moves li-na's 5 points from this year to last year, and the year after out of both,
        // without a fold: everyone is held across it, and every stored standing is still the fold of its day.
        for month in ["2026-04", "2026-05", "2026-06", "2026-07", "2026-08", "2026-09", "2026-10", "2026-11", "2026-12"] {
            _ = try await world.close(CivicCoreTests.month(month))
        }
        let january = try await world.close(month("2027-01"))
        #expect(january.standingsHeld == 3)
        #expect(await world.storedStanding(of: "li-na")?.earned == EarnedPoints(year: 2027, thisYear: .zero, previousYear: Points(5)))
        try await Self.expectAllCurrent(world, on: day("2027-01-31"), "after the new year")
        var current = month("2027-02")
        while current <= month("2028-01") {
            _ = try await world.close(current)
            current = current.next
        }
        #expect(await world.storedStanding(of: "li-na")?.earned == EarnedPoints(year: 2028, thisYear: .zero, previousYear: .zero))
        try await Self.expectAllCurrent(world, on: day("2028-01-31"), "two years on")
    }

    @Test func aSchemeWithAQuotaIsFoldedAtTheNewYear() async throws {
        // The quota's status is of the year just ended, so the year's turn is a change day there.
        let world = try await TestWorld.make(
            schemes: [pointsScheme(rules: [rule("help", Points(5))], quota: Quota(pointsPerPersonYearly: Points(2)))],
            subjects: [person("wang-fang")])
        try await world.record("help-1", about: "wang-fang", rule: "help", on: day("2026-11-05"))
        try await world.close(month("2026-11"))
        #expect(await world.storedStanding(of: "wang-fang")?.nextChange == day("2027-01-01"))
        #expect(try await world.close(month("2026-12")).standingsHeld == 1)
        #expect(try await world.close(month("2027-01")).standingsHeld == 0)
        try await Self.expectAllCurrent(world, on: day("2027-01-31"), "after the quota's year")
    }

    @Test func anAppealFiledBetweenClosesIsFoldedAtTheNextCloseAndItsSuspensionTakesEffect() async throws {
        var scheme = pointsScheme(rules: [rule("fight", Points(-100), category: "public-order")])
        scheme.appealDays = 60
        scheme.appealDecision = .days(10)
        let world = try await TestWorld.make(
            schemes: [scheme], subjects: [person("chen-jie")],
            actors: [Actor(id: "res-chen-jie", name: "Chen Jie", roles: [.resident], jurisdiction: TestWorld.village, subject: "chen-jie")])
        try await world.record("fight-1", about: "chen-jie", rule: "fight", on: day("2026-03-03"))
        try await world.close(month("2026-03"))
        let fined = try #require(await world.storedStanding(of: "chen-jie"))
        #expect(fined.score == Points(900))

        // The appeal adds an entry without folding the standing; its deadline passes in April with no decision.
        _ = try await world.engine(on: day("2026-04-02")).fileAppeal(AppealRequest(
            id: "appeal-1", entry: TestWorld.entryID(of: "fight-1"), disputes: .entry, by: "res-chen-jie",
            statement: "It was not me.", evidence: []))
        let april = try await world.close(month("2026-04"))
        #expect(april.standingsHeld == 0, "the appeal's entry came after the fold, so the standing is folded again")
        let suspended = try #require(await world.storedStanding(of: "chen-jie"))
        #expect(suspended.score == Points(1000), "the overdue appeal suspends the deduction")
        #expect(suspended.foldedThrough == (await world.store.ledgerHead()))
        try await Self.expectAllCurrent(world, on: day("2026-04-30"), "after the appeal's deadline")
    }

    @Test func aLockInThatEndsBetweenClosesIsFoldedOnTheCloseThatReachesIt() async throws {
        let world = try await TestWorld.make(schemes: [pointsScheme(rules: [rule("fraud", Points(-200), category: "financial-credit")])],
                                             subjects: [person("guo-bin")])
        try await world.record("fraud-1", about: "guo-bin", rule: "fraud", on: day("2026-01-05"))
        try await world.close(month("2026-01"))
        let fallen = try #require(await world.storedStanding(of: "guo-bin"))
        let lock = try #require(fallen.lock, "a fall into a band with a lock-in")
        #expect(fallen.nextChange == lock.until, "nothing else is due before the lock-in ends")
        // Walk month by month to just past the lock's end: every close either holds or folds, and stays exact.
        var current = month("2026-02")
        while current.firstDay <= lock.until {
            let summary = try await world.close(current)
            #expect(summary.standingsComputed == 1)
            try await Self.expectAllCurrent(world, on: current.lastDay, "after \(current)")
            current = current.next
        }
        #expect(await world.storedStanding(of: "guo-bin")?.lock == nil, "the lock-in ended and the close that reached it saw it")
    }
}

/// The auditor's comparison of a stored standing with a fresh fold: an entry recorded about the subject
/// after the standing was stored leaves the stored fold marks behind (which sends it to be folded at the
/// next close) and is not a mismatch; any other difference is.
@Suite struct StandingAgreementTests {
    static let stored = Standing(subject: "wang-fang", scheme: "credit", asOf: day("2026-03-31"), score: Points(970), grade: "A",
                                 nextChange: day("2026-04-20"), foldedThrough: 12)

    @Test func aLaterEntryMovesOnlyTheMarks() {
        var fresh = Self.stored
        fresh.foldedThrough = 15
        fresh.nextChange = day("2026-04-02")
        #expect(Self.stored.agrees(withFold: fresh))
        #expect(Self.stored.agrees(withFold: Self.stored))
    }

    @Test func anyOtherDifferenceIsAMismatch() {
        var score = Self.stored
        score.foldedThrough = 15
        score.score = Points(960)
        #expect(!Self.stored.agrees(withFold: score), "the substance differs, whatever the marks")

        var changeDay = Self.stored
        changeDay.nextChange = day("2026-04-02")
        #expect(!Self.stored.agrees(withFold: changeDay), "same entries seen, so the change day must agree")

        var behind = Self.stored
        behind.foldedThrough = 10
        #expect(!Self.stored.agrees(withFold: behind), "a fold never sees fewer entries than the stored one did")

        var unmarked = Self.stored
        unmarked.foldedThrough = nil
        unmarked.nextChange = nil
        #expect(!unmarked.agrees(withFold: Self.stored), "a standing stored without marks is compared whole")
    }
}
