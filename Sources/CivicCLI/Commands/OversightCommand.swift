import ArgumentParser
import CivicCore
import Foundation

struct OversightCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "oversight",
        abstract: "Figures per assessor and reviewer, with outliers flagged against the jurisdiction's baseline.",
        discussion: """
            Reporters: reports filed, approval rate, share of self-claims, share about their own household, share about \
            their top three households, points granted by neighbourhood. Reviewers: the same over what they approved, plus \
            approval rate and share of one reporter's reports. An actor with at least 10 records is flagged on a share above \
            median + max(3 x 1.4826 x MAD, 20 points) of the peers with 10 or more (at least 3 peers); a reviewer is flagged \
            when a neighbourhood's share of their approved points is 30 points above the other reviewers'. See docs/due-process.md.
            """)
    @OptionGroup var store: StoreOptions
    @OptionGroup var output: OutputOptions
    @Option(help: "Jurisdiction (and those below it); all by default.") var jurisdiction: String?
    @Option(help: ArgumentHelp("First review cycle (YYYY-MM); default: 11 months before --to.", valueName: "month")) var from: String?
    @Option(help: ArgumentHelp("Last review cycle (YYYY-MM); default: the current month.", valueName: "month")) var to: String?
    @Flag(help: "Show flagged actors only.") var flaggedOnly = false

    func run() async throws {
        let engine = try await store.engine()
        let scope: Jurisdiction.ID? = try jurisdiction.map { text throws(CivicError) in try identifier(text, field: "--jurisdiction") }
        let report = try await engine.oversight(scope: scope, from: try from.map { text throws(CivicError) in try parseMonth(text, field: "--from") },
                                                to: try to.map { text throws(CivicError) in try parseMonth(text, field: "--to") })
        if output.json { return try Terminal.printJSON(report) }
        print(OversightText.render(report, flaggedOnly: flaggedOnly))
    }
}

enum OversightText {
    static func render(_ report: OversightReport, flaggedOnly: Bool) -> String {
        var lines = ["oversight of \(report.scope?.rawValue ?? "all jurisdictions"), review cycles \(report.from) to \(report.to)"]
        let percent = Oversight.percent
        for (title, figures) in [("reporters", report.reporters), ("reviewers", report.reviewers)] {
            lines.append("")
            let shown = flaggedOnly ? figures.filter { !$0.flags.isEmpty } : figures
            let reviewer = title == "reviewers"
            lines.append("\(title) (\(figures.count)" + (flaggedOnly ? ", flagged shown" : "") + ")")
            lines.append(Terminal.table(
                [reviewer ? "reviewer" : "reporter", reviewer ? "decisions" : "reports", "approved", "self-claims", "own household", "top 3 households"]
                    + (reviewer ? ["top reporter"] : []) + ["points granted", "by neighbourhood", "flags"],
                shown.map { figure in
                    [figure.actor.rawValue, "\(figure.volume)", figure.approvalShare.map(percent) ?? "-", percent(figure.selfClaimShare),
                     percent(figure.ownHouseholdShare), percent(figure.topHouseholdShare)]
                        + (reviewer ? [figure.topReporter.map { "\($0) \(percent(figure.topReporterShare ?? 0))" } ?? "-"] : [])
                        + [figure.pointsGranted.signedDescription,
                           figure.pointsByNeighbourhood.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", "),
                           figure.flags.isEmpty ? "" : "\(figure.flags.count) FLAG(S)"]
                }).split(separator: "\n").map { "  " + $0 }.joined(separator: "\n"))
        }
        lines.append("")
        lines.append("baselines (median of actors with \(report.rule.minimumVolume)+ records; flag above the threshold)")
        for baseline in report.baselines {
            if let median = baseline.median, let threshold = baseline.threshold {
                lines.append("  \(baseline.group) \(baseline.metric.rawValue): median \(percent(median)), threshold \(percent(threshold)) over \(baseline.actors) actors")
            } else {
                lines.append("  \(baseline.group) \(baseline.metric.rawValue): no baseline (\(baseline.actors) actors with enough records, \(report.rule.minimumPeers) needed)")
            }
        }
        let flagged = report.flagged
        lines.append("")
        lines.append(flagged.isEmpty ? "no outliers" : "outliers (\(flagged.count)):")
        for figure in flagged {
            for flag in figure.flags { lines.append("  \(figure.role.rawValue) \(figure.actor) (\(figure.name)): \(flag.metric): \(flag.reason)") }
            if !figure.topHouseholds.isEmpty {
                lines.append("    top households: " + figure.topHouseholds.map { "\($0.household) \($0.count)" }.joined(separator: ", "))
            }
        }
        return lines.joined(separator: "\n")
    }
}
