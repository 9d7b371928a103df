public import CivicCore

/// A store that keeps everything in memory: the deterministic reference the
/// behaviour suite checks every real store against, and the test world for
/// core scenarios. It enforces the same invariants as the real stores.
public actor InMemoryStore: Store {
    var jurisdictionsByID: [Jurisdiction.ID: Jurisdiction] = [:]
    var subjectsByID: [Subject.ID: Subject] = [:]
    var actorsByID: [Actor.ID: Actor] = [:]
    var published: [PublishedHandbook] = []
    var reportsByID: [Report.ID: Report] = [:]
    var statuses: [Report.ID: ReportStatus] = [:]
    var decisionsByID: [Decision.ID: Decision] = [:]
    var ledger: [Entry] = []
    var entryIndex: [Entry.ID: Int] = [:]
    var standingsByKey: [StandingKey: Standing] = [:]
    var closedCycles: [Cycle] = []
    /// Commits applied, for tests that check a failed command wrote nothing.
    public private(set) var commitCount = 0

    public init() {}

    public func jurisdictions() -> [Jurisdiction] { jurisdictionsByID.values.sorted { $0.id < $1.id } }
    public func subject(_ id: Subject.ID) -> Subject? { subjectsByID[id] }
    public func subjects(_ ids: [Subject.ID]) -> [Subject] { Set(ids).compactMap { subjectsByID[$0] }.sorted { $0.id < $1.id } }
    public func subjects(after cursor: Subject.ID?, limit: Int) -> [Subject] {
        Array(subjectsByID.values.filter { cursor == nil || $0.id > cursor! }.sorted { $0.id < $1.id }.prefix(limit))
    }
    public func members(of household: Subject.ID) -> [Subject] {
        subjectsByID.values.filter { $0.household == household }.sorted { $0.id < $1.id }
    }
    public func subjectCount() -> Int { subjectsByID.count }
    public func actor(_ id: Actor.ID) -> Actor? { actorsByID[id] }
    public func actors() -> [Actor] { actorsByID.values.sorted { $0.id < $1.id } }
    public func handbooks() -> [PublishedHandbook] { published }

    func record(_ id: Report.ID) -> ReportRecord? {
        guard let report = reportsByID[id] else { return nil }
        let decisions = decisionsByID.values.filter { $0.report == id }.sorted { ($0.decidedOn, $0.id) < ($1.decidedOn, $1.id) }
        return ReportRecord(report: report, status: statuses[id] ?? .pending, decisions: decisions)
    }

    public func report(_ id: Report.ID) -> ReportRecord? { record(id) }
    public func reportID(sourceRecord: String) -> Report.ID? {
        reportsByID.values.filter { $0.sourceRecord == sourceRecord }.map(\.id).min()
    }
    public func reports(statuses wanted: Set<ReportStatus>, throughCycle cycle: Month) -> [ReportRecord] {
        reportsByID.values.filter { $0.cycle <= cycle && wanted.contains(statuses[$0.id] ?? .pending) }
            .sorted { ($0.cycle, $0.id) < ($1.cycle, $1.id) }.compactMap { record($0.id) }
    }
    public func reports(subject: Subject.ID) -> [ReportRecord] {
        reportsByID.values.filter { $0.subject == subject }.sorted { ($0.cycle, $0.id) < ($1.cycle, $1.id) }.compactMap { record($0.id) }
    }
    public func decision(_ id: Decision.ID) -> Decision? { decisionsByID[id] }
    public func cycles() -> [Cycle] { closedCycles }

    public func ledgerHead() -> Int64 { ledger.last?.sequence ?? 0 }
    public func entry(_ id: Entry.ID) -> Entry? { entryIndex[id].map { ledger[$0] } }
    public func entries(subject: Subject.ID) -> [Entry] { ledger.filter { $0.subject == subject } }
    public func entries(after sequence: Int64, limit: Int) -> [Entry] {
        Array(ledger.drop(while: { $0.sequence <= sequence }).prefix(limit))
    }
    public func ledgers(after cursor: Subject.ID?, limit: Int) -> [SubjectLedger] {
        subjects(after: cursor, limit: limit).map { subject in
            SubjectLedger(subject: subject, entries: entries(subject: subject.id), standings: standings(subject: subject.id))
        }
    }

    public func standings(subject: Subject.ID) -> [Standing] {
        standingsByKey.values.filter { $0.subject == subject }.sorted { $0.scheme < $1.scheme }
    }
    public func standings(after cursor: StandingKey?, limit: Int) -> [Standing] {
        let sorted = standingsByKey.values.sorted { ($0.subject, $0.scheme) < ($1.subject, $1.scheme) }
        return Array(sorted.filter { cursor == nil || ($0.subject, $0.scheme) > (cursor!.subject, cursor!.scheme) }.prefix(limit))
    }
    public func listings(on list: ListKind, activeOn day: Day, limit: Int) -> [ListedSubject] {
        let all = standingsByKey.values.flatMap { standing in
            standing.listings.filter { $0.list == list && $0.isActive(on: day) }
                .map { ListedSubject(subject: standing.subject, scheme: standing.scheme, listing: $0) }
        }
        return Array(all.sorted { ($0.listing.since, $0.subject, $0.scheme) < ($1.listing.since, $1.subject, $1.scheme) }.prefix(limit))
    }

    public func commit(_ changes: ChangeSet) throws {
        try validate(changes)
        for item in changes.jurisdictions { jurisdictionsByID[item.id] = item }
        for item in changes.subjects { subjectsByID[item.id] = item }
        for item in changes.actors { actorsByID[item.id] = item }
        published.append(contentsOf: changes.handbooks)
        for item in changes.reports { reportsByID[item.id] = item }
        for item in changes.decisions { decisionsByID[item.id] = item }
        for (id, status) in changes.reportStatuses { statuses[id] = status }
        for entry in changes.entries {
            entryIndex[entry.id] = ledger.count
            ledger.append(entry)
        }
        for standing in changes.standings { standingsByKey[StandingKey(subject: standing.subject, scheme: standing.scheme)] = standing }
        closedCycles.append(contentsOf: changes.cycles)
        commitCount += 1
    }

    /// Every check happens before any change, so a refused commit leaves nothing behind.
    func validate(_ changes: ChangeSet) throws {
        func duplicate<ID: Hashable>(_ ids: [ID], existing: (ID) -> Bool, what: String) throws {
            var seen = Set<ID>()
            for id in ids where existing(id) || !seen.insert(id).inserted {
                throw CivicError(.conflict, "\(what) '\(id)' already exists")
            }
        }
        try duplicate(changes.jurisdictions.map(\.id), existing: { self.jurisdictionsByID[$0] != nil }, what: "jurisdiction")
        try duplicate(changes.subjects.map(\.id), existing: { self.subjectsByID[$0] != nil }, what: "subject")
        try duplicate(changes.actors.map(\.id), existing: { self.actorsByID[$0] != nil }, what: "actor")
        try duplicate(changes.reports.map(\.id), existing: { self.reportsByID[$0] != nil }, what: "report")
        try duplicate(changes.decisions.map(\.id), existing: { self.decisionsByID[$0] != nil }, what: "decision")
        try duplicate(changes.entries.map(\.id), existing: { self.entryIndex[$0] != nil }, what: "entry")
        try duplicate(changes.handbooks.map { "\($0.handbook.jurisdiction)@\($0.handbook.version)" },
                      existing: { key in self.published.contains { "\($0.handbook.jurisdiction)@\($0.handbook.version)" == key } }, what: "handbook")
        try duplicate(changes.cycles.map { "\($0.jurisdiction)@\($0.month)" },
                      existing: { key in self.closedCycles.contains { "\($0.jurisdiction)@\($0.month)" == key } }, what: "cycle")
        for (report, expected) in changes.expectedDecisionCounts.sorted(by: { $0.key < $1.key })
            where decisionsByID.values.filter({ $0.report == report }).count != expected {
            throw CivicError(.concurrentWrite, "report '\(report)' was decided by someone else meanwhile")
        }
        if !changes.entries.isEmpty {
            let head = ledgerHead()
            guard changes.expectedLedgerHead == head else {
                throw CivicError(.concurrentWrite, "the ledger moved from \(changes.expectedLedgerHead.map(String.init) ?? "?") to \(head)")
            }
            for (offset, entry) in changes.entries.enumerated() where entry.sequence != head + 1 + Int64(offset) {
                throw CivicError(.corrupted, "entry '\(entry.id)' has sequence \(entry.sequence), expected \(head + 1 + Int64(offset))")
            }
        }
        let newReports = Set(changes.reports.map(\.id))
        for id in changes.reportStatuses.keys where reportsByID[id] == nil && !newReports.contains(id) {
            throw CivicError(.notFound, "status for unknown report '\(id)'")
        }
        for decision in changes.decisions where reportsByID[decision.report] == nil && !newReports.contains(decision.report) {
            throw CivicError(.notFound, "decision for unknown report '\(decision.report)'")
        }
        let newSubjects = Set(changes.subjects.map(\.id))
        for entry in changes.entries where subjectsByID[entry.subject] == nil && !newSubjects.contains(entry.subject) {
            throw CivicError(.notFound, "entry for unknown subject '\(entry.subject)'")
        }
    }
}
