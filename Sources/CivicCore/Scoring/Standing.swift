/// A subject's derived state in one scheme on one day: score, grade, lock-in,
/// list memberships. It is a projection: a fresh fold of the ledger
/// (`Evaluator.standing`) must always give the same value.
public struct Standing: Hashable, Sendable, Codable {
    public var subject: Subject.ID
    public var scheme: Scheme.ID
    public var asOf: Day
    public var score: Points
    /// `nil` for a scheme without grade bands.
    public var grade: Grade?
    public var lock: Lock?
    /// The active entry whose grade cap holds the grade down, if any.
    public var cappedBy: Entry.ID?
    /// Sub-scores (weighted scales) or stars (star scales) per dimension.
    public var dimensions: [Dimension.ID: Points]
    /// Every listing this subject has had in this scheme, active or ended, oldest first.
    public var listings: [Listing]
    /// Entries that count on `asOf`.
    public var activeEntries: Int
    /// Rules with an entry whose effect (grade cap, listing) still holds on `asOf`, sorted.
    public var activeRules: [Rule.ID]
    /// The last ledger sequence folded in; 0 for no record.
    public var lastSequence: Int64
    /// Positive points earned in `asOf`'s year and the year before (quota schemes).
    public var earned: EarnedPoints
    /// Quota status of the last completed year, where the scheme has a quota (filled in by the engine for households).
    public var quota: QuotaStatus?
    /// The first day after `asOf` on which a fold of the same entries could give another result: an entry
    /// takes effect or expires, a lock-in or a listing ends, a new year begins. Until then the standing
    /// holds as it is, so a cycle close need not fold it again. `nil` when not known (stored before it was kept).
    public var nextChange: Day?
    /// The highest ledger sequence among the subject's entries (any scheme) that this fold saw; a later entry
    /// about the subject (an appeal filed, say) means the standing must be folded again. `nil` when not known.
    public var foldedThrough: Int64?

    public init(
        subject: Subject.ID, scheme: Scheme.ID, asOf: Day, score: Points, grade: Grade?, lock: Lock? = nil,
        cappedBy: Entry.ID? = nil, dimensions: [Dimension.ID: Points] = [:], listings: [Listing] = [],
        activeEntries: Int = 0, activeRules: [Rule.ID] = [], lastSequence: Int64 = 0, earned: EarnedPoints = EarnedPoints(), quota: QuotaStatus? = nil,
        nextChange: Day? = nil, foldedThrough: Int64? = nil
    ) {
        self.subject = subject
        self.scheme = scheme
        self.asOf = asOf
        self.score = score
        self.grade = grade
        self.lock = lock
        self.cappedBy = cappedBy
        self.dimensions = dimensions
        self.listings = listings
        self.activeEntries = activeEntries
        self.activeRules = activeRules
        self.lastSequence = lastSequence
        self.earned = earned
        self.quota = quota
        self.nextChange = nextChange
        self.foldedThrough = foldedThrough
    }

    /// Whether this standing, folded on `asOf` from entries up to `foldedThrough`, still holds on `day` for a
    /// subject whose last entry is `lastEntry`: nothing has been added since and no change day has come.
    public func stillHolds(on day: Day, lastEntry: Int64) -> Bool {
        guard let nextChange, let foldedThrough else { return false }
        return asOf <= day && day < nextChange && foldedThrough == lastEntry
    }

    /// This standing as a fold of the same entries on `day` gives it while it still holds (`stillHolds`): only
    /// its day moves, and across a new year its points earned this year and last (`EarnedPoints.seen(from:)`),
    /// exactly as a close moves a held standing (`HeldStandings`).
    public func holding(on day: Day) -> Standing {
        var standing = self
        standing.asOf = day
        standing.earned = earned.seen(from: day.year)
        return standing
    }

    /// Listings active on `asOf`.
    public var activeListings: [Listing] { listings.filter { $0.isActive(on: asOf) } }

    public func isListed(on list: ListKind) -> Bool { listings.contains { $0.list == list && $0.isActive(on: asOf) } }

    public var hasRecord: Bool { lastSequence > 0 }
}

/// The grade ceiling after a fall: "B for 2 years".
public struct Lock: Hashable, Sendable, Codable {
    public var grade: Grade
    public var since: Day
    /// First day the lock no longer holds.
    public var until: Day

    public init(grade: Grade, since: Day, until: Day) {
        self.grade = grade
        self.since = since
        self.until = until
    }
}

/// A period on the red list or the blacklist, with its reason.
public struct Listing: Hashable, Sendable, Codable {
    public var list: ListKind
    public var criterion: ListCriterion.ID
    public var since: Day
    /// First day off the list, where known (fixed term, remedy, trigger ended).
    public var endsOn: Day?
    public var endReason: EndReason?
    /// The entry that triggered the listing (rule triggers).
    public var entry: Entry.ID?
    /// The domain of the conduct behind it; `nil` for grade triggers, which sum every domain.
    public var domain: Domain?
    public var reason: String

    public init(list: ListKind, criterion: ListCriterion.ID, since: Day, endsOn: Day? = nil, endReason: EndReason? = nil,
                entry: Entry.ID? = nil, domain: Domain? = nil, reason: String) {
        self.list = list
        self.criterion = criterion
        self.since = since
        self.endsOn = endsOn
        self.endReason = endReason
        self.entry = entry
        self.domain = domain
        self.reason = reason
    }

    public func isActive(on day: Day) -> Bool { since <= day && (endsOn.map { day < $0 } ?? true) }

    public enum EndReason: String, Hashable, Sendable, Codable {
        /// The fixed term ran out.
        case termEnded = "term-ended"
        /// The remedy was recorded.
        case remedied
        /// The grade or entry behind it no longer holds.
        case triggerEnded = "trigger-ended"
        /// The entry behind it was corrected.
        case corrected
        /// The entry behind it is suspended: an appeal against it was not decided in time.
        case suspended
    }
}

/// Positive points earned by one subject, by calendar year.
public struct EarnedPoints: Hashable, Sendable, Codable {
    public var year: Int
    public var thisYear: Points
    public var previousYear: Points

    public init(year: Int = 0, thisYear: Points = .zero, previousYear: Points = .zero) {
        self.year = year
        self.thisYear = thisYear
        self.previousYear = previousYear
    }

    /// The same points seen from `newYear` when no deed has taken effect since: this year's become last
    /// year's one year on, and both are gone two years on. A held standing's points move this way across a
    /// new year (`HeldStandings`); the stores do the same in SQL.
    public func seen(from newYear: Int) -> EarnedPoints {
        if newYear == year { return self }
        return EarnedPoints(year: newYear, thisYear: .zero, previousYear: newYear == year + 1 ? thisYear : .zero)
    }
}

/// Whether a person or household met the yearly minimum.
public struct QuotaStatus: Hashable, Sendable, Codable {
    public var year: Int
    public var required: Points
    public var earned: Points
    /// Members not counted towards the requirement (aged 80+, disability, caring duties).
    public var exemptMembers: Int
    public var members: Int

    public init(year: Int, required: Points, earned: Points, exemptMembers: Int, members: Int) {
        self.year = year
        self.required = required
        self.earned = earned
        self.exemptMembers = exemptMembers
        self.members = members
    }

    public var isMet: Bool { earned >= required }
    public var shortfall: Points { isMet ? .zero : required - earned }
}
