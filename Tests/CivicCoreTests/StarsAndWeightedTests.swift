import CivicCore
import CivicTesting
import Testing

/// Yangqiao's household stars and a weighted company score.
@Suite struct StarsAndWeightedTests {
    @Test func householdStarsAreTheLatestQuarterlyRatingPerDimensionWithDefaultsForTheRest() async throws {
        // Proves five-dimension stars: Q1 courtyard 2 is replaced by Q2 courtyard 5, laws 4 holds, unrated dimensions show 3: 5+4+3+3+3 = 18.
        let world = try await TestWorld.make(schemes: [yangqiaoStarsScheme()], subjects: [household("h-zhou")])
        try await world.record("q1-courtyard", about: "h-zhou", rule: "rate-courtyard", on: day("2026-03-20"), stars: 2)
        try await world.record("q1-laws", about: "h-zhou", rule: "rate-laws", on: day("2026-03-20"), stars: 4)
        try await world.close(month("2026-03"), on: day("2026-03-31"))
        let firstQuarter = try #require(await world.storedStanding(of: "h-zhou"))
        #expect(firstQuarter.score == Points(2 + 4 + 3 + 3 + 3))
        #expect(firstQuarter.dimensions["courtyard"] == Points(2))

        try await world.record("q2-courtyard", about: "h-zhou", rule: "rate-courtyard", on: day("2026-06-18"), stars: 5)
        try await world.close(month("2026-06"), on: day("2026-06-30"))
        let secondQuarter = try #require(await world.storedStanding(of: "h-zhou"))
        #expect(secondQuarter.dimensions == [
            "courtyard": Points(5), "laws": Points(4), "recycling": Points(3), "credit": Points(3), "family-values": Points(3),
        ])
        #expect(secondQuarter.score == Points(18))
        #expect(secondQuarter.grade == nil)
        // Between the two ratings the Q1 stars still show.
        #expect(try await world.standing(of: "h-zhou", asOf: day("2026-06-29")).dimensions["courtyard"] == Points(2))
    }

    @Test func aLateRatingForAnEarlierQuarterDoesNotReplaceALaterQuartersRating() async throws {
        // Proves a Q1 rating entered after the Q2 rating (filed late) leaves Q2's 5 stars showing: the later quarter wins, not the later entry.
        let world = try await TestWorld.make(schemes: [yangqiaoStarsScheme()], subjects: [household("h-zhou")])
        try await world.record("q2-courtyard", about: "h-zhou", rule: "rate-courtyard", on: day("2026-06-18"), stars: 5)
        try await world.close(month("2026-06"), on: day("2026-06-30"))
        try await world.record("q1-courtyard-late", about: "h-zhou", rule: "rate-courtyard", on: day("2026-07-03"),
                               occurredOn: day("2026-03-20"), stars: 2)
        try await world.close(month("2026-07"), on: day("2026-07-31"))
        #expect(await world.storedStanding(of: "h-zhou")?.dimensions["courtyard"] == Points(5))
    }

    @Test func aRatingOutsideOneToFiveStarsIsRefusedAndAnAdjustmentSetsTheStars() async throws {
        // Proves 6 stars is refused at filing, and a reviewer's adjustment to 4 stars is what the ledger records.
        let world = try await TestWorld.make(schemes: [yangqiaoStarsScheme()], subjects: [household("h-zhou")])
        let tooMany = await civicErrorCode {
            try await world.file("too-many", about: "h-zhou", rule: "rate-recycling", on: day("2026-03-20"), stars: 6)
        }
        #expect(tooMany == .invalidInput)
        try await world.file("recycling", about: "h-zhou", rule: "rate-recycling", on: day("2026-03-20"), stars: 5)
        try await world.decide("recycling", .adjust(Points(4)), on: day("2026-03-25"), reason: "bins not sorted on the second visit")
        try await world.close(month("2026-03"), on: day("2026-03-31"))
        #expect(await world.store.entry(TestWorld.entryID(of: "recycling"))?.stars == 4)
        #expect(await world.storedStanding(of: "h-zhou")?.score == Points(4 + 3 * 4))
    }

    static func companyCredit() -> Scheme {
        weightedScheme(
            dimensions: [("tax", 40, Points(100)), ("judicial", 35, Points(100)), ("regulatory", 25, Points(100))],
            rules: [
                rule("late-tax-payment", Points(-25), category: "tax", dimension: "tax"),
                rule("tax-evasion", Points(-100), category: "tax", dimension: "tax"),
                rule("regulatory-fine", points("-12.5"), category: "regulatory-compliance", dimension: "regulatory"),
            ])
    }

    @Test func aWeightedCompanyScoreIsExactFixedPointOnZeroToOneHundred() async throws {
        // Proves (40 x 75 + 35 x 100 + 25 x 87.5) / 100 = 86.875 is taken down to the hundredth, 86.87 (grade B), never rounded up, and a clamped tax dimension gives 56.87 (C).
        let world = try await TestWorld.make(schemes: [Self.companyCredit()], subjects: [company("jinhai-trading")])
        #expect(try await world.standing(of: "jinhai-trading", asOf: day("2026-03-01")).score == Points(100))
        #expect(try await world.standing(of: "jinhai-trading", asOf: day("2026-03-01")).grade == "A")

        try await world.record("late-tax", about: "jinhai-trading", rule: "late-tax-payment", on: day("2026-03-02"))
        try await world.record("fine", about: "jinhai-trading", rule: "regulatory-fine", on: day("2026-03-09"))
        try await world.close(month("2026-03"), on: day("2026-03-31"))
        let scored = try #require(await world.storedStanding(of: "jinhai-trading"))
        #expect(scored.score == Points(hundredths: 8687))
        #expect(scored.score.description == "86.87")
        #expect(scored.grade == "B")
        #expect(scored.dimensions == ["tax": Points(75), "judicial": Points(100), "regulatory": points("87.5")])

        // 75 - 100 = -25 is clamped to 0 before weighting: (0 + 3500 + 2187.5) / 100 = 56.875.
        try await world.record("evasion", about: "jinhai-trading", rule: "tax-evasion", on: day("2026-04-02"))
        try await world.close(month("2026-04"), on: day("2026-04-30"))
        let evaded = try #require(await world.storedStanding(of: "jinhai-trading"))
        #expect(evaded.dimensions["tax"] == .zero)
        #expect(evaded.score == Points(hundredths: 5687))
        #expect(evaded.grade == "C")
    }

    @Test func theWeightedFormulaTakesThirdsDownToTheHundredth() {
        // Proves equal weights over (90, 100, 100) give 96.666... taken down to 96.66, and (0, 0, 0.01) to 0.
        let scale = WeightedScale(
            dimensions: ["a", "b", "c"].map { WeightedDimension(id: Dimension.ID($0), title: LocalizedText(en: $0, zh: $0), weight: 1, base: Points(100)) },
            minimum: .zero, maximum: Points(100))
        #expect(scale.score(dimensionValues: ["a": Points(90)]) == Points(hundredths: 9666))
        #expect(scale.score(dimensionValues: ["a": .zero, "b": .zero, "c": Points(hundredths: 1)]) == .zero)
        // Sesame's range: 350 + 600 x 0.5 = 650.
        let sesame = WeightedScale(dimensions: scale.dimensions, minimum: Points(350), maximum: Points(950))
        #expect(sesame.score(dimensionValues: ["a": Points(50), "b": Points(50), "c": Points(50)]) == Points(650))
    }

    /// Five dimensions with unequal published weights mapped onto 350-950, as a Sesame-style score.
    static func fiveDimensions(precision: Points? = nil) -> WeightedScale {
        let weights = [("history", 35), ("contracts", 25), ("assets", 20), ("profile", 15), ("deposits", 5)]
        return WeightedScale(
            dimensions: weights.map { WeightedDimension(id: Dimension.ID($0.0), title: LocalizedText(en: $0.0, zh: $0.0), weight: $0.1, base: Points(50)) },
            minimum: Points(350), maximum: Points(950), precision: precision)
    }

    @Test func aScoreJustBelowAThresholdIsNeverShownAtIt() {
        // Proves 650 - 0.003 (the 5% dimension 0.01 below 50) scores 649.99, not 650.00: it must not pass a 650 threshold.
        let scale = Self.fiveDimensions()
        let exactly = scale.score(dimensionValues: [:])
        #expect(exactly == Points(650))
        let justBelow = scale.score(dimensionValues: ["deposits": Points(hundredths: 4999)])
        #expect(justBelow == Points(hundredths: 64999))
        #expect(justBelow < Points(650))
        // 650 + 0.003 stays at 650.00.
        #expect(scale.score(dimensionValues: ["deposits": Points(hundredths: 5001)]) == Points(650))
    }

    @Test func aDeclaredPrecisionOfOnePointLandsExactlyOnSixHundredFifty() {
        // Proves with precision 1 an exact 650.3 scores 650, 649.7 scores 649, 655.25 scores 655, and 950 stays reachable.
        let scale = Self.fiveDimensions(precision: Points(1))
        // deposits 51: 650 + 600 x 5 x 1 / 10000 = 650.3.
        #expect(scale.score(dimensionValues: ["deposits": Points(51)]) == Points(650))
        // deposits 49: 649.7 -> 649.
        #expect(scale.score(dimensionValues: ["deposits": Points(49)]) == Points(649))
        // history 52.5: 650 + 600 x 35 x 2.5 / 10000 = 655.25 -> 655.
        #expect(scale.score(dimensionValues: ["history": points("52.5")]) == Points(655))
        let top = Dictionary(uniqueKeysWithValues: scale.dimensions.map { ($0.id, Points(100)) })
        #expect(scale.score(dimensionValues: top) == Points(950))
        #expect(scale.canReach(Points(650)))
        #expect(!scale.canReach(points("650.5")))
        #expect(scale.stepIsReachable)
    }

    @Test func aThresholdOfSixHundredFiftyGradesTheExactValueNotARoundedOne() async throws {
        // Proves through the fold and the store: a company 0.003 below 650 is graded B, one exactly at 650 A, and the stored standing equals a fresh fold.
        let scale = Self.fiveDimensions()
        let scheme = Scheme(
            id: "sesame-style", title: LocalizedText(en: "s", zh: "s"), subjectKinds: [.organisation], scale: .weighted(scale),
            grades: GradeScale(bands: [GradeBand(grade: "A", minimum: Points(650)), GradeBand(grade: "B", minimum: Points(350))]),
            rules: [rule("late-payment", points("-0.01"), category: "financial-credit", dimension: "deposits"),
                    rule("on-time", points("0.01"), category: "financial-credit", dimension: "deposits")])
        let world = try await TestWorld.make(schemes: [scheme], subjects: [company("lanshan"), company("haibin")])
        try await world.record("late", about: "lanshan", rule: "late-payment", on: day("2026-03-02"))
        try await world.record("late-2", about: "haibin", rule: "late-payment", on: day("2026-03-02"))
        try await world.record("on-time", about: "haibin", rule: "on-time", on: day("2026-03-03"))
        try await world.close(month("2026-03"), on: day("2026-03-31"))
        let below = try #require(await world.storedStanding(of: "lanshan"))
        #expect(below.score == Points(hundredths: 64999))
        #expect(below.grade == "B")
        let at = try #require(await world.storedStanding(of: "haibin"))
        #expect(at.score == Points(650))
        #expect(at.grade == "A")
        #expect(try await world.standing(of: "lanshan", asOf: day("2026-03-31")) == below)
    }
}
