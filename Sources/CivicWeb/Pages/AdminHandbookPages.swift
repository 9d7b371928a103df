import CivicAPI
import CivicCore
import CivicHandbook
import Foundation
import Hummingbird

/// The handbook editor: the published YAML source, lint with the faulty lines marked, the impact of a
/// candidate on today's standings, and publication (only of a source that lints clean) after a diff.
extension WebServices {
    func registerAdminHandbook(on router: Router<APIRequestContext>) {
        get(router, "/admin/handbook") { page in
            try page.requireStaff()
            _ = try page.admit(.getCurrentHandbook)
            let (options, selected) = try await page.adminJurisdiction()
            guard let current = try await page.engine.handbooks().current(for: selected) else { throw PageError.notFound }
            var model = HandbookEditor(page: page, jurisdiction: selected, options: options, source: current.source).model()
            model["published"] = page.text("admin.publishedVersion", ["version": String(current.handbook.version),
                                                                      "day": current.publishedOn.description, "by": current.publishedBy.rawValue])
            return page.render("admin/handbook", title: page.text("admin.handbookTitle"), model: model)
        }

        post(router, "/admin/handbook/lint") { page in
            _ = try page.admit(.lintHandbook)
            var editor = try await HandbookEditor.posted(page)
            editor.lint()
            return page.render("admin/handbook", title: page.text("admin.handbookTitle"), model: editor.model(),
                               status: editor.hasErrors ? .unprocessableContent : .ok)
        }

        post(router, "/admin/handbook/preview") { page in
            _ = try page.admit(.previewHandbook)
            var editor = try await HandbookEditor.posted(page)
            editor.lint()
            guard !editor.hasErrors, let handbook = try? APIServices.validHandbook(editor.source) else {
                return page.render("admin/handbook", title: page.text("admin.handbookTitle"), model: editor.model(), status: .unprocessableContent)
            }
            guard handbook.jurisdiction == editor.jurisdiction else {
                editor.error = page.text("admin.otherJurisdiction", ["jurisdiction": handbook.jurisdiction.rawValue])
                return page.render("admin/handbook", title: page.text("admin.handbookTitle"), model: editor.model(), status: .unprocessableContent)
            }
            editor.preview = try await page.engine.preview(handbook, asOf: page.today)
            try await editor.diff(handbook)
            return page.render("admin/handbook", title: page.text("admin.handbookTitle"), model: editor.model())
        }

        post(router, "/admin/handbook/publish") { page in
            _ = try page.admit(.publishHandbook)
            var editor = try await HandbookEditor.posted(page)
            editor.lint()
            let form = try await page.form()
            guard !editor.hasErrors else {
                editor.error = page.text("admin.publishRefusedLint")
                return page.render("admin/handbook", title: page.text("admin.handbookTitle"), model: editor.model(), status: .unprocessableContent)
            }
            guard form["confirm"] == "yes" else {
                editor.confirmError = page.text("admin.confirmMissing")
                if let handbook = try? APIServices.validHandbook(editor.source) { try await editor.diff(handbook) }
                return page.render("admin/handbook", title: page.text("admin.handbookTitle"), model: editor.model(), status: .unprocessableContent)
            }
            do {
                let handbook = try APIServices.validHandbook(editor.source)
                guard handbook.jurisdiction == editor.jurisdiction else {
                    throw APIError(.unprocessableContent, page.text("admin.otherJurisdiction", ["jurisdiction": handbook.jurisdiction.rawValue]))
                }
                guard let actor = try page.account.actor else { throw APIError(.forbidden, page.text("admin.noActor")) }
                _ = try await page.engine.publish(handbook, source: editor.source, by: actor)
            } catch let error as CivicError where error.code != .storage && error.code != .corrupted {
                editor.error = error.message
                return page.render("admin/handbook", title: page.text("admin.handbookTitle"), model: editor.model(), status: .conflict)
            } catch let error as APIError {
                editor.error = error.detail
                return page.render("admin/handbook", title: page.text("admin.handbookTitle"), model: editor.model(), status: error.status)
            }
            return page.redirect("/admin/handbook?jurisdiction=" + Page.escapeQuery(editor.jurisdiction.rawValue), done: "admin.published")
        }
    }
}

/// The editor's state: the source being edited and what lint, preview and diff said about it.
struct HandbookEditor {
    let page: Page
    var jurisdiction: Jurisdiction.ID
    var options: [[String: Any]]
    var source: String
    var diagnostics: [Diagnostic]?
    var preview: HandbookPreviewReport?
    var changes: HandbookDiff?
    var error: String?
    var confirmError: String?

    init(page: Page, jurisdiction: Jurisdiction.ID, options: [[String: Any]], source: String) {
        self.page = page
        self.jurisdiction = jurisdiction
        self.options = options
        self.source = source
    }

    static func posted(_ page: Page) async throws -> HandbookEditor {
        let form = try await page.form()
        let (options, selected) = try await page.adminJurisdiction(form["jurisdiction"] ?? "")
        // The source keeps its own spacing; browsers send CRLF line ends.
        let source = (form.fields["source"]?.first ?? "").replacingOccurrences(of: "\r\n", with: "\n")
        guard source.utf8.count <= page.web.api.configuration.evidenceBytesMax else {
            throw APIError(.contentTooLarge, page.text("admin.sourceTooLarge"))
        }
        return HandbookEditor(page: page, jurisdiction: selected, options: options, source: source)
    }

    var hasErrors: Bool { diagnostics?.contains(where: \.isError) ?? false }

    mutating func lint() { diagnostics = HandbookLoader.lint(source, file: "handbook") }

    mutating func diff(_ candidate: Handbook) async throws {
        guard let current = try await page.engine.handbooks().current(for: jurisdiction) else { return }
        changes = HandbookDiff(from: current.handbook, to: candidate)
    }

    func model() -> [String: Any] {
        let marked = Dictionary(grouping: diagnostics ?? [], by: \.line)
        let lines: [[String: Any]] = SourceLines.split(source).enumerated().map { index, text in
            let number = index + 1
            let found = marked[number] ?? []
            // The problems of a line sit beside it, so the source is shown once.
            let problems: [[String: Any]] = found.map {
                ["severity": page.text($0.isError ? "admin.severityError" : "admin.severityWarning"), "column": $0.column,
                 "message": $0.message, "problemError": $0.isError]
            }
            return ["number": number, "text": String(text), "error": found.contains(where: \.isError),
                    "warning": !found.isEmpty && !found.contains(where: \.isError), "problems": problems]
        }
        var model: [String: Any] = [
            "jurisdictions": options, "jurisdiction": jurisdiction.rawValue, "source": source,
            "canEdit": page.may(.publishHandbook), "error": Self.section(error), "confirmError": Self.section(confirmError),
        ]
        if let diagnostics {
            model["linted"] = true
            model["valid"] = !hasErrors
            model["diagnostics"] = diagnostics.map {
                ["line": $0.line, "column": $0.column, "message": $0.message(in: page.language.rawValue), "path": $0.path, "error": $0.isError,
                 "severity": page.text($0.isError ? "admin.severityError" : "admin.severityWarning")]
            }
            model["errorCount"] = page.text("admin.lintErrors", ["count": String(diagnostics.filter(\.isError).count)])
            if !diagnostics.isEmpty {
                model["lines"] = lines
                model["hasLines"] = true
            }
        }
        if let preview { model["preview"] = Self.previewModel(preview, page: page) }
        if let changes {
            model["diff"] = ["empty": changes.isEmpty, "versions": "\(changes.oldVersion) → \(changes.newVersion)",
                             "changes": changes.changes.map { ["kind": $0.kind.rawValue, "text": $0.description] }]
        }
        return model
    }

    /// A text for a `{{#name}}` section: absent is `false` (an optional nil would render as "nil").
    static func section(_ text: String?) -> Any { text.map { $0 as Any } ?? false }

    static func previewModel(_ report: HandbookPreviewReport, page: Page) -> [String: Any] {
        func examples(_ items: [PreviewExample]) -> [[String: Any]] {
            items.map { ["subject": $0.subject.rawValue, "name": $0.maskedName, "before": $0.before, "after": $0.after,
                         "link": "/admin/subjects/" + Page.escapeQuery($0.subject.rawValue)] }
        }
        return [
            "changesNothing": report.changesNothing,
            "summary": page.text("admin.previewSummary", ["current": report.currentVersion.map { String($0) } ?? "—",
                                                          "candidate": String(report.candidateVersion), "day": report.asOf.description]),
            "reports": page.text("admin.previewReports", ["replayed": String(report.reportsReplayed), "changed": String(report.reportsChanged),
                                                          "dropped": String(report.reportsDropped)]),
            "schemes": report.schemes.map { effect -> [String: Any] in
                [
                    "scheme": effect.scheme.rawValue, "change": effect.change.rawValue,
                    "counts": page.text("admin.previewCounts", ["subjects": String(effect.subjects), "scores": String(effect.scoreChanges)]),
                    "hasMoves": !effect.gradeMoves.isEmpty, "hasListings": !effect.listingChanges.isEmpty,
                    "hasMeasures": !effect.measureFlips.isEmpty,
                    "gradeMoves": effect.gradeMoves.map { ["move": $0.move, "count": $0.count, "examples": examples($0.examples)] },
                    "listings": effect.listingChanges.map {
                        ["listing": $0.listing, "direction": page.text($0.entering ? "admin.entering" : "admin.leaving"),
                         "count": $0.count, "examples": examples($0.examples)]
                    },
                    "measures": effect.measureFlips.map {
                        ["measure": $0.measure.rawValue, "direction": page.text($0.nowApplies ? "admin.nowApplies" : "admin.noLongerApplies"),
                         "count": $0.count, "examples": examples($0.examples)]
                    },
                ]
            },
        ]
    }
}
