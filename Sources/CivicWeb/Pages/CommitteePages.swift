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

    /// Why the signed-in reviewer may not decide this report, if they may not.
    func recusal(_ page: Page, _ record: ReportRecord) async throws -> String? {
        guard let actorID = try page.account.actor, let actor = try await page.store.actor(actorID) else {
            return page.text("committee.noActor")
        }
        if record.report.reporter == actorID { return page.text("committee.recusedOwnReport") }
        if record.decisions.contains(where: { $0.reviewer == actorID }) { return page.text("committee.alreadyDecided") }
        guard let subject = try await page.store.subject(record.report.subject) else { return nil }
        var own: Subject?
        if let id = actor.subject { own = try await page.store.subject(id) }
        return Recusal.conflict(actor: actor, actorSubject: own, subject: subject) == nil ? nil : page.text("committee.recusedHousehold")
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
        let recused = mayDecide ? try await recusal(page, record) : nil
        model["recused"] = recused as Any
        model["canDecide"] = mayDecide && record.status == .pending
        model["disabled"] = recused != nil
        model["decisionID"] = values["id"] ?? "d-" + TokenSecret.random(16).lowercased()
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
        if !Decision.ID.isValid(values["id"] ?? "") { values["id"] = "d-" + TokenSecret.random(16).lowercased() }
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
            let fresh = try await page.store.report(record.report.id) ?? record
            return try await reviewPage(page, fresh, values: values, errors: ["general": error.message], status: Self.status(of: error))
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
        model["canDecide"] = record.decision == nil && (try? page.admit(.decideAppeal)) != nil
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
            return try await appealPage(page, record, values: values, errors: ["general": error.message], status: Self.status(of: error))
        }
        return page.redirect("/committee/appeals/" + Page.escapeQuery(record.appeal.id.rawValue), done: "committee.appealDecided")
    }

    // MARK: Cycle close

    func cyclePage(_ page: Page, values: [String: String], errors: [String: String], status: HTTPResponse.Status) async throws -> Response {
        _ = try page.admit(.listCycles)
        let mayClose = (try? page.admit(.closeCycle)) != nil
        let jurisdictions = try await page.store.jurisdictions().sorted { $0.id < $1.id }
        let handbooks = try await page.engine.handbooks()
        let names = Dictionary(jurisdictions.map { ($0.id, page.text($0.name)) }, uniquingKeysWith: { a, _ in a })
        var actors: [Actor.ID: String] = [:]
        for actor in try await page.store.actors() { actors[actor.id] = actor.name }
        let cycles = try await page.store.cycles().sorted { ($0.month, $0.jurisdiction) > ($1.month, $1.jurisdiction) }
        let defaultMonth = page.today.month.previous.description
        let chosen = values["jurisdiction"] ?? jurisdictions.first { handbooks.current(for: $0.id) != nil }?.id.rawValue ?? ""
        var model: [String: Any] = [
            "mayClose": mayClose,
            "cycles": cycles.prefix(configuration.rowsPerPage).map {
                ["jurisdiction": names[$0.jurisdiction] ?? $0.jurisdiction.rawValue, "month": $0.month.description,
                 "closedOn": $0.closedOn.description, "closedBy": actors[$0.closedBy] ?? $0.closedBy.rawValue]
            },
            "hasCycles": !cycles.isEmpty,
            "jurisdictions": jurisdictions.map { item -> [String: Any] in ["value": item.id.rawValue, "label": page.text(item.name), "selected": item.id.rawValue == chosen] },
            "month": values["month"] ?? defaultMonth, "errors": errors, "general": errors["general"] as Any,
        ]
        if let last = cycles.first {
            model["last"] = ["jurisdiction": names[last.jurisdiction] ?? last.jurisdiction.rawValue, "month": last.month.description,
                             "closedOn": last.closedOn.description, "closedBy": actors[last.closedBy] ?? last.closedBy.rawValue]
        }
        // The figures of a close just made, carried by the redirect after the form.
        if let closed = page.query("closed") {
            let fields = ["entered", "capped", "cured", "awaitingGrace", "carriedOver", "gradeFalls", "gradeRises", "standings"]
            var summary: [[String: Any]] = []
            for field in fields { if let value = page.query(field).flatMap(Int.init) { summary.append(["label": page.text(Self.key("committee", "summary", field)), "value": value]) } }
            model["summary"] = summary
            model["closed"] = closed
            model["unchanged"] = page.query("unchanged") == "1"
        }
        return page.render("committee/cycle", title: page.text("committee.cycleTitle"), model: model, status: status)
    }

    func closeCycle(_ page: Page) async throws -> Response {
        _ = try page.admit(.closeCycle)
        let form = try await page.form()
        var values: [String: String] = [:]
        for name in ["jurisdiction", "month"] { values[name] = form[name] ?? "" }
        var errors: [String: String] = [:]
        let jurisdictionText = values["jurisdiction"] ?? ""
        let known = try await page.store.jurisdictions().contains { $0.id.rawValue == jurisdictionText }
        if !Jurisdiction.ID.isValid(jurisdictionText) || !known {
            errors["jurisdiction"] = page.text("committee.errorJurisdiction")
        }
        let month = Month(iso: values["month"] ?? "")
        if month == nil || !(1900...2999).contains(month?.year ?? 0) { errors["month"] = page.text("committee.errorMonth") }
        guard errors.isEmpty, let month else { return try await cyclePage(page, values: values, errors: errors, status: .unprocessableContent) }
        guard let actor = try page.account.actor else {
            return try await cyclePage(page, values: values, errors: ["general": page.text("committee.noActor")], status: .forbidden)
        }
        let summary: CycleSummary
        do {
            summary = try await page.engine.closeCycle(Jurisdiction.ID(jurisdictionText), month: month, by: actor)
            try await page.web.api.signCheckpointIfMoved()
        } catch let error as CivicError where error.code != .storage && error.code != .corrupted {
            return try await cyclePage(page, values: values, errors: ["general": error.message], status: Self.status(of: error))
        }
        let figures = [("entered", summary.entered), ("capped", summary.capped), ("cured", summary.cured), ("awaitingGrace", summary.awaitingGrace),
                       ("carriedOver", summary.carriedOver), ("gradeFalls", summary.gradeFalls), ("gradeRises", summary.gradeRises),
                       ("standings", summary.standingsComputed)]
        var query = "closed=" + Page.escapeQuery("\(jurisdictionText) \(month.description)")
        for (name, value) in figures { query += "&\(name)=\(value)" }
        if summary.result != .recorded { query += "&unchanged=1" }
        return page.redirect("/committee/cycle?" + query, done: "committee.cycleClosed")
    }
}
