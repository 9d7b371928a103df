import CivicCore
import CivicDemo
import CivicTesting
import Testing

@Suite struct DemoRunTests {
    /// Small demos build too: a report that needs two approvals and carried one over from an earlier
    /// meeting is not decided again by the same reviewer (this size once failed with "already decided").
    @Test(arguments: [120, 180])
    func smallDemosBuild(residents: Int) async throws {
        let store = InMemoryStore()
        let result = try await DemoRun(store: store, options: .init(residents: residents, seed: 2026, endMonth: Month(year: 2026, month: 10)!)).run()
        #expect(result.cycles.count == 12)
        // Every report that needed several approvals has them from different reviewers.
        for record in await store.reports(statuses: Set(ReportStatus.allCases), throughCycle: Month(year: 2026, month: 10)!) {
            let reviewers = record.decisions.map(\.reviewer)
            #expect(Set(reviewers).count == reviewers.count, "report \(record.report.id) decided twice by one reviewer")
        }
    }
}
