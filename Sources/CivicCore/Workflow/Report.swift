/// A report of a deed, filed by an assessor, a neighbour, an authority, or the
/// subject themself (a self-claim); it becomes an entry only through review.
public struct Report: Hashable, Sendable, Codable, Identifiable {
    public typealias ID = Identifier<Report>

    public var id: ID
    public var subject: Subject.ID
    public var scheme: Scheme.ID
    public var rule: Rule.ID
    /// The handbook version in force when the report was filed; the rule is read from it.
    public var handbookVersion: Int
    public var handbookJurisdiction: Jurisdiction.ID
    public var reporter: Actor.ID
    public var reporterRole: ReporterRole
    public var occurredOn: Day
    public var filedOn: Day
    /// The review cycle (month) the report belongs to.
    public var cycle: Month
    public var statement: String
    public var evidence: [Evidence]
    /// How long the deed lasted, for rules with a minimum duration.
    public var durationDays: Int?
    /// The stars given, for rating rules.
    public var stars: Int?
    /// The authority's own record id (court case number, tax notice), for feeds and remedies.
    public var sourceRecord: String?

    public init(
        id: ID, subject: Subject.ID, scheme: Scheme.ID, rule: Rule.ID, handbookVersion: Int,
        handbookJurisdiction: Jurisdiction.ID, reporter: Actor.ID, reporterRole: ReporterRole, occurredOn: Day,
        filedOn: Day, cycle: Month, statement: String, evidence: [Evidence] = [], durationDays: Int? = nil,
        stars: Int? = nil, sourceRecord: String? = nil
    ) {
        self.id = id
        self.subject = subject
        self.scheme = scheme
        self.rule = rule
        self.handbookVersion = handbookVersion
        self.handbookJurisdiction = handbookJurisdiction
        self.reporter = reporter
        self.reporterRole = reporterRole
        self.occurredOn = occurredOn
        self.filedOn = filedOn
        self.cycle = cycle
        self.statement = statement
        self.evidence = evidence
        self.durationDays = durationDays
        self.stars = stars
        self.sourceRecord = sourceRecord
    }

    /// A self-claim is labelled wherever it is shown.
    public var isSelfClaim: Bool { reporterRole == .`self` }
}

/// A reference to a piece of evidence: a photo, a video, a document.
///
/// The reference is a content address or a URI; the product stores references,
/// and a later interface stores the content itself.
public struct Evidence: Hashable, Sendable, Codable {
    public enum Kind: String, Hashable, Sendable, Codable, CaseIterable { case photo, video, document, record }

    public var kind: Kind
    public var reference: String

    public init(kind: Kind, reference: String) {
        self.kind = kind
        self.reference = reference
    }
}

/// A reviewer's decision on a report.
public struct Decision: Hashable, Sendable, Codable, Identifiable {
    public typealias ID = Identifier<Decision>

    public var id: ID
    public var report: Report.ID
    public var reviewer: Actor.ID
    public var outcome: Outcome
    public var reason: String
    public var decidedOn: Day

    public init(id: ID, report: Report.ID, reviewer: Actor.ID, outcome: Outcome, reason: String, decidedOn: Day) {
        self.id = id
        self.report = report
        self.reviewer = reviewer
        self.outcome = outcome
        self.reason = reason
        self.decidedOn = decidedOn
    }

    public enum Outcome: Hashable, Sendable, Codable {
        case approve
        case reject
        /// Approve with different points (within the rule's sign), or different stars for a rating.
        case adjust(Points)

        public var isApproval: Bool { if case .reject = self { false } else { true } }

        public var label: String {
            switch self {
            case .approve: "approve"
            case .reject: "reject"
            case .adjust(let points): "adjust to \(points.signedDescription)"
            }
        }
    }
}

/// Where a report stands.
public enum ReportStatus: String, Hashable, Sendable, Codable, CaseIterable {
    /// Waiting for review (or for a second approver).
    case pending
    case rejected
    /// Approved, waiting for the cycle to close.
    case approved
    /// Approved, but the grace period to put it right has not passed yet.
    case awaitingGrace = "awaiting-grace"
    /// Put right within the grace period: never deducted.
    case cured
    /// Approved, but the rule's cap for the period was already reached.
    case capped
    /// In the ledger.
    case entered
}

/// A closed monthly cycle.
public struct Cycle: Hashable, Sendable, Codable {
    public var jurisdiction: Jurisdiction.ID
    public var month: Month
    public var closedOn: Day
    public var closedBy: Actor.ID

    public init(jurisdiction: Jurisdiction.ID, month: Month, closedOn: Day, closedBy: Actor.ID) {
        self.jurisdiction = jurisdiction
        self.month = month
        self.closedOn = closedOn
        self.closedBy = closedBy
    }
}
