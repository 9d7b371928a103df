import CivicAPI
import CivicAccess
import CivicCore
import Crypto
import Foundation
import HTTPTypes
import Hummingbird
import NIOCore

/// The assessor's pages: the households they cover, filing a report with photos from a phone, and the
/// reports they filed with their outcome. Reach is the API's: the assigned households and their members.
extension WebServices {
    func registerAssessor(on router: Router<APIRequestContext>) {
        get(router, "/assessor") { page in try await self.assessorHouseholds(page) }
        get(router, "/assessor/reports/new") { page in
            try Self.requireAssessor(page, .fileReport)
            var values = ReportFormValues(id: page.newReference(.report))
            values.subject = page.query("subject") ?? ""
            values.occurredOn = page.today.description
            return try await self.reportForm(page, values: values, errors: [:], status: .ok)
        }
        post(router, "/assessor/reports") { page in try await self.fileReport(page) }
        get(router, "/assessor/reports") { page in try await self.assessorReports(page) }
        get(router, "/assessor/reports/:id") { page in
            try Self.requireAssessor(page, .getReport)
            let record = try await self.visibleReport(page, id: page.context.parameters.get("id") ?? "", operation: .getReport)
            return page.render("assessor/report", title: page.text("assessor.reportTitle", ["id": record.report.id.rawValue]),
                               model: try await self.reportModel(page, record, evidencePath: "/assessor/evidence/"))
        }
        get(router, "/assessor/evidence/:digest") { page in try await self.evidence(page) }
    }

    // MARK: Households

    /// Every subject the assessor covers: the assigned households and their members, household by household.
    func coveredSubjects(_ page: Page) async throws -> [(household: Subject, members: [Subject])] {
        let account = try page.account
        var covered: [(Subject, [Subject])] = []
        for household in try await page.store.subjects(account.households).sorted(by: { $0.id < $1.id }) {
            covered.append((household, try await page.store.members(of: household.id).sorted { $0.id < $1.id }))
        }
        return covered
    }

    func assessorHouseholds(_ page: Page) async throws -> Response {
        try Self.requireAssessor(page, .listSubjects)
        let search = (page.query("q") ?? "").trimmingCharacters(in: .whitespaces)
        var covered = try await coveredSubjects(page)
        if !search.isEmpty {
            let needle = search.lowercased()
            func hit(_ subject: Subject) -> Bool { subject.name.lowercased().contains(needle) || subject.id.rawValue.lowercased().contains(needle) }
            covered = covered.filter { hit($0.household) || $0.members.contains(where: hit) }
        }
        let after = page.query("after")
        let start = after.map { cursor in covered.firstIndex { $0.household.id.rawValue > cursor } ?? covered.count } ?? 0
        let slice = Array(covered[start...].prefix(configuration.rowsPerPage))
        var rows: [[String: Any]] = []
        for (household, members) in slice {
            var people: [[String: Any]] = []
            for subject in [household] + members {
                let standings = try await page.store.standings(subject: subject.id).sorted { $0.scheme < $1.scheme }
                people.append([
                    "id": subject.id.rawValue, "name": subject.name, "isHousehold": subject.kind == .household,
                    "standings": standings.map { ["scheme": $0.scheme.rawValue, "score": $0.score.description, "grade": $0.grade?.rawValue ?? "–"] },
                    "reportHref": "/assessor/reports/new?subject=" + Page.escapeQuery(subject.id.rawValue),
                ])
            }
            rows.append(["id": household.id.rawValue, "name": household.name, "people": people])
        }
        var model: [String: Any] = ["households": rows, "q": search, "total": covered.count, "empty": rows.isEmpty]
        if start + slice.count < covered.count, let last = slice.last {
            model["next"] = "/assessor?" + (search.isEmpty ? "" : "q=\(Page.escapeQuery(search))&") + "after=\(Page.escapeQuery(last.household.id.rawValue))"
        }
        return page.render("assessor/households", title: page.text("assessor.householdsTitle"), model: model)
    }

    /// These pages are an assessor's: the operation must reach exactly the assigned households (residents
    /// file their own claims on the portal; other staff have their own pages).
    static func requireAssessor(_ page: Page, _ operation: APIOperation) throws {
        guard try page.admit(operation) == .assignedHouseholds else {
            throw APIError(.forbidden, page.text("assessor.onlyAssessors"))
        }
    }

    // MARK: Filing a report

    struct ReportFormValues {
        var id: String
        var subject = ""
        var rule = ""
        var occurredOn = ""
        var statement = ""
        var durationDays = ""
        var stars = ""
    }

    /// The rules an assessor may report under for the subjects they cover, from the handbooks in force.
    func reportableRules(_ page: Page, subjects: [Subject]) async throws -> [(scheme: Scheme, rule: Rule)] {
        let handbooks = try await page.engine.handbooks()
        let jurisdictions = try await page.store.jurisdictions()
        var seen = Set<String>()
        var rules: [(Scheme, Rule)] = []
        for subject in subjects {
            for (_, scheme) in handbooks.schemes(for: subject, lineage: jurisdictions.lineage(of: subject.jurisdiction)) {
                for rule in scheme.rules where rule.reporters.contains(.assessor) && seen.insert(Self.ruleKey(scheme.id, rule.id)).inserted {
                    rules.append((scheme, rule))
                }
            }
        }
        return rules
    }

    static func ruleKey(_ scheme: Scheme.ID, _ rule: Rule.ID) -> String { "\(scheme.rawValue)|\(rule.rawValue)" }

    func reportForm(_ page: Page, values: ReportFormValues, errors: [String: String], status: HTTPResponse.Status) async throws -> Response {
        let covered = try await coveredSubjects(page)
        let subjects = covered.flatMap { [$0.household] + $0.members }
        // With a subject chosen, only the rules of the schemes that apply to it.
        let chosen = subjects.filter { $0.id.rawValue == values.subject }
        let rules = try await reportableRules(page, subjects: chosen.isEmpty ? subjects : chosen)
        let subjectOptions: [[String: Any]] = subjects.map {
            ["value": $0.id.rawValue, "label": "\($0.name) (\($0.id.rawValue))", "selected": $0.id.rawValue == values.subject]
        }
        let ruleOptions: [[String: Any]] = rules.map { scheme, rule in
            let points = rule.points.map { page.text("assessor.rulePoints", ["points": $0.signedDescription]) } ?? page.text("assessor.ruleStars")
            var needs: [String] = []
            if let days = rule.minimumDurationDays { needs.append(page.text("assessor.needsDuration", ["days": String(days)])) }
            if let evidence = rule.evidence { needs.append(page.text("assessor.needsEvidence", ["what": EvidenceWording.requirement(page, evidence)])) }
            if rule.approvalsRequired > 1 { needs.append(page.text("assessor.needsReviewers", ["count": String(rule.approvalsRequired)])) }
            return ["value": Self.ruleKey(scheme.id, rule.id), "selected": Self.ruleKey(scheme.id, rule.id) == values.rule,
                    "label": "\(page.text(rule.title)) · \(points)" + (needs.isEmpty ? "" : " · " + needs.joined(separator: ", ")),
                    "scheme": page.text(scheme.title)]
        }
        let model: [String: Any] = [
            "id": values.id, "subjects": subjectOptions, "rules": ruleOptions, "occurredOn": values.occurredOn, "today": page.today.description,
            "statement": values.statement, "durationDays": values.durationDays, "stars": values.stars,
            "errors": errors, "hasErrors": !errors.isEmpty, "general": errors["general"] as Any,
        ]
        return page.render("assessor/new-report", title: page.text("assessor.newTitle"), model: model, status: status)
    }

    func fileReport(_ page: Page) async throws -> Response {
        let account = try page.account
        try Self.requireAssessor(page, .fileReport)
        let form = try await page.form()
        var values = ReportFormValues(id: form["id"] ?? "")
        values.subject = form["subject"] ?? ""
        values.rule = form["rule"] ?? ""
        values.occurredOn = form["occurredOn"] ?? ""
        values.statement = form["statement"] ?? ""
        values.durationDays = form["durationDays"] ?? ""
        values.stars = form["stars"] ?? ""
        var errors: [String: String] = [:]
        if !Report.ID.isValid(values.id) { values.id = page.newReference(.report) }
        let visibility = try page.visibility(.fileReport)
        var subject: Subject?
        if values.subject.isEmpty {
            errors["subject"] = page.text("assessor.errorSubject")
        } else if let found = try? await visibility.require(values.subject) {
            subject = found
        } else {
            errors["subject"] = page.text("assessor.errorOutOfReach", ["id": values.subject])
        }
        let ruleParts = values.rule.split(separator: "|").map(String.init)
        if ruleParts.count != 2 || !Scheme.ID.isValid(ruleParts[0]) || !Rule.ID.isValid(ruleParts[1]) {
            errors["rule"] = page.text("assessor.errorRule")
        }
        let occurredOn = Day(iso: values.occurredOn)
        if occurredOn == nil || !(1900...2999).contains(occurredOn?.year ?? 0) {
            errors["occurredOn"] = page.text("assessor.errorDay")
        } else if let occurredOn, occurredOn > page.today {
            errors["occurredOn"] = page.text("assessor.errorFuture")
        }
        if values.statement.isEmpty { errors["statement"] = page.text("assessor.errorStatement") }
        let duration = values.durationDays.isEmpty ? nil : Int(values.durationDays)
        if !values.durationDays.isEmpty, (duration ?? 0) < 1 { errors["durationDays"] = page.text("assessor.errorNumber") }
        let stars = values.stars.isEmpty ? nil : Int(values.stars)
        if !values.stars.isEmpty, stars == nil || !(1...5).contains(stars ?? 0) { errors["stars"] = page.text("assessor.errorStars") }
        let photos = form.files("photos")
        var accepted: [(mediaType: String, bytes: [UInt8])] = []
        if !photos.isEmpty { _ = try page.admit(.uploadEvidence) }
        for photo in photos {
            let mediaType = ["image/jpeg", "image/png"].first { EvidenceSignature.matches(photo.bytes, mediaType: $0) }
            if photo.bytes.count > api.configuration.evidenceBytesMax {
                errors["photos"] = page.text("assessor.errorPhotoSize", ["name": photo.filename])
            } else if let mediaType {
                accepted.append((mediaType, photo.bytes))
            } else {
                errors["photos"] = page.text("assessor.errorPhotoType", ["name": photo.filename])
            }
        }
        guard errors.isEmpty, let subject, let occurredOn else {
            return try await reportForm(page, values: values, errors: errors, status: .unprocessableContent)
        }
        guard let actor = account.actor else {
            return try await reportForm(page, values: values, errors: ["general": page.text("assessor.errorNoActor")], status: .forbidden)
        }
        // The photos are stored the one way the API's evidence upload stores them: content-addressed by SHA-256.
        var evidence: [Evidence] = []
        for photo in accepted {
            let stored = try await api.storeEvidence(photo.bytes, mediaType: photo.mediaType, uploadedBy: account.id)
            evidence.append(Evidence(kind: .photo, reference: stored.reference))
        }
        let request = ReportRequest(id: Report.ID(values.id), subject: subject.id, scheme: Scheme.ID(ruleParts[0]), rule: Rule.ID(ruleParts[1]),
                                    reporter: actor, role: .assessor, occurredOn: occurredOn, statement: values.statement,
                                    evidence: evidence, durationDays: duration, stars: stars)
        do {
            _ = try await page.engine.file(request)
        } catch let error as CivicError where error.code != .storage && error.code != .corrupted {
            return try await reportForm(page, values: values, errors: ["general": error.message], status: Self.status(of: error))
        }
        return page.redirect("/assessor/reports/" + Page.escapeQuery(values.id), done: "assessor.filed")
    }

    /// The form status for an engine refusal.
    static func status(of error: CivicError) -> HTTPResponse.Status {
        switch error.code {
        case .invalidInput: .unprocessableContent
        case .notFound: .notFound
        case .conflict, .concurrentWrite, .refused: .conflict
        default: .internalServerError
        }
    }

    // MARK: My reports

    func assessorReports(_ page: Page) async throws -> Response {
        let account = try page.account
        try Self.requireAssessor(page, .listSubjectReports)
        let subjects = try await coveredSubjects(page).flatMap { [$0.household] + $0.members }
        let names = Dictionary(subjects.map { ($0.id, $0.name) }, uniquingKeysWith: { first, _ in first })
        var mine: [ReportRecord] = []
        for subject in subjects {
            mine += try await page.store.reports(subject: subject.id).filter { $0.report.reporter == account.actor }
        }
        mine.sort { ($0.report.filedOn, $0.report.id) > ($1.report.filedOn, $1.report.id) }
        let start = page.query("after").map { cursor in (mine.firstIndex { $0.report.id.rawValue == cursor }).map { $0 + 1 } ?? mine.count } ?? 0
        let slice = Array(mine[start...].prefix(configuration.rowsPerPage))
        let rows: [[String: Any]] = slice.map { record in
            var row = outcome(page, record)
            row["id"] = record.report.id.rawValue
            row["href"] = "/assessor/reports/" + Page.escapeQuery(record.report.id.rawValue)
            row["subject"] = names[record.report.subject] ?? record.report.subject.rawValue
            row["rule"] = record.report.rule.rawValue
            row["filedOn"] = record.report.filedOn.description
            return row
        }
        var model: [String: Any] = ["reports": rows, "empty": rows.isEmpty]
        if start + slice.count < mine.count, let last = slice.last { model["next"] = "/assessor/reports?after=" + Page.escapeQuery(last.report.id.rawValue) }
        return page.render("assessor/reports", title: page.text("assessor.reportsTitle"), model: model)
    }

    /// A report's status as a badge, and the latest reviewer's reason.
    func outcome(_ page: Page, _ record: ReportRecord) -> [String: Any] {
        let status = record.status
        let tone = switch status {
        case .pending, .awaitingGrace: "warn"
        case .rejected: "bad"
        default: "good"
        }
        let last = record.decisions.last
        return ["status": page.text(Self.key("assessor", "status", status.rawValue)), "tone": tone,
                "outcome": last.map { outcomeLabel(page, $0.outcome) } as Any, "reason": last?.reason as Any]
    }

    func outcomeLabel(_ page: Page, _ outcome: Decision.Outcome) -> String {
        switch outcome {
        case .approve: page.text("assessor.outcomeApprove")
        case .reject: page.text("assessor.outcomeReject")
        case .adjust(let points): page.text("assessor.outcomeAdjust", ["points": points.signedDescription])
        }
    }

    // MARK: Shared with the committee pages

    /// A report about a subject the caller may see under `operation`; any other answers like a missing one.
    func visibleReport(_ page: Page, id: String, operation: APIOperation) async throws -> ReportRecord {
        let visibility = try page.visibility(operation)
        guard Report.ID.isValid(id), let record = try await page.store.report(Report.ID(id)),
              let subject = try await page.store.subject(record.report.subject), try await visibility.canSee(subject) else {
            throw PageError.notFound
        }
        return record
    }

    /// What a report page shows: the facts, the rule as the handbook words it, the evidence, the decisions.
    func reportModel(_ page: Page, _ record: ReportRecord, evidencePath: String) async throws -> [String: Any] {
        let report = record.report
        let subject = try await page.store.subject(report.subject)
        let handbook = try await page.engine.handbooks().version(report.handbookVersion, of: report.handbookJurisdiction)
        let rule = handbook?.scheme(report.scheme)?.rule(report.rule)
        let reporter = try await page.store.actor(report.reporter)
        var decisions: [[String: Any]] = []
        for decision in record.decisions {
            let reviewer = try await page.store.actor(decision.reviewer)
            decisions.append(["outcome": outcomeLabel(page, decision.outcome), "reason": decision.reason,
                              "reviewer": reviewer?.name ?? decision.reviewer.rawValue, "decidedOn": decision.decidedOn.description])
        }
        let evidence: [[String: Any]] = report.evidence.map { item in
            let digest = item.reference.hasPrefix("sha256:") ? String(item.reference.dropFirst(7)) : nil
            return ["kind": page.text(Self.key("assessor", "evidence", item.kind.rawValue)), "reference": item.reference,
                    "src": digest.map { evidencePath + $0 } as Any, "isImage": digest != nil && (item.kind == .photo)]
        }
        var model = outcome(page, record)
        model.merge([
            "id": report.id.rawValue, "subject": subject?.name ?? report.subject.rawValue, "subjectID": report.subject.rawValue,
            "rule": rule.map { page.text($0.title) } ?? report.rule.rawValue, "ruleID": report.rule.rawValue,
            "points": rule?.points?.signedDescription ?? page.text("assessor.ruleStars"),
            "category": rule.map { page.text($0.category.title) } as Any,
            "scheme": handbook?.scheme(report.scheme).map { page.text($0.title) } ?? report.scheme.rawValue,
            "handbookVersion": report.handbookVersion, "reporter": reporter?.name ?? report.reporter.rawValue,
            "occurredOn": report.occurredOn.description, "filedOn": report.filedOn.description, "cycle": report.cycle.description,
            "statement": report.statement, "evidence": evidence, "hasEvidence": !evidence.isEmpty,
            "decisions": decisions, "hasDecisions": !decisions.isEmpty,
        ]) { _, new in new }
        // Only what the report has: an absent optional must not reach the template as a value.
        if let days = report.durationDays { model["durationDays"] = days }
        if let stars = report.stars { model["stars"] = stars }
        return model
    }

    /// An evidence file, served only to those the API's getEvidence policy admits (assessors and residents:
    /// only what they uploaded themselves).
    func evidence(_ page: Page) async throws -> Response {
        let reach = try page.admit(.getEvidence)
        let digest = page.context.parameters.get("digest") ?? ""
        guard let blob = try await api.visibleEvidence(digest: digest, reach: reach, caller: page.caller) else { throw PageError.notFound }
        var headers = HTTPFields()
        headers[.contentType] = blob.mediaType
        headers[.cacheControl] = "private, no-store"
        headers[.xContentTypeOptions] = "nosniff"
        headers[.contentSecurityPolicy] = "default-src 'none'; sandbox"
        return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: blob.bytes)))
    }
}

extension WebServices {
    /// The catalog key for a value of an enumeration: `area.prefixValueName` (`awaiting-grace` -> `AwaitingGrace`).
    static func key(_ area: String, _ prefix: String, _ value: String) -> String {
        let words = value.split(separator: "-").map { $0.prefix(1).uppercased() + $0.dropFirst() }
        return "\(area).\(prefix)\(words.joined())"
    }
}
