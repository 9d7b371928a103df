import CivicCore
import CivicHandbook
import Testing

/// "Having no record is neutral, never a penalty": the loader refuses a sanction that would restrict a subject with no record.
@Suite struct NoRecordIsNeutralTests {
    static func handbook(quota: Bool, condition: String, kind: String = "sanction") -> String {
        var lines = ["subjects: [person]", "scale: {type: points, base: 1000}", "negative_expiry_days: 365"]
        if quota { lines.append("quota: {points_per_person_yearly: 2}") }
        lines += [
            "grades:", "  bands:", "    - {grade: A, minimum: 960}", "    - {grade: B, minimum: 850}", "    - {grade: D, minimum: 0}",
            "rules:", "  - code: R-LITTER", "    title: {en: Litter, zh: 乱扔垃圾}", "    category: sanitation", "    points: -3",
            "measures:", "  - id: welfare-cut", "    title: {en: Welfare cut, zh: 减少福利}", "    kind: \(kind)", "    domain: community",
            "    condition: \(condition)",
        ]
        return schemeHandbook(lines.map { "    " + $0 }.joined(separator: "\n"))
    }

    @Test(arguments: [
        (true, "quota_unmet", "a subject who simply earned no points (no record)"),
        (false, "{grade_at_most: A}", "a subject with no record"),
        (false, "{not: {score_below: 1000}}", "a subject with no record"),
    ])
    func aSanctionOnHavingNoRecordIsRefusedAtItsCondition(quota: Bool, condition: String, who: String) throws {
        let diagnostics = HandbookLoader.lint(Self.handbook(quota: quota, condition: condition), file: "h.yaml")
        let errors = diagnostics.filter { $0.severity == .error }
        #expect(errors.count == 1)
        let error = try #require(errors.first)
        #expect(error.path == "schemes[0].measures[0].condition")
        #expect(error.message.contains("would restrict \(who): having no record is neutral, never a penalty"))
        #expect(error.line == (quota ? 26 : 25))
    }

    @Test(arguments: ["{score_below: 980}", "{score_below: 1000}", "{grade_at_most: B}", "{rule_active: [R-LITTER]}"])
    func sanctionsTiedToConductAreAccepted(condition: String) {
        let errors = HandbookLoader.lint(Self.handbook(quota: true, condition: condition), file: "h.yaml").filter { $0.severity == .error }
        #expect(errors.isEmpty, "\(errors)")
    }

    @Test func aQuotaMayDecideAReward() {
        let errors = HandbookLoader.lint(Self.handbook(quota: true, condition: "{not: quota_unmet}", kind: "reward"), file: "h.yaml")
            .filter { $0.severity == .error }
        #expect(errors.isEmpty, "\(errors)")
    }
}
