import CivicCore
import CivicTesting
import PropertyBased
import Testing

/// Properties over random histories: stored projections equal a fresh fold, scores stay in range,
/// and the fold does not depend on the order its entries are given in.
@Suite struct ProjectionPropertyTests {
    static let floor = Points(0)
    static let ceiling = Points(1100)

    /// One scheme with every kind of rule the fold treats differently.
    static func scheme() -> Scheme {
        var scheme = pointsScheme(
            "prop-credit",
            rules: [
                rule("good", Points(1), cap: Cap(count: 2, period: .month)),
                rule("half", points("0.5")),
                rule("big-good", Points(100), category: "donation"),
                rule("litter", Points(-3), category: "sanitation", graceDays: 3),
                rule("nuisance", Points(-20), category: "public-order", gradeCap: "B"),
                rule("court", Points(-50), category: "court-enforcement", gradeCap: "D"),
                rule("loan", Points(-200), category: "financial-credit", expiryDays: 400),
                rule("tombstone", Points(-300), category: "housing-and-land"),
            ],
            floor: floor, ceiling: ceiling,
            quota: Quota(pointsPerPersonYearly: Points(2)), exemptions: [.ageFrom(80)],
            lists: [
                listCriterion("defaulters", .black, trigger: .rule(["court"]), duration: .untilRemedied),
                listCriterion("loan-defaulters", .black, trigger: .rule(["loan"]), duration: .days(200)),
                listCriterion("grade-d", .black, trigger: .gradeAtMost("D"), duration: .whileTriggered),
                listCriterion("exemplary", .red, trigger: .gradeAtLeast("AAA"), duration: .whileTriggered),
            ],
            negativeExpiryDays: 500)
        // A court default sends the subject straight to D, starts D's lock-in and holds until remedied; a public
        // nuisance's cap starts B's lock-in: both kinds of cap terms in every random history.
        for index in scheme.rules.indices {
            switch scheme.rules[index].id {
            case "court": scheme.rules[index].gradeCapTerms = GradeCapTerms(startsLockIn: true, untilRemedied: true)
            case "nuisance": scheme.rules[index].gradeCapTerms = GradeCapTerms(startsLockIn: true)
            default: break
            }
        }
        return scheme
    }

    static let ruleIDs: [Rule.ID] = ["good", "good", "half", "big-good", "litter", "nuisance", "court", "loan", "tombstone"]
    static let subjectIDs: [Subject.ID] = ["p1", "p2", "p3", "p4", "h1"]

    static func world() async throws -> TestWorld {
        try await TestWorld.make(
            schemes: [scheme()],
            subjects: [household("h1"), person("p1", household: "h1"), person("p2", household: "h1", born: day("1940-02-02")),
                       person("p3"), person("p4", registeredOn: day("2026-06-01"))])
    }

    /// Applies one operation decoded from `code` to the world; returns the new day.
    static func apply(_ code: Int, step: Int, today: Day, world: TestWorld) async throws -> Day {
        let engine = world.engine(on: today)
        let argument = code / 8
        let everything = Month(year: 9999, month: 12)!
        switch code % 8 {
        case 0, 1:
            let subject = subjectIDs[argument % subjectIDs.count]
            let ruleID = ruleIDs[(argument / 5) % ruleIDs.count]
            let back = (argument / 50) % 6
            let occurred = max(today.adding(days: -back), day("2026-01-05"))
            try await world.file(Report.ID("r\(step)"), about: subject, rule: ruleID, on: today, occurredOn: occurred)
        case 2, 3:
            let pending = await world.store.reports(statuses: [.pending], throughCycle: everything)
            guard !pending.isEmpty else { break }
            let record = pending[argument % pending.count]
            let reviewer = argument % 3 == 0 ? TestWorld.secondReviewer : TestWorld.reviewer
            if argument % 7 == 0 {
                try await world.reject(record.report.id, on: today, by: reviewer)
            } else {
                try await world.approve(record.report.id, on: today, by: reviewer)
            }
        case 4:
            return today.adding(days: 1 + argument % 150)
        case 5:
            let closed = await world.store.cycles().map(\.month)
            let target = argument % 4 == 0 ? today.month.previous : today.month
            if !closed.contains(target), target >= day("2026-01-05").month {
                try await world.close(target, on: today)
            }
        case 6:
            let ledger = await world.store.entries(after: 0, limit: 100_000)
            if argument % 2 == 0 {
                // Cure a littering report still inside its grace days.
                let open = await world.store.reports(statuses: [.pending, .approved, .awaitingGrace], throughCycle: everything)
                    .filter { $0.report.rule == "litter" && today < $0.report.occurredOn.adding(days: 3) }
                guard !open.isEmpty else { break }
                let record = open[(argument / 2) % open.count]
                _ = try await engine.remedy(Entry.ID("cure\(step)"), target: .report(record.report.id), by: TestWorld.assessor, note: "cleared")
            } else {
                let remedied = Set(ledger.filter { $0.kind == .remedy }.compactMap(\.references))
                let adverse = ledger.filter { $0.kind == .deed && $0.isAdverse && !remedied.contains($0.id) }
                guard !adverse.isEmpty else { break }
                let target = adverse[(argument / 2) % adverse.count]
                let span = max(0, target.effectiveOn.days(until: today))
                let backdated = target.effectiveOn.adding(days: span == 0 ? 0 : (argument / 7) % (span + 1))
                _ = try await engine.remedy(Entry.ID("remedy\(step)"), target: .entry(target.id), on: backdated, by: TestWorld.authority, note: "put right")
            }
        default:
            if argument % 5 == 0 {
                _ = try await engine.refreshStandings()
                break
            }
            let ledger = await world.store.entries(after: 0, limit: 100_000)
            let corrected = Set(ledger.filter { $0.kind == .correction }.compactMap(\.references))
            let deeds = ledger.filter { $0.kind == .deed && !corrected.contains($0.id) }
            guard !deeds.isEmpty else { break }
            let target = deeds[argument % deeds.count]
            _ = try await engine.correct(Entry.ID("fix\(step)"), entry: target.id, reason: "entered in error", by: TestWorld.admin)
        }
        return today
    }

    /// Every stored standing equals a fresh fold on its own day, and every score is within the scheme's range.
    static func checkProjections(_ world: TestWorld, after step: Int) async throws {
        for subject in subjectIDs {
            for stored in await world.store.standings(subject: subject) {
                let fresh = try await world.engine(on: stored.asOf).standings(of: subject, asOf: stored.asOf)
                    .first { $0.scheme == stored.scheme }
                #expect(fresh == stored, "standing of \(subject) as of \(stored.asOf), after step \(step)")
                #expect(stored.score >= floor && stored.score <= ceiling)
                let entries = await world.store.entries(subject: subject)
                let folded = Evaluator(scheme: scheme()).standing(subject: subject, entries: entries, asOf: stored.asOf)
                #expect(folded.score == stored.score && folded.grade == stored.grade && folded.listings == stored.listings)
            }
        }
    }

    @Test func storedStandingsEqualAFreshFoldAfterAnyHistory() async {
        // Proves that after every step of a random history (reports, decisions, closes, cures, remedies, corrections, refreshes) each stored standing equals a fresh fold on its day.
        await propertyCheck(count: 60, input: Gen.int(in: 0...1_000_000).array(of: 10...80)) { codes in
            let world = try await Self.world()
            var today = day("2026-01-05")
            for (step, code) in codes.enumerated() {
                today = try await Self.apply(code, step: step, today: today, world: world)
                try await Self.checkProjections(world, after: step)
            }
            // A last close folds every subject on the final day, with whatever is still waiting.
            if !(await world.store.cycles().contains { $0.month == today.month }) {
                try await world.close(today.month, on: today)
            }
            try await Self.checkProjections(world, after: codes.count)
        }
    }

    /// A small deterministic permutation from a seed, so that the property needs no shared random state.
    static func permuted<T>(_ items: [T], seed: Int) -> [T] {
        var items = items
        var state = UInt64(truncatingIfNeeded: seed) &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
        for index in stride(from: items.count - 1, to: 0, by: -1) {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            items.swapAt(index, Int((state >> 33) % UInt64(index + 1)))
        }
        return items
    }

    /// Builds a plausible ledger for one subject from codes: deeds of every rule, corrections, remedies.
    static func syntheticEntries(_ codes: [Int]) -> [Entry] {
        let scheme = scheme()
        var entries: [Entry] = []
        var effective = day("2026-01-10")
        for (index, code) in codes.enumerated() {
            effective = effective.adding(days: code % 40)
            let sequence = Int64(index + 1)
            let deeds = entries.filter { $0.kind == .deed }
            switch (code / 40) % 6 {
            case 4 where !deeds.isEmpty:
                let target = deeds[(code / 240) % deeds.count]
                entries.append(Entry(
                    id: Entry.ID("x\(index)"), sequence: sequence, kind: .correction, subject: "p1", scheme: scheme.id,
                    handbookJurisdiction: TestWorld.village, handbookVersion: 1, rule: target.rule, points: -target.points,
                    effectiveOn: max(effective, target.effectiveOn), expiresOn: target.expiresOn, references: target.id,
                    recordedOn: effective, recordedBy: TestWorld.admin))
            case 5 where !deeds.isEmpty:
                let target = deeds[(code / 240) % deeds.count]
                entries.append(Entry(
                    id: Entry.ID("x\(index)"), sequence: sequence, kind: .remedy, subject: "p1", scheme: scheme.id,
                    handbookJurisdiction: TestWorld.village, handbookVersion: 1, rule: target.rule,
                    effectiveOn: max(effective, target.effectiveOn), references: target.id, recordedOn: effective, recordedBy: TestWorld.authority))
            default:
                let ruleDefinition = scheme.rules[(code / 240) % scheme.rules.count]
                let ruleDays = ruleDefinition.expiryDays ?? (ruleDefinition.isAdverse ? scheme.negativeExpiryDays : nil)
                entries.append(Entry(
                    id: Entry.ID("x\(index)"), sequence: sequence, kind: .deed, subject: "p1", scheme: scheme.id,
                    handbookJurisdiction: TestWorld.village, handbookVersion: 1, rule: ruleDefinition.id,
                    category: ruleDefinition.category.code, points: ruleDefinition.points ?? .zero, occurredOn: effective,
                    effectiveOn: effective, expiresOn: ruleDays.map { effective.adding(days: $0) }, gradeCap: ruleDefinition.gradeCap,
                    recordedOn: effective, recordedBy: TestWorld.admin))
            }
        }
        return entries
    }

    @Test func theFoldDoesNotDependOnTheOrderOfItsEntries() async {
        // Proves folding the same entries given in any order (reversed, shuffled) gives the same standing on any day.
        await propertyCheck(count: 200, input: Gen.int(in: 0...1_000_000).array(of: 0...40), Gen.int(in: 0...4_000)) { codes, offset in
            let entries = Self.syntheticEntries(codes)
            let evaluator = Evaluator(scheme: Self.scheme())
            let asOf = day("2026-01-10").adding(days: offset)
            let expected = evaluator.standing(subject: "p1", entries: entries, asOf: asOf)
            #expect(evaluator.standing(subject: "p1", entries: entries.reversed(), asOf: asOf) == expected)
            #expect(evaluator.standing(subject: "p1", entries: Self.permuted(entries, seed: offset &+ codes.count), asOf: asOf) == expected)
            #expect(expected.score >= Self.floor && expected.score <= Self.ceiling)
        }
    }
}
