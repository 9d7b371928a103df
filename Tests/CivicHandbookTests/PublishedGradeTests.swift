import CivicCore
import CivicHandbook
import Testing

/// Grades as the schemes publish them: A+++ down to D, with `+` and `-`. Only grades may
/// carry `+`; every other id keeps the plain syntax, so none reads differently in a URL's query.
@Suite struct PublishedGradeTests {
    static let text = """
        jurisdiction: testville
        version: 1
        title: {en: Testville, zh: 测试村}
        schemes:
          - id: village
            title: {en: Village points, zh: 村积分}
            subjects: [person]
            scale: {type: points, base: 1000, floor: 0, ceiling: 1200}
            grades:
              bands:
                - {grade: A+++, minimum: 1100}
                - {grade: AA+, minimum: 1050}
                - {grade: A+, minimum: 1010}
                - {grade: A, minimum: 990}
                - {grade: A-, minimum: 960}
                - {grade: B, minimum: 850}
                - {grade: D, minimum: 0}
              lock_ins:
                - {grade: B, years: 2}
            rules:
              - code: R-HELP
                title: {en: Help, zh: 帮助}
                category: neighbourly-help
                points: 5
            measures:
              - id: loan-discount
                title: {en: Loan discount, zh: 贷款优惠}
                kind: reward
                domain: finance
                condition: {grade_at_least: A+}
        """

    @Test func gradesWithPlusAndMinusLoadAndRankAsPublished() throws {
        let result = HandbookLoader.parse(Self.text, file: "grades.yaml")
        #expect(result.errors.isEmpty, "\(messages(result.errors))")
        let scheme = try #require(result.handbook?.schemes.first)
        let grades = try #require(scheme.grades)
        #expect(grades.bands.map(\.grade.rawValue) == ["A+++", "AA+", "A+", "A", "A-", "B", "D"])
        #expect(grades.grade(for: Points(1000)) == "A")
        #expect(grades.grade(for: Points(1010)) == "A+")
        #expect(grades.grade(for: Points(970)) == "A-")
        #expect(grades.grade(for: Points(1150)) == "A+++")
        #expect(grades.isBelow("A", "A+") && !grades.isBelow("A+", "A"))
        let measure = try #require(scheme.measure("loan-discount"))
        let at = { (score: Int) in
            measure.decide(Standing(subject: "p", scheme: "village", asOf: Day(year: 2026, month: 1, day: 1)!, score: Points(score),
                                    grade: grades.grade(for: Points(score)), lastSequence: 1), grades: grades)
        }
        #expect(at(1010).applies && at(1010).reason == "grade-at-least:A+")
        #expect(!at(1009).applies && at(1009).reason == "grade-below:A+")
    }

    @Test func onlyGradesMayCarryAPlus() {
        let text = Self.text.replacingOccurrences(of: "code: R-HELP", with: "code: R-HELP+")
        let errors = messages(HandbookLoader.lint(text, file: "grades.yaml"))
        #expect(errors.count == 1)
        #expect(errors.first?.contains("'R-HELP+' is not a valid") == true, "\(errors)")
        #expect(!Rule.ID.isValid("R+") && !Subject.ID.isValid("p+1") && Grade.isValid("A+++"))
        #expect(Grade.syntax.contains("+") && !Rule.ID.syntax.contains("+"))
    }
}
