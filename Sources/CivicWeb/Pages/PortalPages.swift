import CivicAPI
import CivicAccess
import CivicCore
import Foundation
import Hummingbird
import HTTPTypes
import NIOCore

/// The resident's own pages: their standing and its history, their entries, notices and appeals, claims of
/// good deeds, the path to the next grade and a download of everything recorded about them.
extension WebServices {
    func registerPortal(on router: Router<APIRequestContext>) {
        get(router, "/portal") { page in
            let me = try await page.resident(.explainScore)
            return page.render("portal/home", title: page.text("portal.title"), model: try await PortalModel.home(page, me))
        }

        get(router, "/portal/entries") { page in
            let me = try await page.resident(.listSubjectEntries)
            return page.render("portal/entries", title: page.text("portal.entriesTitle"), model: try await PortalModel.entries(page, me))
        }

        get(router, "/portal/entries/:id") { page in
            let me = try await page.resident(.listSubjectEntries)
            return try await PortalModel.entryPage(page, me, id: page.context.parameters.get("id") ?? "")
        }

        get(router, "/portal/notices") { page in
            let me = try await page.resident(.listSubjectNotices)
            return page.render("portal/notices", title: page.text("portal.noticesTitle"), model: try await PortalModel.notices(page, me))
        }

        get(router, "/portal/notices/:id") { page in
            let me = try await page.resident(.getNotice)
            let notice = try await PortalModel.ownNotice(page, me, id: page.context.parameters.get("id") ?? "")
            return page.render("portal/notice", title: page.text("portal.noticeTitle"), model: try await PortalModel.notice(page, notice))
        }

        get(router, "/portal/appeals") { page in
            let me = try await page.resident(.listSubjectAppeals)
            return page.render("portal/appeals", title: page.text("portal.appealsTitle"), model: try await PortalModel.appeals(page, me))
        }

        get(router, "/portal/appeals/:id") { page in
            let me = try await page.resident(.getAppeal)
            let id = page.context.parameters.get("id") ?? ""
            guard Appeal.ID.isValid(id), let record = try await page.store.appeal(Appeal.ID(id)), record.appeal.subject == me.subject.id else {
                throw PageError.notFound
            }
            return page.render("portal/appeal", title: page.text("portal.appealTitle"), model: try await PortalModel.appeal(page, record))
        }

        post(router, "/portal/appeals") { page in
            let me = try await page.resident(.fileAppeal)
            _ = try page.admit(.uploadEvidence)
            let form = try await page.form()
            let entryID = form["entry"] ?? ""
            let statement = form["statement"] ?? ""
            let appealID = form["appealId"] ?? ""
            guard Entry.ID.isValid(entryID), let entry = try await page.store.entry(Entry.ID(entryID)), entry.subject == me.subject.id else {
                throw PageError.notFound
            }
            // Evidence is checked and stored before anything else is refused, so the form sent back keeps it.
            let (evidence, evidenceError) = try await PortalModel.formEvidence(page, me, form: form)
            func refuse(_ message: String, _ status: HTTPResponse.Status) async throws -> Response {
                try await PortalModel.entryPage(page, me, id: entryID, appealError: message, statement: statement, appealID: appealID,
                                                kept: evidence, status: status)
            }
            if let evidenceError { return try await refuse(evidenceError, .unprocessableContent) }
            guard !statement.isEmpty else { return try await refuse(page.text("portal.appealStatementMissing"), .unprocessableContent) }
            guard Reference.isValid(appealID, kind: .appeal) else { return try await refuse(page.text("portal.formStale"), .badRequest) }
            let request = AppealRequest(id: Appeal.ID(appealID), entry: entry.id, disputes: .entry, by: try me.actor(page), statement: statement,
                                        evidence: evidence)
            do {
                let (_, appeal) = try await page.engine.fileAppeal(request)
                return page.redirect("/portal/appeals/" + Page.escapeQuery(appeal.id.rawValue), done: "portal.appealFiled")
            } catch let error as CivicError where error.code != .storage && error.code != .corrupted {
                return try await refuse(error.message, APIError(error).status)
            }
        }

        get(router, "/portal/claim") { page in
            let me = try await page.resident(.fileReport)
            return page.render("portal/claim", title: page.text("portal.claimTitle"), model: try await PortalModel.claim(page, me, values: [:], errors: [:]))
        }

        post(router, "/portal/claim") { page in
            let me = try await page.resident(.fileReport)
            _ = try page.admit(.uploadEvidence)
            return try await PortalModel.fileClaim(page, me, form: try await page.form())
        }

        get(router, "/portal/evidence/:digest") { page in
            // Residents only (staff have their own pages); a resident's reach is their own uploads.
            _ = try await page.resident(.getEvidence)
            return try await self.evidence(page)
        }

        get(router, "/portal/path") { page in
            let me = try await page.resident(.getGradePath)
            return page.render("portal/path", title: page.text("portal.pathTitle"), model: try await PortalModel.path(page, me))
        }

        get(router, "/portal/export") { page in
            let me = try await page.resident(.listSubjectEntries)
            for operation: APIOperation in [.getSubject, .explainScore, .listSubjectReports, .listSubjectNotices, .listSubjectAppeals] {
                _ = try page.admit(operation)
            }
            let data = try await PortalModel.export(page, me)
            try await self.api.audit(.export, target: "portal \(me.subject.id.rawValue)")
            var headers: HTTPFields = [.contentType: "application/json; charset=utf-8", .cacheControl: "no-store"]
            headers[HTTPField.Name("Content-Disposition")!] = "attachment; filename=\"civic-record-\(me.subject.id.rawValue).json\""
            headers[.xContentTypeOptions] = "nosniff"
            return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: data)))
        }
    }
}

/// The signed-in resident and the subject record the account speaks for.
struct Resident: Sendable {
    var account: Account
    var subject: Subject

    func actor(_ page: Page) throws -> Actor.ID {
        guard let actor = account.actor else { throw APIError(.forbidden, code: "no-actor", page.text("portal.noActor")) }
        return actor
    }
}

extension Page {
    /// Admits the caller to `operation` exactly as the API would; the portal then serves residents only
    /// (staff get a 403 that points to their own pages) and the subject their account speaks for.
    func resident(_ operation: APIOperation) async throws -> Resident {
        _ = try admit(operation)
        let account = try account
        guard account.role == .resident else {
            throw APIError(.forbidden, code: "residents-only", text("portal.residentsOnly", ["home": Navigation.home(for: account.role)]))
        }
        guard let id = account.subject else { throw APIError(.forbidden, code: "no-subject", text("portal.noSubject")) }
        let subject = try await SubjectVisibility(store: store, caller: caller, reach: .ownRecord).require(id.rawValue)
        return Resident(account: account, subject: subject)
    }
}
