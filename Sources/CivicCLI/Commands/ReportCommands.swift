import ArgumentParser
import CivicCore
import Foundation

struct ReportCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "report", abstract: "File a report of a deed, import an authority's feed, or list reports.",
        subcommands: [File.self, Import.self, List.self], defaultSubcommand: File.self)

    struct File: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "File one report for review.",
            discussion: "Example, on the database `civic demo` builds: civic report --id r-1 --subject p-00001 --rule R-ESCORT-ELDER --by asr-city-1 --role assessor --occurred 2026-12-02 --statement \"Took an elderly neighbour to the clinic\" --evidence photo:sha256:ab12 --evidence photo:sha256:cd34")
        @OptionGroup var store: StoreOptions
        @Option(help: "Report id chosen by the caller; filing again with the same id changes nothing.") var id: String
        @Option(help: "Subject id.") var subject: String
        @Option(help: "Rule code from the handbook.") var rule: String
        @Option(help: "Scheme id, when the rule code exists in several of the subject's schemes.") var scheme: String?
        @Option(help: "Reporter's actor id.") var by: String
        @Option(help: "assessor, self, neighbour or authority.") var role: String
        @Option(help: "Day the deed happened (YYYY-MM-DD).") var occurred: String
        @Option(help: "What happened.") var statement: String
        @Option(help: "Evidence as KIND:REFERENCE (photo, video, document, record); repeat for each piece.") var evidence: [String] = []
        @Option(help: "How many days the deed lasted, for rules with a minimum duration.") var durationDays: Int?
        @Option(help: "Stars given, for a rating rule.") var stars: Int?

        func run() async throws {
            let engine = try await store.engine()
            guard let role = ReporterRole(rawValue: role) else {
                throw CivicError(.invalidInput, "--role: '\(role)' is not one of \(ReporterRole.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            let request = ReportRequest(
                id: try identifier(id, field: "--id"), subject: try identifier(subject, field: "--subject"),
                scheme: try scheme.map { text throws(CivicError) in try identifier(text, field: "--scheme") },
                rule: Rule.ID(rule), reporter: try identifier(by, field: "--by"), role: role,
                occurredOn: try parseDay(occurred, field: "--occurred"), statement: statement,
                evidence: try evidence.map(parseEvidence), durationDays: durationDays, stars: stars)
            let result = try await engine.file(request)
            let record = try await engine.store.report(request.id)
            print("\(result.rawValue): report '\(request.id)' in cycle \(record?.report.cycle.description ?? "?"), \(record?.status.rawValue ?? "?")")
        }
    }

    struct Import: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Import an authority's feed (court judgments, unpaid taxes or loans, and their remedies), all or none.",
            discussion: """
                CSV header: id,kind,subject,rule,scheme,source_record,occurred_on,statement (kind is record or remedy).
                JSON: an array of objects with the same keys (sourceRecord and occurredOn in camelCase also accepted).
                Records are filed as reports for committee review; a remedy ends the listing of the record it names at once.
                """)
        @OptionGroup var store: StoreOptions
        @Argument(help: "CSV or JSON file (by extension).") var file: String
        @Option(help: "The authority's actor id.") var by: String

        func run() async throws {
            let engine = try await store.engine()
            let rows = try AuthorityFeed.read(file)
            let summary = try await engine.importAuthorityRecords(rows, by: try identifier(by, field: "--by"), progress: Terminal.progress("import"))
            Terminal.endProgress()
            print("imported \(file): \(summary.recordsFiled) records filed for review, \(summary.remediesRecorded) remedies recorded, \(summary.unchanged) unchanged")
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List reports by status, e.g. the review queue.")
        @OptionGroup var store: StoreOptions
        @OptionGroup var output: OutputOptions
        @Option(help: "Status: \(ReportStatus.allCases.map(\.rawValue).joined(separator: ", ")).") var status: String = "pending"
        @Option(help: "Up to this cycle (YYYY-MM); defaults to the current month.") var cycle: String?
        @Option(help: "At most this many rows.") var limit: Int = 200

        func run() async throws {
            let engine = try await store.engine()
            guard let wanted = ReportStatus(rawValue: status) else {
                throw CivicError(.invalidInput, "--status: '\(status)' is not one of \(ReportStatus.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            let through = try cycle.map { text throws(CivicError) in try parseMonth(text, field: "--cycle") } ?? store.today().month
            let records = Array(try await engine.store.reports(statuses: [wanted], throughCycle: through).prefix(max(0, min(limit, Limits.pageSizeMax))))
            if output.json { return try Terminal.printJSON(records) }
            let handbooks = try await engine.handbooks()
            var header = ["report", "cycle", "subject", "rule", "reporter", "evidence", "decisions"]
            let explained: Set<ReportStatus> = [.capped, .awaitingGrace, .cured]
            if explained.contains(wanted) { header.append("why") }
            print(Terminal.table(header, records.map { record in
                var row = [record.report.id.rawValue + (record.report.isSelfClaim ? " (self-claim)" : ""), record.report.cycle.description,
                           record.report.subject.rawValue, record.report.rule.rawValue,
                           "\(record.report.reporter) (\(record.report.reporterRole.rawValue))", "\(record.report.evidence.count)",
                           record.decisions.map { "\($0.reviewer): \($0.outcome.label)" }.joined(separator: "; ")]
                if explained.contains(wanted) { row.append(ReportStatusText.why(record, handbooks: handbooks)) }
                return row
            }))
            print("\(records.count) \(wanted.rawValue) report(s) through \(through)")
        }
    }
}

/// Why a report approved in review gave no entry (yet): the rule's cap, its grace period.
enum ReportStatusText {
    static func why(_ record: ReportRecord, handbooks: HandbookSet) -> String {
        let report = record.report
        let rule = handbooks.version(report.handbookVersion, of: report.handbookJurisdiction)?.scheme(report.scheme)?.rule(report.rule)
        switch record.status {
        case .capped:
            guard let cap = rule?.cap else { return "the rule's cap was reached" }
            let period = cap.period.start(containing: report.occurredOn)
            return "no points: \(report.rule) counts at most \(cap.count) per \(cap.period.rawValue), and \(cap.count) were already entered for the \(cap.period.rawValue) from \(period)"
        case .awaitingGrace:
            guard let days = rule?.graceDays else { return "waiting for the grace period" }
            return "\(days) days to put it right: not deducted before \(report.occurredOn.adding(days: days))"
        case .cured:
            return "put right within the grace period: never deducted"
        default:
            return "-"
        }
    }
}

func parseEvidence(_ text: String) throws(CivicError) -> Evidence {
    let parts = text.split(separator: ":", maxSplits: 1)
    guard parts.count == 2, let kind = Evidence.Kind(rawValue: String(parts[0])), !parts[1].isEmpty else {
        throw CivicError(.invalidInput, "--evidence: '\(text)' is not KIND:REFERENCE with KIND one of \(Evidence.Kind.allCases.map(\.rawValue).joined(separator: ", "))")
    }
    return Evidence(kind: kind, reference: String(parts[1]))
}

/// An authority feed file, CSV or JSON, turned into checked rows.
enum AuthorityFeed {
    static let columns = ["id", "kind", "subject", "rule", "scheme", "source_record", "occurred_on", "statement"]

    static let requiredColumns = ["id", "kind", "subject", "source_record", "occurred_on", "statement"]
    static let optionalColumns = ["rule", "scheme"]

    static func read(_ path: String) throws(CivicError) -> [AuthorityRecord] {
        if path.lowercased().hasSuffix(".json") { return try readJSON(path) }
        return try records(CSVTable.read(path, required: requiredColumns, optional: optionalColumns), file: path)
    }

    /// The records of a CSV feed's text; `file` names it in errors.
    static func parseCSV(_ text: String, file: String) throws(CivicError) -> [AuthorityRecord] {
        try records(CSVTable.parse(text, file: file, required: requiredColumns, optional: optionalColumns), file: file)
    }

    static func records(_ rows: [CSVTable.Row], file path: String) throws(CivicError) -> [AuthorityRecord] {
        try rows.map { row throws(CivicError) in
            try located("\(path):\(row.line)") { () throws(CivicError) in
                try record(id: row["id"], kind: row["kind"], subject: row["subject"], rule: row["rule"], scheme: row["scheme"],
                           sourceRecord: row["source_record"], occurredOn: row["occurred_on"], statement: row["statement"])
            }
        }
    }

    static func readJSON(_ path: String) throws(CivicError) -> [AuthorityRecord] {
        try parseJSON(try InputFile.read(path), file: path)
    }

    /// The records of a JSON feed's bytes; `file` names it in errors.
    static func parseJSON(_ data: Data, file path: String) throws(CivicError) -> [AuthorityRecord] {
        guard let array = (try? JSONSerialization.jsonObject(with: data)) as? [[String: Any]] else {
            throw CivicError(.invalidInput, "'\(path)' is not a JSON array of objects (is the file truncated?)")
        }
        return try array.enumerated().map { index, object throws(CivicError) in
            func text(_ keys: String...) -> String? { keys.lazy.compactMap { object[$0] as? String }.first }
            return try located("\(path): item \(index + 1)") { () throws(CivicError) in
                try record(id: text("id"), kind: text("kind"), subject: text("subject"), rule: text("rule"), scheme: text("scheme"),
                           sourceRecord: text("source_record", "sourceRecord"), occurredOn: text("occurred_on", "occurredOn"),
                           statement: text("statement"))
            }
        }
    }

    static func record(id: String?, kind: String?, subject: String?, rule: String?, scheme: String?, sourceRecord: String?,
                       occurredOn: String?, statement: String?) throws(CivicError) -> AuthorityRecord {
        func required(_ value: String?, _ field: String) throws(CivicError) -> String {
            guard let value, !value.isEmpty else { throw CivicError(.invalidInput, "missing \(field)") }
            return value
        }
        let kindText = try required(kind, "kind")
        guard let kind = AuthorityRecord.Kind(rawValue: kindText) else {
            throw CivicError(.invalidInput, "kind: '\(kindText)' is not record or remedy")
        }
        let id = try required(id, "id")
        guard Identifier<Report>.isValid(id) else { throw CivicError(.invalidInput, "id '\(id)' is not valid: \(Report.ID.syntax)") }
        return AuthorityRecord(
            id: id, kind: kind, subject: try identifier(try required(subject, "subject"), field: "subject"),
            rule: rule.flatMap { $0.isEmpty ? nil : Rule.ID($0) }, scheme: scheme.flatMap { $0.isEmpty ? nil : Scheme.ID($0) },
            sourceRecord: try required(sourceRecord, "source_record"),
            occurredOn: try parseDay(try required(occurredOn, "occurred_on"), field: "occurred_on"),
            statement: try required(statement, "statement"))
    }
}
