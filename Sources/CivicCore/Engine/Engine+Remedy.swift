/// What a remedy puts right.
public enum RemedyTarget: Hashable, Sendable, Codable {
    /// An entry in the ledger: ends listings "until remedied" and its grade cap.
    case entry(Entry.ID)
    /// A report still in its grace period: the fault is cured and never deducted.
    case report(Report.ID)
    /// The entry whose report carries this authority record id (a court case, a tax notice).
    case sourceRecord(String)
}

/// A remedy to record: what it puts right, when, by whom.
public struct RemedyRequest: Hashable, Sendable, Codable {
    public var id: Entry.ID
    public var target: RemedyTarget
    /// The day the fault was put right; defaults to today.
    public var on: Day?
    public var by: Actor.ID
    public var note: String

    public init(id: Entry.ID, target: RemedyTarget, on: Day? = nil, by: Actor.ID, note: String) {
        self.id = id
        self.target = target
        self.on = on
        self.by = by
        self.note = note
    }
}

extension Engine {
    /// Records a remedy ("debt paid", "litter cleared") and folds the subject's standing
    /// again in the same transaction, so the next eligibility check sees it.
    public func remedy(_ id: Entry.ID, target: RemedyTarget, on day: Day? = nil, by actor: Actor.ID, note: String) async throws -> (WriteResult, Entry) {
        try await remedies([RemedyRequest(id: id, target: target, on: day, by: actor, note: note)])[0]
    }

    /// Records remedies, all or none, with the affected standings folded again in the same transaction.
    public func remedies(_ requests: [RemedyRequest]) async throws -> [(WriteResult, Entry)] {
        try await commitPlanned {
            let head = try await store.ledgerHead()
            let plan = try await planRemedies(requests, head: head)
            var changes = try await restanding(subjects: plan.subjects, adding: plan.entries, head: head, asOf: clock.today())
            changes.reportStatuses = plan.cured
            return (changes, plan.results)
        }
    }

    struct RemedyPlan {
        var entries: [Entry] = []
        var results: [(WriteResult, Entry)] = []
        var subjects: [Subject.ID] = []
        var cured: [Report.ID: ReportStatus] = [:]
    }

    func planRemedies(_ requests: [RemedyRequest], head: Int64) async throws -> RemedyPlan {
        let today = clock.today()
        let set = try await handbookSet()
        var plan = RemedyPlan()
        for (index, request) in requests.enumerated() {
            let location = requests.count > 1 ? "remedy \(index + 1) ('\(request.id)')" : "remedy '\(request.id)'"
            do {
                // A retry is answered from what was stored, before any check that the first attempt changed the answer to.
                if let stored = try await store.entry(request.id) {
                    guard try await isSameRemedy(stored, request) else {
                        throw CivicError(.conflict, "entry id '\(request.id)' is already used for something else")
                    }
                    plan.results.append((.unchanged, stored))
                    continue
                }
                let entry = try await planRemedy(request, sequence: head + 1 + Int64(plan.entries.count), today: today, handbooks: set)
                let already = try await store.entries(subject: entry.subject).contains { existing in
                    existing.kind == entry.kind && (entry.kind == .cure ? existing.report == entry.report : existing.references == entry.references)
                } || plan.entries.contains { $0.kind == entry.kind && $0.report == entry.report && $0.references == entry.references }
                guard !already else { throw CivicError(.refused, "already remedied") }
                plan.entries.append(entry)
                plan.results.append((.recorded, entry))
                if !plan.subjects.contains(entry.subject) { plan.subjects.append(entry.subject) }
                if entry.kind == .cure, let report = entry.report { plan.cured[report] = .cured }
            } catch var error as CivicError {
                error.location = error.location.map { "\(location), \($0)" } ?? location
                throw error
            }
        }
        return plan
    }

    /// Whether a stored entry is what `request` would record: same kind, target, note, actor and day (where given).
    func isSameRemedy(_ stored: Entry, _ request: RemedyRequest) async throws -> Bool {
        guard stored.note == request.note, stored.recordedBy == request.by else { return false }
        switch request.target {
        case .report(let report):
            return stored.kind == .cure && stored.report == report && (request.on.map { $0 == stored.effectiveOn } ?? true)
        case .entry, .sourceRecord:
            let target = try await remedyTarget(request.target)
            return stored.kind == .remedy && stored.references == target.id
                && (request.on.map { max($0, target.effectiveOn) == stored.effectiveOn } ?? true)
        }
    }

    /// Who may record a remedy: an authority, a reviewer or an administrator (and for a cure within the grace
    /// period, the assessor who sees the litter cleared), never about themself or their household.
    func requireRemedier(_ id: Actor.ID, subject: Subject.ID, cure: Bool) async throws {
        let actor = try await requireActor(id)
        let allowed: Set<Actor.Role> = cure ? [.authority, .reviewer, .administrator, .assessor] : [.authority, .reviewer, .administrator]
        guard !actor.roles.isDisjoint(with: allowed) else {
            throw CivicError(.refused, "actor '\(id)' may not record \(cure ? "cures" : "remedies") (needs \(allowed.map(\.rawValue).sorted().joined(separator: ", ")))")
        }
        let own = try await actor.subject.asyncMap { try await store.subject($0) } ?? nil
        if let conflict = Recusal.conflict(actor: actor, actorSubject: own, subject: try await requireSubject(subject)) {
            throw CivicError(.refused, "recusal: \(conflict)")
        }
    }

    func planRemedy(_ request: RemedyRequest, sequence: Int64, today: Day, handbooks set: HandbookSet) async throws -> Entry {
        let effective = request.on ?? today
        guard effective <= today else { throw CivicError(.invalidInput, "a remedy cannot be dated in the future (\(effective))") }
        guard Entry.ID.isValid(request.id.rawValue) else { throw CivicError(.invalidInput, "id is not valid: \(Entry.ID.syntax)") }
        try Text.check(request.note, field: "note", lineBreaks: true)
        switch request.target {
        case .report(let reportID):
            guard let record = try await store.report(reportID) else { throw CivicError(.notFound, "no report '\(reportID)'") }
            try await requireRemedier(request.by, subject: record.report.subject, cure: true)
            guard let rule = set.version(record.report.handbookVersion, of: record.report.handbookJurisdiction)?
                .scheme(record.report.scheme)?.rule(record.report.rule), let grace = rule.graceDays else {
                throw CivicError(.refused, "report '\(reportID)' is under a rule with no grace period; once entered, remedy the entry")
            }
            guard [.pending, .approved, .awaitingGrace].contains(record.status) else {
                throw CivicError(.refused, "report '\(reportID)' is \(record.status.rawValue); only a report still in review or in its grace period can be cured")
            }
            let graceEnd = record.report.occurredOn.adding(days: grace)
            guard effective < graceEnd else {
                throw CivicError(.refused, "the grace period of report '\(reportID)' ended on \(graceEnd.adding(days: -1))")
            }
            return Entry(id: request.id, sequence: sequence, kind: .cure, subject: record.report.subject, scheme: record.report.scheme,
                         handbookJurisdiction: record.report.handbookJurisdiction, handbookVersion: record.report.handbookVersion,
                         rule: record.report.rule, effectiveOn: effective, report: reportID, recordedOn: today, recordedBy: request.by,
                         note: request.note)
        case .entry, .sourceRecord:
            let target = try await remedyTarget(request.target)
            try await requireRemedier(request.by, subject: target.subject, cure: false)
            // A deed with no points and no grade cap can still put a subject on a blacklist
            // ("dishonest judgment debtors"); its remedy is what takes the subject off.
            let blacklists = set.scheme(target.scheme)?.scheme.lists.contains { criterion in
                guard criterion.list == .black, case .rule(let rules) = criterion.trigger, let rule = target.rule else { return false }
                return rules.contains(rule)
            } ?? false
            guard target.kind == .deed, target.isAdverse || blacklists else {
                throw CivicError(.refused, "entry '\(target.id)' is not an adverse deed; nothing to remedy")
            }
            return Entry(id: request.id, sequence: sequence, kind: .remedy, subject: target.subject, scheme: target.scheme,
                         handbookJurisdiction: target.handbookJurisdiction, handbookVersion: target.handbookVersion,
                         rule: target.rule, effectiveOn: max(effective, target.effectiveOn), references: target.id,
                         recordedOn: today, recordedBy: request.by, note: request.note)
        }
    }

    /// Cancels an entry with a compensating entry (the original stays, as everything in the ledger does).
    public func correct(_ id: Entry.ID, entry targetID: Entry.ID, reason: String, by actor: Actor.ID) async throws -> (WriteResult, Entry) {
        try await commitPlanned {
            let today = clock.today()
            let corrector = try await requireActor(actor)
            guard corrector.roles.contains(.reviewer) || corrector.roles.contains(.administrator) else {
                throw CivicError(.refused, "actor '\(actor)' may not correct entries")
            }
            guard !reason.trimmingWhitespace().isEmpty else { throw CivicError(.invalidInput, "a correction needs a reason") }
            try Text.check(reason, field: "reason", lineBreaks: true)
            guard let target = try await store.entry(targetID) else { throw CivicError(.notFound, "no entry '\(targetID)'") }
            guard target.kind == .deed || target.kind == .rating else { throw CivicError(.refused, "entry '\(targetID)' is a \(target.kind.rawValue); only deeds and ratings can be corrected") }
            // Nobody corrects an entry about themself or their household, or one that came from their own report.
            let own = try await corrector.subject.asyncMap { try await store.subject($0) } ?? nil
            if let conflict = Recusal.conflict(actor: corrector, actorSubject: own, subject: try await requireSubject(target.subject)) {
                throw CivicError(.refused, "recusal: \(conflict)")
            }
            if let reportID = target.report, let record = try await store.report(reportID), let reporter = try await store.actor(record.report.reporter),
               Recusal.person(reporter) == Recusal.person(corrector) {
                throw CivicError(.refused, "recusal: '\(actor)' filed report '\(reportID)' behind entry '\(targetID)'")
            }
            if let stored = try await store.entry(id) {
                guard stored.kind == .correction, stored.references == targetID, stored.note == reason, stored.recordedBy == actor else {
                    throw CivicError(.conflict, "entry id '\(id)' is already used for something else")
                }
                return (ChangeSet(), (.unchanged, stored))
            }
            let siblings = try await store.entries(subject: target.subject)
            guard !siblings.contains(where: { $0.kind == .correction && $0.references == targetID }) else {
                throw CivicError(.refused, "entry '\(targetID)' is already corrected")
            }
            let head = try await store.ledgerHead()
            let correction = Entry(
                id: id, sequence: head + 1, kind: .correction, subject: target.subject, scheme: target.scheme,
                handbookJurisdiction: target.handbookJurisdiction, handbookVersion: target.handbookVersion, rule: target.rule,
                category: target.category, points: -target.points, dimension: target.dimension,
                effectiveOn: max(today, target.effectiveOn), expiresOn: target.expiresOn, references: targetID,
                recordedOn: today, recordedBy: actor, note: reason)
            return (try await restanding(subjects: [target.subject], adding: [correction], head: head, asOf: today), (.recorded, correction))
        }
    }

    func remedyTarget(_ target: RemedyTarget) async throws -> Entry {
        switch target {
        case .entry(let id):
            guard let entry = try await store.entry(id) else { throw CivicError(.notFound, "no entry '\(id)'") }
            return entry
        case .sourceRecord(let record):
            guard let report = try await store.reportID(sourceRecord: record) else {
                throw CivicError(.notFound, "no report carries authority record '\(record)'")
            }
            guard let entry = try await store.entry(Entry.ID("e:\(report.rawValue)")) else {
                let status = try await store.report(report)?.status ?? .pending
                throw CivicError(.refused, "authority record '\(record)' is not in the ledger: its report '\(report)' is \(status.rawValue)"
                    + (status == .rejected || status == .capped ? "" : "; remedy it after the cycle that enters it closes"))
            }
            return entry
        case .report:
            preconditionFailure("reports are cured, not remedied")
        }
    }

    /// A change set that appends `entries` and stores the subjects' (and their households') fresh standings,
    /// with a notice for each entry and for each standing whose grade, lists or measures changed.
    func restanding(subjects ids: [Subject.ID], adding entries: [Entry], head: Int64, asOf: Day) async throws -> ChangeSet {
        let context = try await StandingContext.load(engine: self)
        let planner = NoticePlanner(handbooks: context.handbooks, schemes: context.currentSchemes, today: asOf)
        var outbox = try await Outbox.load(store: store, jurisdictions: context.jurisdictions)
        var changes = ChangeSet(expectedLedgerHead: head)
        changes.entries = entries
        var done = Set<Subject.ID>()
        for id in ids {
            let subject = try await requireSubject(id)
            var affected = [subject]
            if let householdID = subject.household, let household = try await store.subject(householdID) { affected.append(household) }
            for target in affected where done.insert(target.id).inserted {
                let before = try await store.standings(subject: target.id)
                let after = try await context.freshStandings(for: target, asOf: asOf, store: store, adding: entries)
                changes.standings += after
                for entry in entries where entry.subject == target.id {
                    let report = try await entry.report.asyncMap { try await store.report($0)?.report } ?? nil
                    if let notice = planner.entryNotice(entry, report: report, before: before.first { $0.scheme == entry.scheme },
                                                        after: after.first { $0.scheme == entry.scheme }) {
                        outbox.post(notice, jurisdiction: target.jurisdiction, into: &changes)
                    }
                }
                for standing in after {
                    if let notice = planner.standingNotice(before: before.first { $0.scheme == standing.scheme }, after: standing) {
                        outbox.post(notice, jurisdiction: target.jurisdiction, into: &changes)
                    }
                }
            }
        }
        return changes
    }
}
