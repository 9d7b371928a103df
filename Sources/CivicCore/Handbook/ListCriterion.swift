/// The two published lists.
public enum ListKind: String, Hashable, Sendable, Codable, CaseIterable {
    /// Trustworthy.
    case red
    /// Untrustworthy.
    case black
}

/// When a subject goes on a list, and for how long.
public struct ListCriterion: Hashable, Sendable, Codable, Identifiable {
    public typealias ID = Identifier<ListCriterion>

    public var id: ID
    public var list: ListKind
    public var title: LocalizedText
    public var trigger: Trigger
    public var duration: Duration
    /// How to get off the list, shown on notices and the notice board.
    public var remedyHint: LocalizedText?

    public init(id: ID, list: ListKind, title: LocalizedText, trigger: Trigger, duration: Duration, remedyHint: LocalizedText? = nil) {
        self.id = id
        self.list = list
        self.title = title
        self.trigger = trigger
        self.duration = duration
        self.remedyHint = remedyHint
    }

    public enum Trigger: Hashable, Sendable, Codable {
        /// The grade is at or below this one (blacklist at D).
        case gradeAtMost(Grade)
        /// The grade is at or above this one (red list at AAA).
        case gradeAtLeast(Grade)
        /// An entry of one of these rules is recorded (an authority record such as a court judgment).
        case rule([Rule.ID])
    }

    public enum Duration: Hashable, Sendable, Codable {
        /// As long as the trigger holds (grade triggers).
        case whileTriggered
        /// A fixed number of days from the triggering entry, ended early by a remedy.
        case days(Int)
        /// Until the remedy is recorded ("clearing all debts would get him off the blacklist").
        case untilRemedied
    }
}

/// A reward or a sanction that relying parties check.
public struct Measure: Hashable, Sendable, Codable, Identifiable {
    public typealias ID = Identifier<Measure>

    public var id: ID
    public var title: LocalizedText
    public var kind: Kind
    /// The domain of conduct the measure belongs to (transport, finance...).
    public var domain: Domain
    public var condition: Condition
    /// The law or regulation that links conduct in another domain to this measure, if any.
    public var legalBasis: String?
    public var remedyHint: LocalizedText?
    /// For a graduated measure, its tiers in the order they are tried (the first that holds answers);
    /// `nil` for a measure that answers yes or no only. The measure applies when its condition holds and
    /// some tier does.
    public var tiers: [MeasureTier]?

    public init(id: ID, title: LocalizedText, kind: Kind, domain: Domain, condition: Condition, legalBasis: String? = nil,
                remedyHint: LocalizedText? = nil, tiers: [MeasureTier]? = nil) {
        self.id = id
        self.title = title
        self.kind = kind
        self.domain = domain
        self.condition = condition
        self.legalBasis = legalBasis
        self.remedyHint = remedyHint
        self.tiers = tiers
    }

    public enum Kind: String, Hashable, Sendable, Codable, CaseIterable { case reward, sanction }
}

/// What must hold of a subject's standing for a measure to apply.
public indirect enum Condition: Hashable, Sendable, Codable {
    case onList(ListKind)
    case gradeAtLeast(Grade)
    case gradeAtMost(Grade)
    case scoreAtLeast(Points)
    case scoreBelow(Points)
    /// An active entry of one of these rules.
    case ruleActive([Rule.ID])
    /// The yearly quota of the last completed year was not met.
    case quotaUnmet
    case all([Condition])
    case any([Condition])
    case not(Condition)

    /// The condition that always holds: a graduated measure whose tiers alone decide it has this as its own.
    public static let always = Condition.all([])
}
