/// What a reporter submits; the engine fills in the handbook version and cycle.
public struct ReportRequest: Hashable, Sendable, Codable {
    public var id: Report.ID
    public var subject: Subject.ID
    /// Needed only when the rule code exists in more than one of the subject's schemes.
    public var scheme: Scheme.ID?
    public var rule: Rule.ID
    public var reporter: Actor.ID
    public var role: ReporterRole
    public var occurredOn: Day
    /// Defaults to today.
    public var filedOn: Day?
    public var statement: String
    public var evidence: [Evidence]
    public var durationDays: Int?
    public var stars: Int?
    public var sourceRecord: String?

    public init(
        id: Report.ID, subject: Subject.ID, scheme: Scheme.ID? = nil, rule: Rule.ID, reporter: Actor.ID, role: ReporterRole,
        occurredOn: Day, filedOn: Day? = nil, statement: String, evidence: [Evidence] = [], durationDays: Int? = nil,
        stars: Int? = nil, sourceRecord: String? = nil
    ) {
        self.id = id
        self.subject = subject
        self.scheme = scheme
        self.rule = rule
        self.reporter = reporter
        self.role = role
        self.occurredOn = occurredOn
        self.filedOn = filedOn
        self.statement = statement
        self.evidence = evidence
        self.durationDays = durationDays
        self.stars = stars
        self.sourceRecord = sourceRecord
    }
}

extension Engine {
    /// Files one report.
    public func file(_ request: ReportRequest) async throws -> WriteResult {
        try await file([request]).recorded == 1 ? .recorded : .unchanged
    }

    /// Files reports, all or none: one bad report stops the batch and writes nothing.
    @discardableResult
    public func file(_ requests: [ReportRequest], progress: ProgressHandler? = nil) async throws -> (recorded: Int, unchanged: Int) {
        try await commitPlanned {
            let located = requests.enumerated().map { index, request in
                (location: requests.count > 1 ? "report \(index + 1) ('\(request.id)')" : "report '\(request.id)'", request: request)
            }
            let (changes, unchanged) = try await planFilings(located, progress: progress)
            return (changes, (changes.reports.count, unchanged))
        }
    }

    /// Checks reports to file and returns the new ones as changes: a repeat of a stored report is
    /// counted as unchanged (a retry on a later day without a filing day included), a reused id
    /// with other content is a conflict. Errors carry the caller's location for the request.
    func planFilings(_ requests: [(location: String, request: ReportRequest)], progress: ProgressHandler? = nil) async throws -> (ChangeSet, Int) {
        let context = try await ReportContext.load(engine: self, subjects: Set(requests.map(\.request.subject)),
                                                   actors: Set(requests.map(\.request.reporter)))
        var changes = ChangeSet()
        var unchanged = 0
        var batch: [Report.ID: Report] = [:]
        for (index, (location, request)) in requests.enumerated() {
            do {
                let report = try context.check(request, today: clock.today())
                if let previous = batch[report.id] {
                    guard previous == report else { throw CivicError(.conflict, "the same id appears twice with different content") }
                    continue
                }
                batch[report.id] = report
                if let stored = try await store.report(report.id) {
                    var retried = report
                    if request.filedOn == nil {
                        retried.filedOn = stored.report.filedOn
                        retried.cycle = stored.report.cycle
                    }
                    // A retry names the same deed under the same scheme even if a newer handbook version was
                    // published since the first attempt: the version is the one current when it was filed.
                    if retried.scheme == stored.report.scheme && retried.handbookJurisdiction == stored.report.handbookJurisdiction {
                        retried.handbookVersion = stored.report.handbookVersion
                    }
                    guard stored.report == retried else { throw CivicError(.conflict, "id already used for a different report") }
                    unchanged += 1
                    continue
                }
                changes.reports.append(report)
                changes.reportStatuses[report.id] = .pending
            } catch var error as CivicError {
                error.location = error.location.map { "\(location), \($0)" } ?? location
                throw error
            }
            if index % 10_000 == 9_999 { progress?(Progress(phase: "reports checked", done: index + 1, total: requests.count)) }
        }
        return (changes, unchanged)
    }

    /// Records a reviewer's decision, refusing one that breaks recusal or four-eyes rules.
    public func decide(_ decision: Decision) async throws -> (WriteResult, ReportStatus) {
        let result = try await decide([decision])
        return (result.recorded == 1 ? .recorded : .unchanged, result.statuses[decision.report] ?? .pending)
    }

    /// Records decisions, all or none: one refused decision stops the batch and writes nothing.
    @discardableResult
    public func decide(_ decisions: [Decision], progress: ProgressHandler? = nil) async throws -> (recorded: Int, unchanged: Int, statuses: [Report.ID: ReportStatus]) {
        try await commitPlanned {
            let set = try await handbookSet()
            var changes = ChangeSet()
            var unchanged = 0
            var statuses: [Report.ID: ReportStatus] = [:]
            var pendingRecords: [Report.ID: ReportRecord] = [:]
            var batch: [Decision.ID: Decision] = [:]
            var actors: [Actor.ID: Actor] = [:]
            var subjects: [Subject.ID: Subject] = [:]
            var outbox: Outbox?
            func subject(_ id: Subject.ID) async throws -> Subject? {
                if let known = subjects[id] { return known }
                let found = try await store.subject(id)
                subjects[id] = found
                return found
            }
            for (index, decision) in decisions.enumerated() {
                let location = decisions.count > 1 ? "decision \(index + 1) ('\(decision.id)')" : "decision '\(decision.id)'"
                do {
                    // A retry is the same decision even on a later day: the day it was first recorded stands.
                    let earlier = batch[decision.id]
                    if let stored = earlier == nil ? try await store.decision(decision.id) : earlier {
                        var retried = decision
                        retried.decidedOn = stored.decidedOn
                        guard stored == retried else { throw CivicError(.conflict, "id already recorded with different content") }
                        unchanged += 1
                        if let planned = pendingRecords[decision.report] {
                            statuses[decision.report] = planned.status
                        } else {
                            statuses[decision.report] = try await store.report(decision.report)?.status
                        }
                        continue
                    }
                    let known = pendingRecords[decision.report]
                    guard var record = known == nil ? try await store.report(decision.report) : known else {
                        throw CivicError(.notFound, "no report '\(decision.report)'")
                    }
                    if known == nil { changes.expectedDecisionCounts[record.report.id] = record.decisions.count }
                    let reviewer: Actor
                    if let known = actors[decision.reviewer] { reviewer = known } else {
                        reviewer = try await requireActor(decision.reviewer)
                        actors[decision.reviewer] = reviewer
                    }
                    guard let reportSubject = try await subject(record.report.subject) else {
                        throw CivicError(.corrupted, "report '\(record.report.id)' names a missing subject")
                    }
                    let reviewerSubject = try await reviewer.subject.asyncMap { try await subject($0) } ?? nil
                    var deciders: [Actor.ID: Actor] = [:]
                    for id in Set(record.decisions.map(\.reviewer) + [record.report.reporter]) {
                        if let known = actors[id] { deciders[id] = known } else if let found = try await store.actor(id) {
                            actors[id] = found
                            deciders[id] = found
                        }
                    }
                    guard let scheme = set.version(record.report.handbookVersion, of: record.report.handbookJurisdiction)?.scheme(record.report.scheme),
                          let rule = scheme.rule(record.report.rule) else {
                        throw CivicError(.corrupted, "report '\(record.report.id)' names a rule missing from its handbook version")
                    }
                    let status = try Review.check(decision, record: record, rule: rule, reviewer: reviewer, reviewerSubject: reviewerSubject,
                                                  subject: reportSubject, today: clock.today(), scheme: scheme,
                                                  reporter: deciders[record.report.reporter], deciders: deciders)
                    record.decisions.append(decision)
                    record.status = status
                    pendingRecords[record.report.id] = record
                    changes.decisions.append(decision)
                    // Warnings before punishments: an approved fault with a grace period is announced with the
                    // day by which putting it right means nothing is deducted.
                    if status == .approved, let grace = rule.graceDays, clock.today() < record.report.occurredOn.adding(days: grace) {
                        if outbox == nil { outbox = try await Outbox.load(store: store, jurisdictions: try await store.jurisdictions()) }
                        let report = record.report
                        let cureBy = report.occurredOn.adding(days: grace - 1)
                        let notice = Notice(
                            id: Notice.ID("n:warning:\(report.id.rawValue)"), subject: report.subject, scheme: report.scheme, kind: .warning,
                            tone: .adverse, createdOn: clock.today(), report: report.id, rule: rule.id, ruleTitle: rule.title,
                            handbookJurisdiction: report.handbookJurisdiction, handbookVersion: report.handbookVersion, points: rule.points,
                            evidence: report.evidence, cureBy: cureBy,
                            summary: "warning under rule \(rule.id) (\(rule.title.en)): put it right by \(cureBy) and nothing is deducted; "
                                + "otherwise \(rule.points?.signedDescription ?? "its effect") at the next cycle close")
                        outbox!.post(notice, jurisdiction: reportSubject.jurisdiction, into: &changes)
                    }
                    batch[decision.id] = decision
                    changes.reportStatuses[record.report.id] = status
                    statuses[record.report.id] = status
                } catch var error as CivicError {
                    error.location = error.location.map { "\(location), \($0)" } ?? location
                    throw error
                }
                if index % 10_000 == 9_999 { progress?(Progress(phase: "decisions checked", done: index + 1, total: decisions.count)) }
            }
            return (changes, (changes.decisions.count, unchanged, statuses))
        }
    }
}

extension Optional {
    func asyncMap<T>(_ transform: (Wrapped) async throws -> T) async rethrows -> T? {
        guard let value = self else { return nil }
        return try await transform(value)
    }
}

/// The pure checks on a report.
struct ReportContext {
    var subjects: [Subject.ID: Subject]
    var actors: [Actor.ID: Actor]
    var actorSubjects: [Subject.ID: Subject]
    var jurisdictions: [Jurisdiction]
    var handbooks: HandbookSet
    var cycles: [Cycle]

    static func load(engine: Engine, subjects ids: Set<Subject.ID>, actors actorIDs: Set<Actor.ID>) async throws -> ReportContext {
        let store = engine.store
        let subjects = try await store.subjects(Array(ids))
        var actors: [Actor.ID: Actor] = [:]
        for id in actorIDs { if let actor = try await store.actor(id) { actors[id] = actor } }
        let actorSubjects = try await store.subjects(actors.values.compactMap(\.subject))
        return ReportContext(
            subjects: Dictionary(uniqueKeysWithValues: subjects.map { ($0.id, $0) }), actors: actors,
            actorSubjects: Dictionary(uniqueKeysWithValues: actorSubjects.map { ($0.id, $0) }),
            jurisdictions: try await store.jurisdictions(), handbooks: try await engine.handbookSet(), cycles: try await store.cycles())
    }

    func check(_ request: ReportRequest, today: Day) throws(CivicError) -> Report {
        guard Report.ID.isValid(request.id.rawValue) else { throw CivicError(.invalidInput, "id is not valid: \(Report.ID.syntax)") }
        guard let subject = subjects[request.subject] else { throw CivicError(.notFound, "no subject '\(request.subject)'") }
        guard let actor = actors[request.reporter] else { throw CivicError(.notFound, "no actor '\(request.reporter)'") }
        let lineage = jurisdictions.lineage(of: subject.jurisdiction)
        let candidates = handbooks.schemes(for: subject, lineage: lineage).filter { entry in
            (request.scheme == nil || entry.scheme.id == request.scheme) && entry.scheme.rule(request.rule) != nil
        }
        guard let (handbook, scheme) = candidates.first else {
            let where_ = request.scheme.map { "scheme '\($0)'" } ?? "any scheme that rates this \(subject.kind.rawValue)"
            let rules = handbooks.schemes(for: subject, lineage: lineage)
                .filter { request.scheme == nil || $0.scheme.id == request.scheme }
                .flatMap { $0.scheme.rules.map(\.id.rawValue) }
            throw CivicError.unknown("no rule '\(request.rule)' in \(where_)", request.rule.rawValue, among: rules)
        }
        guard candidates.count == 1 else {
            throw CivicError(.invalidInput, "rule '\(request.rule)' exists in schemes \(candidates.map { "'\($0.scheme.id)'" }.joined(separator: ", ")): name the scheme")
        }
        let rule = scheme.rule(request.rule)!
        let filedOn = request.filedOn ?? today
        guard request.occurredOn <= filedOn else { throw CivicError(.invalidInput, "occurred on \(request.occurredOn), after it was filed (\(filedOn))") }
        guard filedOn <= today else { throw CivicError(.invalidInput, "filed on \(filedOn), which is in the future") }
        guard rule.reporters.contains(request.role) else {
            throw CivicError(.refused, "rule '\(rule.id)' may be reported by \(rule.reporters.map(\.rawValue).sorted().joined(separator: ", ")), not by '\(request.role.rawValue)'")
        }
        let actorSubject = actor.subject.flatMap { actorSubjects[$0] }
        switch request.role {
        case .assessor, .authority:
            guard actor.roles.contains(request.role == .assessor ? .assessor : .authority) else {
                throw CivicError(.refused, "actor '\(actor.id)' is not an \(request.role == .assessor ? "assessor" : "authority")")
            }
            // An assessor's own good deeds are a self-claim: labelled, with evidence, reviewed like any other.
            if let conflict = Recusal.conflict(actor: actor, actorSubject: actorSubject, subject: subject) {
                throw CivicError(.refused, "recusal: \(conflict) as \(request.role.rawValue); file a self-claim instead")
            }
        case .`self`:
            guard let own = actorSubject, own.id == subject.id || own.household == subject.id else {
                throw CivicError(.refused, "a self-claim must be about the reporter or the reporter's household")
            }
            guard !request.evidence.isEmpty else { throw CivicError(.invalidInput, "a self-claim needs evidence") }
        case .neighbour:
            guard let own = actorSubject else { throw CivicError(.refused, "a neighbour report needs a reporter who is a registered resident") }
            guard own.id != subject.id, own.household == nil || (own.household != subject.id && own.household != subject.household) else {
                throw CivicError(.refused, "a neighbour cannot report on themself or their own household; file a self-claim instead")
            }
        }
        let statement = request.statement.trimmingWhitespace()
        guard !statement.isEmpty, statement.count <= Limits.statementLengthMax else {
            throw CivicError(.invalidInput, "statement must be 1 to \(Limits.statementLengthMax) characters")
        }
        try Text.check(statement, field: "statement", lineBreaks: true)
        if let days = request.durationDays, !(0...Limits.durationDaysMax).contains(days) {
            throw CivicError(.invalidInput, "durationDays must be from 0 to \(Limits.durationDaysMax)", at: "durationDays")
        }
        if let record = request.sourceRecord { try Text.check(record, field: "sourceRecord") }
        guard request.evidence.count <= Limits.evidencePerReportMax else {
            throw CivicError(.invalidInput, "at most \(Limits.evidencePerReportMax) pieces of evidence")
        }
        for item in request.evidence where item.reference.isEmpty || item.reference.count > 512 {
            throw CivicError(.invalidInput, "an evidence reference must be 1 to 512 characters")
        }
        if let requirement = rule.evidence, !requirement.isSatisfied(by: request.evidence) {
            throw CivicError(.invalidInput, "rule '\(rule.id)' needs evidence: \(requirement.description)")
        }
        if let minimum = rule.minimumDurationDays {
            guard let days = request.durationDays else { throw CivicError(.invalidInput, "rule '\(rule.id)' needs the duration in days (at least \(minimum))") }
            guard days >= minimum else { throw CivicError(.refused, "rule '\(rule.id)' needs at least \(minimum) days; reported \(days)") }
        }
        if rule.isRating {
            guard case .stars(let scale) = scheme.scale, let stars = request.stars,
                  (scale.minimumStars...scale.maximumStars).contains(stars) else {
                throw CivicError(.invalidInput, "rule '\(rule.id)' sets a star rating: give stars within the scheme's range")
            }
        } else if request.stars != nil {
            throw CivicError(.invalidInput, "rule '\(rule.id)' awards points, not stars")
        }
        // A report filed into a closed cycle goes to the next open one.
        var cycle = filedOn.month
        var guardCount = 0
        while cycles.contains(where: { $0.month == cycle && lineage.contains($0.jurisdiction) }) && guardCount < 1200 {
            cycle = cycle.next
            guardCount += 1
        }
        return Report(
            id: request.id, subject: subject.id, scheme: scheme.id, rule: rule.id, handbookVersion: handbook.version,
            handbookJurisdiction: handbook.jurisdiction, reporter: actor.id, reporterRole: request.role,
            occurredOn: request.occurredOn, filedOn: filedOn, cycle: cycle, statement: statement, evidence: request.evidence,
            durationDays: request.durationDays, stars: request.stars, sourceRecord: request.sourceRecord)
    }
}

/// The pure checks on a review decision: recusal, four eyes, bounds of an adjustment.
public enum Review {
    public static func check(
        _ decision: Decision, record: ReportRecord, rule: Rule, reviewer: Actor, reviewerSubject: Subject?,
        subject: Subject, today: Day, scheme: Scheme, reporter: Actor?, deciders: [Actor.ID: Actor]
    ) throws(CivicError) -> ReportStatus {
        let report = record.report
        guard Decision.ID.isValid(decision.id.rawValue) else { throw CivicError(.invalidInput, "decision id is not valid: \(Decision.ID.syntax)") }
        guard record.status == .pending else {
            throw CivicError(.refused, "report '\(report.id)' is \(record.status.rawValue), not pending review")
        }
        guard reviewer.roles.contains(.reviewer) else { throw CivicError(.refused, "actor '\(reviewer.id)' is not a committee reviewer") }
        let person = Recusal.person(reviewer)
        guard reviewer.id != report.reporter, reporter.map(Recusal.person) != person else {
            throw CivicError(.refused, "recusal: '\(reviewer.id)' filed report '\(report.id)' and cannot review it")
        }
        if let conflict = Recusal.conflict(actor: reviewer, actorSubject: reviewerSubject, subject: subject) {
            throw CivicError(.refused, "recusal: \(conflict)")
        }
        // Four eyes count people, not actor ids: one resident with two reviewer accounts is one pair of eyes.
        let decidedBy = Set(record.decisions.map { deciders[$0.reviewer].map(Recusal.person) ?? "actor:\($0.reviewer.rawValue)" })
        guard !decidedBy.contains(person) else {
            throw CivicError(.refused, "'\(reviewer.id)' has already decided report '\(report.id)'; a second approval needs another reviewer")
        }
        guard decision.decidedOn <= today, decision.decidedOn >= report.filedOn else {
            throw CivicError(.invalidInput, "decided on \(decision.decidedOn): must be between filing (\(report.filedOn)) and today")
        }
        let reason = decision.reason.trimmingWhitespace()
        guard reason.count <= Limits.statementLengthMax else { throw CivicError(.invalidInput, "reason is longer than \(Limits.statementLengthMax) characters") }
        try Text.check(reason, field: "reason", lineBreaks: true)
        switch decision.outcome {
        case .approve:
            break
        case .reject:
            guard !reason.isEmpty else { throw CivicError(.invalidInput, "a rejection needs a reason") }
            return .rejected
        case .adjust(let points):
            guard !reason.isEmpty else { throw CivicError(.invalidInput, "an adjustment needs a reason") }
            if let rulePoints = rule.points {
                guard points != .zero, points.isNegative == rulePoints.isNegative,
                      points.hundredths.magnitude <= rulePoints.hundredths.magnitude else {
                    throw CivicError(.invalidInput, "an adjustment of rule '\(rule.id)' must keep its sign and stay within \(rulePoints.signedDescription)")
                }
            } else if case .stars(let scale) = scheme.scale {
                guard points.hundredths % 100 == 0, (scale.minimumStars...scale.maximumStars).contains(Int(points.hundredths / 100)) else {
                    throw CivicError(.invalidInput, "an adjusted rating must be whole stars from \(scale.minimumStars) to \(scale.maximumStars)")
                }
            }
        }
        let approvers = Set(record.decisions.filter { $0.outcome.isApproval }
            .map { deciders[$0.reviewer].map(Recusal.person) ?? "actor:\($0.reviewer.rawValue)" }).union([person])
        return approvers.count >= rule.approvalsRequired ? .approved : .pending
    }
}
