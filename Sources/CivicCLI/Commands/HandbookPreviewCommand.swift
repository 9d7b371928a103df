import ArgumentParser
import CivicCore
import CivicHandbook
import Foundation

extension HandbookCommand {
    struct Preview: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Before publishing: replay the jurisdiction's recorded reports under a candidate handbook and show how grades, lists and measures would shift.",
            discussion: "Reads only. The candidate is linted first; any error stops the preview.")
        @OptionGroup var store: StoreOptions
        @OptionGroup var output: OutputOptions
        @Argument(help: "The candidate handbook file.") var file: String
        @Option(help: "The jurisdiction whose handbook the candidate would replace.") var jurisdiction: String

        func run() async throws {
            let id: Jurisdiction.ID = try identifier(jurisdiction, field: "--jurisdiction")
            let candidate = try loadHandbook(file)
            guard candidate.jurisdiction == id else {
                throw CivicError(.invalidInput, "the candidate is a handbook for '\(candidate.jurisdiction)', not '\(id)'")
            }
            let engine = try await store.engine()
            let report = try await engine.preview(candidate, progress: Terminal.progress("preview"))
            Terminal.endProgress()
            if output.json { return try Terminal.printJSON(report) }
            print(PreviewText.render(report))
        }
    }
}

enum PreviewText {
    static func render(_ report: HandbookPreviewReport) -> String {
        var lines = ["preview of \(report.jurisdiction) handbook v\(report.candidateVersion) against "
            + (report.currentVersion.map { "published v\($0)" } ?? "no published handbook") + ", as of \(report.asOf)"]
        if let current = report.currentVersion, report.candidateVersion != current + 1 {
            lines.append("note: publishing needs version \(current + 1); the file says \(report.candidateVersion)")
        }
        lines.append("reports replayed: \(report.reportsReplayed), would change: \(report.reportsChanged), rule removed: \(report.reportsDropped)")
        for example in report.reportExamples { lines.append("  report \(example.report) (\(example.maskedName), \(example.subject)): \(example.change)") }
        for scheme in report.schemes {
            lines.append("")
            lines.append("scheme \(scheme.scheme) (\(scheme.change.rawValue)): \(scheme.subjects) subject(s), \(scheme.scoreChanges) score change(s)")
            for example in scheme.scoreExamples { lines.append("    \(example.maskedName) (\(example.subject)): score \(example.before) → \(example.after)") }
            if scheme.gradeMoves.isEmpty { lines.append("  grades: no change") }
            for move in scheme.gradeMoves {
                lines.append("  grade \(move.move): \(move.count)")
                for example in move.examples { lines.append("    \(example.maskedName) (\(example.subject)): \(example.before) → \(example.after)") }
            }
            for change in scheme.listingChanges {
                lines.append("  \(change.entering ? "onto" : "off") \(change.listing): \(change.count)")
                for example in change.examples { lines.append("    \(example.maskedName) (\(example.subject))") }
            }
            for flip in scheme.measureFlips {
                lines.append("  \(flip.kind.rawValue) \(flip.measure) would \(flip.nowApplies ? "newly apply to" : "no longer apply to") \(flip.count)")
                for example in flip.examples { lines.append("    \(example.maskedName) (\(example.subject))") }
            }
        }
        if report.changesNothing { lines.append(""); lines.append("no standing would change") }
        return lines.joined(separator: "\n")
    }
}
