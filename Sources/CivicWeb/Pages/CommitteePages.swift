import CivicAPI
import CivicAccess
import CivicCore
import Foundation
import HTTPTypes
import Hummingbird

/// The review committee's pages: the cycle's queue of pending reports, deciding a report beside its
/// evidence, deciding appeals, and the cycle close (which the policy leaves to administrators).
extension WebServices {
    func registerCommittee(on router: Router<APIRequestContext>) {
        get(router, "/committee") { page in try await self.reviewQueue(page) }
        get(router, "/committee/reports/:id") { page in
            let record = try await self.visibleReport(page, id: page.context.parameters.get("id") ?? "", operation: .getReport)
            return try await self.reviewPage(page, record, values: [:], errors: [:], status: .ok)
        }
        post(router, "/committee/reports/:id/decision") { page in try await self.decideReport(page) }
        get(router, "/committee/evidence/:digest") { page in try await self.evidence(page) }
        get(router, "/committee/appeals") { page in try await self.appealQueue(page) }
        get(router, "/committee/appeals/:id") { page in
            _ = try page.admit(.getAppeal)
            let record = try await self.visibleAppeal(page)
            return try await self.appealPage(page, record, values: [:], errors: [:], status: .ok)
        }
        post(router, "/committee/appeals/:id/decision") { page in try await self.decideAppeal(page) }
        get(router, "/committee/cycle") { page in try await self.cyclePage(page, values: [:], errors: [:], status: .ok) }
        get(router, "/committee/cycle/preview") { page in try await self.previewCycle(page) }
        post(router, "/committee/cycle") { page in try await self.closeCycle(page) }
    }

    // MARK: Queue

    func reviewQueue(_ page: Page) async throws -> Response {
        _ = try page.admit(.listReports)
        let pending = try await page.store.reports(statuses: [.pending], throughCycle: Month(year: 2999, month: 12)!)
        let month = page.query("month").flatMap { $0.isEmpty ? nil : $0 }
        let jurisdiction = page.query("jurisdiction").flatMap { $0.isEmpty ? nil : $0 }
        let months = Set(pending.map(\.report.cycle)).sorted().map(\.description)
        let jurisdictions = try await page.store.jurisdictions().sorted { $0.id < $1.id }
        let shown = pending.filter { record in
            (month == nil || record.report.cycle.description == month) && (jurisdiction == nil || record.report.handbookJurisdiction.rawValue == jurisdiction)
        }.sorted { ($0.report.cycle, $0.report.id) < ($1.report.cycle, $1.report.id) }
        let key = { (record: ReportRecord) in "\(record.report.cycle.description)|\(record.report.id.rawValue)" }
        let start = page.query("after").map { cursor in shown.firstIndex { key($0) > cursor } ?? shown.count } ?? 0
        let slice = Array(shown[start...].prefix(configuration.rowsPerPage))
        let handbooks = try await page.engine.handbooks()
        let subjects = Dictionary(try await page.store.subjects(slice.map(\.report.subject)).map { ($0.id, $0) }, uniquingKeysWith: { a, _ in a })
        var actors: [Actor.ID: String] = [:]
        for actor in try await page.store.actors() { actors[actor.id] = actor.name }
        let rows: [[String: Any]] = slice.map { record in
            let report = record.report
            let rule = handbooks.version(report.handbookVersion, of: report.handbookJurisdiction)?.scheme(report.scheme)?.rule(report.rule)
            return ["id": report.id.rawValue, "href": "/committee/reports/" + Page.escapeQuery(report.id.rawValue), "cycle": report.cycle.description,
                    "subject": subjects[report.subject]?.name ?? report.subject.rawValue, "subjectID": report.subject.rawValue,
                    "rule": rule.map { page.text($0.title) } ?? report.rule.rawValue,
                    "points": rule?.points?.signedDescription ?? page.text("committee.stars", ["stars": report.stars.map(String.init) ?? "?"]),
                    "negative": rule?.points?.isNegative ?? false, "reporter": actors[report.reporter] ?? report.reporter.rawValue,
                    "decisions": record.decisions.count]
        }
        var filters: [String] = []
        if let month { filters.append("month=" + Page.escapeQuery(month)) }
        if let jurisdiction { filters.append("jurisdiction=" + Page.escapeQuery(jurisdiction)) }
        var model: [String: Any] = [
            "reports": rows, "empty": rows.isEmpty, "total": shown.count,
            "months": months.map { value -> [String: Any] in ["value": value, "selected": value == month] },
            "jurisdictions": jurisdictions.map { item -> [String: Any] in ["value": item.id.rawValue, "label": page.text(item.name), "selected": item.id.rawValue == jurisdiction] },
        ]
        if start + slice.count < shown.count, let last = slice.last {
            model["next"] = "/committee?" + (filters + ["after=" + Page.escapeQuery(key(last))]).joined(separator: "&")
        }
        return page.render("committee/queue", title: page.text("committee.queueTitle"), model: model)
    }

    // MARK: Deciding a report

    /// Why the signed-in reviewer may not decide this report, if they may not, by the engine's rules.
    func recusal(_ page: Page, _ record: ReportRecord, _ eligibility: inout DecisionEligibility, rule: Rule?) async throws -> String? {
        guard let actorID = try page.account.actor, let actor = eligibility.actors[actorID] else { return page.text("committee.noActor") }
        return try await eligibility.reportBar(actor, record, rule: rule)
    }

    /// The names of those who may decide, or the catalog's "nobody may" when none may.
    static func deciders(_ page: Page, _ verdicts: [DecisionEligibility.Verdict]) -> [String: Any] {
        let names = verdicts.filter { $0.bar == nil }.map(\.actor.name)
        return ["names": names.joined(separator: page.text("common.listSeparator")), "nobody": names.isEmpty]
    }

    func reviewPage(_ page: Page, _ record: ReportRecord, values: [String: String], errors: [String: String],
                    status: HTTPResponse.Status) async throws -> Response {
        _ = try page.admit(.getReport)
        var model = try await reportModel(page, record, evidencePath: "/committee/evidence/")
        let entries = try await page.store.entries(subject: record.report.subject).sorted { $0.sequence > $1.sequence }.prefix(10)
        let handbooks = try await page.engine.handbooks()
        model["record"] = entries.map { entry -> [String: Any] in
            ["date": entry.effectiveOn.description, "rule": page.ruleTitle(of: entry, in: handbooks) ?? entry.kind.rawValue, "points": entry.points.signedDescription,
             "negative": entry.points.isNegative, "note": entry.note]
        }
        model["hasRecord"] = !entries.isEmpty
        model["standings"] = try await page.store.standings(subject: record.report.subject).map {
            ["scheme": $0.scheme.rawValue, "score": $0.score.description, "grade": $0.grade?.rawValue ?? "–"]
        }
        let mayDecide = (try? page.admit(.decideReport)) != nil
        let rule = handbooks.version(record.report.handbookVersion, of: record.report.handbookJurisdiction)?
            .scheme(record.report.scheme)?.rule(record.report.rule)
        var eligibility = try await DecisionEligibility(page: page)
        let recused = mayDecide && record.status == .pending ? try await recusal(page, record, &eligibility, rule: rule) : nil
        if record.status == .pending {
            model["deciders"] = Self.deciders(page, try await eligibility.reportVerdicts(record, rule: rule))
            if let rule, rule.approvalsRequired > 1 {
                let approvals = Set(record.decisions.filter { $0.outcome.isApproval }.map { eligibility.person($0.reviewer) }).count
                model["fourEyes"] = page.text("committee.fourEyesStatus", ["approvals": String(approvals), "required": String(rule.approvalsRequired)])
            }
        }
        model["recused"] = recused.map { $0 as Any } ?? false
        // The form is shown only to someone the engine will accept; everyone else reads why not.
        model["canDecide"] = mayDecide && record.status == .pending && recused == nil
        model["decisionID"] = values["id"] ?? page.newReference(.decision)
        let outcome = values["outcome"] ?? ""
        model["approve"] = outcome == "approve"
        model["adjust"] = outcome == "adjust"
        model["reject"] = outcome == "reject"
        model["adjustPoints"] = values["points"] ?? ""
        model["reasonValue"] = values["reason"] ?? ""
        model["errors"] = errors
        model["general"] = errors["general"] as Any
        model["action"] = "/committee/reports/\(Page.escapeQuery(record.report.id.rawValue))/decision"
        return page.render("committee/report", title: page.text("committee.reportTitle", ["id": record.report.id.rawValue]), model: model, status: status)
    }

    func decideReport(_ page: Page) async throws -> Response {
        _ = try page.admit(.decideReport)
        let record = try await visibleReport(page, id: page.context.parameters.get("id") ?? "", operation: .decideReport)
        let form = try await page.form()
        var values: [String: String] = [:]
        for name in ["id", "outcome", "points", "reason"] { values[name] = form[name] ?? "" }
        var errors: [String: String] = [:]
        if !Decision.ID.isValid(values["id"] ?? "") { values["id"] = page.newReference(.decision) }
        var outcome: Decision.Outcome?
        switch values["outcome"] {
        case "approve": outcome = .approve
        case "reject": outcome = .reject
        case "adjust":
            if let points = Points(parsing: values["points"] ?? "") { outcome = .adjust(points) } else { errors["points"] = page.text("committee.errorPoints") }
        default: errors["outcome"] = page.text("committee.errorOutcome")
        }
        if values["outcome"] != "adjust", !(values["points"] ?? "").isEmpty { errors["points"] = page.text("committee.errorPointsOnlyAdjust") }
        let reason = values["reason"] ?? ""
        if reason.isEmpty { errors["reason"] = page.text("committee.errorReason") }
        if reason.count > 2000 { errors["reason"] = page.text("committee.errorReasonLong") }
        guard errors.isEmpty, let outcome, let id = values["id"] else {
            return try await reviewPage(page, record, values: values, errors: errors, status: .unprocessableContent)
        }
        guard let actor = try page.account.actor else {
            return try await reviewPage(page, record, values: values, errors: ["general": page.text("committee.noActor")], status: .forbidden)
        }
        let decision = Decision(id: Decision.ID(id), report: record.report.id, reviewer: actor, outcome: outcome, reason: reason, decidedOn: page.today)
        do {
            _ = try await page.engine.decide(decision)
        } catch let error as CivicError where error.code != .storage && error.code != .corrupted {
            // The engine's words are English: say why in the page's language (the bar, when it is one).
            let fresh = try await page.store.report(record.report.id) ?? record
            let handbooks = try await page.engine.handbooks()
            let rule = handbooks.version(fresh.report.handbookVersion, of: fresh.report.handbookJurisdiction)?.scheme(fresh.report.scheme)?.rule(fresh.report.rule)
            var eligibility = try await DecisionEligibility(page: page)
            let bar = fresh.status == .pending ? try await recusal(page, fresh, &eligibility, rule: rule) : page.text("committee.notPending")
            return try await reviewPage(page, fresh, values: values, errors: ["general": bar ?? page.text("committee.decisionRefused")],
                                        status: Self.status(of: error))
        }
        return page.redirect("/committee/reports/" + Page.escapeQuery(record.report.id.rawValue), done: "committee.decided")
    }

    // MARK: Appeals

    func appealQueue(_ page: Page) async throws -> Response {
        _ = try page.admit(.listAppeals)
        let after = page.query("after").flatMap { Appeal.ID.isValid($0) ? Appeal.ID($0) : nil }
        let appeals = try await page.engine.undecidedAppeals(after: after, limit: configuration.rowsPerPage + 1)
        let slice = Array(appeals.prefix(configuration.rowsPerPage))
        let subjects = Dictionary(try await page.store.subjects(slice.map(\.appeal.subject)).map { ($0.id, $0) }, uniquingKeysWith: { a, _ in a })
        let rows: [[String: Any]] = slice.map { record in
            let overdue = record.status(on: page.today) == .overdue
            return ["id": record.appeal.id.rawValue, "href": "/committee/appeals/" + Page.escapeQuery(record.appeal.id.rawValue),
                    "subject": subjects[record.appeal.subject]?.name ?? record.appeal.subject.rawValue, "entry": record.appeal.entry.rawValue,
                    "filedOn": record.appeal.filedOn.description, "decideBy": record.appeal.decideBy.description, "overdue": overdue,
                    "daysLeft": page.today.days(until: record.appeal.decideBy)]
        }
        var model: [String: Any] = ["appeals": rows, "empty": rows.isEmpty]
        if appeals.count > slice.count, let last = slice.last { model["next"] = "/committee/appeals?after=" + Page.escapeQuery(last.appeal.id.rawValue) }
        return page.render("committee/appeals", title: page.text("committee.appealsTitle"), model: model)
    }

    func visibleAppeal(_ page: Page) async throws -> AppealRecord {
        let id = page.context.parameters.get("id") ?? ""
        let visibility = try page.visibility(.getAppeal)
        guard Appeal.ID.isValid(id), let record = try await page.store.appeal(Appeal.ID(id)),
              let subject = try await page.store.subject(record.appeal.subject), try await visibility.canSee(subject) else { throw PageError.notFound }
        return record
    }

    func appealPage(_ page: Page, _ record: AppealRecord, values: [String: String], errors: [String: String],
                    status: HTTPResponse.Status) async throws -> Response {
        let appeal = record.appeal
        let subject = try await page.store.subject(appeal.subject)
        let entry = try await page.store.entry(appeal.entry)
        let filer = try await page.store.actor(appeal.filedBy)
        let state = record.status(on: page.today)
        var model: [String: Any] = [
            "id": appeal.id.rawValue, "subject": subject?.name ?? appeal.subject.rawValue, "subjectID": appeal.subject.rawValue,
            "entry": appeal.entry.rawValue, "entryPoints": entry?.points.signedDescription as Any, "entryRule": entry?.rule?.rawValue as Any,
            "entryNote": entry?.note as Any, "entryDate": entry?.effectiveOn.description as Any,
            "disputes": page.text(Self.key("committee", "disputes", appeal.disputes.rawValue)), "filedBy": filer?.name ?? appeal.filedBy.rawValue,
            "filedOn": appeal.filedOn.description, "decideBy": appeal.decideBy.description, "statement": appeal.statement,
            "overdue": state == .overdue, "state": page.text(Self.key("committee", "appeal", state.rawValue)),
            "evidence": appeal.evidence.map { item -> [String: Any] in
                let digest = item.reference.hasPrefix("sha256:") ? String(item.reference.dropFirst(7)) : nil
                return ["reference": item.reference, "src": digest.map { "/committee/evidence/" + $0 } as Any, "isImage": digest != nil && item.kind == .photo]
            },
            "errors": errors, "general": errors["general"] as Any, "reasonValue": values["reason"] ?? "",
            "upheld": values["outcome"] == "upheld", "dismissed": values["outcome"] == "dismissed",
            "action": "/committee/appeals/\(Page.escapeQuery(appeal.id.rawValue))/decision",
        ]
        if let decision = record.decision {
            let reviewer = try await page.store.actor(decision.reviewer)
            model["decision"] = ["outcome": page.text(Self.key("committee", "appeal", decision.outcome.rawValue)), "reason": decision.reason,
                                 "reviewer": reviewer?.name ?? decision.reviewer.rawValue, "decidedOn": decision.decidedOn.description]
        }
        let mayDecide = record.decision == nil && (try? page.admit(.decideAppeal)) != nil
        var bar: String?
        if record.decision == nil {
            var eligibility = try await DecisionEligibility(page: page)
            var original: ReportRecord?
            if let reportID = entry?.report { original = try await page.store.report(reportID) }
            model["deciders"] = Self.deciders(page, try await eligibility.appealVerdicts(record, original: original))
            if mayDecide {
                if let actorID = try page.account.actor, let actor = eligibility.actors[actorID] {
                    bar = try await eligibility.appealBar(actor, record, original: original)
                } else {
                    bar = page.text("committee.noActor")
                }
            }
        }
        model["recused"] = bar.map { $0 as Any } ?? false
        model["canDecide"] = mayDecide && bar == nil
        return page.render("committee/appeal", title: page.text("committee.appealTitle", ["id": appeal.id.rawValue]), model: model, status: status)
    }

    func decideAppeal(_ page: Page) async throws -> Response {
        _ = try page.admit(.decideAppeal)
        let record = try await visibleAppeal(page)
        let form = try await page.form()
        var values: [String: String] = [:]
        for name in ["outcome", "reason"] { values[name] = form[name] ?? "" }
        var errors: [String: String] = [:]
        let outcome = AppealDecision.Outcome(rawValue: values["outcome"] ?? "")
        if outcome == nil { errors["outcome"] = page.text("committee.errorOutcome") }
        let reason = values["reason"] ?? ""
        if reason.isEmpty { errors["reason"] = page.text("committee.errorReason") }
        if reason.count > 2000 { errors["reason"] = page.text("committee.errorReasonLong") }
        guard errors.isEmpty, let outcome else {
            return try await appealPage(page, record, values: values, errors: errors, status: .unprocessableContent)
        }
        guard let actor = try page.account.actor else {
            return try await appealPage(page, record, values: values, errors: ["general": page.text("committee.noActor")], status: .forbidden)
        }
        do {
            _ = try await page.engine.decideAppeal(record.appeal.id, outcome: outcome, reason: reason, by: actor)
        } catch let error as CivicError where error.code != .storage && error.code != .corrupted {
            let fresh = try await page.store.appeal(record.appeal.id) ?? record
            let text = fresh.decision != nil ? page.text("committee.appealAlreadyDecided") : page.text("committee.decisionRefused")
            return try await appealPage(page, fresh, values: values, errors: ["general": text], status: Self.status(of: error))
        }
        return page.redirect("/committee/appeals/" + Page.escapeQuery(record.appeal.id.rawValue), done: "committee.appealDecided")
    }
}
