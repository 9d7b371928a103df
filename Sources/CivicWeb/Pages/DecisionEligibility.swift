import CivicAccess
import CivicCore

/// Who may decide a report or an appeal, and why the others may not, by the engine's own rules (recusal of
/// the reporter and of the subject's household, four eyes counting people rather than actor ids, and for an
/// appeal the reviewers of the report behind it), so a page shows the decision form only to someone the
/// engine will accept and says to everyone else why not, before they type a reason.
struct DecisionEligibility {
    /// One committee member and the catalog text saying why they may not decide (nil: they may).
    struct Verdict {
        var actor: Actor
        var bar: String?
    }

    let page: Page
    let actors: [Actor.ID: Actor]
    var subjects: [Subject.ID: Subject] = [:]

    init(page: Page) async throws {
        self.page = page
        self.actors = Dictionary(try await page.store.actors().map { ($0.id, $0) }, uniquingKeysWith: { a, _ in a })
    }

    mutating func subject(_ id: Subject.ID?) async throws -> Subject? {
        guard let id else { return nil }
        if let known = subjects[id] { return known }
        let found = try await page.store.subject(id)
        subjects[id] = found
        return found
    }

    func person(_ id: Actor.ID) -> String { actors[id].map(Recusal.person) ?? "actor:\(id.rawValue)" }

    /// Why `actor` may not decide `record` now, or nil.
    mutating func reportBar(_ actor: Actor, _ record: ReportRecord, rule: Rule?) async throws -> String? {
        guard actor.roles.contains(.reviewer) else { return page.text("committee.barNotReviewer") }
        let me = Recusal.person(actor)
        if actor.id == record.report.reporter || person(record.report.reporter) == me { return page.text("committee.recusedOwnReport") }
        if let subject = try await self.subject(record.report.subject),
           Recusal.conflict(actor: actor, actorSubject: try await self.subject(actor.subject), subject: subject) != nil {
            return page.text("committee.recusedHousehold")
        }
        if record.decisions.contains(where: { person($0.reviewer) == me }) {
            let required = rule?.approvalsRequired ?? 1
            return required > 1 ? page.text("committee.barFirstApprover", ["required": String(required)]) : page.text("committee.alreadyDecided")
        }
        return nil
    }

    /// Every reviewer with their verdict on `record`, those who may decide first.
    mutating func reportVerdicts(_ record: ReportRecord, rule: Rule?) async throws -> [Verdict] {
        var verdicts: [Verdict] = []
        for actor in actors.values.filter({ $0.roles.contains(.reviewer) }).sorted(by: { $0.id < $1.id }) {
            verdicts.append(Verdict(actor: actor, bar: try await reportBar(actor, record, rule: rule)))
        }
        return verdicts.sorted { ($0.bar == nil ? 0 : 1, $0.actor.id) < ($1.bar == nil ? 0 : 1, $1.actor.id) }
    }

    /// Why `actor` may not decide `appeal`, or nil.
    mutating func appealBar(_ actor: Actor, _ record: AppealRecord, original: ReportRecord?) async throws -> String? {
        guard actor.roles.contains(.reviewer) || actor.roles.contains(.administrator) else { return page.text("committee.barNotReviewer") }
        let me = Recusal.person(actor)
        if let subject = try await self.subject(record.appeal.subject),
           Recusal.conflict(actor: actor, actorSubject: try await self.subject(actor.subject), subject: subject) != nil {
            return page.text("committee.recusedHousehold")
        }
        if person(record.appeal.filedBy) == me { return page.text("committee.recusedOwnAppeal") }
        if let original, original.decisions.contains(where: { person($0.reviewer) == me }) { return page.text("committee.recusedDecidedReport") }
        return nil
    }

    /// Every reviewer with their verdict on an appeal, those who may decide first.
    mutating func appealVerdicts(_ record: AppealRecord, original: ReportRecord?) async throws -> [Verdict] {
        var verdicts: [Verdict] = []
        for actor in actors.values.filter({ $0.roles.contains(.reviewer) }).sorted(by: { $0.id < $1.id }) {
            verdicts.append(Verdict(actor: actor, bar: try await appealBar(actor, record, original: original)))
        }
        return verdicts.sorted { ($0.bar == nil ? 0 : 1, $0.actor.id) < ($1.bar == nil ? 0 : 1, $1.actor.id) }
    }

    /// Why a pending report is not decided yet, for the cycle close's "carried over": waiting for a first
    /// review, for a second reviewer under four eyes, or stuck because no reviewer may decide it.
    mutating func pendingReason(_ record: ReportRecord, rule: Rule?) async throws -> String {
        let required = rule?.approvalsRequired ?? 1
        let approvers = Set(record.decisions.filter { $0.outcome.isApproval }.map { person($0.reviewer) })
        let verdicts = try await reportVerdicts(record, rule: rule)
        if !verdicts.contains(where: { $0.bar == nil }) { return page.text("committee.carriedNoReviewer") }
        if approvers.isEmpty { return page.text("committee.carriedFirstReview") }
        return page.text("committee.carriedFourEyes", ["approvals": String(approvers.count), "required": String(required)])
    }
}
