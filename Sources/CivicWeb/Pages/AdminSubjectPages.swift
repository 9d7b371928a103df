import CivicAPI
import CivicCore
import Foundation
import Hummingbird

/// Subjects for staff: a search over the registry, and one subject with everything recorded about it.
extension WebServices {
    func registerAdminSubjects(on router: Router<APIRequestContext>) {
        get(router, "/admin/subjects") { page in
            try page.requireStaff()
            _ = try page.admit(.listSubjects)
            let search = (page.query("q") ?? "").trimmingCharacters(in: .whitespaces)
            let wantedKind = page.query("kind").flatMap { SubjectKind(rawValue: $0) }
            let jurisdictions = try await page.store.jurisdictions().sorted { $0.id < $1.id }
            let wantedJurisdiction = page.query("jurisdiction").flatMap { text in jurisdictions.first { $0.id.rawValue == text }?.id }
            let needle = search.lowercased()
            func matches(_ subject: Subject) -> Bool {
                if let wantedKind, subject.kind != wantedKind { return false }
                if let wantedJurisdiction, !jurisdictions.lineage(of: subject.jurisdiction).contains(wantedJurisdiction) { return false }
                return needle.isEmpty || subject.id.rawValue.lowercased().contains(needle) || subject.name.lowercased().contains(needle)
            }
            let rows = page.web.configuration.rowsPerPage
            var cursor = page.query("after").flatMap { Subject.ID.isValid($0) ? Subject.ID($0) : nil }
            var found: [Subject] = []
            scan: while true {
                let batch = try await page.store.subjects(after: cursor, limit: 1_000)
                for subject in batch where matches(subject) {
                    found.append(subject)
                    if found.count > rows { break scan }
                }
                guard batch.count == 1_000, let last = batch.last else { break }
                cursor = last.id
            }
            let shown = Array(found.prefix(rows))
            var model: [String: Any] = [
                "q": search,
                "kinds": SubjectKind.allCases.map { ["id": $0.rawValue, "name": page.text("admin.kind" + $0.rawValue.capitalized), "selected": $0 == wantedKind] },
                "jurisdictions": jurisdictions.map { ["id": $0.id.rawValue, "name": page.text($0.name), "selected": $0.id == wantedJurisdiction] },
                "subjects": shown.map { subject -> [String: Any] in
                    ["id": subject.id.rawValue, "name": subject.name, "kind": page.text("admin.kind" + subject.kind.rawValue.capitalized),
                     "jurisdiction": subject.jurisdiction.rawValue, "household": subject.household?.rawValue ?? "",
                     "link": "/admin/subjects/" + Page.escapeQuery(subject.id.rawValue)]
                },
                "empty": shown.isEmpty,
            ]
            if found.count > rows, let last = shown.last {
                var items = [("after", last.id.rawValue)]
                if !search.isEmpty { items.append(("q", search)) }
                if let wantedKind { items.append(("kind", wantedKind.rawValue)) }
                if let wantedJurisdiction { items.append(("jurisdiction", wantedJurisdiction.rawValue)) }
                model["next"] = "/admin/subjects?" + items.map { "\($0.0)=\(Page.escapeQuery($0.1))" }.joined(separator: "&")
            }
            return page.render("admin/subjects", title: page.text("admin.subjectsTitle"), model: model)
        }

        get(router, "/admin/households") { page in
            page.redirect("/admin/subjects?kind=household")
        }

        get(router, "/admin/subjects/:id") { page in
            try page.requireStaff()
            let visibility = try page.visibility(.getSubject)
            let id = page.context.parameters.get("id") ?? ""
            guard Subject.ID.isValid(id), let subject = try? await visibility.require(id) else { throw PageError.notFound }
            _ = try page.admit(.explainScore)
            let store = page.store
            func link(_ subject: Subject.ID) -> String { "/admin/subjects/" + Page.escapeQuery(subject.rawValue) }
            var model: [String: Any] = [
                "id": subject.id.rawValue, "name": subject.name, "kind": page.text("admin.kind" + subject.kind.rawValue.capitalized),
                "jurisdiction": subject.jurisdiction.rawValue, "registeredOn": subject.registeredOn.description,
                "birthDate": HandbookEditor.section(subject.birthDate?.description), "attributes": subject.attributes.sorted().joined(separator: ", "),
            ]
            if let household = subject.household, let found = try await store.subject(household) {
                model["household"] = ["name": found.name, "link": link(found.id), "id": found.id.rawValue]
            }
            let members = try await store.members(of: subject.id).sorted { $0.id < $1.id }
            model["hasMembers"] = !members.isEmpty
            model["members"] = members.map { ["name": $0.name, "id": $0.id.rawValue, "link": link($0.id)] }
            let explanations = try await page.engine.explain(subject.id, asOf: page.today)
            model["schemes"] = explanations.map { item -> [String: Any] in
                let standing = item.explanation.standing
                return [
                    "title": page.text(item.scheme.title), "id": item.scheme.id.rawValue, "version": item.handbook.version,
                    "score": standing.score.description, "grade": HandbookEditor.section(standing.grade?.rawValue),
                    "hasReasons": !item.explanation.gradeReasons.isEmpty, "hasContributions": !item.explanation.contributions.isEmpty,
                    "listings": standing.activeListings.map { ["list": page.text("admin.list" + $0.list.rawValue.capitalized), "reason": $0.reason] },
                    "reasons": item.explanation.gradeReasons,
                    "contributions": item.explanation.contributions.map { contribution -> [String: Any] in
                        let entry = contribution.entry
                        let rule = entry.rule.flatMap { item.scheme.rule($0) }
                        return ["entry": entry.id.rawValue, "day": entry.effectiveOn.description, "points": entry.points.signedDescription,
                                "plus": entry.points.hundredths > 0, "minus": entry.points.hundredths < 0,
                                "rule": rule.map { page.text($0.title) } ?? entry.kind.rawValue,
                                "expires": entry.expiresOn?.description ?? ""]
                    },
                ]
            }
            let entries = try await store.entries(subject: subject.id).sorted { $0.sequence > $1.sequence }
            model["entries"] = entries.prefix(page.web.configuration.rowsPerPage).map { entry -> [String: Any] in
                ["id": entry.id.rawValue, "kind": entry.kind.rawValue, "scheme": entry.scheme.rawValue, "points": entry.points.signedDescription,
                 "plus": entry.points.hundredths > 0, "minus": entry.points.hundredths < 0,
                 "day": entry.effectiveOn.description, "expires": entry.expiresOn?.description ?? ""]
            }
            model["entriesMore"] = HandbookEditor.section(entries.count > page.web.configuration.rowsPerPage
                ? page.text("admin.entriesMore", ["count": String(entries.count)]) : nil)
            let reports = try await store.reports(subject: subject.id).sorted { $0.report.filedOn > $1.report.filedOn }
            model["hasReports"] = !reports.isEmpty
            model["reports"] = reports.map {
                ["id": $0.report.id.rawValue, "rule": $0.report.rule.rawValue, "status": $0.status.rawValue,
                 "filedOn": $0.report.filedOn.description, "reporter": $0.report.reporter.rawValue, "statement": $0.report.statement]
            }
            let notices = try await store.notices(subject: subject.id).sorted { $0.createdOn > $1.createdOn }
            model["notices"] = notices.map { ["id": $0.id.rawValue, "kind": $0.kind.rawValue, "day": $0.createdOn.description] }
            let appeals = try await store.appeals(subject: subject.id).sorted { $0.appeal.filedOn > $1.appeal.filedOn }
            model["appeals"] = appeals.map { record -> [String: Any] in
                ["id": record.appeal.id.rawValue, "entry": record.appeal.entry.rawValue, "filedOn": record.appeal.filedOn.description,
                 "decideBy": record.appeal.decideBy.description,
                 "outcome": record.decision.map { "\($0.outcome)" } ?? page.text("admin.undecided")]
            }
            return page.render("admin/subject", title: page.text("admin.subjectTitle", ["name": subject.name]), model: model)
        }
    }
}
