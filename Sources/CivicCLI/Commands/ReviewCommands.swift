import ArgumentParser
import CivicCore
import Foundation

struct ReviewCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "review",
        abstract: "Record a committee reviewer's decision on a report: approve, reject or adjust.",
        discussion: "Nobody reviews a report about themselves, their household, or one they filed; rules may need two approvers. See the queue with `civic report list`.")
    @OptionGroup var store: StoreOptions
    @Option(help: "Decision id chosen by the caller; repeating it changes nothing.") var id: String
    @Option(help: "Report id.") var report: String
    @Option(help: "approve, reject or adjust.") var decision: String
    @Option(help: "Points (or stars) for an adjustment.") var points: String?
    @Option(help: "The reasons, required to reject or adjust.") var reason: String = ""
    @Option(help: "Reviewer's actor id.") var by: String

    func run() async throws {
        let engine = try await store.engine()
        let outcome: Decision.Outcome
        switch decision {
        case "approve": outcome = .approve
        case "reject": outcome = .reject
        case "adjust":
            guard let points else { throw CivicError(.invalidInput, "--points: an adjustment needs the points") }
            outcome = .adjust(try parsePoints(points, field: "--points"))
        default: throw CivicError(.invalidInput, "--decision: '\(decision)' is not approve, reject or adjust")
        }
        let value = Decision(id: try identifier(id, field: "--id"), report: try identifier(report, field: "--report"),
                             reviewer: try identifier(by, field: "--by"), outcome: outcome, reason: reason, decidedOn: try store.today())
        let (result, status) = try await engine.decide(value)
        print("\(result.rawValue): decision '\(value.id)'; report '\(value.report)' is now \(status.rawValue)")
    }
}

struct CycleCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "cycle", abstract: "Close a monthly review cycle.", subcommands: [Close.self])

    struct Close: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Close a month: approved reports become ledger entries and every standing is folded again as of today.",
            discussion: "Closing the same month twice changes nothing. Reports still pending roll over to the next cycle.")
        @OptionGroup var store: StoreOptions
        @OptionGroup var output: OutputOptions
        @Option(help: "Jurisdiction whose cycle closes (its villages are included).") var jurisdiction: String
        @Option(help: "The month (YYYY-MM).") var month: String
        @Option(help: "Actor closing the cycle (administrator or reviewer).") var by: String
        @OptionGroup var logKeys: LogCommand.KeyOptions

        func run() async throws {
            let engine = try await store.engine()
            let summary = try await engine.closeCycle(
                try identifier(jurisdiction, field: "--jurisdiction"), month: try parseMonth(month, field: "--month"),
                by: try identifier(by, field: "--by"), progress: Terminal.progress("cycle close"))
            Terminal.endProgress()
            // Every cycle close is followed by a signed checkpoint, when the log has a key.
            if let signer = try logKeys.loadIfPresent(store) {
                try await openLog(store).checkpoint(signer: signer, at: Int64(Date().timeIntervalSince1970))
            }
            if output.json { return try Terminal.printJSON(summary) }
            print(SummaryText.cycle(summary))
        }
    }
}

struct StandingsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "standings", abstract: "Fold every stored standing again from the ledger.", subcommands: [Refresh.self])

    struct Refresh: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Recompute every standing as of today (expiries, lock-ins and fixed-term listings move with time).")
        @OptionGroup var store: StoreOptions
        @OptionGroup var output: OutputOptions
        @Option(help: "Only this jurisdiction and those under it.") var jurisdiction: String?

        func run() async throws {
            let engine = try await store.engine()
            let summary = try await engine.refreshStandings(
                scope: try jurisdiction.map { text throws(CivicError) in try identifier(text, field: "--jurisdiction") },
                progress: Terminal.progress("refresh"))
            Terminal.endProgress()
            if output.json { return try Terminal.printJSON(summary) }
            print(SummaryText.cycle(summary))
        }
    }
}

struct RemedyCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "remedy",
        abstract: "Record that a fault was put right: ends listings 'until remedied' at once, or cures a report in its grace period.")
    @OptionGroup var store: StoreOptions
    @Option(help: "Id of the remedy entry; repeating it changes nothing.") var id: String
    @Option(help: "The ledger entry remedied.") var entry: String?
    @Option(help: "A report still in its grace period (the fault is never deducted).") var report: String?
    @Option(help: "An authority's record id (case number, tax notice).") var record: String?
    @Option(help: "Day it was put right; defaults to today.") var on: String?
    @Option(help: "Actor recording the remedy.") var by: String
    @Option(help: "What was done.") var note: String

    func run() async throws {
        let engine = try await store.engine()
        let targets = [entry, report, record].compactMap { $0 }
        guard targets.count == 1 else { throw CivicError(.invalidInput, "give exactly one of --entry, --report, --record") }
        let target: RemedyTarget
        if let entry { target = .entry(Entry.ID(entry)) } else if let report { target = .report(Report.ID(report)) } else { target = .sourceRecord(record!) }
        let (result, stored) = try await engine.remedy(
            try identifier(id, field: "--id"), target: target, on: try on.map { text throws(CivicError) in try parseDay(text, field: "--on") },
            by: try identifier(by, field: "--by"), note: note)
        print("\(result.rawValue): \(stored.kind.rawValue) entry '\(stored.id)' for subject '\(stored.subject)' effective \(stored.effectiveOn)")
    }
}

struct CorrectCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "correct", abstract: "Cancel a ledger entry with a compensating entry; the original stays in the ledger.")
    @OptionGroup var store: StoreOptions
    @Option(help: "Id of the correction entry.") var id: String
    @Option(help: "The entry to cancel.") var entry: String
    @Option(help: "Why.") var reason: String
    @Option(help: "Reviewer or administrator.") var by: String

    func run() async throws {
        let engine = try await store.engine()
        let (result, stored) = try await engine.correct(try identifier(id, field: "--id"), entry: Entry.ID(entry), reason: reason, by: try identifier(by, field: "--by"))
        print("\(result.rawValue): correction '\(stored.id)' cancels '\(entry)' (\(stored.points.signedDescription) points) from \(stored.effectiveOn)")
    }
}
