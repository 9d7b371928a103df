import CivicHandbook
import Testing

/// The handbook format cannot express a quota of reports, entries or deductions for assessors or periods.
struct NoAssessorQuotaTests {
    @Test func quotasOnAssessorsOrDeductionsAreRefusedWithTheReason() {
        // Every way an operator might try to write a target of negative entries or of reports per assessor is an
        // unknown key, an error with line and column, whose message says no such thing exists and why.
        let text = smallHandbook(rules: """
                  - code: R-LITTER
                    title: {en: Litter, zh: 乱扔垃圾}
                    category: sanitation
                    points: -3
                    minimum_per_month: 5
            """, extra: """
                assessor_quota: {reports_per_month: 20}
                deductions_target: 10
            """)
        let assessorNote = "(CivicCredit has no quota or target for reports, entries or deductions per assessor, reviewer or period; the only quota is the scheme's yearly points_per_person_yearly of good deeds)"
        let negativeNote = "(CivicCredit has no quota for negative entries: deductions are never a target to fill)"
        let found = messages(HandbookLoader.lint(text, file: "quota.yaml"))
        // The allowed keys listed in between follow the format as it grows; the place, the key and the reason do not.
        let expected = [
            ("quota.yaml:20:9: error: schemes[0].rules[0].minimum_per_month: unknown key 'minimum_per_month'", assessorNote),
            ("quota.yaml:21:5: error: schemes[0].assessor_quota: unknown key 'assessor_quota'", assessorNote),
            ("quota.yaml:22:5: error: schemes[0].deductions_target: unknown key 'deductions_target'", negativeNote),
        ]
        #expect(found.count == expected.count, "\(found)")
        for (message, (start, note)) in zip(found, expected) {
            #expect(message.hasPrefix(start) && message.hasSuffix(note), "\(message)")
        }
        #expect(HandbookLoader.parse(text, file: "quota.yaml").handbook == nil)
    }
}
