public import CivicCore
import Synchronization

/// A store that counts the commits that can change a standing, so caches of derived answers know
/// when to drop them. The server runs its engine on it; every other call passes straight through.
public final class ObservedStore: Store {
    public let base: any Store
    private let generation = Atomic<UInt64>(0)

    public init(_ base: any Store) { self.base = base }

    /// Moves whenever a commit through this store added entries, subjects, handbooks, jurisdictions,
    /// standings, cycles, appeals or appeal decisions.
    public var standingsGeneration: UInt64 { generation.load(ordering: .acquiring) }

    /// Another process committed something that may move a standing (a change notification arrived).
    public func noteChangeElsewhere() { generation.add(2, ordering: .releasing) }

    public func commit(_ changes: ChangeSet) async throws {
        let affectsStandings = changes.mayMoveStandings
        if affectsStandings { generation.add(1, ordering: .releasing) }
        defer { if affectsStandings { generation.add(1, ordering: .releasing) } }
        try await base.commit(changes)
    }

    public func jurisdictions() async throws -> [Jurisdiction] { try await base.jurisdictions() }
    public func subject(_ id: Subject.ID) async throws -> Subject? { try await base.subject(id) }
    public func subjects(_ ids: [Subject.ID]) async throws -> [Subject] { try await base.subjects(ids) }
    public func subjects(after cursor: Subject.ID?, limit: Int) async throws -> [Subject] { try await base.subjects(after: cursor, limit: limit) }
    public func members(of household: Subject.ID) async throws -> [Subject] { try await base.members(of: household) }
    public func subjectCount() async throws -> Int { try await base.subjectCount() }
    public func actor(_ id: Actor.ID) async throws -> Actor? { try await base.actor(id) }
    public func actors() async throws -> [Actor] { try await base.actors() }
    public func handbooks() async throws -> [PublishedHandbook] { try await base.handbooks() }
    public func report(_ id: Report.ID) async throws -> ReportRecord? { try await base.report(id) }
    public func reportID(sourceRecord: String) async throws -> Report.ID? { try await base.reportID(sourceRecord: sourceRecord) }
    public func reports(statuses: Set<ReportStatus>, throughCycle cycle: Month) async throws -> [ReportRecord] {
        try await base.reports(statuses: statuses, throughCycle: cycle)
    }
    public func reports(subject: Subject.ID) async throws -> [ReportRecord] { try await base.reports(subject: subject) }
    public func decision(_ id: Decision.ID) async throws -> Decision? { try await base.decision(id) }
    public func cycles() async throws -> [Cycle] { try await base.cycles() }
    public func ledgerHead() async throws -> Int64 { try await base.ledgerHead() }
    public func entry(_ id: Entry.ID) async throws -> Entry? { try await base.entry(id) }
    public func entries(subject: Subject.ID) async throws -> [Entry] { try await base.entries(subject: subject) }
    public func entries(after sequence: Int64, limit: Int) async throws -> [Entry] { try await base.entries(after: sequence, limit: limit) }
    public func subjectIDs(every stride: Int) async throws -> [Subject.ID] { try await base.subjectIDs(every: stride) }
    public func ledgers(after cursor: Subject.ID?, limit: Int) async throws -> [SubjectLedger] { try await base.ledgers(after: cursor, limit: limit) }
    public func ledgers(after cursor: Subject.ID?, limit: Int, readingEntries wanted: @escaping @Sendable (Subject, [Standing], Int64) -> Bool) async throws -> [SubjectLedger] {
        try await base.ledgers(after: cursor, limit: limit, readingEntries: wanted)
    }
    public func standingsAndLastEntry(subject: Subject.ID) async throws -> (standings: [Standing], lastEntry: Int64) {
        try await base.standingsAndLastEntry(subject: subject)
    }
    public func subjectSnapshot(_ id: Subject.ID) async throws -> SubjectSnapshot? { try await base.subjectSnapshot(id) }
    public func standings(subject: Subject.ID) async throws -> [Standing] { try await base.standings(subject: subject) }
    public func standings(after cursor: StandingKey?, limit: Int) async throws -> [Standing] { try await base.standings(after: cursor, limit: limit) }
    public func listings(on list: ListKind, activeOn day: Day, limit: Int) async throws -> [ListedSubject] {
        try await base.listings(on: list, activeOn: day, limit: limit)
    }

    public func appeal(_ id: Appeal.ID) async throws -> AppealRecord? { try await base.appeal(id) }
    public func appeals(subject: Subject.ID) async throws -> [AppealRecord] { try await base.appeals(subject: subject) }
    public func undecidedAppeals(after cursor: Appeal.ID?, limit: Int) async throws -> [AppealRecord] {
        try await base.undecidedAppeals(after: cursor, limit: limit)
    }
    public func notice(_ id: Notice.ID) async throws -> Notice? { try await base.notice(id) }
    public func notices(subject: Subject.ID) async throws -> [Notice] { try await base.notices(subject: subject) }
    public func notices(after cursor: Notice.ID?, limit: Int) async throws -> [Notice] { try await base.notices(after: cursor, limit: limit) }
    public func deliveryChannels() async throws -> [DeliveryChannel] { try await base.deliveryChannels() }
    public func deliveries(notice: Notice.ID) async throws -> [NoticeDelivery] { try await base.deliveries(notice: notice) }
    public func dueDeliveries(at time: Int64, limit: Int) async throws -> [NoticeDelivery] { try await base.dueDeliveries(at: time, limit: limit) }
    public func deliveryAttempts(notice: Notice.ID) async throws -> [DeliveryAttempt] { try await base.deliveryAttempts(notice: notice) }
}
