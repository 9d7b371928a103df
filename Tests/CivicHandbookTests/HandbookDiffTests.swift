import CivicCore
import CivicHandbook
import Testing

@Suite struct HandbookDiffTests {
    @Test func changedRulePointsAreListed() throws {
        // Proves the diff names a rule whose points changed with old and new values, plus added and removed rules.
        let old = try HandbookLoader.load(try demoHandbookText("zhaojiashan.yaml"), file: "old.yaml")
        var new = old
        new.version = 2
        new.schemes[0].rules[4].points = Points(-5)
        new.schemes[0].rules.removeLast()
        new.schemes[0].rules.append(Rule(id: "R-PRUNE-TREE", title: LocalizedText(en: "Prune a neighbour's tree", zh: "帮邻居修剪树木"),
                                         category: Category.named("neighbourly-help")!, points: Points(1)))
        let diff = HandbookDiff(from: old, to: new)
        #expect(diff.changes.map(\.description) == [
            "~ rule R-LITTER: points -3 → -5",
            "+ rule R-PRUNE-TREE: Prune a neighbour's tree (+1)",
            "- rule R-FIGHT: Get into a fight (-10)",
        ])
        #expect(diff.rendered == """
            zhaojiashan: version 1 → 2
              ~ scheme village-points
                  ~ rule R-LITTER: points -3 → -5
                  + rule R-PRUNE-TREE: Prune a neighbour's tree (+1)
                  - rule R-FIGHT: Get into a fight (-10)
            """)
    }

    @Test func identicalHandbooksHaveNoChanges() throws {
        // Proves comparing a handbook with itself reports nothing.
        let handbook = try HandbookLoader.load(try demoHandbookText("rongcheng.yaml"), file: "rongcheng.yaml")
        #expect(HandbookDiff(from: handbook, to: handbook).isEmpty)
    }

    @Test func gradeListAndMeasureChangesAreListed() throws {
        // Proves grade minimums, lock-ins, list durations and measure conditions are compared too.
        let old = try HandbookLoader.load(try demoHandbookText("rongcheng.yaml"), file: "rongcheng.yaml")
        var new = old
        let b = try #require(new.schemes[0].grades!.bands.firstIndex { $0.grade == "B" })
        new.schemes[0].grades!.bands[b].minimum = Points(860)
        new.schemes[0].grades!.lockIns[0].years = 1
        new.schemes[0].lists[2].duration = .days(365)
        new.schemes[0].measures[0].condition = .gradeAtLeast("AAA")
        #expect(HandbookDiff(from: old, to: new).changes.map(\.description) == [
            "~ grade B: minimum 850 → 860; lock_in '2 years' → '1 year'",
            "~ list court-defaulters: duration until_remedied → '{days: 365}'",
            "~ measure bike-deposit-free: condition '{grade_at_least: AA}' → '{grade_at_least: AAA}'",
        ])
    }
}

@Suite struct HandbookRendererTests {
    @Test func showListsRulesWithTheirTerms() throws {
        // Proves `handbook show` text carries each rule's code, both titles, category, points, cap, evidence, grace and expiry.
        let handbook = try HandbookLoader.load(try demoHandbookText("rongcheng.yaml"), file: "rongcheng.yaml")
        let text = HandbookRenderer.render(handbook)
        let lines = text.split(separator: "\n").map(String.init)
        #expect(lines.first == "Rongcheng City Social Credit Handbook · 荣成市社会信用管理手册")
        let escort = try #require(lines.first { $0.contains("R-ESCORT-ELDER") })
        for cell in ["Take an older person to hospital or market", "陪老人就医或赶集", "neighbourly-help", "+1", "2/month", "2 photo or 1 video"] {
            #expect(escort.contains(cell))
        }
        let litter = try #require(lines.first { $0.contains("R-LITTER ") })
        #expect(litter.contains("-3") && litter.contains("3d") && litter.contains("365d"))
        let court = try #require(lines.first { $0.contains("R-COURT-DEFAULT") })
        #expect(court.contains("0, grade ≤ D") && court.contains("1095d"))
        #expect(text.contains("legal basis: Supreme People's Court"))
    }
}
