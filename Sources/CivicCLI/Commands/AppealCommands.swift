import ArgumentParser
import CivicCore
import Foundation

struct AppealCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "appeal",
        abstract: "Dispute an entry, a listing or a star rating, and decide appeals.",
        discussion: """
            An appeal has a deadline set by the scheme (appeal_decision_days or appeal_decision_working_days). \
            If it is not decided by then, the disputed entry stops counting from the next day until it is. \
            The decision is taken by a reviewer who took no part in the entry, with reasons; an upheld appeal \
            corrects the entry. Every step is recorded in the ledger and sent to the subject as a notice.
            """,
        subcommands: [File.self, Decide.self, List.self])

    struct File: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "File an appeal (the subject's own resident account, a household member, or an administrator).",
            discussion: "Example: civic appeal file --id ap-1 --entry e:r-17 --by res-p-001 --statement \"I cleared it the same day\" --evidence photo:sha256:ab12")
        @OptionGroup var store: StoreOptions
        @Option(help: "Appeal id chosen by the caller; repeating it changes nothing.") var id: String
        @Option(help: "The disputed entry.") var entry: String?
        @Option(help: "Or the listing disputed, as SUBJECT/CRITERION: the entry behind it is appealed.") var listing: String?
        @Option(help: "Who files it (actor id).") var by: String
        @Option(help: "The subject's statement.") var statement: String
        @Option(help: "Evidence as KIND:REFERENCE; repeat for each piece.") var evidence: [String] = []

        func run() async throws {
            let engine = try await store.engine()
            let (target, disputes) = try await disputedEntry(engine)
            let (result, appeal) = try await engine.fileAppeal(AppealRequest(
                id: try identifier(id, field: "--id"), entry: target, disputes: disputes, by: try identifier(by, field: "--by"),
                statement: statement, evidence: try evidence.map(parseEvidence)))
            print("\(result.rawValue): appeal '\(appeal.id)' against entry '\(appeal.entry)'; to be decided by \(appeal.decideBy), "
                  + "or the entry stops counting from \(appeal.suspendsFrom) until it is")
        }

        func disputedEntry(_ engine: Engine) async throws -> (Entry.ID, Appeal.Disputed) {
            switch (entry, listing) {
            case (let entry?, nil):
                let id: Entry.ID = try identifier(entry, field: "--entry")
                let found = try await engine.store.entry(id)
                return (id, found?.kind == .rating ? .rating : .entry)
            case (nil, let listing?):
                let parts = listing.split(separator: "/", maxSplits: 1).map(String.init)
                guard parts.count == 2 else { throw CivicError(.invalidInput, "--listing: '\(listing)' is not SUBJECT/CRITERION") }
                let standings = try await engine.standings(of: try identifier(parts[0], field: "--listing"))
                let listings = standings.flatMap(\.activeListings).filter { $0.criterion.rawValue == parts[1] }
                guard let found = listings.first else { throw CivicError(.notFound, "'\(parts[0])' is not on a list by criterion '\(parts[1])' today") }
                guard let entry = found.entry else {
                    throw CivicError(.refused, "this listing follows the grade, not one entry: appeal the entries that lowered it (see `civic score \(parts[0]) --explain`)")
                }
                return (entry, .listing)
            default:
                throw CivicError(.invalidInput, "give either --entry or --listing")
            }
        }
    }

    struct Decide: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Decide an appeal: upheld (the entry is corrected) or dismissed, with reasons.")
        @OptionGroup var store: StoreOptions
        @Option(help: "Appeal id.") var appeal: String
        @Option(help: "upheld or dismissed.") var outcome: String
        @Option(help: "The reasons, sent to the subject.") var reason: String
        @Option(help: "Reviewer's actor id (not one who decided the disputed entry).") var by: String

        func run() async throws {
            let engine = try await store.engine()
            guard let value = AppealDecision.Outcome(rawValue: outcome) else { throw CivicError(.invalidInput, "--outcome: '\(outcome)' is not upheld or dismissed") }
            let (result, record) = try await engine.decideAppeal(try identifier(appeal, field: "--appeal"), outcome: value, reason: reason,
                                                                 by: try identifier(by, field: "--by"))
            let late = (record.decision?.decidedOn ?? record.appeal.decideBy) > record.appeal.decideBy
            print("\(result.rawValue): appeal '\(record.appeal.id)' \(value.rawValue)\(late ? " (after its deadline of \(record.appeal.decideBy))" : "")")
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "A subject's appeals, or without --subject the undecided ones, nearest deadline first.")
        @OptionGroup var store: StoreOptions
        @OptionGroup var output: OutputOptions
        @Option(help: "Subject id.") var subject: String?
        @Option(help: "At most this many (queue only).") var limit: Int = 100

        func run() async throws {
            let engine = try await store.engine()
            let today = try store.today()
            let records: [AppealRecord]
            if let subject {
                records = try await engine.appeals(of: try identifier(subject, field: "--subject"))
            } else {
                records = try await engine.undecidedAppeals(limit: limit)
            }
            if output.json { return try Terminal.printJSON(records) }
            if records.isEmpty { return print(subject == nil ? "no undecided appeals" : "no appeals") }
            let rows: [[String]] = records.map { record in
                let decision: String = record.decision.map { "\($0.outcome.rawValue) by \($0.reviewer) on \($0.decidedOn)" } ?? "-"
                return [record.appeal.id.rawValue, record.appeal.subject.rawValue, record.appeal.entry.rawValue,
                        record.appeal.filedOn.description, record.appeal.decideBy.description, record.status(on: today).rawValue, decision]
            }
            print(Terminal.table(["appeal", "subject", "entry", "filed", "decide by", "status", "decision"], rows))
        }
    }
}
