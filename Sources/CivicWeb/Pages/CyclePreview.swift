import CivicCore
import Synchronization

/// A store that reads through to the real one and keeps, instead of writing, the one change set a command
/// commits: the cycle close's preview runs the engine's own `closeCycle` against it, so what the preview says
/// will be entered, capped, carried over and announced is what the close would do today, by the same code,
/// and nothing is written.
final class DryRunStore: Store {
    let base: any Store
    private let captured = Mutex<[ChangeSet]>([])

    init(_ base: any Store) { self.base = base }

    /// The change sets the command tried to commit (one for a cycle close).
    var changes: [ChangeSet] { captured.withLock { $0 } }

    func commit(_ changes: ChangeSet) async throws { captured.withLock { $0.append(changes) } }

    func jurisdictions() async throws -> [Jurisdiction] { try await base.jurisdictions() }
    func subject(_ id: Subject.ID) async throws -> Subject? { try await base.subject(id) }
    func subjects(_ ids: [Subject.ID]) async throws -> [Subject] { try await base.subjects(ids) }
    func subjects(after cursor: Subject.ID?, limit: Int) async throws -> [Subject] { try await base.subjects(after: cursor, limit: limit) }
    func members(of household: Subject.ID) async throws -> [Subject] { try await base.members(of: household) }
    func subjectCount() async throws -> Int { try await base.subjectCount() }
    func actor(_ id: Actor.ID) async throws -> Actor? { try await base.actor(id) }
    func actors() async throws -> [Actor] { try await base.actors() }
    func handbooks() async throws -> [PublishedHandbook] { try await base.handbooks() }
    func report(_ id: Report.ID) async throws -> ReportRecord? { try await base.report(id) }
    func reportID(sourceRecord: String) async throws -> Report.ID? { try await base.reportID(sourceRecord: sourceRecord) }
    func reports(statuses: Set<ReportStatus>, throughCycle cycle: Month) async throws -> [ReportRecord] {
        try await base.reports(statuses: statuses, throughCycle: cycle)
    }
    func reports(subject: Subject.ID) async throws -> [ReportRecord] { try await base.reports(subject: subject) }
    func decision(_ id: Decision.ID) async throws -> Decision? { try await base.decision(id) }
    func cycles() async throws -> [Cycle] { try await base.cycles() }
    func ledgerHead() async throws -> Int64 { try await base.ledgerHead() }
    func entry(_ id: Entry.ID) async throws -> Entry? { try await base.entry(id) }
    func entries(subject: Subject.ID) async throws -> [Entry] { try await base.entries(subject: subject) }
    func entries(after sequence: Int64, limit: Int) async throws -> [Entry] { try await base.entries(after: sequence, limit: limit) }
    func subjectIDs(every stride: Int) async throws -> [Subject.ID] { try await base.subjectIDs(every: stride) }
    func ledgers(after cursor: Subject.ID?, limit: Int) async throws -> [SubjectLedger] { try await base.ledgers(after: cursor, limit: limit) }
    func ledgers(after cursor: Subject.ID?, limit: Int,
                 readingEntries wanted: @escaping @Sendable (Subject, [Standing], Int64) -> Bool) async throws -> [SubjectLedger] {
        try await base.ledgers(after: cursor, limit: limit, readingEntries: wanted)
    }
    func standingsAndLastEntry(subject: Subject.ID) async throws -> (standings: [Standing], lastEntry: Int64) {
        try await base.standingsAndLastEntry(subject: subject)
    }
    func standings(subject: Subject.ID) async throws -> [Standing] { try await base.standings(subject: subject) }
    func standings(after cursor: StandingKey?, limit: Int) async throws -> [Standing] { try await base.standings(after: cursor, limit: limit) }
    func listings(on list: ListKind, activeOn day: Day, limit: Int) async throws -> [ListedSubject] {
        try await base.listings(on: list, activeOn: day, limit: limit)
    }
    func appeal(_ id: Appeal.ID) async throws -> AppealRecord? { try await base.appeal(id) }
    func appeals(subject: Subject.ID) async throws -> [AppealRecord] { try await base.appeals(subject: subject) }
    func undecidedAppeals(after cursor: Appeal.ID?, limit: Int) async throws -> [AppealRecord] {
        try await base.undecidedAppeals(after: cursor, limit: limit)
    }
    func notice(_ id: Notice.ID) async throws -> Notice? { try await base.notice(id) }
    func notices(subject: Subject.ID) async throws -> [Notice] { try await base.notices(subject: subject) }
    func notices(after cursor: Notice.ID?, limit: Int) async throws -> [Notice] { try await base.notices(after: cursor, limit: limit) }
    func deliveryChannels() async throws -> [DeliveryChannel] { try await base.deliveryChannels() }
    func deliveries(notice: Notice.ID) async throws -> [NoticeDelivery] { try await base.deliveries(notice: notice) }
    func dueDeliveries(at time: Int64, limit: Int) async throws -> [NoticeDelivery] { try await base.dueDeliveries(at: time, limit: limit) }
    func deliveryAttempts(notice: Notice.ID) async throws -> [DeliveryAttempt] { try await base.deliveryAttempts(notice: notice) }
}

/// What closing a cycle would do, from a dry run of the engine's close.
struct CyclePreview {
    var summary: CycleSummary
    var changes: ChangeSet

    static func run(_ page: Page, jurisdiction: Jurisdiction.ID, month: Month, by actor: Actor.ID) async throws -> CyclePreview {
        let store = DryRunStore(page.store)
        let summary = try await Engine(store: store, clock: page.engine.clock).closeCycle(jurisdiction, month: month, by: actor)
        return CyclePreview(summary: summary, changes: store.changes.last ?? ChangeSet(expectedLedgerHead: nil))
    }
}
