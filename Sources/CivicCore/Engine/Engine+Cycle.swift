/// What closing a cycle (or refreshing standings) did.
public struct CycleSummary: Sendable, Codable {
    public var jurisdiction: Jurisdiction.ID?
    public var month: Month?
    public var asOf: Day
    public var result: WriteResult
    /// Reports that became entries, by outcome.
    public var entered = 0
    public var capped = 0
    public var cured = 0
    public var awaitingGrace = 0
    /// Reports still waiting for review, carried to the next cycle.
    public var carriedOver = 0
    /// Standings current after the close: those folded again plus those that still held.
    public var standingsComputed = 0
    /// Of those, standings that still held as stored (nothing added, no change day since their fold), so
    /// their entries were not read and only their day moved on.
    public var standingsHeld = 0
    public var gradeFalls = 0
    public var gradeRises = 0
    public var listingsStarted: [String: Int] = [:]
    public var listingsEnded: [String: Int] = [:]
    /// Per scheme, the number of subjects in each grade.
    public var gradeDistribution: [String: [String: Int]] = [:]
    /// The subjects with the most points entered in this cycle, best first.
    public var topSubjects: [TopSubject] = []

    public struct TopSubject: Sendable, Codable, Hashable {
        public var subject: Subject.ID
        public var scheme: Scheme.ID
        public var points: Points
    }

    static let topSubjectsMax = 30
}

extension Engine {
    /// Closes a jurisdiction's monthly cycle: approved reports become ledger entries
    /// (effective today), caps and grace periods apply, and every standing in the
    /// jurisdiction and below is folded again as of today. One transaction.
    public func closeCycle(_ jurisdiction: Jurisdiction.ID, month: Month, by actor: Actor.ID, progress: ProgressHandler? = nil) async throws -> CycleSummary {
        let today = clock.today()
        let closer = try await requireActor(actor)
        guard closer.roles.contains(.administrator) || closer.roles.contains(.reviewer) else {
            throw CivicError(.refused, "actor '\(actor)' may not close cycles (needs administrator or reviewer)")
        }
        let jurisdictions = try await store.jurisdictions()
        guard jurisdictions.contains(where: { $0.id == jurisdiction }) else {
            throw CivicError.unknown("no jurisdiction '\(jurisdiction)'", jurisdiction.rawValue, among: jurisdictions.map(\.id.rawValue))
        }
        guard month <= today.month else { throw CivicError(.refused, "cycle \(month) has not begun (today is \(today))") }
        if try await store.cycles().contains(where: { $0.jurisdiction == jurisdiction && $0.month == month }) {
            return CycleSummary(jurisdiction: jurisdiction, month: month, asOf: today, result: .unchanged)
        }
        return try await rebuild(scope: jurisdiction, asOf: today, closing: Cycle(jurisdiction: jurisdiction, month: month, closedOn: today, closedBy: actor), progress: progress)
    }

    /// Folds every standing in scope again as of `asOf` and stores it; no entries are written.
    public func refreshStandings(scope: Jurisdiction.ID? = nil, asOf: Day? = nil, progress: ProgressHandler? = nil) async throws -> CycleSummary {
        try await rebuild(scope: scope, asOf: asOf ?? clock.today(), closing: nil, progress: progress)
    }

    static let rebuildPageSize = 5_000
    /// Pages of a full pass read at once: reading is most of a pass, and each page is its own read.
    static let rebuildPagesInFlight = 2

    /// Hands every subject's ledger to `body`, a page of `rebuildPageSize` subjects at a time, in id order;
    /// with `wanted`, a subject's entries are read only where it says so.
    ///
    /// The pages begin where `Store.subjectIDs(every:)` says, so up to `rebuildPagesInFlight` of them are
    /// read at once while `body` takes them one at a time, in order. A subject registered after those
    /// starts were read moves the pages after it: what a page repeats is dropped, and what it falls short
    /// of before the next page's start, or past the last page, is read on from there. So every subject
    /// reaches `body` exactly once, in id order, as at the moment its page was read.
    ///
    /// `pageSize` and `pageEnds` (where the pages end, by default `Store.subjectIDs(every: pageSize)`) are
    /// for tests, which hand it page ends that no longer match the subjects.
    func forEachLedgerPage(phase: String, progress: ProgressHandler?, readingEntries wanted: (@Sendable (Subject, [Standing], Int64) -> Bool)? = nil,
                           pageSize: Int = Engine.rebuildPageSize, pageEnds: [Subject.ID]? = nil,
                           _ body: ([SubjectLedger]) async throws -> Void) async throws {
        let total = try await store.subjectCount()
        let ends: [Subject.ID]
        if let pageEnds { ends = pageEnds } else { ends = try await store.subjectIDs(every: pageSize) }
        let starts: [Subject.ID?] = [nil] + ends.map { Optional($0) }
        let store = self.store
        let read: @Sendable (Subject.ID?) async throws -> [SubjectLedger] = { cursor in
            if let wanted { return try await store.ledgers(after: cursor, limit: pageSize, readingEntries: wanted) }
            return try await store.ledgers(after: cursor, limit: pageSize)
        }

        var handed: Subject.ID?
        var done = 0
        func hand(_ ledgers: [SubjectLedger]) async throws {
            let fresh = handed.map { last in ledgers.filter { $0.subject.id > last } } ?? ledgers
            guard let last = fresh.last else { return }
            try await body(fresh)
            handed = last.subject.id
            done += fresh.count
            progress?(Progress(phase: phase, done: done, total: total))
        }

        var inFlight: [Task<[SubjectLedger], any Error>] = []
        defer { for task in inFlight { task.cancel() } }
        var next = 0
        for index in starts.indices {
            while inFlight.count < Engine.rebuildPagesInFlight, next < starts.count {
                let start = starts[next]
                inFlight.append(Task { try await read(start) })
                next += 1
            }
            let page = try await inFlight.removeFirst().value
            try await hand(page)
            // Read on to the next page's start where this page fell short of it.
            guard index + 1 < starts.count, let end = starts[index + 1] else { continue }
            while handed.map({ $0 < end }) ?? true {
                let more = try await read(handed).filter { $0.subject.id <= end }
                guard !more.isEmpty else { break }
                try await hand(more)
            }
        }
        // Past the last page's start: whatever was registered beyond it.
        while true {
            let more = try await read(handed)
            // Nothing beyond what was handed (a store that pages correctly gives only later subjects): done.
            guard let last = more.last, handed.map({ last.subject.id > $0 }) ?? true else { return }
            try await hand(more)
        }
    }

    func rebuild(scope: Jurisdiction.ID?, asOf: Day, closing cycle: Cycle?, progress: ProgressHandler?) async throws -> CycleSummary {
        try await commitPlanned {
            let context = try await StandingContext.load(engine: self)
            let head = try await store.ledgerHead()
            var summary = CycleSummary(jurisdiction: scope, month: cycle?.month, asOf: asOf, result: .recorded)
            var changes = ChangeSet(expectedLedgerHead: head)
            if let cycle { changes.cycles = [cycle] }

            // Reports waiting for this cycle, by subject.
            var waiting: [Subject.ID: [ReportRecord]] = [:]
            if let cycle {
                for record in try await store.reports(statuses: [.approved, .awaitingGrace, .pending], throughCycle: cycle.month) {
                    waiting[record.report.subject, default: []].append(record)
                }
            }
            // The jurisdictions in scope, worked out once rather than a lineage per subject.
            let scoped = scope.map { scope in
                Set(context.jurisdictions.filter { context.jurisdictions.lineage(of: $0.id).contains(scope) }.map(\.id))
            }
            let inScope: @Sendable (Subject) -> Bool = { subject in scoped?.contains(subject.jurisdiction) ?? true }
            // A close folds again only the standings that may have changed since they were stored; a refresh folds all.
            var holding: (@Sendable (Subject, [Standing], Int64) -> Bool)?
            if cycle != nil {
                let waitingSubjects = Set(waiting.keys)
                holding = { (subject: Subject, stored: [Standing], lastEntry: Int64) -> Bool in
                    guard inScope(subject) else { return false }
                    if waitingSubjects.contains(subject.id) { return true }
                    return !context.standingsHold(subject, stored: stored, lastEntry: lastEntry, on: asOf)
                }
            }
            var held: [StandingKey] = []

            var planner = EntryPlanner(handbooks: context.handbooks, nextSequence: head + 1, today: asOf, recordedBy: cycle?.closedBy)
            let noticePlanner = NoticePlanner(handbooks: context.handbooks, schemes: context.currentSchemes, today: asOf)
            var outbox = try await Outbox.load(store: store, jurisdictions: context.jurisdictions)
            var householdsBefore: [Subject.ID: [Standing]] = [:]
            var householdStandings: [Subject.ID: [Int]] = [:]
            var membersByHousehold: [Subject.ID: [(subject: Subject, standings: [Standing])]] = [:]
            var households: [Subject.ID: Subject] = [:]
            var cyclePoints: [StandingKey: Points] = [:]
            try await forEachLedgerPage(phase: cycle == nil ? "standings folded" : "subjects closed", progress: progress, readingEntries: holding) { page in
                for ledger in page where inScope(ledger.subject) {
                    let subject = ledger.subject
                    if !ledger.entriesRead {
                        // Still holds: nothing to fold, announce or rewrite but the day it holds on.
                        for standing in ledger.standings {
                            held.append(StandingKey(subject: subject.id, scheme: standing.scheme))
                            summary.gradeDistribution[standing.scheme.rawValue, default: [:]][standing.grade?.rawValue ?? "-", default: 0] += 1
                        }
                        if let household = subject.household { membersByHousehold[household, default: []].append((subject, ledger.standings)) }
                        continue
                    }
                    var entries = ledger.entries
                    var added: [(entry: Entry, report: Report)] = []
                    for record in (waiting[subject.id] ?? []).sorted(by: { ($0.report.occurredOn, $0.report.id) < ($1.report.occurredOn, $1.report.id) }) {
                        guard record.status != .pending else { summary.carriedOver += 1; continue }
                        let outcome = try planner.plan(record, existing: entries)
                        changes.reportStatuses[record.report.id] = outcome.status
                        switch outcome.status {
                        case .entered: summary.entered += 1
                        case .capped: summary.capped += 1
                        case .cured: summary.cured += 1
                        case .awaitingGrace: summary.awaitingGrace += 1
                        default: break
                        }
                        if let entry = outcome.entry {
                            added.append((entry, record.report))
                            entries.append(entry)
                            changes.entries.append(entry)
                            if entry.points.isPositive { cyclePoints[StandingKey(subject: subject.id, scheme: entry.scheme), default: .zero] += entry.points }
                        }
                    }
                    let standings = context.fold(subject, entries: entries, asOf: asOf)
                    compare(before: ledger.standings, after: standings, context: context, subject: subject, summary: &summary)
                    // Notices go into the same commit as what they announce: nothing takes effect unannounced.
                    for (entry, report) in added {
                        let before = ledger.standings.first { $0.scheme == entry.scheme }
                        let after = standings.first { $0.scheme == entry.scheme }
                        if let notice = noticePlanner.entryNotice(entry, report: report, before: before, after: after) {
                            outbox.post(notice, jurisdiction: subject.jurisdiction, into: &changes)
                        }
                    }
                    if subject.kind == .household {
                        householdsBefore[subject.id] = ledger.standings
                    } else {
                        for standing in standings {
                            guard let notice = noticePlanner.standingNotice(before: ledger.standings.first { $0.scheme == standing.scheme }, after: standing)
                            else { continue }
                            outbox.post(notice, jurisdiction: subject.jurisdiction, into: &changes)
                        }
                    }
                    if subject.kind == .household {
                        households[subject.id] = subject
                        householdStandings[subject.id] = Array(changes.standings.count..<(changes.standings.count + standings.count))
                    }
                    if let household = subject.household { membersByHousehold[household, default: []].append((subject, standings)) }
                    changes.standings.append(contentsOf: standings)
                }
            }
            for (id, indices) in householdStandings {
                let members = membersByHousehold[id] ?? []
                for index in indices {
                    context.fillHouseholdQuota(&changes.standings[index], household: households[id]!, members: members)
                    let after = changes.standings[index]
                    if let notice = noticePlanner.standingNotice(before: householdsBefore[id]?.first { $0.scheme == after.scheme }, after: after) {
                        outbox.post(notice, jurisdiction: households[id]!.jurisdiction, into: &changes)
                    }
                }
            }
            for standing in changes.standings {
                summary.gradeDistribution[standing.scheme.rawValue, default: [:]][standing.grade?.rawValue ?? "-", default: 0] += 1
            }
            summary.standingsHeld = held.count
            summary.standingsComputed = changes.standings.count + held.count
            if !held.isEmpty { changes.heldStandings = HeldStandings(asOf: asOf, keys: held) }
            summary.topSubjects = cyclePoints.sorted { ($0.value, $1.key.subject) > ($1.value, $0.key.subject) }
                .prefix(CycleSummary.topSubjectsMax)
                .map { CycleSummary.TopSubject(subject: $0.key.subject, scheme: $0.key.scheme, points: $0.value) }
            return (changes, summary)
        }
    }

    private func compare(before: [Standing], after: [Standing], context: StandingContext, subject: Subject, summary: inout CycleSummary) {
        for standing in after {
            let previous = before.first { $0.scheme == standing.scheme }
            if let grades = context.currentSchemes[standing.scheme]?.grades, let old = previous?.grade, let new = standing.grade {
                if grades.isBelow(new, old) { summary.gradeFalls += 1 }
                if grades.isBelow(old, new) { summary.gradeRises += 1 }
            }
            let wasActive = Set((previous?.listings ?? []).filter { $0.isActive(on: previous!.asOf) }.map { "\($0.list.rawValue)/\($0.criterion)/\($0.since)" })
            let isActive = Set(standing.activeListings.map { "\($0.list.rawValue)/\($0.criterion)/\($0.since)" })
            for key in isActive.subtracting(wasActive) { summary.listingsStarted[String(key.prefix { $0 != "/" }), default: 0] += 1 }
            for key in wasActive.subtracting(isActive) { summary.listingsEnded[String(key.prefix { $0 != "/" }), default: 0] += 1 }
        }
    }
}

/// Turns approved reports into entries: caps, grace periods, expiry, grade caps. Pure.
struct EntryPlanner {
    let handbooks: HandbookSet
    var nextSequence: Int64
    let today: Day
    let recordedBy: Actor.ID?

    struct Outcome {
        var status: ReportStatus
        var entry: Entry?
    }

    mutating func plan(_ record: ReportRecord, existing entries: [Entry]) throws(CivicError) -> Outcome {
        let report = record.report
        guard let handbook = handbooks.version(report.handbookVersion, of: report.handbookJurisdiction),
              let scheme = handbook.scheme(report.scheme), let rule = scheme.rule(report.rule) else {
            throw CivicError(.corrupted, "report '\(report.id)' names a rule missing from handbook \(report.handbookJurisdiction) v\(report.handbookVersion)")
        }
        // A fault put right within its grace period is never deducted.
        if let grace = rule.graceDays {
            if entries.contains(where: { $0.kind == .cure && $0.report == report.id }) { return Outcome(status: .cured) }
            if today < report.occurredOn.adding(days: grace) { return Outcome(status: .awaitingGrace) }
        }
        if let cap = rule.cap {
            let periodStart = cap.period.start(containing: report.occurredOn)
            let corrected = Set(entries.filter { $0.kind == .correction }.compactMap(\.references))
            let used = entries.filter { entry in
                entry.kind == .deed && entry.rule == rule.id && entry.scheme == scheme.id && !corrected.contains(entry.id)
                    && entry.occurredOn.map { cap.period.start(containing: $0) == periodStart } ?? false
            }.count
            if used >= cap.count { return Outcome(status: .capped) }
        }
        let approvals = record.decisions.filter { $0.outcome.isApproval }
        var points = rule.points ?? .zero
        var stars = report.stars
        if let adjusted = approvals.compactMap({ decision -> Points? in
            if case .adjust(let value) = decision.outcome { return value } else { return nil }
        }).min(by: { $0.hundredths.magnitude < $1.hundredths.magnitude }) {
            if rule.isRating { stars = Int(adjusted.hundredths / 100) } else { points = adjusted }
        }
        let expiryDays = rule.expiryDays ?? (points.isNegative || rule.gradeCap != nil ? scheme.negativeExpiryDays : nil)
        let entry = Entry(
            id: Entry.ID("e:\(report.id.rawValue)"), sequence: nextSequence, kind: rule.isRating ? .rating : .deed,
            subject: report.subject, scheme: scheme.id, handbookJurisdiction: handbook.jurisdiction,
            handbookVersion: handbook.version, rule: rule.id, category: rule.category.code, points: points,
            dimension: rule.dimension, stars: rule.isRating ? stars : nil, occurredOn: report.occurredOn, effectiveOn: today,
            expiresOn: expiryDays.map { today.adding(days: $0) }, gradeCap: rule.gradeCap, report: report.id,
            decisions: approvals.map(\.id), recordedOn: today, recordedBy: recordedBy ?? approvals.last!.reviewer,
            gradeCapLockYears: rule.gradeCapTerms?.startsLockIn == true ? rule.gradeCap.flatMap { scheme.grades?.lockIn(for: $0)?.years } : nil,
            gradeCapUntilRemedied: rule.gradeCap != nil && rule.gradeCapTerms?.untilRemedied == true)
        nextSequence += 1
        return Outcome(status: .entered, entry: entry)
    }
}
