extension Engine {
    /// What publishing `candidate` would change, as of `asOf` (today by default): every recorded report of
    /// its jurisdiction planned again under it, standings compared. Reads only; writes nothing.
    public func preview(_ candidate: Handbook, asOf: Day? = nil, progress: ProgressHandler? = nil) async throws -> HandbookPreviewReport {
        let day = asOf ?? clock.today()
        let jurisdictions = try await store.jurisdictions()
        guard jurisdictions.contains(where: { $0.id == candidate.jurisdiction }) else {
            throw CivicError.unknown("no jurisdiction '\(candidate.jurisdiction)'", candidate.jurisdiction.rawValue, among: jurisdictions.map(\.id.rawValue))
        }
        let published = try await handbookSet()
        for scheme in candidate.schemes {
            if let owner = published.owner(of: scheme.id), owner != candidate.jurisdiction {
                throw CivicError(.conflict, "scheme '\(scheme.id)' belongs to jurisdiction '\(owner)'")
            }
        }
        let inScope = Set(jurisdictions.filter { jurisdictions.lineage(of: $0.id).contains(candidate.jurisdiction) }.map(\.id))
        var ledgers: [SubjectLedger] = []
        try await forEachLedgerPage(phase: "subjects read", progress: progress) { page in
            ledgers += page.filter { inScope.contains($0.subject.jurisdiction) }
        }
        let reports = try await store.reports(statuses: [.entered, .capped], throughCycle: day.month.next)
            .filter { $0.report.handbookJurisdiction == candidate.jurisdiction }
        return HandbookPreview.compute(candidate: candidate, published: published, jurisdictions: jurisdictions, ledgers: ledgers,
                                       reports: reports, cycles: try await store.cycles(), asOf: day)
    }
}
