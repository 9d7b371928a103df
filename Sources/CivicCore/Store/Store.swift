/// What the engine needs from persistence. Every store (SQLite, PostgreSQL)
/// passes the same behaviour suite in CivicTesting.
///
/// Reads are plain queries. Every write is one `commit` of a `ChangeSet`,
/// applied in a single transaction: all of it or none of it. The store enforces
/// the ledger's invariants itself (unique ids, a gapless sequence that starts
/// where the ledger ends, no update or delete of an entry), so no interface can
/// bypass them.
public protocol Store: Sendable {
    // MARK: Registry
    func jurisdictions() async throws -> [Jurisdiction]
    func subject(_ id: Subject.ID) async throws -> Subject?
    func subjects(_ ids: [Subject.ID]) async throws -> [Subject]
    /// Subjects in id order after `cursor`, at most `limit`.
    func subjects(after cursor: Subject.ID?, limit: Int) async throws -> [Subject]
    func members(of household: Subject.ID) async throws -> [Subject]
    func subjectCount() async throws -> Int
    func actor(_ id: Actor.ID) async throws -> Actor?
    func actors() async throws -> [Actor]

    // MARK: Handbooks
    /// Every published version of every jurisdiction's handbook, oldest first.
    func handbooks() async throws -> [PublishedHandbook]

    // MARK: Workflow
    func report(_ id: Report.ID) async throws -> ReportRecord?
    /// The report that carries an authority's record id, if any.
    func reportID(sourceRecord: String) async throws -> Report.ID?
    /// Reports whose status is one of `statuses` and cycle is at or before `cycle`, in (cycle, id) order.
    func reports(statuses: Set<ReportStatus>, throughCycle cycle: Month) async throws -> [ReportRecord]
    func reports(subject: Subject.ID) async throws -> [ReportRecord]
    func decision(_ id: Decision.ID) async throws -> Decision?
    func cycles() async throws -> [Cycle]

    // MARK: Ledger
    /// The sequence of the last entry, 0 when the ledger is empty.
    func ledgerHead() async throws -> Int64
    func entry(_ id: Entry.ID) async throws -> Entry?
    func entries(subject: Subject.ID) async throws -> [Entry]
    /// Entries in sequence order after `sequence`, at most `limit`.
    func entries(after sequence: Int64, limit: Int) async throws -> [Entry]
    /// Subjects after `cursor` in id order with all their entries and stored standings: the unit of a full rebuild.
    func ledgers(after cursor: Subject.ID?, limit: Int) async throws -> [SubjectLedger]
    /// The same page, but a subject's entries are read only where `wanted` says so, given the subject, its
    /// stored standings and the sequence of its last entry (0 for none); the others come back with
    /// `entriesRead == false` and no entries. A cycle close uses it to skip the standings that still hold.
    func ledgers(after cursor: Subject.ID?, limit: Int,
                 readingEntries wanted: @escaping @Sendable (Subject, [Standing], Int64) -> Bool) async throws -> [SubjectLedger]
    /// The id of every `stride`-th subject in id order (the `stride`-th, the `2 * stride`-th, ...): the last
    /// subject of each full page of that size, so that a pass over every ledger can read several pages at once.
    func subjectIDs(every stride: Int) async throws -> [Subject.ID]

    // MARK: Projections
    func standings(subject: Subject.ID) async throws -> [Standing]
    /// A subject's stored standings and the sequence of its last entry (0 for none), read together: what a
    /// question needs to answer from the stored standings when they still hold (`Standing.stillHolds`).
    func standingsAndLastEntry(subject: Subject.ID) async throws -> (standings: [Standing], lastEntry: Int64)
    /// What one eligibility question reads, in one read: the subject, its stored standings, the sequence of its
    /// last entry (0 for none), and the catalog's version, which says whether the handbooks and jurisdictions an
    /// engine keeps decoded between questions are still the store's. Nil when there is no such subject.
    func subjectSnapshot(_ id: Subject.ID) async throws -> SubjectSnapshot?
    /// Stored standings in (subject, scheme) order after the cursor.
    func standings(after cursor: StandingKey?, limit: Int) async throws -> [Standing]
    /// Listings on `list` active on `day` according to the stored standings, in (since, subject) order.
    func listings(on list: ListKind, activeOn day: Day, limit: Int) async throws -> [ListedSubject]

    // MARK: Due process
    func appeal(_ id: Appeal.ID) async throws -> AppealRecord?
    func appeals(subject: Subject.ID) async throws -> [AppealRecord]
    /// Appeals without a decision, in (decideBy, id) order after `cursor`, at most `limit`.
    func undecidedAppeals(after cursor: Appeal.ID?, limit: Int) async throws -> [AppealRecord]
    func notice(_ id: Notice.ID) async throws -> Notice?
    /// A subject's notices, newest first.
    func notices(subject: Subject.ID) async throws -> [Notice]
    /// Notices in id order after `cursor`, at most `limit`.
    func notices(after cursor: Notice.ID?, limit: Int) async throws -> [Notice]
    func deliveryChannels() async throws -> [DeliveryChannel]
    func deliveries(notice: Notice.ID) async throws -> [NoticeDelivery]
    /// Pending deliveries due at or before `time` (seconds since 1970), oldest due first, at most `limit`.
    func dueDeliveries(at time: Int64, limit: Int) async throws -> [NoticeDelivery]
    /// Every delivery attempt of a notice, in order.
    func deliveryAttempts(notice: Notice.ID) async throws -> [DeliveryAttempt]

    // MARK: Writing
    /// Applies every change in one transaction, or none of them.
    func commit(_ changes: ChangeSet) async throws
}

/// A subject with its whole ledger, in sequence order.
public struct SubjectLedger: Sendable {
    public var subject: Subject
    /// In sequence order.
    public var entries: [Entry]
    /// As stored before this read, one per scheme.
    public var standings: [Standing]
    /// `false` when the read left the entries out (`ledgers(after:limit:readingEntries:)`): `entries` is then empty.
    public var entriesRead: Bool

    public init(subject: Subject, entries: [Entry], standings: [Standing], entriesRead: Bool = true) {
        self.subject = subject
        self.entries = entries
        self.standings = standings
        self.entriesRead = entriesRead
    }
}

extension Store {
    /// Reads every ledger whole: correct for any store, and what a store without a cheaper way does.
    public func ledgers(after cursor: Subject.ID?, limit: Int,
                        readingEntries wanted: @escaping @Sendable (Subject, [Standing], Int64) -> Bool) async throws -> [SubjectLedger] {
        try await ledgers(after: cursor, limit: limit)
    }

    /// Two reads, the standings first: an entry appended between them only makes the standings look stale.
    public func standingsAndLastEntry(subject: Subject.ID) async throws -> (standings: [Standing], lastEntry: Int64) {
        let standings = try await self.standings(subject: subject)
        return (standings, try await entries(subject: subject).last?.sequence ?? 0)
    }

    /// Separate reads: correct for any store, and what a store without a cheaper way does. The catalog is
    /// counted first and the standings read before the last entry, so a publication or an entry that lands in
    /// between only makes the standings look stale (a fresh fold answers), never current when they are not.
    public func subjectSnapshot(_ id: Subject.ID) async throws -> SubjectSnapshot? {
        let catalog = CatalogVersion(handbooks: try await handbooks().count, jurisdictions: try await jurisdictions().count)
        guard let subject = try await subject(id) else { return nil }
        let (standings, lastEntry) = try await standingsAndLastEntry(subject: id)
        return SubjectSnapshot(subject: subject, standings: standings, lastEntry: lastEntry, catalog: catalog)
    }

    /// Pages through the subjects: correct for any store, and what a store without a cheaper way does.
    public func subjectIDs(every stride: Int) async throws -> [Subject.ID] {
        precondition(stride > 0, "a stride is positive")
        var ids: [Subject.ID] = []
        var cursor: Subject.ID?
        while true {
            let page = try await subjects(after: cursor, limit: stride)
            guard page.count == stride, let last = page.last else { return ids }
            ids.append(last.id)
            cursor = last.id
        }
    }
}

/// A subject with what answering a question about it needs, read together (`Store.subjectSnapshot`).
public struct SubjectSnapshot: Hashable, Sendable {
    public var subject: Subject
    /// As stored, one per scheme, with their listings.
    public var standings: [Standing]
    /// The sequence of the subject's last entry, 0 for none.
    public var lastEntry: Int64
    public var catalog: CatalogVersion

    public init(subject: Subject, standings: [Standing], lastEntry: Int64, catalog: CatalogVersion) {
        self.subject = subject
        self.standings = standings
        self.lastEntry = lastEntry
        self.catalog = catalog
    }
}

/// How many handbook publications and jurisdictions a store holds. Neither is ever changed or removed (the
/// schema refuses to change a publication; a jurisdiction is only ever inserted, and registering one again
/// with other details is refused), so the same two counts mean the same handbooks and the same jurisdiction
/// tree: a check compares them instead of reading either.
public struct CatalogVersion: Hashable, Sendable {
    public var handbooks: Int
    public var jurisdictions: Int

    public init(handbooks: Int, jurisdictions: Int) {
        self.handbooks = handbooks
        self.jurisdictions = jurisdictions
    }
}

/// Standings that still hold as stored: only the day they hold on moves to `asOf` (a cycle close's day),
/// and with it, across a new year, the points earned this year and last (`EarnedPoints.seen(from:)`).
/// The store updates those and nothing else, and only where the stored day is not later.
public struct HeldStandings: Sendable {
    public var asOf: Day
    public var keys: [StandingKey]

    public init(asOf: Day, keys: [StandingKey]) {
        self.asOf = asOf
        self.keys = keys
    }
}

public struct StandingKey: Hashable, Sendable, Codable {
    public var subject: Subject.ID
    public var scheme: Scheme.ID

    public init(subject: Subject.ID, scheme: Scheme.ID) {
        self.subject = subject
        self.scheme = scheme
    }
}

public struct ListedSubject: Hashable, Sendable, Codable {
    public var subject: Subject.ID
    public var scheme: Scheme.ID
    public var listing: Listing

    public init(subject: Subject.ID, scheme: Scheme.ID, listing: Listing) {
        self.subject = subject
        self.scheme = scheme
        self.listing = listing
    }
}

/// A handbook version as published: the parsed handbook and the exact text it came from.
public struct PublishedHandbook: Hashable, Sendable, Codable {
    public var handbook: Handbook
    public var source: String
    public var publishedOn: Day
    public var publishedBy: Actor.ID

    public init(handbook: Handbook, source: String, publishedOn: Day, publishedBy: Actor.ID) {
        self.handbook = handbook
        self.source = source
        self.publishedOn = publishedOn
        self.publishedBy = publishedBy
    }
}

/// A report with where it stands and the decisions taken on it.
public struct ReportRecord: Hashable, Sendable, Codable {
    public var report: Report
    public var status: ReportStatus
    public var decisions: [Decision]

    public init(report: Report, status: ReportStatus, decisions: [Decision]) {
        self.report = report
        self.status = status
        self.decisions = decisions
    }
}

/// Everything one command writes. Applied atomically by `Store.commit`.
public struct ChangeSet: Sendable {
    /// The ledger head the plan was made against; the commit fails with
    /// `concurrentWrite` if the ledger moved since. `entries` must continue it without gaps.
    public var expectedLedgerHead: Int64?
    public var jurisdictions: [Jurisdiction] = []
    public var subjects: [Subject] = []
    public var actors: [Actor] = []
    public var handbooks: [PublishedHandbook] = []
    public var reports: [Report] = []
    public var decisions: [Decision] = []
    /// New status of reports, new or existing.
    public var reportStatuses: [Report.ID: ReportStatus] = [:]
    /// How many decisions each report had when the plan was made; the commit fails with
    /// `concurrentWrite` if another decision landed in between (two reviewers at once).
    public var expectedDecisionCounts: [Report.ID: Int] = [:]
    public var entries: [Entry] = []
    /// Standings to insert or replace (projections, not history).
    public var standings: [Standing] = []
    /// Standings that still hold, whose day moves on (a cycle close); disjoint from `standings`.
    public var heldStandings: HeldStandings?
    public var cycles: [Cycle] = []
    /// Written before the entries: an adverse deed is refused unless its notice exists.
    public var notices: [Notice] = []
    public var appeals: [Appeal] = []
    public var appealDecisions: [AppealDecision] = []
    public var deliveryChannels: [DeliveryChannel] = []
    /// New deliveries or their new state (inserted or replaced).
    public var deliveries: [NoticeDelivery] = []
    public var deliveryAttempts: [DeliveryAttempt] = []
    /// Whether the store appends this change set's records to the transparency log in the same
    /// transaction (always, but for `civic migrate-store`, which copies the source's log leaf for leaf
    /// afterwards and then audits the copy).
    public var appendsToLog = true

    public init(expectedLedgerHead: Int64? = nil) { self.expectedLedgerHead = expectedLedgerHead }

    /// Whether the commit must find the ledger head where its planner read it (`expectedLedgerHead`): when it
    /// appends entries, and when it writes standings folded from a read of the ledger (a close, a refresh), so
    /// that a standing folded without an entry appended meanwhile never overwrites one folded with it.
    public var checksLedgerHead: Bool {
        !entries.isEmpty || (expectedLedgerHead != nil && (!standings.isEmpty || !(heldStandings?.keys.isEmpty ?? true)))
    }

    public var isEmpty: Bool {
        jurisdictions.isEmpty && subjects.isEmpty && actors.isEmpty && handbooks.isEmpty && reports.isEmpty
            && decisions.isEmpty && reportStatuses.isEmpty && entries.isEmpty && standings.isEmpty && cycles.isEmpty
            && notices.isEmpty && appeals.isEmpty && appealDecisions.isEmpty && deliveryChannels.isEmpty
            && deliveries.isEmpty && deliveryAttempts.isEmpty && (heldStandings?.keys.isEmpty ?? true)
    }
}

/// Today's date, injected so the core never reads the wall clock.
public protocol DayClock: Sendable {
    func today() -> Day
}

/// A clock that always says the same day: for tests, replays and `--as-of`.
public struct FixedDayClock: DayClock {
    public var day: Day
    public init(_ day: Day) { self.day = day }
    public func today() -> Day { day }
}
