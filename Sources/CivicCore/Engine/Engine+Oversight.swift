extension Engine {
    /// Reporter and reviewer figures for `scope` (all jurisdictions when `nil`) over the review cycles
    /// `from...to`; by default the twelve cycles ending with the current month.
    public func oversight(scope: Jurisdiction.ID? = nil, from: Month? = nil, to: Month? = nil, rule: OutlierRule = .standard) async throws -> OversightReport {
        let last = to ?? clock.today().month
        var first = last
        if let from { first = from } else { for _ in 0..<11 { first = first.previous } }
        guard first <= last else { throw CivicError(.invalidInput, "the period starts (\(first)) after it ends (\(last))") }
        let jurisdictions = try await store.jurisdictions()
        if let scope, !jurisdictions.contains(where: { $0.id == scope }) {
            throw CivicError.unknown("no jurisdiction '\(scope)'", scope.rawValue, among: jurisdictions.map(\.id.rawValue))
        }
        // Decisions in the period may concern reports of earlier cycles, so every report up to the end is read.
        let reports = try await store.reports(statuses: Set(ReportStatus.allCases), throughCycle: last.next.next)
        var entries: [Entry] = []
        var after: Int64 = 0
        while true {
            let page = try await store.entries(after: after, limit: Limits.pageSizeMax)
            guard let tail = page.last else { break }
            entries += page.filter { $0.kind == .deed && $0.report != nil }
            after = tail.sequence
        }
        let actors = try await store.actors()
        var ids = Set(reports.map(\.report.subject)).union(actors.compactMap(\.subject))
        var subjects: [Subject.ID: Subject] = [:]
        for subject in try await store.subjects(Array(ids)) { subjects[subject.id] = subject }
        ids = Set(subjects.values.compactMap(\.household)).subtracting(subjects.keys)
        for subject in try await store.subjects(Array(ids)) { subjects[subject.id] = subject }
        return Oversight.compute(reports: reports, entries: entries, subjects: subjects, actors: actors, jurisdictions: jurisdictions,
                                 scope: scope, period: first...last, rule: rule)
    }
}
