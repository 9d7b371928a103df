/// What a verification found: every stored standing compared with a fresh fold of the ledger.
public struct VerificationReport: Sendable, Codable {
    public var standingsChecked = 0
    public var entriesRead = 0
    /// Stored standings that differ from the fold on their own day; empty when all is well.
    public var mismatches: [Mismatch] = []

    public struct Mismatch: Sendable, Codable, Hashable {
        public var subject: Subject.ID
        public var scheme: Scheme.ID
        public var asOf: Day
        public var stored: String
        public var folded: String
    }

    static let mismatchesMax = 100
}

extension Engine {
    /// Folds every subject's ledger again on the day of its stored standing and compares:
    /// the auditor's check that projections were not altered apart from the ledger.
    public func verifyStandings(progress: ProgressHandler? = nil) async throws -> VerificationReport {
        let context = try await StandingContext.load(engine: self)
        var report = VerificationReport()
        try await forEachLedgerPage(phase: "subjects verified", progress: progress) { page in
            for ledger in page {
                report.entriesRead += ledger.entries.count
                for stored in ledger.standings {
                    report.standingsChecked += 1
                    let fresh: Standing?
                    if ledger.subject.kind == .household && stored.quota != nil {
                        fresh = try await context.freshStandings(for: ledger.subject, asOf: stored.asOf, store: store).first { $0.scheme == stored.scheme }
                    } else {
                        fresh = context.fold(ledger.subject, entries: ledger.entries, asOf: stored.asOf).first { $0.scheme == stored.scheme }
                    }
                    guard fresh != stored, report.mismatches.count < VerificationReport.mismatchesMax else { continue }
                    report.mismatches.append(.init(
                        subject: stored.subject, scheme: stored.scheme, asOf: stored.asOf,
                        stored: "score \(stored.score) grade \(stored.grade?.rawValue ?? "-") listings \(stored.listings.count)",
                        folded: fresh.map { "score \($0.score) grade \($0.grade?.rawValue ?? "-") listings \($0.listings.count)" } ?? "no such scheme"))
                }
            }
        }
        return report
    }
}
