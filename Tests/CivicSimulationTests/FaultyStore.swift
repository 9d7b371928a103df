import CivicCore

/// A fault the simulation injects at the store boundary.
enum InjectedFault: Error, Hashable, Sendable, CustomStringConvertible {
    /// The commit failed before anything became durable.
    case failedBeforeDurable
    /// The commit became durable, but its acknowledgement was lost on the way back.
    case acknowledgementLost

    var description: String {
        switch self {
        case .failedBeforeDurable: "commit failed before it was durable"
        case .acknowledgementLost: "commit durable, acknowledgement lost"
        }
    }
}

/// A `Store` that forwards to another and, when armed, breaks the next commit in one of the ways a
/// real disk or network does; or lets another writer in just before it (a race for the ledger head).
///
/// Faults are armed by the simulation from its seed, one commit at a time, so a run replays exactly.
actor FaultyStore: Store {
    private(set) var inner: any Store
    private var armed: InjectedFault?
    private var interloper: (@Sendable () async -> Void)?
    /// Faults that fired, by kind.
    private(set) var fired: [InjectedFault: Int] = [:]
    private(set) var racesRun = 0
    /// For the test that the invariants can fail: the commit with this number is acknowledged but never applied.
    private var swallowed: Int?
    private var commits = 0

    init(_ inner: any Store) { self.inner = inner }

    /// Replaces the store underneath: after a crash, the store reopened from what is durable.
    func reopen(_ store: any Store) { inner = store }

    /// Breaks the next commit (only the next one).
    func arm(_ fault: InjectedFault?) { armed = fault }

    /// Runs `write` just before the next commit reaches the store: another writer getting in first.
    func race(_ write: @escaping @Sendable () async -> Void) { interloper = write }

    /// Makes the store lie: commit number `number` is acknowledged and thrown away (a broken store, for the self-test).
    func swallow(commit number: Int) { swallowed = number }

    /// Disarms whatever did not fire (an operation that committed nothing); says whether anything was left.
    func disarm() -> Bool {
        defer { armed = nil; interloper = nil }
        return armed != nil || interloper != nil
    }

    func commit(_ changes: ChangeSet) async throws {
        if let write = interloper {
            interloper = nil
            racesRun += 1
            await write()
        }
        commits += 1
        if commits == swallowed { return }
        let fault = armed
        armed = nil
        switch fault {
        case .failedBeforeDurable?:
            fired[.failedBeforeDurable, default: 0] += 1
            throw InjectedFault.failedBeforeDurable
        case .acknowledgementLost?:
            try await inner.commit(changes)
            fired[.acknowledgementLost, default: 0] += 1
            throw InjectedFault.acknowledgementLost
        case nil:
            try await inner.commit(changes)
        }
    }

    // MARK: Reads, forwarded

    func jurisdictions() async throws -> [Jurisdiction] { try await inner.jurisdictions() }
    func subject(_ id: Subject.ID) async throws -> Subject? { try await inner.subject(id) }
    func subjectSnapshot(_ id: Subject.ID) async throws -> SubjectSnapshot? { try await inner.subjectSnapshot(id) }
    func subjects(_ ids: [Subject.ID]) async throws -> [Subject] { try await inner.subjects(ids) }
    func subjects(after cursor: Subject.ID?, limit: Int) async throws -> [Subject] { try await inner.subjects(after: cursor, limit: limit) }
    func members(of household: Subject.ID) async throws -> [Subject] { try await inner.members(of: household) }
    func subjectCount() async throws -> Int { try await inner.subjectCount() }
    func actor(_ id: Actor.ID) async throws -> Actor? { try await inner.actor(id) }
    func actors() async throws -> [Actor] { try await inner.actors() }
    func handbooks() async throws -> [PublishedHandbook] { try await inner.handbooks() }
    func report(_ id: Report.ID) async throws -> ReportRecord? { try await inner.report(id) }
    func reportID(sourceRecord: String) async throws -> Report.ID? { try await inner.reportID(sourceRecord: sourceRecord) }
    func reports(statuses: Set<ReportStatus>, throughCycle cycle: Month) async throws -> [ReportRecord] {
        try await inner.reports(statuses: statuses, throughCycle: cycle)
    }
    func reports(subject: Subject.ID) async throws -> [ReportRecord] { try await inner.reports(subject: subject) }
    func decision(_ id: Decision.ID) async throws -> Decision? { try await inner.decision(id) }
    func cycles() async throws -> [Cycle] { try await inner.cycles() }
    func ledgerHead() async throws -> Int64 { try await inner.ledgerHead() }
    func entry(_ id: Entry.ID) async throws -> Entry? { try await inner.entry(id) }
    func entries(subject: Subject.ID) async throws -> [Entry] { try await inner.entries(subject: subject) }
    func entries(after sequence: Int64, limit: Int) async throws -> [Entry] { try await inner.entries(after: sequence, limit: limit) }
    func subjectIDs(every stride: Int) async throws -> [Subject.ID] { try await inner.subjectIDs(every: stride) }
    func ledgers(after cursor: Subject.ID?, limit: Int) async throws -> [SubjectLedger] { try await inner.ledgers(after: cursor, limit: limit) }
    func ledgers(after cursor: Subject.ID?, limit: Int, readingEntries wanted: @escaping @Sendable (Subject, [Standing], Int64) -> Bool) async throws -> [SubjectLedger] {
        try await inner.ledgers(after: cursor, limit: limit, readingEntries: wanted)
    }
    func standingsAndLastEntry(subject: Subject.ID) async throws -> (standings: [Standing], lastEntry: Int64) {
        try await inner.standingsAndLastEntry(subject: subject)
    }
    func standings(subject: Subject.ID) async throws -> [Standing] { try await inner.standings(subject: subject) }
    func standings(after cursor: StandingKey?, limit: Int) async throws -> [Standing] { try await inner.standings(after: cursor, limit: limit) }
    func listings(on list: ListKind, activeOn day: Day, limit: Int) async throws -> [ListedSubject] {
        try await inner.listings(on: list, activeOn: day, limit: limit)
    }
    func appeal(_ id: Appeal.ID) async throws -> AppealRecord? { try await inner.appeal(id) }
    func appeals(subject: Subject.ID) async throws -> [AppealRecord] { try await inner.appeals(subject: subject) }
    func undecidedAppeals(after cursor: Appeal.ID?, limit: Int) async throws -> [AppealRecord] {
        try await inner.undecidedAppeals(after: cursor, limit: limit)
    }
    func notice(_ id: Notice.ID) async throws -> Notice? { try await inner.notice(id) }
    func notices(subject: Subject.ID) async throws -> [Notice] { try await inner.notices(subject: subject) }
    func notices(after cursor: Notice.ID?, limit: Int) async throws -> [Notice] { try await inner.notices(after: cursor, limit: limit) }
    func deliveryChannels() async throws -> [DeliveryChannel] { try await inner.deliveryChannels() }
    func deliveries(notice: Notice.ID) async throws -> [NoticeDelivery] { try await inner.deliveries(notice: notice) }
    func dueDeliveries(at time: Int64, limit: Int) async throws -> [NoticeDelivery] { try await inner.dueDeliveries(at: time, limit: limit) }
    func deliveryAttempts(notice: Notice.ID) async throws -> [DeliveryAttempt] { try await inner.deliveryAttempts(notice: notice) }
}
