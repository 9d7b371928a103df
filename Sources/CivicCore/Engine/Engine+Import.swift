/// One row of an authority's feed: a court judgment, an unpaid tax or loan, or the remedy of one.
public struct AuthorityRecord: Hashable, Sendable, Codable {
    public enum Kind: String, Hashable, Sendable, Codable, CaseIterable {
        /// A new record: filed as a report for review.
        case record
        /// The record was put right (debt paid, judgment complied with).
        case remedy
    }

    /// The id of the report (records) or remedy entry (remedies) this row creates.
    public var id: String
    public var kind: Kind
    public var subject: Subject.ID
    /// The handbook rule a record falls under; not used for remedies.
    public var rule: Rule.ID?
    public var scheme: Scheme.ID?
    /// The authority's own id for the record (case number, tax notice number).
    public var sourceRecord: String
    public var occurredOn: Day
    public var statement: String

    public init(id: String, kind: Kind, subject: Subject.ID, rule: Rule.ID? = nil, scheme: Scheme.ID? = nil,
                sourceRecord: String, occurredOn: Day, statement: String) {
        self.id = id
        self.kind = kind
        self.subject = subject
        self.rule = rule
        self.scheme = scheme
        self.sourceRecord = sourceRecord
        self.occurredOn = occurredOn
        self.statement = statement
    }
}

public struct ImportSummary: Sendable, Codable {
    public var recordsFiled = 0
    public var remediesRecorded = 0
    public var unchanged = 0
}

extension Engine {
    /// Imports an authority's feed in one transaction: records become reports for
    /// review, remedies end listings at once. One bad row stops the import and writes nothing.
    public func importAuthorityRecords(_ rows: [AuthorityRecord], by actor: Actor.ID, progress: ProgressHandler? = nil) async throws -> ImportSummary {
        guard rows.count <= Limits.importRowsMax else { throw CivicError(.invalidInput, "more than \(Limits.importRowsMax) rows") }
        let authority = try await requireActor(actor)
        guard authority.roles.contains(.authority) else { throw CivicError(.refused, "actor '\(actor)' is not an authority") }
        return try await commitPlanned {
            var summary = ImportSummary()
            var requests: [(row: Int, request: ReportRequest)] = []
            var remedies: [(row: Int, request: RemedyRequest)] = []
            var seenIDs = Set<String>()
            for (index, row) in rows.enumerated() {
                let location = "row \(index + 1)"
                guard seenIDs.insert(row.id).inserted else { throw CivicError(.conflict, "id '\(row.id)' appears twice", at: location) }
                guard !row.sourceRecord.isEmpty, row.sourceRecord.count <= 200 else {
                    throw CivicError(.invalidInput, "source record must be 1 to 200 characters", at: location)
                }
                try Text.check(row.sourceRecord, field: "source record", at: location)
                try Text.check(row.statement, field: "statement", lineBreaks: true, at: location)
                switch row.kind {
                case .record:
                    guard let rule = row.rule else { throw CivicError(.invalidInput, "a record needs a rule", at: location) }
                    requests.append((index, ReportRequest(
                        id: Report.ID(row.id), subject: row.subject, scheme: row.scheme, rule: rule, reporter: actor, role: .authority,
                        occurredOn: row.occurredOn, statement: row.statement, evidence: [Evidence(kind: .record, reference: row.sourceRecord)],
                        sourceRecord: row.sourceRecord)))
                case .remedy:
                    remedies.append((index, RemedyRequest(id: Entry.ID(row.id), target: .sourceRecord(row.sourceRecord), on: row.occurredOn,
                                                         by: actor, note: row.statement)))
                }
            }
            var (changes, unchanged) = try await planFilings(requests.map { (location: "row \($0.row + 1)", request: $0.request) })
            summary.unchanged += unchanged
            summary.recordsFiled = changes.reports.count
            progress?(Progress(phase: "records checked", done: requests.count, total: rows.count))
            if !remedies.isEmpty {
                let head = try await store.ledgerHead()
                let plan: RemedyPlan
                do {
                    plan = try await planRemedies(remedies.map(\.request), head: head)
                } catch var error as CivicError {
                    // Point at the feed's row rather than the remedy's position among remedies.
                    if let location = error.location, let number = Int(location.dropFirst("remedy ".count).prefix { $0.isNumber }),
                       number >= 1, number <= remedies.count {
                        error.location = "row \(remedies[number - 1].row + 1)"
                    }
                    throw error
                }
                let restood = try await restanding(subjects: plan.subjects, adding: plan.entries, head: head, asOf: clock.today())
                changes.expectedLedgerHead = restood.expectedLedgerHead
                changes.entries = restood.entries
                changes.standings = restood.standings
                changes.notices = restood.notices
                changes.deliveries = restood.deliveries
                summary.remediesRecorded = plan.results.filter { $0.0 == .recorded }.count
                summary.unchanged += plan.results.count - summary.remediesRecorded
            }
            return (changes, summary)
        }
    }
}
