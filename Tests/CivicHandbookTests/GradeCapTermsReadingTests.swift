import CivicCore
import CivicHandbook
import Testing

/// `grade_cap` in its mapping form: a cap that starts the capped grade's lock-in, and a cap that holds until remedied.
@Suite struct GradeCapTermsReadingTests {
    /// Rongcheng's lower grades with D locked for five years (the published table); `cap` is spliced in as the rule's grade_cap.
    static func handbook(cap: String, lockIns: String = "lock_ins: [{grade: D, years: 5}]") -> String {
        schemeHandbook("""
                subjects: [person]
                scale: {type: points, base: 1000, floor: 0}
                negative_expiry_days: 365
                grades:
                  bands:
                    - {grade: A, minimum: 960}
                    - {grade: B, minimum: 850}
                    - {grade: C, minimum: 600}
                    - {grade: D, minimum: 0}
                  \(lockIns)
                rules:
                  - code: R-DELIBERATE
                    title: {en: A deliberate act, zh: 故意失信行为}
                    category: public-order
                    points: 0
                    grade_cap: \(cap)
            """)
    }

    @Test func theMappingFormReadsBothTerms() throws {
        // Proves {grade: D, lock_in: true, until: remedied} reads as a D cap that starts the lock-in and holds until remedied, and shows so.
        let handbook = try HandbookLoader.load(Self.handbook(cap: "{grade: D, lock_in: true, until: remedied}"), file: "caps.yaml")
        let rule = try #require(handbook.schemes.first?.rules.first)
        #expect(rule.gradeCap == "D")
        #expect(rule.gradeCapTerms == GradeCapTerms(startsLockIn: true, untilRemedied: true))
        #expect(HandbookRenderer.render(handbook).contains("grade ≤ D, starts lock-in, until remedied"))
    }

    @Test func theScalarFormAndDefaultTermsStayPlain() throws {
        // Proves 'grade_cap: D' and {grade: D, lock_in: false, until: expiry} both read as a plain cap with no terms.
        for cap in ["D", "{grade: D, lock_in: false, until: expiry}"] {
            let rule = try #require(try HandbookLoader.load(Self.handbook(cap: cap), file: "caps.yaml").schemes.first?.rules.first)
            #expect(rule.gradeCap == "D")
            #expect(rule.gradeCapTerms == nil, "grade_cap: \(cap)")
        }
    }

    @Test func aLockWithoutALockInForTheGradeIsAnErrorInBothLanguages() {
        // Proves lock_in: true on a grade with no lock_ins entry is an error at the field, in en and zh, and nothing loads.
        let result = HandbookLoader.parse(Self.handbook(cap: "{grade: D, lock_in: true}", lockIns: ""), file: "caps.yaml")
        #expect(result.handbook == nil)
        #expect(messages(result.errors) == [
            "caps.yaml:22:40: error: schemes[0].rules[0].grade_cap.lock_in: lock_in: true starts the lock-in of grade 'D', but grades.lock_ins has none for it: add {grade: D, years: N} to lock_ins or remove lock_in",
        ])
        #expect(result.errors.first?.message(in: "zh") == "lock_in: true 会启动 'D' 级的锁定期，但 grades.lock_ins 中没有该级的锁定期：请在 lock_ins 中加入 {grade: D, years: N}，或删除 lock_in")
    }

    @Test func badTermsAreErrorsThatSayWhere() {
        // Proves an unknown 'until', a non-boolean lock_in, an unknown key and an unknown grade are each refused at their own path.
        let cases: [(cap: String, path: String)] = [
            ("{grade: D, until: paid}", "schemes[0].rules[0].grade_cap.until"),
            ("{grade: D, lock_in: yes-please}", "schemes[0].rules[0].grade_cap.lock_in"),
            ("{grade: D, lasts: forever}", "schemes[0].rules[0].grade_cap.lasts"),
            ("{grade: E, lock_in: true}", "schemes[0].rules[0].grade_cap.grade"),
            ("{lock_in: true}", "schemes[0].rules[0].grade_cap.grade"),
        ]
        for (cap, path) in cases {
            let result = HandbookLoader.parse(Self.handbook(cap: cap), file: "caps.yaml")
            #expect(result.handbook == nil, "grade_cap: \(cap)")
            #expect(result.errors.map(\.path) == [path], "grade_cap: \(cap)")
        }
        let until = HandbookLoader.parse(Self.handbook(cap: "{grade: D, until: paid}"), file: "caps.yaml").errors.first
        #expect(until?.messageZH?.hasPrefix("until 只能是 'remedied'") == true)
    }
}

/// The bundled Rongcheng handbook's court defaults, as configured from the reports.
@Suite struct BundledGradeCapTermsTests {
    @Test func rongchengsCourtDefaultsCapAtDUntilRemediedWithoutALock() throws {
        // Proves both court-default rules (person and company) cap at D until remedied and start no lock-in, and D keeps its five-year lock-in for falls.
        let handbook = try HandbookLoader.load(try demoHandbookText("rongcheng.yaml"), file: "rongcheng.yaml")
        let rules = handbook.schemes.flatMap(\.rules).filter { ["R-COURT-DEFAULT", "R-JUDGMENT-UNENFORCED"].contains($0.id.rawValue) }
        #expect(rules.count == 2)
        for rule in rules {
            #expect(rule.gradeCap == "D", "\(rule.id)")
            #expect(rule.gradeCapTerms == GradeCapTerms(startsLockIn: false, untilRemedied: true), "\(rule.id)")
        }
        let city = try #require(handbook.schemes.first { $0.rules.contains { $0.id == "R-COURT-DEFAULT" } })
        #expect(city.grades?.lockIn(for: "D")?.years == 5)
    }
}
