/// A subject's dispute of one ledger entry: a deed, a star rating, or the entry
/// behind a listing. It has a statement, evidence, and a deadline for the
/// decision set by the scheme; past it, the disputed entry stops counting until
/// the appeal is decided.
public struct Appeal: Hashable, Sendable, Codable, Identifiable {
    public typealias ID = Identifier<Appeal>

    public var id: ID
    public var subject: Subject.ID
    public var scheme: Scheme.ID
    /// The entry disputed.
    public var entry: Entry.ID
    /// What the subject says they dispute, as they see it.
    public var disputes: Disputed
    /// The subject's own actor, or an administrator filing on their behalf.
    public var filedBy: Actor.ID
    public var filedOn: Day
    public var statement: String
    public var evidence: [Evidence]
    /// The last day a decision is on time.
    public var decideBy: Day

    public init(id: ID, subject: Subject.ID, scheme: Scheme.ID, entry: Entry.ID, disputes: Disputed, filedBy: Actor.ID,
                filedOn: Day, statement: String, evidence: [Evidence], decideBy: Day) {
        self.id = id
        self.subject = subject
        self.scheme = scheme
        self.entry = entry
        self.disputes = disputes
        self.filedBy = filedBy
        self.filedOn = filedOn
        self.statement = statement
        self.evidence = evidence
        self.decideBy = decideBy
    }

    public enum Disputed: String, Hashable, Sendable, Codable, CaseIterable {
        case entry, listing, rating
    }

    /// The first day the disputed entry is suspended if no decision has come by then.
    public var suspendsFrom: Day { decideBy.adding(days: 1) }

    /// The ledger entry that records the appeal (and, from `suspendsFrom`, suspends the disputed entry).
    public var ledgerEntryID: Entry.ID { Entry.ID("appeal:\(id.rawValue)") }
}

/// The decision on an appeal, by a reviewer who took no part in the disputed entry.
public struct AppealDecision: Hashable, Sendable, Codable {
    public var appeal: Appeal.ID
    public var reviewer: Actor.ID
    public var outcome: Outcome
    public var reason: String
    public var decidedOn: Day

    public init(appeal: Appeal.ID, reviewer: Actor.ID, outcome: Outcome, reason: String, decidedOn: Day) {
        self.appeal = appeal
        self.reviewer = reviewer
        self.outcome = outcome
        self.reason = reason
        self.decidedOn = decidedOn
    }

    public enum Outcome: String, Hashable, Sendable, Codable, CaseIterable {
        /// The subject was right: the entry is corrected by a compensating entry.
        case upheld
        /// The entry stands.
        case dismissed
    }

    /// The ledger entry that records the decision and ends any suspension.
    public var ledgerEntryID: Entry.ID { Entry.ID("appeal-decided:\(appeal.rawValue)") }
    /// The correction written when the appeal is upheld.
    public var correctionEntryID: Entry.ID { Entry.ID("appeal-upheld:\(appeal.rawValue)") }
}

/// An appeal with its decision, if there is one.
public struct AppealRecord: Hashable, Sendable, Codable {
    public var appeal: Appeal
    public var decision: AppealDecision?

    public init(appeal: Appeal, decision: AppealDecision?) {
        self.appeal = appeal
        self.decision = decision
    }

    public enum Status: String, Sendable, Codable { case open, overdue, upheld, dismissed }

    /// Where the appeal stands on `day`: overdue once the decision deadline has passed without one.
    public func status(on day: Day) -> Status {
        if let decision, decision.decidedOn <= day { return decision.outcome == .upheld ? .upheld : .dismissed }
        return day > appeal.decideBy ? .overdue : .open
    }
}
