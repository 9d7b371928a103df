/// What a subject (or an administrator on their behalf) files to dispute an entry.
public struct AppealRequest: Hashable, Sendable, Codable {
    public var id: Appeal.ID
    /// The entry disputed; for a listing, the entry behind it.
    public var entry: Entry.ID
    public var disputes: Appeal.Disputed
    public var by: Actor.ID
    public var statement: String
    public var evidence: [Evidence]

    public init(id: Appeal.ID, entry: Entry.ID, disputes: Appeal.Disputed = .entry, by: Actor.ID, statement: String, evidence: [Evidence] = []) {
        self.id = id
        self.entry = entry
        self.disputes = disputes
        self.by = by
        self.statement = statement
        self.evidence = evidence
    }
}

extension Engine {
    static let appealIDLengthMax = 96

    /// Files an appeal: the appeal record, its ledger entry (which suspends the disputed entry from the day
    /// after the decision deadline until a decision comes), and a notice to the subject. One transaction.
    public func fileAppeal(_ request: AppealRequest) async throws -> (WriteResult, Appeal) {
        try await commitPlanned {
            let today = clock.today()
            guard Appeal.ID.isValid(request.id.rawValue), request.id.rawValue.utf8.count <= Engine.appealIDLengthMax else {
                throw CivicError(.invalidInput, "appeal id '\(request.id.rawValue.prefix(80))' is not valid: 1 to \(Engine.appealIDLengthMax) characters from A-Z a-z 0-9 . _ : -")
            }
            let statement = request.statement.trimmingWhitespace()
            guard !statement.isEmpty, statement.count <= Limits.statementLengthMax else {
                throw CivicError(.invalidInput, "an appeal needs a statement of 1 to \(Limits.statementLengthMax) characters")
            }
            try Text.check(statement, field: "statement", lineBreaks: true)
            guard request.evidence.count <= Limits.evidencePerReportMax else {
                throw CivicError(.invalidInput, "at most \(Limits.evidencePerReportMax) pieces of evidence")
            }
            guard let disputed = try await store.entry(request.entry) else { throw CivicError(.notFound, "no entry '\(request.entry)'") }
            let filer = try await requireActor(request.by)
            let subject = try await requireSubject(disputed.subject)
            try await requireAppellant(filer, for: subject)

            if let stored = try await store.appeal(request.id) {
                let same = stored.appeal.entry == request.entry && stored.appeal.filedBy == request.by
                    && stored.appeal.statement == statement && stored.appeal.evidence == request.evidence && stored.appeal.disputes == request.disputes
                guard same else { throw CivicError(.conflict, "appeal '\(request.id)' already exists with different content") }
                return (ChangeSet(), (.unchanged, stored.appeal))
            }
            guard disputed.kind == .deed || disputed.kind == .rating else {
                throw CivicError(.refused, "entry '\(disputed.id)' is a \(disputed.kind.rawValue); appeals dispute deeds and ratings")
            }
            let siblings = try await store.entries(subject: disputed.subject)
            if siblings.contains(where: { $0.kind == .correction && $0.references == disputed.id }) {
                throw CivicError(.refused, "entry '\(disputed.id)' is already corrected; there is nothing left to appeal")
            }
            let appeals = try await store.appeals(subject: disputed.subject)
            if let open = appeals.first(where: { $0.appeal.entry == disputed.id && $0.decision == nil }) {
                throw CivicError(.refused, "entry '\(disputed.id)' already has an undecided appeal '\(open.appeal.id)'")
            }
            let set = try await handbookSet()
            guard let scheme = set.scheme(disputed.scheme)?.scheme ?? set.version(disputed.handbookVersion, of: disputed.handbookJurisdiction)?.scheme(disputed.scheme) else {
                throw CivicError(.corrupted, "entry '\(disputed.id)' names a scheme no handbook defines")
            }
            if let days = scheme.appealDays, today > disputed.recordedOn.adding(days: days) {
                throw CivicError(.refused, "the time to appeal entry '\(disputed.id)' ended on \(disputed.recordedOn.adding(days: days)) (\(days) days after it was recorded)")
            }
            let appeal = Appeal(id: request.id, subject: disputed.subject, scheme: disputed.scheme, entry: disputed.id, disputes: request.disputes,
                                filedBy: request.by, filedOn: today, statement: statement, evidence: request.evidence,
                                decideBy: scheme.appealDecision.lastDay(filedOn: today))
            let head = try await store.ledgerHead()
            var changes = ChangeSet(expectedLedgerHead: head)
            changes.appeals = [appeal]
            changes.entries = [Entry(
                id: appeal.ledgerEntryID, sequence: head + 1, kind: .appeal, subject: disputed.subject, scheme: disputed.scheme,
                handbookJurisdiction: disputed.handbookJurisdiction, handbookVersion: disputed.handbookVersion, rule: disputed.rule,
                effectiveOn: appeal.suspendsFrom, references: disputed.id, recordedOn: today, recordedBy: request.by,
                note: "appeal \(appeal.id) against \(disputed.id); to be decided by \(appeal.decideBy)")]
            var outbox = try await Outbox.load(store: store, jurisdictions: try await store.jurisdictions())
            outbox.post(Notice(
                id: Notice.ID("n:appeal:\(appeal.id.rawValue)"), subject: appeal.subject, scheme: appeal.scheme, kind: .appealFiled, tone: .neutral,
                createdOn: today, entry: disputed.id, appeal: appeal.id, rule: disputed.rule, evidence: appeal.evidence,
                summary: "appeal \(appeal.id) against entry \(disputed.id) received on \(today); it must be decided by \(appeal.decideBy), "
                    + "and if it is not, the entry stops counting from \(appeal.suspendsFrom) until it is"),
                        jurisdiction: subject.jurisdiction, into: &changes)
            return (changes, (.recorded, appeal))
        }
    }

    /// The subject's own actor, a member of the household for a household's entry, or an administrator.
    func requireAppellant(_ filer: Actor, for subject: Subject) async throws {
        if filer.roles.contains(.administrator) { return }
        guard let own = filer.subject else {
            throw CivicError(.refused, "actor '\(filer.id)' may not appeal for '\(subject.id)': only the subject, their household or an administrator may")
        }
        if own == subject.id { return }
        if subject.kind == .household, let person = try await store.subject(own), person.household == subject.id { return }
        throw CivicError(.refused, "actor '\(filer.id)' may not appeal for '\(subject.id)': only the subject, their household or an administrator may")
    }

    /// Decides an appeal. The reviewer took no part in the disputed entry and is not the subject or their
    /// household. Upheld: a correction cancels the entry. Either way the suspension ends today, and the
    /// subject gets a notice with the reasons.
    public func decideAppeal(_ id: Appeal.ID, outcome: AppealDecision.Outcome, reason: String, by reviewerID: Actor.ID) async throws -> (WriteResult, AppealRecord) {
        try await commitPlanned {
            let today = clock.today()
            guard let record = try await store.appeal(id) else { throw CivicError(.notFound, "no appeal '\(id)'") }
            let reason = reason.trimmingWhitespace()
            if let decided = record.decision {
                guard decided.outcome == outcome, decided.reviewer == reviewerID, decided.reason == reason else {
                    throw CivicError(.conflict, "appeal '\(id)' was already decided (\(decided.outcome.rawValue) by \(decided.reviewer) on \(decided.decidedOn))")
                }
                return (ChangeSet(), (.unchanged, record))
            }
            guard !reason.isEmpty, reason.count <= Limits.statementLengthMax else {
                throw CivicError(.invalidInput, "an appeal decision needs reasons (1 to \(Limits.statementLengthMax) characters)")
            }
            try Text.check(reason, field: "reason", lineBreaks: true)
            let reviewer = try await requireActor(reviewerID)
            guard reviewer.roles.contains(.reviewer) || reviewer.roles.contains(.administrator) else {
                throw CivicError(.refused, "actor '\(reviewerID)' may not decide appeals (needs reviewer or administrator)")
            }
            let appeal = record.appeal
            let subject = try await requireSubject(appeal.subject)
            let own = try await reviewer.subject.asyncMap { try await store.subject($0) } ?? nil
            if let conflict = Recusal.conflict(actor: reviewer, actorSubject: own, subject: subject) { throw CivicError(.refused, "recusal: \(conflict)") }
            if let filer = try await store.actor(appeal.filedBy), Recusal.person(filer) == Recusal.person(reviewer) {
                throw CivicError(.refused, "recusal: '\(reviewerID)' filed appeal '\(id)'")
            }
            guard let disputed = try await store.entry(appeal.entry) else { throw CivicError(.corrupted, "appeal '\(id)' names a missing entry") }
            if let reportID = disputed.report, let original = try await store.report(reportID) {
                for decision in original.decisions {
                    guard let earlier = try await store.actor(decision.reviewer), Recusal.person(earlier) == Recusal.person(reviewer) else { continue }
                    throw CivicError(.refused, "recusal: '\(reviewerID)' decided report '\(reportID)' behind the disputed entry; another reviewer decides the appeal")
                }
            }
            let decision = AppealDecision(appeal: id, reviewer: reviewerID, outcome: outcome, reason: reason, decidedOn: today)
            let head = try await store.ledgerHead()
            var entries = [Entry(
                id: decision.ledgerEntryID, sequence: head + 1, kind: .appealDecided, subject: appeal.subject, scheme: appeal.scheme,
                handbookJurisdiction: disputed.handbookJurisdiction, handbookVersion: disputed.handbookVersion, rule: disputed.rule,
                effectiveOn: today, references: appeal.ledgerEntryID, recordedOn: today, recordedBy: reviewerID,
                note: "appeal \(id) \(outcome.rawValue): \(reason)")]
            let siblings = try await store.entries(subject: appeal.subject)
            if outcome == .upheld, !siblings.contains(where: { $0.kind == .correction && $0.references == disputed.id }) {
                entries.append(Entry(
                    id: decision.correctionEntryID, sequence: head + 2, kind: .correction, subject: disputed.subject, scheme: disputed.scheme,
                    handbookJurisdiction: disputed.handbookJurisdiction, handbookVersion: disputed.handbookVersion, rule: disputed.rule,
                    category: disputed.category, points: -disputed.points, dimension: disputed.dimension,
                    effectiveOn: max(today, disputed.effectiveOn), expiresOn: disputed.expiresOn, references: disputed.id,
                    recordedOn: today, recordedBy: reviewerID, note: "appeal \(id) upheld: \(reason)"))
            }
            var changes = try await restanding(subjects: [appeal.subject], adding: entries, head: head, asOf: today)
            changes.appealDecisions = [decision]
            let late = today > appeal.decideBy
            var words = "appeal \(id) against entry \(disputed.id) \(outcome.rawValue) on \(today) by \(reviewerID): \(reason)"
            if outcome == .dismissed { words += late ? "; the entry was suspended from \(appeal.suspendsFrom) and counts again from today" : "; the entry stands" }
            else { words += "; the entry is corrected and no longer counts" }
            var outbox = try await Outbox.load(store: store, jurisdictions: try await store.jurisdictions())
            outbox.post(Notice(
                id: Notice.ID("n:appeal-decided:\(id.rawValue)"), subject: appeal.subject, scheme: appeal.scheme, kind: .appealDecided,
                tone: outcome == .upheld ? .favourable : .adverse, createdOn: today, entry: disputed.id, appeal: id, rule: disputed.rule,
                summary: words), jurisdiction: subject.jurisdiction, into: &changes)
            return (changes, (.recorded, AppealRecord(appeal: appeal, decision: decision)))
        }
    }

    /// A subject's appeals with their status.
    public func appeals(of subject: Subject.ID) async throws -> [AppealRecord] {
        _ = try await requireSubject(subject)
        return try await store.appeals(subject: subject)
    }

    /// Appeals waiting for a decision, the nearest deadline first.
    public func undecidedAppeals(after cursor: Appeal.ID? = nil, limit: Int = 100) async throws -> [AppealRecord] {
        try await store.undecidedAppeals(after: cursor, limit: min(max(limit, 0), Limits.pageSizeMax))
    }
}
