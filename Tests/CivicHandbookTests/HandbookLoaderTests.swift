import CivicCore
import CivicHandbook
import Testing

@Suite struct HandbookLoaderTests {
    @Test func protectedCategoryIsRejectedWithItsReason() {
        // Proves a rule in a protected category is refused, naming what is protected, with its exact line and column.
        let text = smallHandbook(rules: """
                  - code: R-CHURCH
                    title: {en: Attend church, zh: 去教堂}
                    category: religion
                    points: -5
            """)
        let result = HandbookLoader.parse(text, file: "testville.yaml")
        #expect(result.handbook == nil)
        #expect(messages(result.errors) == [
            "testville.yaml:18:19: error: schemes[0].rules[0].category: category 'religion' is protected: CivicCredit does not score religion or belief (see README, Scope)",
        ])
    }

    @Test func yamlSyntaxErrorCarriesLineAndColumn() {
        // Proves a YAML syntax error is reported with Yams' line and column, and nothing is loaded.
        let text = """
            jurisdiction: testville
            version: 1
            title: {en: Testville, zh: 测试村
            schemes: []
            """
        let result = HandbookLoader.parse(text, file: "broken.yaml")
        #expect(result.handbook == nil)
        #expect(messages(result.diagnostics) == [
            "broken.yaml:4:8: error: invalid YAML: while parsing a flow mapping (line 3, column 8): did not find expected ',' or '}'",
        ])
    }

    @Test func wrongTypeIsReportedAtTheValue() {
        // Proves a value of the wrong type (text where a whole number belongs, a list where text belongs) is an error at the value.
        let text = """
            jurisdiction: testville
            version: two
            title: [Testville]
            schemes: []
            """
        #expect(messages(HandbookLoader.lint(text, file: "types.yaml")) == [
            "types.yaml:2:10: error: version: expected a whole number, found 'two'",
            "types.yaml:3:8: error: title: expected a mapping with keys 'en', 'zh', found a list",
            "types.yaml:4:10: error: schemes: the list is empty",
        ])
    }

    @Test func typoedKeyIsAnErrorWithASuggestion() {
        // Proves an unknown key is an error at the key, suggesting the key that was probably meant.
        let text = smallHandbook(rules: """
                  - code: R-LITTER
                    title: {en: Litter, zh: 乱扔垃圾}
                    category: sanitation
                    pionts: -3
            """)
        #expect(messages(HandbookLoader.lint(text, file: "typo.yaml")) == [
            "typo.yaml:16:9: error: schemes[0].rules[0].points: missing required field 'points': a rule of a points scale adds or takes away points",
            "typo.yaml:19:9: error: schemes[0].rules[0].pionts: unknown key 'pionts'; did you mean 'points'?",
        ])
    }

    @Test func everyProblemIsReportedInOnePass() {
        // Proves lint does not stop at the first problem: each of several independent mistakes gets its own diagnostic.
        let text = smallHandbook(rules: """
                  - code: R-LITTER
                    title: {en: Litter, zh: 乱扔垃圾}
                    category: sanitaton
                    points: "-3.555"
                    approvals: 3
                    cap: {count: 0, per: week}
                  - code: R-LITTER
                    title: {en: Litter again, zh: 再次乱扔垃圾}
                    category: sanitation
                    points: -3
                    grade_cap: E
                    grace_days: -1
            """, extra: """
                lists:
                  - id: defaulters
                    list: black
                    title: {en: Defaulters, zh: 失信名单}
                    trigger: {rules: [R-MISSING]}
                    duration: until_remedied
                measures:
                  - id: welfare-cut
                    title: {en: Welfare cut, zh: 减少福利}
                    kind: sanction
                    domain: community
                    condition: quota_unmet
                    remedy_hint: {en: Earn points, zh: 赚取积分}
            """)
        let allowed = Category.all.map(\.code).joined(separator: ", ")
        #expect(messages(HandbookLoader.lint(text, file: "many.yaml")) == [
            "many.yaml:18:19: error: schemes[0].rules[0].category: unknown category 'sanitaton'; allowed: \(allowed)",
            "many.yaml:19:17: error: schemes[0].rules[0].points: '-3.555' is not a points amount: write a whole number or at most two decimals, such as 5, -3, +0.5 or 2.25",
            "many.yaml:20:20: error: schemes[0].rules[0].approvals: 3 is not a number of approvals: a report needs 1 or 2 distinct reviewers",
            "many.yaml:21:22: error: schemes[0].rules[0].cap.count: 0 is not a cap: a cap allows at least 1 entry per period",
            "many.yaml:21:30: error: schemes[0].rules[0].cap.per: unknown period 'week'; allowed: 'month', 'quarter', 'year'",
            "many.yaml:22:15: error: schemes[0].rules[1].code: duplicate rule code 'R-LITTER': already used at line 16",
            "many.yaml:26:20: error: schemes[0].rules[1].grade_cap: unknown grade 'E'; the grades are 'A', 'B', 'D'",
            "many.yaml:27:21: error: schemes[0].rules[1].grace_days: days cannot be negative (-1)",
            "many.yaml:32:27: error: schemes[0].lists[0].trigger.rules[0]: unknown rule 'R-MISSING'",
            "many.yaml:39:20: error: schemes[0].measures[0].condition: 'quota_unmet' needs a quota, and this scheme has none",
        ])
    }

    @Test func halfPointsParseExactly() throws {
        // Proves points written as numbers or signed text ("+0.5", 0.25, "-3") load as exact hundredths, never via a binary float.
        let text = smallHandbook(rules: """
                  - code: R-WATER-METER
                    title: {en: Read a water meter, zh: 帮忙抄水表}
                    category: neighbourly-help
                    points: "+0.5"
                  - code: R-TOOLS
                    title: {en: Lend tools, zh: 借出工具}
                    category: neighbourly-help
                    points: 0.25
                  - code: R-LITTER
                    title: {en: Litter, zh: 乱扔垃圾}
                    category: sanitation
                    points: "-3"
                  - code: R-TENTH
                    title: {en: A tenth, zh: 十分之一}
                    category: neighbourly-help
                    points: 0.1
            """)
        let handbook = try HandbookLoader.load(text, file: "half.yaml")
        let rules = handbook.schemes[0].rules
        #expect(rules.map { $0.points?.hundredths } == [50, 25, -300, 10])
    }
}
