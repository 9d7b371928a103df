import CivicAPI
import CivicAccess
import CivicCore
import CivicLog
import Foundation
import Hummingbird
import HTTPTypes

/// The models of the portal's pages, worked out in Swift in the page's language.
enum PortalModel {
    // MARK: Shared wording

    static func points(_ points: Points) -> [String: Any] {
        ["text": points.signedDescription, "plus": points.isPositive, "minus": points.isNegative]
    }

    static func ruleTitle(_ page: Page, _ handbooks: HandbookSet, _ entry: Entry) -> String {
        page.ruleTitle(of: entry, in: handbooks) ?? page.text(key("kind", entry.kind.rawValue))
    }

    static func schemeTitle(_ page: Page, _ handbooks: HandbookSet, _ id: Scheme.ID) -> String {
        handbooks.scheme(id).map { page.text($0.scheme.title) } ?? id.rawValue
    }

    static func kind(_ page: Page, _ kind: Entry.Kind) -> String {
        page.text(key("kind", kind.rawValue))
    }

    /// The catalog key for a value of a core enumeration: `portal.` + prefix + the value in camel case.
    static func key(_ prefix: String, _ raw: String) -> String {
        "portal." + prefix + raw.split(separator: "-").map { $0.prefix(1).uppercased() + $0.dropFirst() }.joined()
    }


    /// Each entry's status today: counting, corrected, remedied, not yet effective, expired or suspended, and under appeal.
    static func statuses(_ page: Page, explanations: [SchemeExplanation], appeals: [AppealRecord]) -> [Entry.ID: [[String: Any]]] {
        var result: [Entry.ID: [[String: Any]]] = [:]
        func add(_ id: Entry.ID, _ name: String, _ tone: String, _ values: [String: String] = [:]) {
            result[id, default: []].append(["text": page.text(key("status", name), values), "tone": tone])
        }
        for item in explanations {
            for contribution in item.explanation.contributions {
                if let day = contribution.correctedOn { add(contribution.entry.id, "corrected", "warn", ["day": day.description]) }
                else if let day = contribution.remediedOn { add(contribution.entry.id, "remedied", "good", ["day": day.description]) }
                else { add(contribution.entry.id, "counting", contribution.entry.isAdverse ? "bad" : "good") }
            }
            for excluded in item.explanation.excluded {
                switch excluded.reason {
                case .notYetEffective: add(excluded.entry.id, "pending", "warn")
                case .expired(let day): add(excluded.entry.id, "expired", "", ["day": day.description])
                case .suspended(let day): add(excluded.entry.id, "suspended", "warn", ["day": day.description])
                }
            }
        }
        for record in appeals where record.decision == nil { add(record.appeal.entry, "underAppeal", "warn") }
        return result
    }

    // MARK: Home

    static func home(_ page: Page, _ me: Resident) async throws -> [String: Any] {
        let explanations = try await page.engine.explain(me.subject.id, asOf: page.today)
        let handbooks = try await page.engine.handbooks()
        var schemes: [[String: Any]] = []
        for item in explanations {
            let standing = item.explanation.standing
            var lists: [[String: Any]] = []
            for listing in standing.activeListings {
                let criterion = item.scheme.lists.first { $0.id == listing.criterion }
                lists.append([
                    "title": criterion.map { page.text($0.title) } ?? listing.criterion.rawValue,
                    "black": listing.list == .black, "list": page.text(key("list", listing.list.rawValue)),
                    "since": listing.since.description, "endsOn": listing.endsOn?.description as Any, "reason": listing.reason,
                    "remedy": criterion?.remedyHint.map { page.text($0) } as Any,
                    "entry": listing.entry?.rawValue as Any,
                ])
            }
            var measures: [[String: Any]] = []
            for measure in item.scheme.measures {
                let decision = measure.decide(standing, grades: item.scheme.grades)
                guard decision.applies else { continue }
                measures.append([
                    "title": page.text(measure.title), "sanction": measure.kind == .sanction,
                    "kind": page.text(key("measure", measure.kind.rawValue)), "reason": decision.reason,
                    "tier": decision.tier.map { page.text("handbook.tierApplies", ["tier": page.words($0)]) } as Any,
                    "remedy": decision.remedyHint.map { page.text($0) } as Any,
                ])
            }
            schemes.append([
                "title": page.text(item.scheme.title), "score": standing.score.description, "grade": standing.grade?.rawValue as Any,
                "version": item.handbook.version, "dimensions": dimensions(page, item.scheme, standing),
                "lists": lists, "measures": measures, "history": history(page, handbooks, item), "chart": chart(page, handbooks, item) as Any,
                "gradeReasons": item.explanation.gradeReasons,
                "scale": gradeScale(page, item.scheme.grades, standing) as Any,
            ])
        }
        var model: [String: Any] = ["name": me.subject.name, "id": me.subject.id.rawValue, "schemes": schemes, "asOf": page.today.description]
        if let householdID = me.subject.kind == .household ? me.subject.id : me.subject.household,
           let household = try await page.store.subject(householdID) {
            let members = try await page.store.members(of: household.id).sorted { $0.id < $1.id }
            var standings: [[String: Any]] = []
            for standing in try await page.engine.standings(of: household.id, asOf: page.today) {
                guard let scheme = handbooks.scheme(standing.scheme)?.scheme else { continue }
                standings.append(["title": page.text(scheme.title), "score": standing.score.description, "grade": standing.grade?.rawValue as Any,
                                  "dimensions": dimensions(page, scheme, standing)])
            }
            model["household"] = ["name": household.maskedName, "members": members.map { ["name": $0.maskedName, "me": $0.id == me.subject.id] },
                                  "standings": standings]
        }
        let notices = try await page.store.notices(subject: me.subject.id)
        model["openNotices"] = notices.contains { ($0.appealBy.map { $0 >= page.today } ?? false) && $0.tone == .adverse }
        let open = try await page.engine.appeals(of: me.subject.id).filter { $0.decision == nil }.count
        model["openAppeals"] = (open > 0 ? String(open) : nil) as String? as Any
        return model
    }

    /// The scheme's grade scale, highest first, as a credit report shows it: each grade with the points it
    /// spans and the one the subject holds marked, and where the score sits on the whole scale (0 to 100, for
    /// the marker, drawn as SVG since the pages' policy allows no inline style). A grade held by a lock-in or a cap below the band of the score is the one marked; the score
    /// marker still shows the points. Nil for a scheme without grades.
    static func gradeScale(_ page: Page, _ grades: GradeScale?, _ standing: Standing) -> [String: Any]? {
        guard let grades, !grades.bands.isEmpty else { return nil }
        let bands = grades.bands
        var rows: [[String: Any]] = []
        for (index, band) in bands.enumerated() {
            let range = index == 0
                ? page.text("portal.scaleFrom", ["from": band.minimum.description])
                : page.text("portal.scaleRange", ["from": band.minimum.description,
                                                  "to": (bands[index - 1].minimum - Points(1)).description])
            rows.append(["grade": band.grade.rawValue, "range": range, "current": band.grade == standing.grade,
                         "title": band.title.map { page.text($0) } as Any])
        }
        // The marker: the score's place between the lowest band's floor and one band-width above the top band.
        let low = bands.last!.minimum.hundredths
        let top = bands.first!.minimum.hundredths
        let span = bands.count > 1 ? top - low + (top - bands[1].minimum.hundredths) : 1
        let position = span > 0 ? Int(max(0, min(100, (standing.score.hundredths - low) * 100 / span))) : 0
        var model: [String: Any] = ["bands": rows, "marker": min(position, 98),
                                    "where": page.text("portal.scaleWhere", ["score": standing.score.description,
                                                                             "grade": standing.grade?.rawValue ?? "-"])]
        if let index = bands.firstIndex(where: { $0.grade == standing.grade }), index > 0 {
            let next = bands[index - 1]
            let gap = next.minimum - standing.score
            if gap > Points(0) {
                model["next"] = page.text("portal.scaleNext", ["points": gap.description, "grade": next.grade.rawValue])
            }
        }
        return model
    }

    /// Dimension values (stars in a star scheme) with their titles.
    static func dimensions(_ page: Page, _ scheme: Scheme, _ standing: Standing) -> [[String: Any]] {
        var titles: [CivicCore.Dimension.ID: LocalizedText] = [:]
        switch scheme.scale {
        case .stars(let scale): for dimension in scale.dimensions { titles[dimension.id] = dimension.title }
        case .weighted(let scale): for dimension in scale.dimensions { titles[dimension.id] = dimension.title }
        default: break
        }
        return standing.dimensions.sorted { $0.key < $1.key }.map { id, value in
            ["title": titles[id].map { page.text($0) } ?? id.rawValue, "value": value.description]
        }
    }

    /// Each change of the score in order, with the running score after it.
    static func history(_ page: Page, _ handbooks: HandbookSet, _ item: SchemeExplanation) -> [[String: Any]] {
        guard case .points = item.scheme.scale else { return [] }
        var running = item.scheme.neutralScore
        var rows: [[String: Any]] = []
        let changes = item.explanation.contributions.map(\.entry).filter { $0.kind == .deed || $0.kind == .correction }
            .sorted { ($0.effectiveOn, $0.sequence) < ($1.effectiveOn, $1.sequence) }
        for entry in changes {
            running = running + entry.points
            rows.append(["day": entry.effectiveOn.description, "rule": ruleTitle(page, handbooks, entry), "points": points(entry.points),
                         "running": running.description, "id": entry.id.rawValue, "href": "/portal/entries/" + Page.escapeQuery(entry.id.rawValue)])
        }
        return rows
    }

    /// The score history as a server-drawn step chart with the grade thresholds (points scales only).
    static func chart(_ page: Page, _ handbooks: HandbookSet, _ item: SchemeExplanation) -> String? {
        guard case .points = item.scheme.scale else { return nil }
        var running = item.scheme.neutralScore
        var points: [ScoreChart.Point] = []
        var scores = [running]
        let changes = item.explanation.contributions.map(\.entry).filter { $0.kind == .deed || $0.kind == .correction }
            .sorted { ($0.effectiveOn, $0.sequence) < ($1.effectiveOn, $1.sequence) }
        for entry in changes {
            running = running + entry.points
            scores.append(running)
            points.append(ScoreChart.Point(day: entry.effectiveOn, score: running,
                                           note: "\(entry.effectiveOn): \(ruleTitle(page, handbooks, entry)) \(entry.points.signedDescription)"))
        }
        // Only the grade lines around the history: the band it starts from to the band above its best,
        // so a score near 1,000 is not drawn as a flat line at the top of a 0-1,250 axis.
        let bands = (item.scheme.grades?.bands ?? []).sorted { $0.minimum < $1.minimum }
        let low = bands.last { $0.minimum <= scores.min()! }?.minimum ?? bands.first?.minimum
        let high = bands.first { $0.minimum > scores.max()! }?.minimum ?? bands.last?.minimum
        let thresholds = bands.filter { band in (low.map { band.minimum >= $0 } ?? true) && (high.map { band.minimum <= $0 } ?? true) }
            .map { ScoreChart.Threshold(score: $0.minimum, label: $0.grade.rawValue) }
        let title = page.text("portal.chartTitle", ["scheme": page.text(item.scheme.title)])
        return ScoreChart(points: points, thresholds: thresholds, through: page.today)
            .svg(title: title, description: page.text("portal.chartDescription"), emptyMessage: page.text("portal.chartEmpty"), language: page.language)
    }

    // MARK: Entries

    static func entries(_ page: Page, _ me: Resident) async throws -> [String: Any] {
        let all = try await page.store.entries(subject: me.subject.id).sorted { $0.sequence > $1.sequence }
        let after = page.query("after").flatMap { Int64($0) }
        let rows = page.web.configuration.rowsPerPage
        let remaining = after.map { cursor in all.filter { $0.sequence < cursor } } ?? all
        let shown = Array(remaining.prefix(rows))
        let handbooks = try await page.engine.handbooks()
        let statuses = statuses(page, explanations: try await page.engine.explain(me.subject.id, asOf: page.today),
                                appeals: try await page.engine.appeals(of: me.subject.id))
        let items: [[String: Any]] = shown.map { entry in
            ["id": entry.id.rawValue, "href": "/portal/entries/" + Page.escapeQuery(entry.id.rawValue), "day": entry.effectiveOn.description,
             "kind": kind(page, entry.kind), "rule": ruleTitle(page, handbooks, entry), "points": points(entry.points),
             "stars": entry.stars as Any, "statuses": statuses[entry.id] ?? [], "expiresOn": entry.expiresOn?.description as Any]
        }
        var model: [String: Any] = ["entries": items, "total": all.count]
        if remaining.count > rows, let last = shown.last { model["next"] = "/portal/entries?after=\(last.sequence)" }
        if after != nil { model["first"] = "/portal/entries" }
        return model
    }

    static func entryPage(_ page: Page, _ me: Resident, id: String, appealError: String? = nil, statement: String = "",
                          appealID: String? = nil, kept: [Evidence] = [], status: HTTPResponse.Status = .ok) async throws -> Response {
        guard Entry.ID.isValid(id), let entry = try await page.store.entry(Entry.ID(id)), entry.subject == me.subject.id else {
            throw PageError.notFound
        }
        let handbooks = try await page.engine.handbooks()
        let appeals = try await page.engine.appeals(of: me.subject.id)
        let statuses = statuses(page, explanations: try await page.engine.explain(me.subject.id, asOf: page.today), appeals: appeals)
        var model: [String: Any] = [
            "id": entry.id.rawValue, "kind": kind(page, entry.kind), "rule": ruleTitle(page, handbooks, entry),
            "ruleId": entry.rule?.rawValue as Any, "scheme": schemeTitle(page, handbooks, entry.scheme),
            "handbook": page.text("portal.handbookVersion", ["jurisdiction": entry.handbookJurisdiction.rawValue, "version": String(entry.handbookVersion)]),
            "points": points(entry.points), "stars": entry.stars as Any, "occurredOn": entry.occurredOn?.description as Any,
            "effectiveOn": entry.effectiveOn.description, "expiresOn": entry.expiresOn?.description as Any,
            "gradeCap": entry.gradeCap?.rawValue as Any, "recordedOn": entry.recordedOn.description, "note": (entry.note.isEmpty ? nil : entry.note) as String? as Any,
            "statuses": statuses[entry.id] ?? [], "references": entry.references.map { ["id": $0.rawValue, "href": "/portal/entries/" + Page.escapeQuery($0.rawValue)] } as Any,
        ]
        if let reportID = entry.report, let record = try await page.store.report(reportID) {
            var evidence: [[String: Any]] = []
            for (index, item) in record.report.evidence.enumerated() {
                let kind = page.text(key("evidence", item.kind.rawValue))
                var row: [String: Any] = ["kind": kind, "reference": item.reference,
                                          "label": page.text("portal.evidenceItem", ["kind": kind, "number": String(index + 1)])]
                if item.reference.hasPrefix("sha256:") {
                    let digest = String(item.reference.dropFirst(7))
                    // The evidence behind an entry about the resident is theirs to see, whoever uploaded it.
                    if let blob = try await page.web.api.visibleEvidence(digest: digest, reach: .ownUploads, caller: page.caller) {
                        row["href"] = "/portal/evidence/" + digest
                        row["image"] = blob.mediaType.hasPrefix("image/")
                        row["video"] = blob.mediaType.hasPrefix("video/")
                        row["yours"] = blob.uploadedBy == me.account.id
                    }
                }
                evidence.append(row)
            }
            var decisions: [[String: Any]] = []
            for decision in record.decisions {
                let reviewer = try await page.store.actor(decision.reviewer)
                decisions.append(["by": reviewer?.name ?? decision.reviewer.rawValue, "on": decision.decidedOn.description,
                                  "outcome": decision.outcome.label, "reason": decision.reason])
            }
            model["report"] = ["id": record.report.id.rawValue, "statement": record.report.statement, "filedOn": record.report.filedOn.description,
                               "occurredOn": record.report.occurredOn.description, "selfClaim": record.report.isSelfClaim,
                               "status": page.text(key("report", record.status.rawValue)),
                               "evidence": evidence, "decisions": decisions]
        }
        let notices = try await inOrder(page, try await page.store.notices(subject: me.subject.id).filter { $0.entry == entry.id })
        model["notices"] = notices.map { ["id": $0.id.rawValue, "href": "/portal/notices/" + Page.escapeQuery($0.id.rawValue),
                                          "on": $0.createdOn.description, "what": page.text(key("notice", $0.kind.rawValue))] }
        let own = appeals.filter { $0.appeal.entry == entry.id }
        model["appeals"] = own.map { appealRow(page, $0) }
        let deadline = notices.compactMap(\.appealBy).max()
        model["appealBy"] = deadline?.description as Any
        let open = own.contains { $0.decision == nil }
        let adverse = (entry.kind == .deed || entry.kind == .rating) && entry.isAdverse
        if adverse, !open, deadline.map({ $0 >= page.today }) ?? false || appealError != nil {
            let keptRows = keptRows(page, kept)
            model["appealForm"] = ["entry": entry.id.rawValue, "statement": statement, "error": appealError as Any,
                                   "appealId": appealID ?? page.newReference(.appeal), "kept": keptRows, "hasKept": !keptRows.isEmpty,
                                   "evidenceHint": page.text("portal.appealEvidenceHint", ["max": String(Limits.evidencePerReportMax),
                                                                                          "megabytes": String(page.web.api.configuration.evidenceBytesMax / 1_048_576)])]
        } else if adverse, !open, let deadline, deadline < page.today {
            model["appealClosed"] = page.text("portal.appealClosed", ["day": deadline.description])
        }
        return page.render("portal/entry", title: page.text("portal.entryTitle"), model: model, status: status)
    }

    // MARK: Notices

    static func notices(_ page: Page, _ me: Resident) async throws -> [String: Any] {
        let notices = try await inOrder(page, try await page.store.notices(subject: me.subject.id))
        var rows: [[String: Any]] = []
        for notice in notices { rows.append(try await self.notice(page, notice)) }
        return ["notices": rows]
    }

    static func ownNotice(_ page: Page, _ me: Resident, id: String) async throws -> Notice {
        guard Notice.ID.isValid(id), let notice = try await page.store.notice(Notice.ID(id)), notice.subject == me.subject.id else {
            throw PageError.notFound
        }
        return notice
    }

    /// Notices newest first, and those of one day in the order they happened: by their place in the
    /// transparency log, which appends records in the order they were committed. A store without a log
    /// (the in-memory reference store) falls back to the notice id within a day.
    static func inOrder(_ page: Page, _ notices: [Notice]) async throws -> [Notice] {
        var place: [Notice.ID: UInt64] = [:]
        if let log = page.web.api.log {
            for notice in notices {
                if let leaf = try await log.store.logLeaf(kind: .notice, key: notice.id.rawValue) { place[notice.id] = leaf.index }
            }
        }
        return notices.sorted { a, b in
            if a.createdOn != b.createdOn { return a.createdOn > b.createdOn }
            switch (place[a.id], place[b.id]) {
            case let (x?, y?) where x != y: return x > y
            case (_?, nil): return false  // not yet in the log: written last
            case (nil, _?): return true
            default: return a.id > b.id
            }
        }
    }

    /// What to do about a warning: what to put right and by when, whom to tell (the person who reported it,
    /// by name: they record the cure, since nobody records one about themself), and where it stands now.
    static func warningAdvice(_ page: Page, _ notice: Notice, _ record: ReportRecord) async throws -> [String: Any] {
        let rule = notice.ruleTitle.map { page.text($0) } ?? record.report.rule.rawValue
        let reporter = try await page.store.actor(record.report.reporter)
        var advice: [String: Any] = [
            "contact": page.text("portal.warningContact", ["name": reporter?.name ?? record.report.reporter.rawValue]),
        ]
        if let cureBy = notice.cureBy {
            advice["steps"] = page.text("portal.warningSteps", ["rule": rule, "day": cureBy.description])
        }
        switch record.status {
        case .cured:
            advice["state"] = page.text("portal.warningCured")
            advice["settled"] = true
        case .entered:
            advice["state"] = page.text("portal.warningEntered")
        case .rejected:
            advice["state"] = page.text("portal.warningRejected")
            advice["settled"] = true
        default:
            if let cureBy = notice.cureBy, cureBy < page.today {
                advice["state"] = page.text("portal.warningLapsed", ["day": cureBy.description])
            }
        }
        return advice
    }

    static func notice(_ page: Page, _ notice: Notice) async throws -> [String: Any] {
        let handbooks = try await page.engine.handbooks()
        var model: [String: Any] = [
            "id": notice.id.rawValue, "href": "/portal/notices/" + Page.escapeQuery(notice.id.rawValue), "on": notice.createdOn.description,
            "what": page.text(key("notice", notice.kind.rawValue)),
            "adverse": notice.tone == .adverse, "favourable": notice.tone == .favourable, "summary": notice.summary,
            "rule": notice.ruleTitle.map { page.text($0) } as Any, "points": notice.points.map(points) as Any,
            "remedy": notice.remedy.map { page.text($0) } as Any, "appealBy": notice.appealBy?.description as Any,
            "cureBy": notice.cureBy?.description as Any,
            "scheme": notice.scheme.map { schemeTitle(page, handbooks, $0) } as Any,
            "entry": notice.entry.map { ["id": $0.rawValue, "href": "/portal/entries/" + Page.escapeQuery($0.rawValue)] } as Any,
            "appeal": notice.appeal.map { ["id": $0.rawValue, "href": "/portal/appeals/" + Page.escapeQuery($0.rawValue)] } as Any,
        ]
        if let log = page.web.api.log, let leaf = try await log.store.logLeaf(kind: .notice, key: notice.id.rawValue) {
            let proof = "/log/records/notice/" + Page.escapeQuery(notice.id.rawValue) + "/proof"
            if let checkpoint = try await log.store.latestCheckpoint(), checkpoint.size > leaf.index {
                model["log"] = ["text": page.text("portal.logRecord", ["index": String(leaf.index), "size": String(checkpoint.size),
                                                                       "root": checkpoint.root.base64]), "proof": proof]
            } else {
                model["log"] = ["text": page.text("portal.logPending", ["index": String(leaf.index)])]
            }
        }
        if let version = notice.handbookVersion, let jurisdiction = notice.handbookJurisdiction {
            model["handbook"] = page.text("portal.handbookVersion", ["jurisdiction": jurisdiction.rawValue, "version": String(version)])
        }
        if notice.kind == .warning, let reportID = notice.report, let record = try await page.store.report(reportID) {
            model["warning"] = try await warningAdvice(page, notice, record)
        }
        model["effects"] = [String]()
        if let effect = notice.effect {
            var lines: [String] = []
            if let before = effect.scoreBefore, before != effect.scoreAfter {
                lines.append(page.text("portal.effectScore", ["before": before.description, "after": effect.scoreAfter.description]))
            }
            if effect.gradeBefore != effect.gradeAfter {
                lines.append(page.text("portal.effectGrade", ["before": effect.gradeBefore?.rawValue ?? "–", "after": effect.gradeAfter?.rawValue ?? "–"]))
            }
            for list in effect.listed { lines.append(page.text("portal.effectListed", ["list": list])) }
            for list in effect.delisted { lines.append(page.text("portal.effectDelisted", ["list": list])) }
            func measureTitle(_ id: Measure.ID) -> String {
                notice.scheme.flatMap { handbooks.scheme($0)?.scheme.measure(id) }.map { page.text($0.title) } ?? id.rawValue
            }
            for measure in effect.measuresLost { lines.append(page.text("portal.effectMeasureLost", ["measure": measureTitle(measure)])) }
            for measure in effect.measuresGained { lines.append(page.text("portal.effectMeasureGained", ["measure": measureTitle(measure)])) }
            if let until = effect.lockedUntil { lines.append(page.text("portal.effectLocked", ["day": until.description])) }
            model["effects"] = lines
        }
        return model
    }

    // MARK: Appeals

    static func appealRow(_ page: Page, _ record: AppealRecord) -> [String: Any] {
        let status = record.status(on: page.today)
        return [
            "id": record.appeal.id.rawValue, "href": "/portal/appeals/" + Page.escapeQuery(record.appeal.id.rawValue),
            "entry": record.appeal.entry.rawValue, "entryHref": "/portal/entries/" + Page.escapeQuery(record.appeal.entry.rawValue),
            "filedOn": record.appeal.filedOn.description, "decideBy": record.appeal.decideBy.description,
            "status": page.text(key("appeal", status.rawValue)), "tone": status == .upheld ? "good" : status == .open ? "" : "warn",
            "statement": record.appeal.statement,
            "decision": record.decision.map { ["outcome": page.text(key("appeal", $0.outcome.rawValue)), "reason": $0.reason,
                                               "on": $0.decidedOn.description] } as Any,
            "overdue": (status == .overdue ? page.text("portal.appealLate", ["day": record.appeal.suspendsFrom.description]) : nil) as String? as Any,
        ]
    }

    static func appeals(_ page: Page, _ me: Resident) async throws -> [String: Any] {
        let records = try await page.engine.appeals(of: me.subject.id).sorted { ($0.appeal.filedOn, $0.appeal.id) > ($1.appeal.filedOn, $1.appeal.id) }
        return ["appeals": records.map { appealRow(page, $0) }]
    }

    static func appeal(_ page: Page, _ record: AppealRecord) async throws -> [String: Any] {
        var model = appealRow(page, record)
        var evidence: [[String: Any]] = []
        for (index, item) in record.appeal.evidence.enumerated() {
            let kind = page.text(key("evidence", item.kind.rawValue))
            var row: [String: Any] = ["label": page.text("portal.evidenceItem", ["kind": kind, "number": String(index + 1)]), "reference": item.reference]
            let digest = String(item.reference.dropFirst("sha256:".count))
            if item.reference.hasPrefix("sha256:"), let blob = try await page.web.api.visibleEvidence(digest: digest, reach: .ownUploads, caller: page.caller) {
                row["href"] = "/portal/evidence/" + digest
                row["image"] = blob.mediaType.hasPrefix("image/")
            }
            evidence.append(row)
        }
        model["evidence"] = evidence
        model["hasEvidence"] = !evidence.isEmpty
        if let entry = try await page.store.entry(record.appeal.entry) {
            model["rule"] = ruleTitle(page, try await page.engine.handbooks(), entry)
            model["points"] = points(entry.points)
        }
        return model
    }

    // MARK: Claims

    /// The rules a resident may claim for themself: good deeds whose handbook lets the subject report them.
    static func claimableRules(_ page: Page, _ me: Resident) async throws -> [(scheme: Scheme, rule: Rule)] {
        let explanations = try await page.engine.explain(me.subject.id, asOf: page.today)
        return explanations.flatMap { item in
            item.scheme.rules.filter { $0.reporters.contains(.`self`) && !$0.isAdverse && !$0.isRating }.map { (scheme: item.scheme, rule: $0) }
        }
    }

    static func claim(_ page: Page, _ me: Resident, values: [String: String], errors: [String: String],
                      kept: [Evidence] = []) async throws -> [String: Any] {
        let selected = values["rule"] ?? ""
        let rules = try await claimableRules(page, me).map { scheme, rule -> [String: Any] in
            let value = scheme.id.rawValue + "|" + rule.id.rawValue
            // What the deed needs is said before sending, in the page's language, beside the deed itself.
            var needs = rule.evidence.map { page.text("portal.claimNeeds", ["what": EvidenceWording.requirement(page, $0)]) }
                ?? page.text("portal.claimNeedsNothing")
            if let days = rule.minimumDurationDays { needs += page.text("portal.claimNeedsDays", ["days": String(days)]) }
            return ["value": value, "label": "\(page.text(scheme.title)): \(page.text(rule.title)) (\(rule.points.map(\.signedDescription) ?? "")) · \(needs)",
                    "selected": value == selected, "title": page.text(rule.title), "needs": needs]
        }
        let handbooks = try await page.engine.handbooks()
        let claims = try await page.store.reports(subject: me.subject.id).filter { $0.report.isSelfClaim }
            .sorted { ($0.report.filedOn, $0.report.id) > ($1.report.filedOn, $1.report.id) }
        let rows: [[String: Any]] = claims.map { record in
            let rule = handbooks.version(record.report.handbookVersion, of: record.report.handbookJurisdiction)?.scheme(record.report.scheme)?.rule(record.report.rule)
            return ["id": record.report.id.rawValue, "filedOn": record.report.filedOn.description, "occurredOn": record.report.occurredOn.description,
                    "rule": rule.map { page.text($0.title) } ?? record.report.rule.rawValue,
                    "status": page.text(key("report", record.status.rawValue)),
                    "tone": record.status == .rejected ? "bad" : record.status == .pending ? "" : "good",
                    "reason": record.decisions.last?.reason as Any, "evidence": EvidenceWording.attached(page, record.report.evidence)]
        }
        var fields: [String: Any] = ["rule": selected, "occurredOn": values["occurredOn"] ?? page.today.description,
                                     "durationDays": values["durationDays"] ?? "",
                                     "statement": values["statement"] ?? "", "claimId": values["claimId"] ?? page.newReference(.claim),
                                     "today": page.today.description,
                                     "evidenceHint": page.text("portal.claimEvidenceHint", ["max": String(Limits.evidencePerReportMax),
                                                                                            "megabytes": String(page.web.api.configuration.evidenceBytesMax / 1_048_576)])]
        for (field, message) in errors { fields["\(field)Error"] = message }
        // Files sent with a form that came back with an error are stored already: the form keeps them.
        let keptRows = keptRows(page, kept)
        fields["kept"] = keptRows
        fields["hasKept"] = !keptRows.isEmpty
        return ["rules": rules, "claims": rows, "form": fields, "hasErrors": !errors.isEmpty]
    }

    /// The evidence a resident's form carries: the files an earlier try of the same form stored ("kept"; only
    /// the resident's own uploads count), then the new files, each checked and stored now (content-addressed,
    /// as the resident's uploads), so that a form sent back with an error keeps them and the resident need not
    /// choose them again. The error, in the page's language, names the file refused.
    static func formEvidence(_ page: Page, _ me: Resident, form: Form) async throws -> (evidence: [Evidence], error: String?) {
        var evidence: [Evidence] = []
        var error: String?
        for value in form.fields["kept"] ?? [] {
            let parts = value.split(separator: "|", maxSplits: 1).map(String.init)
            guard parts.count == 2, parts[1].hasPrefix("sha256:"),
                  let blob = try await page.web.api.access.blob(digest: String(parts[1].dropFirst(7))), blob.uploadedBy == me.account.id,
                  let kind = EvidenceWording.classify(blob.bytes)?.kind, kind.rawValue == parts[0],
                  !evidence.contains(where: { $0.reference == parts[1] }) else { continue }
            evidence.append(Evidence(kind: kind, reference: parts[1]))
        }
        var accepted: [(kind: Evidence.Kind, mediaType: String, bytes: [UInt8])] = []
        for file in form.files("evidence") {
            guard let found = EvidenceWording.classify(file.bytes) else {
                error = page.text("portal.claimEvidenceType", ["name": file.filename]); continue
            }
            guard file.bytes.count <= page.web.api.configuration.evidenceBytesMax else {
                error = page.text("portal.claimEvidenceSize", ["name": file.filename,
                                                               "megabytes": String(page.web.api.configuration.evidenceBytesMax / 1_048_576)])
                continue
            }
            accepted.append((found.kind, found.mediaType, file.bytes))
        }
        for file in accepted {
            let upload = try await page.web.api.storeEvidence(file.bytes, mediaType: file.mediaType, uploadedBy: me.account.id)
            if !evidence.contains(where: { $0.reference == upload.reference }) { evidence.append(Evidence(kind: file.kind, reference: upload.reference)) }
        }
        if error == nil, evidence.count > Limits.evidencePerReportMax {
            error = page.text("portal.claimEvidenceTooMany", ["max": String(Limits.evidencePerReportMax)])
        }
        return (evidence, error)
    }

    /// Rows for the files a form sent back with an error keeps (hidden `kept` fields, thumbnails for photos).
    static func keptRows(_ page: Page, _ kept: [Evidence]) -> [[String: Any]] {
        kept.enumerated().map { index, item in
            let digest = String(item.reference.dropFirst("sha256:".count))
            return ["value": "\(item.kind.rawValue)|\(item.reference)", "isImage": item.kind == .photo, "src": "/portal/evidence/" + digest,
                    "label": page.text("portal.claimKeptItem", ["number": String(index + 1), "kind": EvidenceWording.count(page, item.kind, 1)])]
        }
    }

    static func fileClaim(_ page: Page, _ me: Resident, form: Form) async throws -> Response {
        var values: [String: String] = [:]
        for name in ["rule", "occurredOn", "statement", "claimId", "durationDays"] { values[name] = form[name] ?? "" }
        var errors: [String: String] = [:]
        let choice = (values["rule"] ?? "").split(separator: "|", maxSplits: 1).map(String.init)
        let claimable = try await claimableRules(page, me)
        let chosen = choice.count == 2 ? claimable.first { $0.scheme.id.rawValue == choice[0] && $0.rule.id.rawValue == choice[1] } : nil
        if chosen == nil { errors["rule"] = page.text("portal.claimRuleMissing") }
        let day = Day(iso: values["occurredOn"] ?? "")
        if let day, (1900...2999).contains(day.year) {
            if day > page.today { errors["occurredOn"] = page.text("portal.claimDayFuture") }
        } else {
            errors["occurredOn"] = page.text("portal.claimDayInvalid")
        }
        let statement = values["statement"] ?? ""
        if statement.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty { errors["statement"] = page.text("portal.claimStatementMissing") }
        else if statement.count > Limits.statementLengthMax {
            errors["statement"] = page.text("portal.claimStatementLong", ["max": String(Limits.statementLengthMax)])
        }
        let claimID = values["claimId"] ?? ""
        if !Reference.isValid(claimID, kind: .claim) { errors["form"] = page.text("portal.formStale") }
        // A deed that lasts (helping someone for six months) says for how many days; others leave it empty.
        let durationText = (values["durationDays"] ?? "").trimmingCharacters(in: .whitespaces)
        var duration: Int?
        if !durationText.isEmpty {
            duration = Int(durationText)
            if duration == nil || !(1...Limits.durationDaysMax).contains(duration ?? 0) {
                errors["durationDays"] = page.text("portal.claimDaysInvalid", ["max": String(Limits.durationDaysMax)])
            }
        }
        if let minimum = chosen?.rule.minimumDurationDays, errors["durationDays"] == nil, (duration ?? 0) < minimum {
            errors["durationDays"] = page.text("portal.claimDaysShort", ["days": String(minimum)])
        }
        if chosen != nil, chosen?.rule.minimumDurationDays == nil { duration = nil }

        let (evidence, evidenceError) = try await formEvidence(page, me, form: form)
        if let evidenceError { errors["evidence"] = evidenceError }
        if errors["evidence"] == nil, let chosen {
            if let requirement = chosen.rule.evidence, !requirement.isSatisfied(by: evidence) {
                errors["evidence"] = page.text("portal.claimEvidenceMissing", ["needs": EvidenceWording.requirement(page, requirement),
                                                                               "attached": EvidenceWording.attached(page, evidence)])
            } else if chosen.rule.evidence == nil, evidence.isEmpty {
                // The engine asks every self-claim for some evidence.
                errors["evidence"] = page.text("portal.claimEvidenceNone")
            }
        }
        func again(_ status: HTTPResponse.Status) async throws -> Response {
            page.render("portal/claim", title: page.text("portal.claimTitle"),
                        model: try await claim(page, me, values: values, errors: errors, kept: evidence), status: status)
        }
        guard errors.isEmpty, let chosen, let day else { return try await again(errors["form"] != nil ? .badRequest : .unprocessableContent) }
        let request = ReportRequest(
            id: Report.ID(claimID), subject: me.subject.id, scheme: chosen.scheme.id, rule: chosen.rule.id, reporter: try me.actor(page),
            role: .`self`, occurredOn: day, statement: statement, evidence: evidence, durationDays: duration)
        do {
            _ = try await page.engine.file(request)
        } catch let error as CivicError where error.code != .storage && error.code != .corrupted {
            // The engine's words are English; the resident reads the refusal in the page's language.
            errors["form"] = page.text(error.code == .conflict ? "portal.claimRefusedConflict" : "portal.claimRefused")
            return try await again(APIError(error).status)
        }
        return page.redirect("/portal/claim", done: "portal.claimFiled")
    }

    // MARK: Path

    static func path(_ page: Page, _ me: Resident) async throws -> [String: Any] {
        let paths = try await page.engine.path(me.subject.id, asOf: page.today)
        let handbooks = try await page.engine.handbooks()
        let items: [[String: Any]] = paths.map { path in
            let scheme = handbooks.scheme(path.scheme)?.scheme
            var words: [String] = []
            if let next = path.nextGrade, let needed = path.pointsNeeded {
                words.append(needed.isPositive
                    ? page.text("portal.pathNeed", ["points": needed.description, "grade": next.rawValue, "minimum": path.nextGradeMinimum?.description ?? ""])
                    : page.text("portal.pathScoreEnough", ["grade": next.rawValue]))
            } else if path.grade != nil {
                words.append(page.text("portal.pathTop"))
            }
            let holds: [[String: Any]] = path.holds.map { hold in
                // A lock-in started by an entry's grade cap names its entry: it outlives the entry's expiry.
                let key = hold.kind == .gradeCap ? "portal.holdCap" : hold.entry == nil ? "portal.holdLock" : "portal.holdCapLock"
                return ["text": page.text(key, ["grade": hold.grade.rawValue, "until": hold.until?.description ?? page.text("portal.untilRemedied")]),
                        "entry": hold.entry.map { ["id": $0.rawValue, "href": "/portal/entries/" + Page.escapeQuery($0.rawValue)] } as Any]
            }
            if path.nextGrade != nil {
                words.append(path.earliestDay.map { page.text("portal.pathEarliest", ["day": $0.description]) } ?? page.text("portal.pathNoDay"))
            }
            let rules: [[String: Any]] = path.rules.map { step in
                let rule = scheme?.rule(step.rule)
                return ["title": page.text(step.title), "points": step.points.map(points) as Any,
                        "times": step.occurrencesNeeded.map { page.text("portal.pathTimes", ["count": String($0)]) } as Any,
                        "periods": step.periodsNeeded.map { page.text("portal.pathPeriods", ["count": String($0)]) } as Any,
                        "earliest": step.earliestDay?.description as Any,
                        "claimable": rule?.reporters.contains(.`self`) ?? step.reporters.contains(.`self`)]
            }
            let expiring: [[String: Any]] = path.entries.compactMap { effect in
                guard effect.points.isNegative, let outcome = effect.onExpiry else { return nil }
                return ["text": page.text("portal.pathExpiry", ["day": outcome.asOf.description, "score": outcome.score.description,
                                                                "grade": outcome.grade?.rawValue ?? "–"]),
                        "href": "/portal/entries/" + Page.escapeQuery(effect.entry.rawValue), "id": effect.entry.rawValue]
            }
            return ["title": scheme.map { page.text($0.title) } ?? path.scheme.rawValue, "score": path.score.description,
                    "grade": path.grade?.rawValue as Any, "next": path.nextGrade?.rawValue as Any, "words": words, "holds": holds,
                    "rules": rules, "expiring": expiring]
        }
        return ["paths": items]
    }

    // MARK: Export

    struct Export: Encodable {
        var format = "civiccredit-resident-export-1"
        var exportedOn: String
        var subject: Subject
        var household: Subject?
        var entries: [Entry]
        var reports: [ReportRecord]
        var notices: [Notice]
        var appeals: [AppealRecord]
        var standings: [Standing]
        var evidenceUploadedByMe: [String]
    }

    static func export(_ page: Page, _ me: Resident) async throws -> [UInt8] {
        let reports = try await page.store.reports(subject: me.subject.id).sorted { $0.report.id < $1.report.id }
        var uploads: [String] = []
        for reference in reports.flatMap(\.report.evidence).map(\.reference) where reference.hasPrefix("sha256:") {
            let digest = String(reference.dropFirst(7))
            if APIServices.isEvidenceDigest(digest), let blob = try await page.web.api.access.blob(digest: digest), blob.uploadedBy == me.account.id {
                uploads.append(reference)
            }
        }
        var household: Subject?
        if let id = me.subject.household { household = try await page.store.subject(id) }
        let export = Export(
            exportedOn: page.today.description, subject: me.subject,
            household: household,
            entries: try await page.store.entries(subject: me.subject.id).sorted { $0.sequence < $1.sequence },
            reports: reports,
            notices: try await page.store.notices(subject: me.subject.id).sorted { $0.id < $1.id },
            appeals: try await page.engine.appeals(of: me.subject.id).sorted { $0.appeal.id < $1.appeal.id },
            standings: try await page.engine.standings(of: me.subject.id, asOf: page.today),
            evidenceUploadedByMe: uploads)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return Array(try encoder.encode(export))
    }
}
