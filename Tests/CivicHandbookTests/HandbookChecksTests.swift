import CivicCore
import CivicHandbook
import Testing

/// A handbook with one scheme whose body (from `subjects` on, indented 4) is given whole.
func schemeHandbook(_ body: String) -> String {
    """
    jurisdiction: testville
    version: 1
    title: {en: Testville, zh: 测试村}
    schemes:
      - id: village
        title: {en: Village points, zh: 村积分}
    \(body)
    """
}

@Suite struct HandbookChecksTests {
    static let courtScheme = """
            subjects: [person]
            scale: {type: points, base: 1000}
            negative_expiry_days: 365
            grades:
              bands:
                - {grade: A, minimum: 960}
                - {grade: D, minimum: 0}
            rules:
              - code: R-COURT-DEFAULT
                title: {en: Court judgment not carried out, zh: 拒不履行法院判决}
                category: court-enforcement
                points: 0
                grade_cap: D
                reporters: [authority]
            lists:
              - id: court-defaulters
                list: black
                title: {en: Court defaulters, zh: 失信被执行人}
                trigger: {rules: [R-COURT-DEFAULT]}
                duration: until_remedied
                remedy_hint: {en: Carry out the judgment, zh: 履行判决}
            measures:
              - id: no-rail
                title: {en: No high-speed rail, zh: 限乘高铁}
                kind: sanction
                domain: transport
                condition: {on_list: black}
                remedy_hint: {en: Carry out the judgment, zh: 履行判决}
        """

    @Test func crossDomainMeasureWithoutLegalBasisWarns() {
        // Proves a transport sanction that relies on a judicial listing without a legal basis is flagged (proportionality), as a warning that still loads.
        let result = HandbookLoader.parse(schemeHandbook(Self.courtScheme), file: "rail.yaml")
        #expect(result.handbook != nil)
        #expect(messages(result.diagnostics) == [
            "rail.yaml:33:30: warning: schemes[0].measures[0].condition.on_list: measure 'no-rail' is in domain transport but depends on rule 'R-COURT-DEFAULT' (category court-enforcement, domain judicial) through list 'court-defaulters' without a legal_basis: a measure acts only on conduct in its own domain (proportionality); name the law that links them in legal_basis",
        ])
    }

    @Test func legalBasisSilencesTheProportionalityWarning() {
        // Proves naming the law that links the domains removes the warning.
        let body = Self.courtScheme + "\n        legal_basis: Provisions on Restricting High Consumption of Judgment Debtors, art. 3"
        #expect(HandbookLoader.lint(schemeHandbook(body), file: "rail.yaml") == [])
    }

    @Test func ruleActiveInAnotherDomainWarns() {
        // Proves a measure conditioned directly on another domain's rule (a littering record barring loans) is flagged.
        let body = """
                subjects: [person]
                scale: {type: points, base: 1000}
                negative_expiry_days: 365
                rules:
                  - code: R-LITTER
                    title: {en: Litter, zh: 乱扔垃圾}
                    category: sanitation
                    points: -3
                measures:
                  - id: loan-discount
                    title: {en: Loan discount, zh: 贷款优惠}
                    kind: reward
                    domain: finance
                    condition: {not: {rule_active: [R-LITTER]}}
            """
        #expect(messages(HandbookLoader.lint(schemeHandbook(body), file: "loan.yaml")) == [
            "loan.yaml:20:41: warning: schemes[0].measures[0].condition.not.rule_active[0]: measure 'loan-discount' is in domain finance but depends on rule 'R-LITTER' (category sanitation, domain environment) without a legal_basis: a measure acts only on conduct in its own domain (proportionality); name the law that links them in legal_basis",
        ])
    }

    @Test func scaleInconsistenciesAreErrors() {
        // Proves weights that do not sum to 100, a stars rule with points, bad star bounds and a floor above the ceiling are all errors.
        let text = """
            jurisdiction: testville
            version: 1
            title: {en: Testville, zh: 测试村}
            schemes:
              - id: companies
                title: {en: Companies, zh: 企业}
                subjects: [organisation]
                scale:
                  type: weighted
                  minimum: 0
                  maximum: 100
                  dimensions:
                    - {id: tax, title: {en: Tax, zh: 纳税}, weight: 60, base: 80}
                    - {id: quality, title: {en: Quality, zh: 质量}, weight: 30, base: 80}
                rules: []
              - id: stars
                title: {en: Stars, zh: 星级}
                subjects: [household]
                scale: {type: stars, minimum: 1, maximum: 5, default: 6, dimensions: [{id: courtyard, title: {en: Courtyard, zh: 庭院}}]}
                rules:
                  - {code: R-RATE, title: {en: Rate, zh: 评星}, category: sanitation, dimension: yard, points: 1}
              - id: points
                title: {en: Points, zh: 积分}
                subjects: [person]
                scale: {type: points, base: 100, floor: 200, ceiling: 150}
                rules:
                  - {code: R-HELP, title: {en: Help, zh: 帮助}, category: neighbourly-help, points: 1, dimension: tax}
            """
        #expect(messages(HandbookLoader.lint(text, file: "scales.yaml")) == [
            "scales.yaml:13:9: error: schemes[0].scale.dimensions: the weights add up to 90, not 100: published weights are percentages of the score",
            "scales.yaml:15:12: warning: schemes[0].rules: the scheme has no rules: nothing can change a subject's score",
            "scales.yaml:19:59: error: schemes[1].scale.default: the default of 6 stars is outside 1 to 5",
            "scales.yaml:25:45: error: schemes[2].scale.floor: the floor 200 is above the ceiling 150",
        ])
    }

    @Test func rulesMustFitTheScale() {
        // Proves a stars rule with points or an unknown dimension, and a points rule naming a dimension, are errors.
        let text = """
            jurisdiction: testville
            version: 1
            title: {en: Testville, zh: 测试村}
            schemes:
              - id: stars
                title: {en: Stars, zh: 星级}
                subjects: [household]
                scale: {type: stars, dimensions: [{id: courtyard, title: {en: Courtyard, zh: 庭院}}]}
                rules:
                  - {code: R-RATE, title: {en: Rate, zh: 评星}, category: sanitation, dimension: yard, points: 1}
              - id: points
                title: {en: Points, zh: 积分}
                subjects: [person]
                scale: {type: points, base: 100}
                rules:
                  - {code: R-HELP, title: {en: Help, zh: 帮助}, category: neighbourly-help, points: 1, dimension: tax}
            """
        #expect(messages(HandbookLoader.lint(text, file: "fit.yaml")) == [
            "fit.yaml:10:84: error: schemes[0].rules[0].dimension: unknown dimension 'yard'; the scale's dimensions are 'courtyard'",
            "fit.yaml:10:98: error: schemes[0].rules[0].points: a rule of a stars scale sets a star rating and has no points; remove 'points'",
            "fit.yaml:16:101: error: schemes[1].rules[0].dimension: the points scale has no dimensions; remove 'dimension'",
        ])
    }

    @Test func gradesMustDescendAndReferencesMustExist() {
        // Proves grade bands out of order, duplicate grades, and lock-ins or list triggers naming unknown grades are errors.
        let body = """
                subjects: [person]
                scale: {type: points, base: 1000}
                grades:
                  bands:
                    - {grade: A, minimum: 960}
                    - {grade: C, minimum: 600}
                    - {grade: B, minimum: 850}
                    - {grade: A, minimum: 0}
                  lock_ins:
                    - {grade: Z, years: 2}
                rules: []
                lists:
                  - {id: red, list: red, title: {en: Red, zh: 红}, trigger: {grade_at_least: AAA}, duration: while_triggered}
            """
        #expect(messages(HandbookLoader.lint(schemeHandbook(body), file: "grades.yaml")) == [
            "grades.yaml:13:31: error: schemes[0].grades.bands[2].minimum: grade bands go from the highest minimum to the lowest: 'B' (minimum 850) cannot follow 'C' (minimum 600)",
            "grades.yaml:14:19: error: schemes[0].grades.bands[3].grade: duplicate grade 'A': already used at line 11",
            "grades.yaml:16:19: error: schemes[0].grades.lock_ins[0].grade: unknown grade 'Z'; the grades are 'A', 'C', 'B'",
            "grades.yaml:17:12: warning: schemes[0].rules: the scheme has no rules: nothing can change a subject's score",
            "grades.yaml:19:81: error: schemes[0].lists[0].trigger.grade_at_least: unknown grade 'AAA'; the grades are 'A', 'C', 'B'",
        ])
    }

    @Test func negativeQuotaIsRefused() {
        // Proves the format has no quota for negative entries: such a key is an unknown-key error that says why.
        let body = """
                subjects: [person]
                scale: {type: points, base: 1000}
                quota: {points_per_person_yearly: 2, deductions_per_month: 3}
                rules:
                  - {code: R-HELP, title: {en: Help, zh: 帮助}, category: neighbourly-help, points: 1}
            """
        #expect(messages(HandbookLoader.lint(schemeHandbook(body), file: "quota.yaml")) == [
            "quota.yaml:9:42: error: schemes[0].quota.deductions_per_month: unknown key 'deductions_per_month'; allowed keys here: 'points_per_person_yearly' (CivicCredit has no quota for negative entries: deductions are never a target to fill)",
        ])
    }

    @Test func duplicateYamlKeysAreSyntaxErrors() {
        // Proves a key written twice in one mapping is refused rather than silently taking the last value.
        let text = """
            jurisdiction: testville
            version: 1
            version: 2
            title: {en: Testville, zh: 测试村}
            schemes: []
            """
        #expect(messages(HandbookLoader.lint(text, file: "twice.yaml")) == [
            "twice.yaml:2:1: error: invalid YAML: duplicate key 'version' in one mapping: each key may appear once",
        ])
    }
}
