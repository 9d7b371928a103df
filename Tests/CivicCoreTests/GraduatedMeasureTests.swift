import CivicCore
import CivicHandbook
import CivicTesting
import PropertyBased
import Testing

/// A graduated measure answers which tier applies and its value, not only yes or no: the first tier whose
/// condition holds, with a score equal to a threshold meeting it, on points and on weighted 350-950 scales;
/// and the answer from a stored standing is the one a fresh fold gives.
@Suite struct GraduatedMeasureTests {
    static func tier(_ id: MeasureTier.ID, _ condition: Condition, _ value: TierValue) -> MeasureTier {
        MeasureTier(id: id, title: LocalizedText(en: "Tier \(id)", zh: "档次\(id)"), condition: condition, value: value)
    }

    /// "Deposit waived at 1,050 or more, halved at 1,000 or more" on a base of 1,000.
    static let deposit = Measure(
        id: "bike-deposit", title: LocalizedText(en: "Bike deposit", zh: "单车押金"), kind: .reward, domain: .commerce, condition: .always,
        tiers: [tier("waived", .scoreAtLeast(Points(1050)), .amount(.zero, .percent)),
                tier("halved", .scoreAtLeast(Points(1000)), .amount(Points(50), .percent))])

    static func world() async throws -> TestWorld {
        let scheme = pointsScheme(rules: [rule("gift", Points(50)), rule("small", Points(49)), rule("litter", Points(-1), category: "sanitation")],
                                  measures: [deposit], negativeExpiryDays: 365)
        return try await TestWorld.make(schemes: [scheme], subjects: [person("at-1050"), person("at-1049"), person("no-record"), person("at-999")])
    }

    @Test func aScoreEqualToAThresholdMeetsItsTier() async throws {
        let world = try await Self.world()
        try await world.record("r1", about: "at-1050", rule: "gift", on: day("2026-01-05"))
        try await world.record("r2", about: "at-1049", rule: "small", on: day("2026-01-05"))
        try await world.record("r3", about: "at-999", rule: "litter", on: day("2026-01-05"))
        try await world.close(month("2026-01"))
        let engine = world.engine(on: day("2026-02-02"))

        let top = try await engine.check("at-1050", measure: "bike-deposit")
        #expect(top.applies && top.tier?.id == "waived" && top.reason == "score-at-least:1050")
        #expect(top.tier?.value == .amount(.zero, .percent), "a deposit waived: 0 percent of it is paid")
        let below = try await engine.check("at-1049", measure: "bike-deposit")
        #expect(below.applies && below.tier?.id == "halved" && below.reason == "score-at-least:1000", "1,049 misses 1,050 by a point")
        #expect(below.tier?.value.amount == Points(50))
        let neutral = try await engine.check("no-record", measure: "bike-deposit")
        #expect(neutral.applies && neutral.tier?.id == "halved" && neutral.reason == "no-record:score-at-least:1000",
                "no record is the base, exactly the lower threshold")
        let none = try await engine.check("at-999", measure: "bike-deposit")
        #expect(!none.applies && none.tier == nil && none.reason == "score-below:1000", "the reason is what the last tier misses")

        let batch = try await engine.check(["at-1050", "at-1049", "no-record", "at-999"], measure: "bike-deposit")
        #expect(batch["at-1050"] == top && batch["at-1049"] == below && batch["no-record"] == neutral && batch["at-999"] == none)
    }

    @Test func fallingATierIsNoticedAsAMeasureLost() async throws {
        // Proves a reward that still applies but at a lower tier (waived to halved) is an adverse effect on the notice.
        let world = try await Self.world()
        try await world.record("r1", about: "at-1050", rule: "gift", on: day("2026-01-05"))
        try await world.close(month("2026-01"))
        try await world.record("r2", about: "at-1050", rule: "litter", on: day("2026-02-05"))
        try await world.close(month("2026-02"))
        let notices = await world.store.notices(subject: "at-1050")
        let fall = try #require(notices.first { $0.effect?.scoreAfter == Points(1049) })
        #expect(fall.effect?.measuresLost == ["bike-deposit"], "\(String(describing: fall.effect))")
        #expect(try await world.engine(on: day("2026-03-01")).check("at-1050", measure: "bike-deposit").tier?.id == "halved")
    }

    @Test func aYesNoMeasureCarriesNoTier() async throws {
        let plain = measure("gift", .reward, domain: .community, condition: .scoreAtLeast(Points(1000)))
        let world = try await TestWorld.make(schemes: [pointsScheme(rules: [rule("help", Points(1))], measures: [plain])],
                                             subjects: [person("li-na")])
        let decision = try await world.engine(on: day("2026-01-10")).check("li-na", measure: "gift")
        #expect(decision.applies && decision.tier == nil && decision.reason == "no-record:score-at-least:1000")
    }

    @Test func aMeasureConditionGatesItsTiers() throws {
        // A blacklisted subject gets no tier even with the score for one: the measure's own condition comes first.
        var gated = Self.deposit
        gated.condition = .not(.scoreBelow(Points(1020)))
        let standing = Standing(subject: "s", scheme: "village-credit", asOf: day("2026-01-10"), score: Points(1010), grade: "A", lastSequence: 1)
        let decision = gated.decide(standing, grades: rongchengGrades())
        #expect(!decision.applies && decision.tier == nil && decision.reason == "score-below:1020")
        gated.condition = .not(.scoreBelow(Points(1000)))
        #expect(gated.decide(standing, grades: rongchengGrades()).tier?.id == "halved")
    }

    /// A Sesame-style 350-950 scale published in whole points, with deposits waived at 700 and halved at 650.
    static let sesame = """
        jurisdiction: zhaojiashan
        version: 1
        title: {en: Sesame-style test, zh: 芝麻式测试}
        schemes:
          - id: sesame
            title: {en: Sesame-style score, zh: 芝麻式评分}
            subjects: [person]
            negative_expiry_days: 365
            scale:
              type: weighted
              minimum: 350
              maximum: 950
              precision: 1
              dimensions:
                - {id: history, title: {en: Payment history, zh: 信用历史}, weight: 35, base: 50}
                - {id: contracts, title: {en: Contracts fulfilled, zh: 履约能力}, weight: 25, base: 50}
                - {id: assets, title: {en: Assets, zh: 资产}, weight: 20, base: 50}
                - {id: profile, title: {en: Profile, zh: 身份特质}, weight: 15, base: 50}
                - {id: deposits, title: {en: Deposits kept, zh: 押金履约}, weight: 5, base: 50}
            rules:
              - {code: R-ON-TIME, title: {en: Paid on time, zh: 按时还款}, category: financial-credit, dimension: deposits, points: 1}
              - {code: R-LATE, title: {en: Paid late, zh: 逾期还款}, category: financial-credit, dimension: deposits, points: -1}
            measures:
              - id: rental-deposit
                title: {en: Rental deposit, zh: 租赁押金}
                kind: reward
                domain: finance
                tiers:
                  - {tier: waived, title: {en: Deposit waived, zh: 免押金}, when: {score_at_least: 700}, amount: 0, unit: percent}
                  - {tier: halved, title: {en: Deposit halved, zh: 押金减半}, when: {score_at_least: 650}, amount: 50, unit: percent}
        """

    @Test func weightedScoresMeetATierExactlyAtItsThreshold() async throws {
        // Neutral is exactly 650; one point more in deposits is an exact 650.3, published 650; one less is 649.7, published 649.
        let handbook = try HandbookLoader.load(Self.sesame, file: "sesame.yaml")
        let world = try await TestWorld.make(schemes: handbook.schemes, subjects: [person("neutral"), person("on-time"), person("late")])
        try await world.record("r1", about: "on-time", rule: "R-ON-TIME", on: day("2026-01-05"))
        try await world.record("r2", about: "late", rule: "R-LATE", on: day("2026-01-05"))
        try await world.close(month("2026-01"))
        let engine = world.engine(on: day("2026-02-02"))
        let scores = try await ["neutral", "on-time", "late"].asyncMap { try await world.standing(of: Subject.ID($0), asOf: day("2026-02-02")).score }
        #expect(scores == [Points(650), Points(650), Points(649)])
        for (subject, tier) in [("neutral", "halved"), ("on-time", "halved")] as [(Subject.ID, MeasureTier.ID)] {
            let decision = try await engine.check(subject, measure: "rental-deposit")
            #expect(decision.applies && decision.tier?.id == tier && decision.reason.hasSuffix("score-at-least:650"), "\(subject)")
        }
        let late = try await engine.check("late", measure: "rental-deposit")
        #expect(!late.applies && late.tier == nil && late.reason == "score-below:650", "649.7 is published as 649, below 650")
    }

    // MARK: The stored standing answers as a fresh fold does

    /// The property scheme with graduated measures by grade and by score, a reward and a sanction.
    static func propertyScheme() -> Scheme {
        var scheme = ProjectionPropertyTests.scheme()
        scheme.measures = [
            Measure(id: "loan-rate", title: LocalizedText(en: "Loan rate", zh: "贷款利率"), kind: .reward, domain: .finance, condition: .always,
                    tiers: [tier("aaa", .gradeAtLeast("AAA"), .amount(points("-0.5"), .percentagePoints)),
                            tier("aa", .gradeAtLeast("AA"), .amount(points("-0.3"), .percentagePoints)),
                            tier("a", .gradeAtLeast("A"), .level)]),
            Measure(id: "deposit-surcharge", title: LocalizedText(en: "Higher deposit", zh: "提高押金"), kind: .sanction, domain: .commerce,
                    condition: .not(.onList(.red)), remedyHint: LocalizedText(en: "Raise the score", zh: "提高积分"),
                    tiers: [tier("double", .scoreBelow(Points(700)), .amount(Points(200), .percent)),
                            tier("half-again", .scoreBelow(Points(960)), .amount(Points(150), .percent))]),
        ]
        return scheme
    }

    @Test func theTierFromAStoredStandingIsTheTierOfAFreshFold() async {
        // Proves that over random histories every check (answered from the stored standing when it still holds) equals deciding on a fresh fold.
        await propertyCheck(count: 25, input: Gen.int(in: 0...1_000_000).array(of: 10...50)) { codes in
            let world = try await TestWorld.make(
                schemes: [Self.propertyScheme()],
                subjects: [household("h1"), person("p1", household: "h1"), person("p2", household: "h1", born: day("1940-02-02")),
                           person("p3"), person("p4", registeredOn: day("2026-06-01"))])
            var today = day("2026-01-05")
            for (step, code) in codes.enumerated() {
                today = try await ProjectionPropertyTests.apply(code, step: step, today: today, world: world)
                guard step % 5 == 4 || step == codes.count - 1 else { continue }
                let engine = world.engine(on: today)
                for subject in ProjectionPropertyTests.subjectIDs {
                    let fresh = try await world.standing(of: subject, asOf: today)
                    for measure in Self.propertyScheme().measures {
                        let checked = try await engine.check(subject, measure: measure.id)
                        #expect(checked == measure.decide(fresh, grades: rongchengGrades()), "\(subject) \(measure.id) on \(today), step \(step)")
                    }
                }
            }
        }
    }
}

extension Array {
    func asyncMap<T>(_ transform: (Element) async throws -> T) async rethrows -> [T] {
        var result: [T] = []
        for element in self { result.append(try await transform(element)) }
        return result
    }
}
