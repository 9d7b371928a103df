import CivicCore
import CivicHandbook
import Testing

/// Graduated measures as handbooks write them: tiers read in order with their values, and every malformed
/// tier (out of order, the same condition twice, an amount without its unit, an unknown unit or grade)
/// refused in English and Chinese at its own line.
@Suite struct MeasureTierTests {
    /// A points scheme with grades AAA..D; `tiers` is spliced in under one reward measure (indented 10).
    static func handbook(tiers: String, kind: String = "reward", condition: String = "") -> String {
        """
        jurisdiction: testville
        version: 1
        title: {en: Testville, zh: 测试村}
        schemes:
          - id: village
            title: {en: Village points, zh: 村积分}
            subjects: [person]
            scale: {type: points, base: 1000, floor: 0}
            negative_expiry_days: 365
            grades:
              bands:
                - {grade: AAA, minimum: 1050}
                - {grade: A, minimum: 960}
                - {grade: C, minimum: 600}
                - {grade: D, minimum: 0}
            rules:
              - {code: R-HELP, title: {en: Help, zh: 帮助}, category: neighbourly-help, points: 1}
              - {code: R-LITTER, title: {en: Litter, zh: 乱扔垃圾}, category: sanitation, points: -3}
            measures:
              - id: deposit
                title: {en: Deposit, zh: 押金}
                kind: \(kind)
                domain: commerce
                remedy_hint: {en: Raise the score, zh: 提高积分}
        \(condition.isEmpty ? "" : "        condition: \(condition)\n")        tiers:
        \(tiers)
        """
    }

    static func errors(_ text: String) -> [Diagnostic] { HandbookLoader.lint(text, file: "t.yaml").filter(\.isError) }

    @Test func tiersAreReadInOrderWithTheirValues() throws {
        // Proves the tiers, their amounts, units and a named level load in the order written, and the condition may be left out.
        let text = Self.handbook(tiers: """
                      - {tier: waived, title: {en: Deposit waived, zh: 免押金}, when: {score_at_least: 1050}, amount: 0, unit: percent}
                      - {tier: halved, title: {en: Deposit halved, zh: 押金减半}, when: {score_at_least: 960}, amount: "50.5", unit: percent}
                      - {tier: member, title: {en: Member, zh: 会员}, when: {grade_at_least: C}}
            """)
        let measure = try #require(HandbookLoader.load(text, file: "t.yaml").schemes.first?.measures.first)
        #expect(measure.condition == .always)
        #expect(measure.tiers?.map(\.id) == ["waived", "halved", "member"])
        #expect(measure.tiers?.map(\.value) == [.amount(.zero, .percent), .amount(Points(hundredths: 5050), .percent), .level])
        #expect(measure.tiers?[2].condition == .gradeAtLeast("C"))
        let shown = HandbookRenderer.render(try HandbookLoader.load(text, file: "t.yaml"))
        #expect(shown.contains("tier halved (50.5 percent): Deposit halved · 押金减半; when {score_at_least: 960}"), "\(shown)")
    }

    @Test func thresholdsOutOfOrderAreRefusedAtTheLaterTier() throws {
        // Proves a tier that an earlier tier always pre-empts is an error at its own 'when', in en and zh.
        let cases: [(String, String)] = [
            ("{score_at_least: 960}", "{score_at_least: 1050}"),
            ("{score_below: 960}", "{score_below: 600}"),
            ("{grade_at_least: C}", "{grade_at_least: A}"),
            ("{grade_at_most: C}", "{grade_at_most: D}"),
        ]
        for (first, second) in cases {
            let text = Self.handbook(tiers: """
                          - {tier: one, title: {en: One, zh: 一}, when: \(first), amount: 1, unit: yuan}
                          - {tier: two, title: {en: Two, zh: 二}, when: \(second), amount: 2, unit: yuan}
                """, kind: "reward")
            let errors = Self.errors(text)
            #expect(errors.count == 1, "\(first) then \(second): \(errors)")
            let error = try #require(errors.first)
            #expect(error.path == "schemes[0].measures[0].tiers[1].when")
            #expect(error.line == 27, "the second tier's line")
            #expect(error.message.contains("tier 'two' can never apply: tier 'one' (line 26) comes first"), "\(error.message)")
            #expect(error.message(in: "zh").contains("档次 'two' 永远不会适用"), "\(error.message(in: "zh"))")
        }
        // The right order loads.
        let ordered = Self.handbook(tiers: """
                      - {tier: one, title: {en: One, zh: 一}, when: {score_at_least: 1050}, amount: 1, unit: yuan}
                      - {tier: two, title: {en: Two, zh: 二}, when: {score_at_least: 960}, amount: 2, unit: yuan}
            """)
        #expect(Self.errors(ordered).isEmpty)
    }

    @Test func theSameConditionTwiceIsAmbiguous() throws {
        let text = Self.handbook(tiers: """
                      - {tier: one, title: {en: One, zh: 一}, when: {score_at_least: 960}, amount: 1, unit: yuan}
                      - {tier: two, title: {en: Two, zh: 二}, when: {score_at_least: 960}, amount: 2, unit: yuan}
            """)
        let error = try #require(Self.errors(text).first)
        #expect(error.message.contains("tier 'two' has the same condition as tier 'one' (line 26)"), "\(error.message)")
        #expect(error.message(in: "zh").contains("条件相同"))
    }

    @Test func anAmountNeedsAKnownUnit() throws {
        // Proves the missing unit, the unknown unit and a unit without an amount are each refused at the tier, in en and zh.
        let missing = try #require(Self.errors(Self.handbook(tiers: """
                      - {tier: one, title: {en: One, zh: 一}, when: {score_at_least: 960}, amount: 300}
            """)).first)
        #expect(missing.path == "schemes[0].measures[0].tiers[0].unit" && missing.line == 26)
        #expect(missing.message.hasPrefix("an amount needs its unit"), "\(missing.message)")
        #expect(missing.message(in: "zh").hasPrefix("金额缺少单位"))
        let unknown = try #require(Self.errors(Self.handbook(tiers: """
                      - {tier: one, title: {en: One, zh: 一}, when: {score_at_least: 960}, amount: 300, unit: dollars}
            """)).first)
        #expect(unknown.message.contains("unknown unit 'dollars'; allowed: 'percent', 'percentage-points', 'yuan', 'days', 'months'"))
        #expect(unknown.message(in: "zh").hasPrefix("未知单位"))
        let lonely = try #require(Self.errors(Self.handbook(tiers: """
                      - {tier: one, title: {en: One, zh: 一}, when: {score_at_least: 960}, unit: yuan}
            """)).first)
        #expect(lonely.path == "schemes[0].measures[0].tiers[0].amount" && lonely.message.hasPrefix("a unit without an amount"))
        let badAmount = try #require(Self.errors(Self.handbook(tiers: """
                      - {tier: one, title: {en: One, zh: 一}, when: {score_at_least: 960}, amount: 0.555, unit: yuan}
            """)).first)
        #expect(badAmount.message.contains("is not an amount") && badAmount.message(in: "zh").contains("不是金额"))
    }

    @Test func anUnknownGradeInATierIsNamedInBothLanguages() throws {
        let error = try #require(Self.errors(Self.handbook(tiers: """
                      - {tier: one, title: {en: One, zh: 一}, when: {grade_at_least: AA}, amount: 1, unit: yuan}
            """)).first)
        #expect(error.path == "schemes[0].measures[0].tiers[0].when.grade_at_least" && error.line == 26)
        #expect(error.message == "unknown grade 'AA'; the grades are 'AAA', 'A', 'C', 'D'")
        #expect(error.message(in: "zh") == "未知等级 'AA'；本方案的等级为 'AAA', 'A', 'C', 'D'")
    }

    @Test func shapesAndDuplicatesAreRefused() throws {
        let empty = try #require(Self.errors(Self.handbook(tiers: "          []")).first)
        #expect(empty.message.hasPrefix("tiers is a non-empty list") && empty.message(in: "zh").hasPrefix("tiers 应为非空列表"))
        let duplicate = try #require(Self.errors(Self.handbook(tiers: """
                      - {tier: one, title: {en: One, zh: 一}, when: {score_at_least: 1050}, amount: 1, unit: yuan}
                      - {tier: one, title: {en: One, zh: 一}, when: {score_at_least: 960}, amount: 2, unit: yuan}
            """)).first)
        #expect(duplicate.message == "duplicate tier 'one': already used at line 26")
        let noWhen = try #require(Self.errors(Self.handbook(tiers: """
                      - {tier: one, title: {en: One, zh: 一}, amount: 1, unit: yuan}
            """)).first)
        #expect(noWhen.path == "schemes[0].measures[0].tiers[0].when")
        let tooMany = (0...MeasureTier.tiersPerMeasureMax).map { index in
            "          - {tier: t\(index), title: {en: T, zh: 档}, when: {score_at_least: \(2000 - index)}}"
        }.joined(separator: "\n")
        #expect(Self.errors(Self.handbook(tiers: tooMany)).first?.message.hasPrefix("a measure has at most 20 tiers") == true)
    }

    @Test func aGraduatedSanctionMayNotRestrictSomeoneWithNoRecord() throws {
        // Proves the neutral-standing check sees the tiers: a surcharge tier below 1,000 would catch the base score.
        let text = Self.handbook(tiers: """
                      - {tier: double, title: {en: Double deposit, zh: 押金加倍}, when: {score_below: 600}, amount: 200, unit: percent}
                      - {tier: more, title: {en: Higher deposit, zh: 押金提高}, when: {score_below: 1001}, amount: 150, unit: percent}
            """, kind: "sanction")
        #expect(Self.errors(text).contains { $0.message.hasPrefix("sanction 'deposit' would restrict a subject with no record") })
        let fair = Self.handbook(tiers: """
                      - {tier: double, title: {en: Double deposit, zh: 押金加倍}, when: {score_below: 600}, amount: 200, unit: percent}
                      - {tier: more, title: {en: Higher deposit, zh: 押金提高}, when: {score_below: 960}, amount: 150, unit: percent}
            """, kind: "sanction")
        #expect(Self.errors(fair).isEmpty, "\(Self.errors(fair))")
    }

    @Test func theDiffShowsChangedTiers() throws {
        let old = try HandbookLoader.load(Self.handbook(tiers: """
                      - {tier: waived, title: {en: Waived, zh: 免}, when: {score_at_least: 1050}, amount: 0, unit: percent}
            """), file: "old.yaml")
        var new = try HandbookLoader.load(Self.handbook(tiers: """
                      - {tier: waived, title: {en: Waived, zh: 免}, when: {score_at_least: 960}, amount: 0, unit: percent}
            """), file: "new.yaml")
        new.version = 2
        let diff = HandbookDiff(from: old, to: new)
        #expect(diff.description.contains("~ measure deposit: tiers"), "\(diff.description)")
        #expect(diff.description.contains("{score_at_least: 1050}") && diff.description.contains("{score_at_least: 960}"))
    }
}
