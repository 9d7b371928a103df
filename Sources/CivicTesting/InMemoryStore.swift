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
    /// Each report's decisions, so a report's record is not a scan of every decision.
    var decisionsByReport: [Report.ID: [Decision.ID]] = [:]
    var ledger: [Entry] = []
    var entryIndex: [Entry.ID: Int] = [:]
    var standingsByKey: [StandingKey: Standing] = [:]
    var closedCycles: [Cycle] = []
    var noticesByID: [Notice.ID: Notice] = [:]
    var appealsByID: [Appeal.ID: Appeal] = [:]
    var appealDecisionsByID: [Appeal.ID: AppealDecision] = [:]
    var channels: [DeliveryChannel] = []
    var deliveryState: [NoticeDeliveryKey: NoticeDelivery] = [:]
    var attempts: [DeliveryAttempt] = []

    struct NoticeDeliveryKey: Hashable {
        var notice: Notice.ID
        var channel: DeliveryChannel.ID
    }
    /// Commits applied, for tests that check a failed command wrote nothing.
    public private(set) var commitCount = 0
    /// Reads of one subject's entries, for tests that check a question was answered without folding.
    public private(set) var subjectEntryReads = 0
    /// Reads of the handbooks or the jurisdictions, for tests that check a question reads them only when they moved.
    public private(set) var catalogReads = 0

    public init() {}

    public func jurisdictions() -> [Jurisdiction] {
        catalogReads += 1
        return jurisdictionsByID.values.sorted { $0.id < $1.id }
    }
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
    public func handbooks() -> [PublishedHandbook] {
        catalogReads += 1
        return published
    }

    func record(_ id: Report.ID) -> ReportRecord? {
        guard let report = reportsByID[id] else { return nil }
        let decisions = (decisionsByReport[id] ?? []).compactMap { decisionsByID[$0] }.sorted { ($0.decidedOn, $0.id) < ($1.decidedOn, $1.id) }
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
    public func entries(subject: Subject.ID) -> [Entry] {
        subjectEntryReads += 1
        return ledger.filter { $0.subject == subject }
    }
    public func standingsAndLastEntry(subject: Subject.ID) -> (standings: [Standing], lastEntry: Int64) {
        (standings(subject: subject), ledger.last { $0.subject == subject }?.sequence ?? 0)
    }
    public func subjectSnapshot(_ id: Subject.ID) -> SubjectSnapshot? {
        guard let subject = subjectsByID[id] else { return nil }
        let (standings, lastEntry) = standingsAndLastEntry(subject: id)
        return SubjectSnapshot(subject: subject, standings: standings, lastEntry: lastEntry,
                               catalog: CatalogVersion(handbooks: published.count, jurisdictions: jurisdictionsByID.count))
    }
    public func entries(after sequence: Int64, limit: Int) -> [Entry] {
        Array(ledger.drop(while: { $0.sequence <= sequence }).prefix(limit))
    }
    public func ledgers(after cursor: Subject.ID?, limit: Int) -> [SubjectLedger] {
        subjects(after: cursor, limit: limit).map { subject in
            SubjectLedger(subject: subject, entries: entries(subject: subject.id), standings: standings(subject: subject.id))
        }
    }
    public func ledgers(after cursor: Subject.ID?, limit: Int,
                        readingEntries wanted: @escaping @Sendable (Subject, [Standing], Int64) -> Bool) -> [SubjectLedger] {
        subjects(after: cursor, limit: limit).map { subject in
            let entries = entries(subject: subject.id), standings = standings(subject: subject.id)
            guard wanted(subject, standings, entries.last?.sequence ?? 0) else {
                return SubjectLedger(subject: subject, entries: [], standings: standings, entriesRead: false)
            }
            return SubjectLedger(subject: subject, entries: entries, standings: standings)
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

    public func appeal(_ id: Appeal.ID) -> AppealRecord? {
        appealsByID[id].map { AppealRecord(appeal: $0, decision: appealDecisionsByID[id]) }
    }
    public func appeals(subject: Subject.ID) -> [AppealRecord] {
        appealsByID.values.filter { $0.subject == subject }.sorted { ($0.filedOn, $0.id) < ($1.filedOn, $1.id) }.compactMap { appeal($0.id) }
    }
    public func undecidedAppeals(after cursor: Appeal.ID?, limit: Int) -> [AppealRecord] {
        let open = appealsByID.values.filter { appealDecisionsByID[$0.id] == nil }.sorted { ($0.decideBy, $0.id) < ($1.decideBy, $1.id) }
        let start = cursor.flatMap { cursor in open.firstIndex { $0.id == cursor }.map { $0 + 1 } } ?? 0
        return open.dropFirst(cursor == nil ? 0 : start).prefix(limit).map { AppealRecord(appeal: $0, decision: nil) }
    }
    public func notice(_ id: Notice.ID) -> Notice? { noticesByID[id] }
    public func notices(subject: Subject.ID) -> [Notice] {
        noticesByID.values.filter { $0.subject == subject }.sorted { ($0.createdOn, $0.id) > ($1.createdOn, $1.id) }
    }
    public func notices(after cursor: Notice.ID?, limit: Int) -> [Notice] {
        Array(noticesByID.values.filter { cursor == nil || $0.id > cursor! }.sorted { $0.id < $1.id }.prefix(limit))
    }
    public func deliveryChannels() -> [DeliveryChannel] { channels.sorted { $0.id < $1.id } }
    public func deliveries(notice: Notice.ID) -> [NoticeDelivery] {
        deliveryState.values.filter { $0.notice == notice }.sorted { $0.channel < $1.channel }
    }
    public func dueDeliveries(at time: Int64, limit: Int) -> [NoticeDelivery] {
        Array(deliveryState.values.filter { $0.status == .pending && $0.nextAttemptAt <= time }
            .sorted { ($0.nextAttemptAt, $0.notice, $0.channel) < ($1.nextAttemptAt, $1.notice, $1.channel) }.prefix(limit))
    }
    public func deliveryAttempts(notice: Notice.ID) -> [DeliveryAttempt] {
        attempts.filter { $0.notice == notice }
    }

    public func commit(_ changes: ChangeSet) throws {
        try validate(changes)
        for item in changes.notices { noticesByID[item.id] = item }
        for item in changes.appeals { appealsByID[item.id] = item }
        for item in changes.appealDecisions { appealDecisionsByID[item.appeal] = item }
        channels.append(contentsOf: changes.deliveryChannels)
        for item in changes.deliveries { deliveryState[NoticeDeliveryKey(notice: item.notice, channel: item.channel)] = item }
        attempts.append(contentsOf: changes.deliveryAttempts)
        for item in changes.jurisdictions { jurisdictionsByID[item.id] = item }
        for item in changes.subjects { subjectsByID[item.id] = item }
        for item in changes.actors { actorsByID[item.id] = item }
        published.append(contentsOf: changes.handbooks)
        for item in changes.reports { reportsByID[item.id] = item }
        for item in changes.decisions {
            decisionsByID[item.id] = item
            decisionsByReport[item.report, default: []].append(item.id)
        }
        for (id, status) in changes.reportStatuses { statuses[id] = status }
        for entry in changes.entries {
            entryIndex[entry.id] = ledger.count
            ledger.append(entry)
        }
        for standing in changes.standings { standingsByKey[StandingKey(subject: standing.subject, scheme: standing.scheme)] = standing }
        if let held = changes.heldStandings {
            for key in held.keys where (standingsByKey[key]?.asOf).map({ $0 <= held.asOf }) ?? false {
                standingsByKey[key]!.asOf = held.asOf
                standingsByKey[key]!.earned = standingsByKey[key]!.earned.seen(from: held.asOf.year)
            }
        }
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
            where (decisionsByReport[report] ?? []).count != expected {
            throw CivicError(.concurrentWrite, "report '\(report)' was decided by someone else meanwhile")
        }
        if changes.checksLedgerHead {
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
        try validateDueProcess(changes)
    }

    /// The due-process rules every store enforces, whatever the interface: recusal, four eyes,
    /// evidence for self-claims, notices before adverse entries, independent appeal decisions.
    func validateDueProcess(_ changes: ChangeSet) throws {
        try duplicateCheck(changes.notices.map(\.id), existing: { self.noticesByID[$0] != nil }, what: "notice")
        try duplicateCheck(changes.appeals.map(\.id), existing: { self.appealsByID[$0] != nil }, what: "appeal")
        try duplicateCheck(changes.appealDecisions.map(\.appeal), existing: { self.appealDecisionsByID[$0] != nil }, what: "appeal decision")
        try duplicateCheck(changes.deliveryChannels.map(\.id), existing: { id in self.channels.contains { $0.id == id } }, what: "delivery channel")
        try duplicateCheck(changes.deliveryAttempts.map { "\($0.notice)/\($0.channel)/\($0.number)" },
                           existing: { key in self.attempts.contains { "\($0.notice)/\($0.channel)/\($0.number)" == key } }, what: "delivery attempt")

        let reports = Dictionary(changes.reports.map { ($0.id, $0) }, uniquingKeysWith: { first, _ in first })
        for report in changes.reports where report.reporterRole == .`self` && report.evidence.isEmpty {
            throw CivicError(.refused, "a self-claim needs evidence")
        }
        var decided = decisionsByID.values.map { ($0.report, $0.reviewer, $0.id) }
        for decision in changes.decisions {
            guard let report = reports[decision.report] ?? reportsByID[decision.report] else { continue }
            let reviewer = actorsByID[decision.reviewer]
            if let refusal = Self.recusal(reviewer: decision.reviewer, reviewerActor: reviewer, reporter: report.reporter,
                                          subject: report.subject, actors: actorsByID, subjects: subjectsByID) {
                throw CivicError(.refused, refusal)
            }
            let person = reviewer.map(Recusal.person) ?? "actor:\(decision.reviewer.rawValue)"
            if decided.contains(where: { $0.0 == decision.report && $0.2 != decision.id && (actorsByID[$0.1].map(Recusal.person) ?? "actor:\($0.1.rawValue)") == person }) {
                throw CivicError(.refused, "a reviewer decides a report once: four eyes means two different people")
            }
            decided.append((decision.report, decision.reviewer, decision.id))
        }
        let newNotices = changes.notices
        let newSubjects = Set(changes.subjects.map(\.id))
        for notice in newNotices where subjectsByID[notice.subject] == nil && !newSubjects.contains(notice.subject) {
            throw CivicError(.notFound, "notice to an unknown subject")
        }
        for entry in changes.entries where entry.kind == .deed && entry.isAdverse {
            guard newNotices.contains(where: { $0.entry == entry.id }) || noticesByID.values.contains(where: { $0.entry == entry.id }) else {
                throw CivicError(.refused, "an adverse entry needs its notice in the same commit")
            }
        }
        let appeals = Dictionary(changes.appeals.map { ($0.id, $0) }, uniquingKeysWith: { first, _ in first })
        let newEntries = Dictionary(changes.entries.map { ($0.id, $0) }, uniquingKeysWith: { first, _ in first })
        for appeal in changes.appeals {
            guard let disputed = newEntries[appeal.entry] ?? entryIndex[appeal.entry].map({ ledger[$0] }), disputed.subject == appeal.subject else {
                throw CivicError(.notFound, "appeal against an unknown entry")
            }
        }
        for decision in changes.appealDecisions {
            guard let appeal = appeals[decision.appeal] ?? appealsByID[decision.appeal] else {
                throw CivicError(.notFound, "decision for an unknown appeal")
            }
            let reviewer = actorsByID[decision.reviewer]
            if let refusal = Self.recusal(reviewer: decision.reviewer, reviewerActor: reviewer, reporter: appeal.filedBy,
                                          subject: appeal.subject, actors: actorsByID, subjects: subjectsByID) {
                throw CivicError(.refused, refusal)
            }
            let disputed = newEntries[appeal.entry] ?? entryIndex[appeal.entry].map { ledger[$0] }
            let person = reviewer.map(Recusal.person) ?? "actor:\(decision.reviewer.rawValue)"
            let original = decisionsByID.values.filter { disputed?.report != nil && $0.report == disputed?.report }.map(\.reviewer)
            if original.contains(where: { (actorsByID[$0].map(Recusal.person) ?? "actor:\($0.rawValue)") == person }) {
                throw CivicError(.refused, "an appeal is decided by someone other than the original reviewer")
            }
        }
        let knownNotices = Set(newNotices.map(\.id)).union(noticesByID.keys)
        let knownChannels = Set(changes.deliveryChannels.map(\.id)).union(channels.map(\.id))
        for delivery in changes.deliveries where !knownNotices.contains(delivery.notice) || !knownChannels.contains(delivery.channel) {
            throw CivicError(.notFound, "delivery for an unknown notice or channel")
        }
    }

    func duplicateCheck<ID: Hashable>(_ ids: [ID], existing: (ID) -> Bool, what: String) throws {
        var seen = Set<ID>()
        for id in ids where existing(id) || !seen.insert(id).inserted {
            throw CivicError(.conflict, "\(what) '\(id)' already exists")
        }
    }

    /// Why `reviewer` may not decide on a record that `reporter` filed about `subject`, or `nil`.
    static func recusal(reviewer: Actor.ID, reviewerActor: Actor?, reporter: Actor.ID, subject: Subject.ID,
                        actors: [Actor.ID: Actor], subjects: [Subject.ID: Subject]) -> String? {
        if reviewer == reporter { return "nobody decides on a record they filed" }
        guard let reviewerActor else { return nil }
        if let reporterActor = actors[reporter], Recusal.person(reporterActor) == Recusal.person(reviewerActor) {
            return "nobody decides on a record they filed"
        }
        guard let about = subjects[subject] else { return nil }
        return Recusal.conflict(actor: reviewerActor, actorSubject: reviewerActor.subject.flatMap { subjects[$0] }, subject: about)
    }
}
