import CivicAPI
import CivicAccess
import CivicCore
import Foundation
import HTTPTypes
import Hummingbird

/// The cycle close, in the administrator's menu: the month defaults to the next one the jurisdiction may
/// close; a preview (a dry run of the engine's own close) shows what will be entered, capped and carried
/// over (and why) and who gets which notice; the close itself needs a confirmation, and a second one for
/// a month that has not ended. Reviewers read the page; the policy leaves closing to administrators.
extension WebServices {
    /// The earliest month after the jurisdiction's last close (or last month, if it never closed) that is
    /// not closed and has begun; nil if every month up to this one is closed.
    /// A month closed for a jurisdiction above (a city's close covers its villages) counts as closed.
    static func nextClosableMonth(_ jurisdiction: Jurisdiction.ID, lineage: [Jurisdiction.ID], cycles: [Cycle], today: Day) -> Month? {
        let closed = Set(cycles.filter { $0.jurisdiction == jurisdiction || lineage.contains($0.jurisdiction) }.map(\.month))
        var month = closed.max()?.next ?? today.month.previous
        while closed.contains(month) { month = month.next }
        return month <= today.month ? month : nil
    }

    struct CycleInput {
        var jurisdiction: Jurisdiction.ID
        var month: Month
    }

    /// The jurisdiction and month of a preview or close, or the errors to show beside the fields.
    func cycleInput(_ page: Page, _ values: [String: String]) async throws -> (CycleInput?, [String: String]) {
        var errors: [String: String] = [:]
        let text = values["jurisdiction"] ?? ""
        let known = try await page.store.jurisdictions().contains { $0.id.rawValue == text }
        if !Jurisdiction.ID.isValid(text) || !known { errors["jurisdiction"] = page.text("committee.errorJurisdiction") }
        let month = Month(iso: values["month"] ?? "")
        if month == nil || !(1900...2999).contains(month?.year ?? 0) {
            errors["month"] = page.text("committee.errorMonth")
        } else if let month, month > page.today.month {
            errors["month"] = page.text("committee.errorMonthNotBegun", ["month": month.description, "today": page.today.description])
        }
        guard errors.isEmpty, let month else { return (nil, errors) }
        return (CycleInput(jurisdiction: Jurisdiction.ID(text), month: month), errors)
    }

    func cyclePage(_ page: Page, values: [String: String], errors: [String: String], status: HTTPResponse.Status,
                   preview: (input: CycleInput, result: CyclePreview)? = nil) async throws -> Response {
        _ = try page.admit(.listCycles)
        let mayClose = (try? page.admit(.closeCycle)) != nil
        let jurisdictions = try await page.store.jurisdictions().sorted { $0.id < $1.id }
        let handbooks = try await page.engine.handbooks()
        let names = Dictionary(jurisdictions.map { ($0.id, page.text($0.name)) }, uniquingKeysWith: { a, _ in a })
        var actors: [Actor.ID: String] = [:]
        for actor in try await page.store.actors() { actors[actor.id] = actor.name }
        let cycles = try await page.store.cycles().sorted { ($0.month, $0.jurisdiction) > ($1.month, $1.jurisdiction) }
        let chosen = values["jurisdiction"] ?? page.query("jurisdiction").flatMap { id in jurisdictions.contains { $0.id.rawValue == id } ? id : nil }
            ?? jurisdictions.first { handbooks.current(for: $0.id) != nil }?.id.rawValue ?? ""
        let next = Self.nextClosableMonth(Jurisdiction.ID(chosen), lineage: jurisdictions.lineage(of: Jurisdiction.ID(chosen)), cycles: cycles,
                                          today: page.today)
        var model: [String: Any] = [
            "mayClose": mayClose,
            "cycles": cycles.prefix(configuration.rowsPerPage).map {
                ["jurisdiction": names[$0.jurisdiction] ?? $0.jurisdiction.rawValue, "month": $0.month.description,
                 "closedOn": $0.closedOn.description, "closedBy": actors[$0.closedBy] ?? $0.closedBy.rawValue]
            },
            "hasCycles": !cycles.isEmpty,
            "jurisdictions": jurisdictions.map { item -> [String: Any] in ["value": item.id.rawValue, "label": page.text(item.name), "selected": item.id.rawValue == chosen] },
            "month": values["month"] ?? (next ?? page.today.month).description, "errors": errors, "general": errors["general"] as Any,
            "allClosed": next == nil,
            // Each jurisdiction's next month to close, so the right month is one link away without scripts.
            "nextMonths": jurisdictions.filter { handbooks.current(for: $0.id) != nil }.map { item -> [String: Any] in
                let lineage = jurisdictions.lineage(of: item.id)
                let month = Self.nextClosableMonth(item.id, lineage: lineage, cycles: cycles, today: page.today)
                let last = cycles.filter { $0.jurisdiction == item.id || lineage.contains($0.jurisdiction) }.map(\.month).max()
                return ["jurisdiction": page.text(item.name), "last": last?.description ?? page.text("committee.neverClosed"),
                        "next": month?.description ?? page.text("committee.nothingToClose"),
                        "notEnded": month == page.today.month,
                        "href": month.map { "/committee/cycle/preview?jurisdiction=\(Page.escapeQuery(item.id.rawValue))&month=\($0.description)" } as Any]
            },
        ]
        if let last = cycles.first {
            model["last"] = ["jurisdiction": names[last.jurisdiction] ?? last.jurisdiction.rawValue, "month": last.month.description,
                             "closedOn": last.closedOn.description, "closedBy": actors[last.closedBy] ?? last.closedBy.rawValue]
        }
        if let preview {
            model["preview"] = try await previewModel(page, preview.input, preview.result, names: names, handbooks: handbooks, errors: errors)
        }
        // The figures of a close just made, carried by the redirect after the form.
        if page.query("closed") == "1", let id = page.query("jurisdiction"), let month = page.query("month").flatMap(Month.init(iso:)) {
            let fields = ["entered", "capped", "cured", "awaitingGrace", "carriedOver", "gradeFalls", "gradeRises", "standings"]
            var summary: [[String: Any]] = []
            for field in fields { if let value = page.query(field).flatMap(Int.init) { summary.append(["label": page.text(Self.key("committee", "summary", field)), "value": value]) } }
            model["summary"] = summary
            model["closed"] = page.text("committee.closedWhat", ["jurisdiction": names[Jurisdiction.ID(id)] ?? id, "month": month.description])
            model["unchanged"] = page.query("unchanged") == "1"
            if Jurisdiction.ID.isValid(id) {
                let carried = try await carriedOver(page, Jurisdiction.ID(id), month: month, handbooks: handbooks)
                model["carried"] = carried
                model["hasCarried"] = !carried.isEmpty
            }
        }
        return page.render("committee/cycle", title: page.text("committee.cycleTitle"), model: model, status: status)
    }

    /// The reports of the jurisdiction (and below) still waiting for review through `month`, each with why.
    func carriedOver(_ page: Page, _ jurisdiction: Jurisdiction.ID, month: Month, handbooks: HandbookSet) async throws -> [[String: Any]] {
        let jurisdictions = try await page.store.jurisdictions()
        let pending = try await page.store.reports(statuses: [.pending], throughCycle: month)
        let subjects = Dictionary(try await page.store.subjects(Array(Set(pending.map(\.report.subject)))).map { ($0.id, $0) }, uniquingKeysWith: { a, _ in a })
        var eligibility = try await DecisionEligibility(page: page)
        var rows: [[String: Any]] = []
        for record in pending.sorted(by: { ($0.report.cycle, $0.report.id) < ($1.report.cycle, $1.report.id) }) {
            guard let subject = subjects[record.report.subject], jurisdictions.lineage(of: subject.jurisdiction).contains(jurisdiction) else { continue }
            let rule = handbooks.version(record.report.handbookVersion, of: record.report.handbookJurisdiction)?.scheme(record.report.scheme)?.rule(record.report.rule)
            rows.append(["subject": subject.name, "rule": rule.map { page.text($0.title) } ?? record.report.rule.rawValue,
                         "href": "/committee/reports/" + Page.escapeQuery(record.report.id.rawValue), "cycle": record.report.cycle.description,
                         "why": try await eligibility.pendingReason(record, rule: rule)])
            if rows.count >= configuration.rowsPerPage { break }
        }
        return rows
    }

    func previewModel(_ page: Page, _ input: CycleInput, _ preview: CyclePreview, names: [Jurisdiction.ID: String], handbooks: HandbookSet,
                      errors: [String: String]) async throws -> [String: Any] {
        let summary = preview.summary
        let changes = preview.changes
        let limit = configuration.rowsPerPage
        var ids = Set(changes.entries.map(\.subject)).union(changes.notices.map(\.subject))
        var records: [Report.ID: ReportRecord] = [:]
        for id in changes.reportStatuses.keys.sorted().prefix(limit * 2) {
            if let record = try await page.store.report(id) { records[id] = record; ids.insert(record.report.subject) }
        }
        let subjects = Dictionary(try await page.store.subjects(Array(ids)).map { ($0.id, $0) }, uniquingKeysWith: { a, _ in a })
        func name(_ id: Subject.ID) -> String { subjects[id]?.name ?? page.text("committee.unknownSubject") }
        let entries: [[String: Any]] = changes.entries.prefix(limit).map { entry in
            ["subject": name(entry.subject), "rule": page.ruleTitle(of: entry, in: handbooks) ?? PortalModel.kind(page, entry.kind),
             "points": entry.points.signedDescription, "negative": entry.points.isNegative]
        }
        let held: [[String: Any]] = changes.reportStatuses.filter { $0.value != .entered }.sorted { $0.key < $1.key }.prefix(limit).compactMap { id, status in
            guard let record = records[id] else { return nil }
            let rule = handbooks.version(record.report.handbookVersion, of: record.report.handbookJurisdiction)?.scheme(record.report.scheme)?.rule(record.report.rule)
            return ["subject": name(record.report.subject), "rule": rule.map { page.text($0.title) } ?? record.report.rule.rawValue,
                    "status": page.text(PortalModel.key("report", status.rawValue))]
        }
        var noticeCounts: [Notice.Kind: Int] = [:]
        for notice in changes.notices { noticeCounts[notice.kind, default: 0] += 1 }
        let notices: [[String: Any]] = changes.notices.sorted { ($0.subject, $0.id) < ($1.subject, $1.id) }.prefix(limit).map { notice in
            ["subject": name(notice.subject), "kind": page.text(PortalModel.key("notice", notice.kind.rawValue)),
             "adverse": notice.tone == .adverse]
        }
        let figures = [("entered", summary.entered), ("capped", summary.capped), ("cured", summary.cured), ("awaitingGrace", summary.awaitingGrace),
                       ("carriedOver", summary.carriedOver), ("gradeFalls", summary.gradeFalls), ("gradeRises", summary.gradeRises),
                       ("standings", summary.standingsComputed)]
        let carried = try await carriedOver(page, input.jurisdiction, month: input.month, handbooks: handbooks)
        let notEnded = input.month >= page.today.month
        return [
            "title": page.text("committee.previewTitle", ["jurisdiction": names[input.jurisdiction] ?? input.jurisdiction.rawValue,
                                                          "month": input.month.description]),
            "alreadyClosed": summary.result == .unchanged,
            "figures": figures.map { ["label": page.text(Self.key("committee", "summary", $0.0)), "value": $0.1] },
            "entries": entries, "hasEntries": !entries.isEmpty, "moreEntries": changes.entries.count > limit,
            "held": held, "hasHeld": !held.isEmpty,
            "carried": carried, "hasCarried": !carried.isEmpty,
            "notices": notices, "hasNotices": !notices.isEmpty, "moreNotices": changes.notices.count > limit,
            "noticeCounts": Notice.Kind.allCases.compactMap { kind in
                noticeCounts[kind].map { ["kind": page.text(PortalModel.key("notice", kind.rawValue)), "count": $0] }
            },
            "notEnded": notEnded,
            "notEndedWarning": page.text("committee.monthNotEnded", ["month": input.month.description, "last": input.month.lastDay.description,
                                                                     "today": page.today.description]),
            "jurisdiction": input.jurisdiction.rawValue, "month": input.month.description,
            "confirmError": errors["confirm"] as Any, "earlyError": errors["early"] as Any,
        ]
    }

    func previewCycle(_ page: Page) async throws -> Response {
        _ = try page.admit(.closeCycle)
        var values: [String: String] = [:]
        for name in ["jurisdiction", "month"] { values[name] = page.query(name) ?? "" }
        let (input, errors) = try await cycleInput(page, values)
        guard let input else { return try await cyclePage(page, values: values, errors: errors, status: .unprocessableContent) }
        guard let actor = try page.account.actor else {
            return try await cyclePage(page, values: values, errors: ["general": page.text("committee.noActor")], status: .forbidden)
        }
        let result = try await CyclePreview.run(page, jurisdiction: input.jurisdiction, month: input.month, by: actor)
        return try await cyclePage(page, values: values, errors: [:], status: .ok, preview: (input, result))
    }

    func closeCycle(_ page: Page) async throws -> Response {
        _ = try page.admit(.closeCycle)
        let form = try await page.form()
        var values: [String: String] = [:]
        for name in ["jurisdiction", "month"] { values[name] = form[name] ?? "" }
        let (input, fieldErrors) = try await cycleInput(page, values)
        guard let input else { return try await cyclePage(page, values: values, errors: fieldErrors, status: .unprocessableContent) }
        guard let actor = try page.account.actor else {
            return try await cyclePage(page, values: values, errors: ["general": page.text("committee.noActor")], status: .forbidden)
        }
        // Nothing is closed without the confirmation under the preview, and a month that has not ended needs its own.
        var errors: [String: String] = [:]
        if form["confirm"] != "yes" { errors["confirm"] = page.text("committee.confirmMissing") }
        if input.month >= page.today.month, form["early"] != "yes" { errors["early"] = page.text("committee.earlyMissing") }
        guard errors.isEmpty else {
            let result = try await CyclePreview.run(page, jurisdiction: input.jurisdiction, month: input.month, by: actor)
            return try await cyclePage(page, values: values, errors: errors, status: .unprocessableContent, preview: (input, result))
        }
        let summary: CycleSummary
        do {
            summary = try await page.engine.closeCycle(input.jurisdiction, month: input.month, by: actor)
            try await page.web.api.signCheckpointIfMoved()
        } catch let error as CivicError where error.code != .storage && error.code != .corrupted {
            return try await cyclePage(page, values: values, errors: ["general": page.text("committee.closeRefused")], status: Self.status(of: error))
        }
        let figures = [("entered", summary.entered), ("capped", summary.capped), ("cured", summary.cured), ("awaitingGrace", summary.awaitingGrace),
                       ("carriedOver", summary.carriedOver), ("gradeFalls", summary.gradeFalls), ("gradeRises", summary.gradeRises),
                       ("standings", summary.standingsComputed)]
        var query = "closed=1&jurisdiction=" + Page.escapeQuery(input.jurisdiction.rawValue) + "&month=" + input.month.description
        for (name, value) in figures { query += "&\(name)=\(value)" }
        if summary.result != .recorded { query += "&unchanged=1" }
        return page.redirect("/committee/cycle?" + query, done: "committee.cycleClosed")
    }
}
