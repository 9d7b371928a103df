/// One coded rule of a handbook ("Chapter 2, evaluation criterion number five").
public struct Rule: Hashable, Sendable, Codable, Identifiable {
    public typealias ID = Identifier<Rule>

    public var id: ID
    public var title: LocalizedText
    public var category: Category
    /// Points for a deed (points and weighted scales). `nil` for a star rating rule.
    public var points: Points?
    /// The dimension the rule scores (weighted scales) or rates (star scales).
    public var dimension: Dimension.ID?
    /// A fine in yuan, shown for information; the product never collects it.
    public var fineYuan: Int?
    /// At most `count` entries per subject per period ("two trips a month").
    public var cap: Cap?
    /// The deed counts only if it lasted at least this long ("more than six months").
    public var minimumDurationDays: Int?
    public var evidence: EvidenceRequirement?
    /// Days to put a fault right before it is deducted ("3 days to clear litter").
    public var graceDays: Int?
    /// Days the entry counts; `nil` falls back to the scheme's limit for negative entries.
    public var expiryDays: Int?
    /// Who may report it.
    public var reporters: Set<ReporterRole>
    /// While the entry counts, the grade can be no higher than this ("automatic assignment to category B").
    public var gradeCap: Grade?
    /// How the grade cap holds beyond the entry's points; `nil` for a cap that holds while the entry counts
    /// and starts nothing.
    public var gradeCapTerms: GradeCapTerms?
    /// How many distinct reviewers must approve (four eyes).
    public var approvalsRequired: Int

    public init(
        id: ID, title: LocalizedText, category: Category, points: Points? = nil, dimension: Dimension.ID? = nil,
        fineYuan: Int? = nil, cap: Cap? = nil, minimumDurationDays: Int? = nil, evidence: EvidenceRequirement? = nil,
        graceDays: Int? = nil, expiryDays: Int? = nil, reporters: Set<ReporterRole> = [.assessor],
        gradeCap: Grade? = nil, gradeCapTerms: GradeCapTerms? = nil, approvalsRequired: Int = 1
    ) {
        self.id = id
        self.title = title
        self.category = category
        self.points = points
        self.dimension = dimension
        self.fineYuan = fineYuan
        self.cap = cap
        self.minimumDurationDays = minimumDurationDays
        self.evidence = evidence
        self.graceDays = graceDays
        self.expiryDays = expiryDays
        self.reporters = reporters
        self.gradeCap = gradeCap
        self.gradeCapTerms = gradeCapTerms
        self.approvalsRequired = approvalsRequired
    }

    /// True when the rule takes points away or caps a grade.
    public var isAdverse: Bool { (points?.isNegative ?? false) || gradeCap != nil }

    /// True when the rule sets star ratings rather than adding points.
    public var isRating: Bool { points == nil }
}

/// What a rule's grade cap does beyond holding the grade while its entry counts.
///
/// "Straight down to D, locked for five years": the cap may start the lock-in of the grade it
/// imposes, as a fall of the score would. A cap "until remedied" does not lapse when the entry's
/// points expire; only a remedy or a correction ends it.
public struct GradeCapTerms: Hashable, Sendable, Codable {
    /// The entry's effective day starts the scheme's lock-in for the capped grade.
    public var startsLockIn: Bool
    /// The cap holds until a remedy or correction, whatever the entry's expiry.
    public var untilRemedied: Bool

    public init(startsLockIn: Bool = false, untilRemedied: Bool = false) {
        self.startsLockIn = startsLockIn
        self.untilRemedied = untilRemedied
    }
}

public struct Cap: Hashable, Sendable, Codable {
    public var count: Int
    public var period: Period

    public init(count: Int, period: Period) {
        self.count = count
        self.period = period
    }
}

/// The evidence a report must carry: any one of the alternatives
/// ("at least two photos or a video").
public struct EvidenceRequirement: Hashable, Sendable, Codable {
    public var anyOf: [[Evidence.Kind: Int]]

    public init(anyOf: [[Evidence.Kind: Int]]) { self.anyOf = anyOf }

    public func isSatisfied(by evidence: [Evidence]) -> Bool {
        guard !anyOf.isEmpty else { return true }
        var counts: [Evidence.Kind: Int] = [:]
        for item in evidence { counts[item.kind, default: 0] += 1 }
        return anyOf.contains { alternative in alternative.allSatisfy { counts[$0.key, default: 0] >= $0.value } }
    }

    /// "2 photo or 1 video".
    public var description: String {
        anyOf.map { alternative in
            alternative.sorted { $0.key.rawValue < $1.key.rawValue }.map { "\($0.value) \($0.key.rawValue)" }.joined(separator: " and ")
        }.joined(separator: " or ")
    }
}

/// Who files a report.
public enum ReporterRole: String, Hashable, Sendable, Codable, CaseIterable {
    /// An assigned information collector.
    case assessor
    /// The subject claiming a good deed of their own; labelled and reviewed like any other.
    case `self`
    case neighbour
    /// A court, tax office, bank or regulator, usually through a feed.
    case authority
}
