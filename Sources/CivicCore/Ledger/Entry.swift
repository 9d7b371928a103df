/// One line of the append-only ledger.
///
/// An entry is never updated or deleted: a correction is a compensating entry
/// that references the one it corrects. Everything a score needs is frozen into
/// the entry when it is written (points, expiry, grade cap), so publishing a new
/// handbook never changes what a past entry meant.
public struct Entry: Hashable, Sendable, Codable, Identifiable {
    public typealias ID = Identifier<Entry>

    public var id: ID
    /// Position in the ledger: 1, 2, 3... with no gaps.
    public var sequence: Int64
    public var kind: Kind
    public var subject: Subject.ID
    public var scheme: Scheme.ID
    public var handbookJurisdiction: Jurisdiction.ID
    public var handbookVersion: Int
    public var rule: Rule.ID?
    public var category: String?
    /// Change in score (points scales) or in a dimension's sub-score (weighted scales).
    public var points: Points
    public var dimension: Dimension.ID?
    /// Stars given, for rating entries.
    public var stars: Int?
    /// When the deed happened; caps count by it ("two trips a month").
    public var occurredOn: Day?
    public var effectiveOn: Day
    /// First day the entry no longer counts; `nil` never expires.
    public var expiresOn: Day?
    public var gradeCap: Grade?
    /// Years of the lock-in the grade cap starts on the effective day, frozen from the scheme's lock-in for
    /// the capped grade when the entry is written; `nil` when the cap starts none.
    public var gradeCapLockYears: Int?
    /// `true` when the grade cap holds until a remedy or correction, whatever the expiry; otherwise `nil`.
    public var gradeCapUntilRemedied: Bool?
    public var report: Report.ID?
    /// The decisions that approved the report.
    public var decisions: [Decision.ID]
    /// The entry this one corrects or remedies.
    public var references: ID?
    public var recordedOn: Day
    public var recordedBy: Actor.ID
    public var note: String

    public init(
        id: ID, sequence: Int64, kind: Kind, subject: Subject.ID, scheme: Scheme.ID,
        handbookJurisdiction: Jurisdiction.ID, handbookVersion: Int, rule: Rule.ID? = nil, category: String? = nil,
        points: Points = .zero, dimension: Dimension.ID? = nil, stars: Int? = nil, occurredOn: Day? = nil, effectiveOn: Day,
        expiresOn: Day? = nil, gradeCap: Grade? = nil, report: Report.ID? = nil, decisions: [Decision.ID] = [],
        references: ID? = nil, recordedOn: Day, recordedBy: Actor.ID, note: String = "",
        gradeCapLockYears: Int? = nil, gradeCapUntilRemedied: Bool? = nil
    ) {
        self.id = id
        self.sequence = sequence
        self.kind = kind
        self.subject = subject
        self.scheme = scheme
        self.handbookJurisdiction = handbookJurisdiction
        self.handbookVersion = handbookVersion
        self.rule = rule
        self.category = category
        self.points = points
        self.dimension = dimension
        self.stars = stars
        self.occurredOn = occurredOn
        self.effectiveOn = effectiveOn
        self.expiresOn = expiresOn
        self.gradeCap = gradeCap
        self.gradeCapLockYears = gradeCapLockYears
        // One form for "no": a stored false and a missing value are the same entry.
        self.gradeCapUntilRemedied = gradeCapUntilRemedied == true ? true : nil
        self.report = report
        self.decisions = decisions
        self.references = references
        self.recordedOn = recordedOn
        self.recordedBy = recordedBy
        self.note = note
    }

    public enum Kind: String, Hashable, Sendable, Codable, CaseIterable {
        /// A reviewed deed with its points.
        case deed
        /// A star rating for a dimension and period.
        case rating
        /// Cancels the entry it references from its effective day on.
        case correction
        /// Records that the fault behind the referenced entry was put right.
        case remedy
        /// Records that a fault was put right within its grace period; the report never becomes a deed.
        case cure
        /// The subject's appeal against the entry it references. Effective on the first day past the
        /// deadline for deciding it: from that day until the appeal is decided, the disputed entry stops counting.
        case appeal
        /// The appeal it references was decided on this entry's effective day; any suspension ends then.
        case appealDecided = "appeal-decided"
    }

    /// Whether the entry counts towards the score on `day`: from its effective day, up to but not including its expiry.
    public func isActive(on day: Day) -> Bool {
        effectiveOn <= day && (expiresOn.map { day < $0 } ?? true)
    }

    public var isAdverse: Bool { points.isNegative || gradeCap != nil }
}
