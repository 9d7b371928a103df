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
                    guard !(fresh.map { stored.agrees(withFold: $0) } ?? false),
                          report.mismatches.count < VerificationReport.mismatchesMax else { continue }
                    report.mismatches.append(.init(
                        subject: stored.subject, scheme: stored.scheme, asOf: stored.asOf,
                        stored: stored.verificationSummary, folded: fresh?.verificationSummary ?? "no such scheme"))
                }
            }
        }
        return report
    }
}

extension Standing {
    /// Whether this stored standing agrees with `fresh`, a fold of the subject's ledger as it is now on the same
    /// day. Entries about the subject recorded after the standing was stored (an appeal filed, say) leave its
    /// substance as it was but move the fold's marks (`foldedThrough`, and `nextChange` with them); the stored
    /// marks then stay behind, which is what makes the next cycle close fold it again, so only the rest is
    /// compared. Otherwise everything is.
    public func agrees(withFold fresh: Standing) -> Bool {
        if fresh == self { return true }
        guard let foldedThrough, let seen = fresh.foldedThrough, foldedThrough < seen else { return false }
        var marked = fresh
        marked.foldedThrough = self.foldedThrough
        marked.nextChange = nextChange
        return marked == self
    }

    /// What a verification report shows of a standing.
    var verificationSummary: String {
        "score \(score) grade \(grade?.rawValue ?? "-") listings \(listings.count) next change \(nextChange?.description ?? "-") folded through \(foldedThrough.map(String.init) ?? "-")"
    }
}
