import CivicCore
import CivicHandbook
import Testing

/// A weighted scale's declared precision: read, checked against every threshold, and published in both languages.
@Suite struct ScorePrecisionTests {
    /// A Sesame-style scheme over 350-950; `scale` and `rest` are spliced in (indented 4).
    static func sesame(precision: String = "precision: 1", bands: String = "- {grade: high, minimum: 650}", condition: String = "{score_at_least: 650}") -> String {
        schemeHandbook("""
                subjects: [person]
                scale:
                  type: weighted
                  minimum: 350
                  maximum: 950
                  \(precision)
                  dimensions:
                    - {id: history, title: {en: Payment history, zh: 信用历史}, weight: 35, base: 50}
                    - {id: contracts, title: {en: Contracts fulfilled, zh: 履约能力}, weight: 25, base: 50}
                    - {id: assets, title: {en: Assets, zh: 资产}, weight: 20, base: 50}
                    - {id: profile, title: {en: Profile, zh: 身份特质}, weight: 15, base: 50}
                    - {id: deposits, title: {en: Deposits kept, zh: 押金履约}, weight: 5, base: 50}
                grades:
                  bands:
                    \(bands)
                    - {grade: base, minimum: 350}
                rules:
                  - {code: R-ON-TIME, title: {en: Paid on time, zh: 按时还款}, category: financial-credit, dimension: history, points: "0.5"}
                measures:
                  - id: deposit-waived
                    title: {en: Deposit waived, zh: 免押金}
                    kind: reward
                    domain: finance
                    condition: \(condition)
            """)
    }

    @Test func aDeclaredPrecisionIsReadAndScoresLandOnWholeSteps() throws {
        // Proves 'precision: 1' loads, and an exact 650.3 scores exactly 650, meeting the 650 band and condition.
        let handbook = try HandbookLoader.load(Self.sesame(), file: "sesame.yaml")
        guard case .weighted(let scale) = try #require(handbook.schemes.first).scale else {
            Issue.record("not a weighted scale")
            return
        }
        #expect(scale.precision == Points(1))
        #expect(scale.score(dimensionValues: ["deposits": Points(51)]) == Points(650))
    }

    @Test func withoutAPrecisionTheStepIsAHundredth() throws {
        // Proves the default: no 'precision' key means steps of 0.01, and 649.997 is 649.99.
        let handbook = try HandbookLoader.load(Self.sesame(precision: ""), file: "sesame.yaml")
        guard case .weighted(let scale) = try #require(handbook.schemes.first).scale else {
            Issue.record("not a weighted scale")
            return
        }
        #expect(scale.precision == nil)
        #expect(scale.step == Points(hundredths: 1))
        #expect(scale.score(dimensionValues: ["deposits": Points(hundredths: 4999)]) == Points(hundredths: 64999))
    }

    @Test func thresholdsBetweenStepsAreErrorsInBothLanguages() {
        // Proves a band minimum and a condition of 650.5 at precision 1 are errors that say where and what, in en and zh, and nothing loads.
        let result = HandbookLoader.parse(
            Self.sesame(bands: "- {grade: high, minimum: 650.5}", condition: "{score_below: 700.25}"), file: "sesame.yaml")
        #expect(result.handbook == nil)
        #expect(messages(result.errors) == [
            "sesame.yaml:21:34: error: schemes[0].grades.bands[0].minimum: threshold 650.5 cannot be reached: scores on this scale are 350 plus whole steps of 1 (its precision), so write a multiple of the step such as 650",
            "sesame.yaml:30:34: error: schemes[0].measures[0].condition.score_below: threshold 700.25 cannot be reached: scores on this scale are 350 plus whole steps of 1 (its precision), so write a multiple of the step such as 700",
        ])
        #expect(result.errors.first?.message(in: "zh") == "门槛 650.5 无法达到：本量表的分数为 350 加上若干个 1 的整步（其精度），请填写整步的分值，如 650")
    }

    @Test func aPrecisionThatDoesNotDivideTheRangeIsAnError() {
        // Proves 0.7 (600 is not a multiple of it), 0 and a step wider than the range are refused at 'precision'.
        for bad in ["0.7", "0", "601"] {
            let result = HandbookLoader.parse(Self.sesame(precision: "precision: \(bad)"), file: "sesame.yaml")
            #expect(result.handbook == nil)
            #expect(result.errors.map(\.path) == ["schemes[0].scale.precision"], "precision \(bad)")
            #expect(result.errors.first?.message.hasPrefix("precision \(bad) does not divide the range 350 to 950") == true)
            #expect(result.errors.first?.messageZH?.hasPrefix("精度 \(bad) 不能把 350 至 950") == true)
        }
    }

    @Test func aPrecisionFinerThanTheScaleCanMoveIsAnError() {
        // Proves a 0-100000 range over weights 1 and 99 moves by at least 0.1, so a step of 0.01 would leave thresholds unreachable.
        let text = schemeHandbook("""
                subjects: [organisation]
                scale:
                  type: weighted
                  minimum: 0
                  maximum: 100000
                  dimensions:
                    - {id: tax, title: {en: Tax, zh: 纳税}, weight: 1, base: 50}
                    - {id: quality, title: {en: Quality, zh: 质量}, weight: 99, base: 50}
                rules:
                  - {code: R-TAX, title: {en: Tax paid, zh: 纳税}, category: tax, dimension: tax, points: 1}
            """)
        let result = HandbookLoader.parse(text, file: "wide.yaml")
        #expect(result.handbook == nil)
        #expect(messages(result.errors) == [
            "wide.yaml:9:7: error: schemes[0].scale.precision: a step of 0.01 is finer than the smallest change this scale can make (about 0.1), so some thresholds could never be reached: declare a coarser 'precision'",
        ])
        #expect(HandbookLoader.parse(text.replacingOccurrences(of: "maximum: 100000", with: "maximum: 100000\n      precision: 0.1"), file: "wide.yaml").handbook != nil)
    }
}
