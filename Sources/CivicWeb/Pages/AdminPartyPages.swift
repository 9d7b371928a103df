import CivicAPI
import CivicAccess
import CivicCore
import Foundation
import HTTPTypes
import Hummingbird

/// Relying parties and API tokens: the accounts, a new relying party with its measures, tokens issued
/// (the secret shown once, on the answer to the form) and revoked.
extension WebServices {
    func registerAdminParties(on router: Router<APIRequestContext>) {
        get(router, "/admin/parties") { page in
            try page.requireStaff()
            _ = try page.admit(.listAccounts)
            return try await self.partiesPage(page, fields: [:], errors: [:], status: .ok)
        }

        post(router, "/admin/parties") { page in
            _ = try page.admit(.createAccount)
            let form = try await page.form()
            let fields = ["id": form["id"] ?? "", "displayName": form["displayName"] ?? ""]
            let measures = form.values("measures")
            do {
                let account = try await AccountFactory(services: self.api).make(
                    id: fields["id"]!, role: .relyingParty, displayName: fields["displayName"]!, password: nil, actor: nil, measures: measures)
                if try await self.api.access.account(account.id) != nil {
                    throw APIError(.conflict, page.text("admin.accountExists", ["id": account.id.rawValue]), at: "id")
                }
                try await self.api.access.insert(account)
                try await self.api.audit(.accountCreated, target: account.id.rawValue)
                return page.redirect("/admin/parties/" + Page.escapeQuery(account.id.rawValue), done: "admin.partyCreated")
            } catch let error as APIError {
                let field = error.location.map { $0.hasPrefix("measures") ? "measures" : $0 } ?? "id"
                return try await self.partiesPage(page, fields: fields, measures: measures, errors: [field: error.detail],
                                                  status: error.status == .notFound ? .unprocessableContent : error.status)
            }
        }

        get(router, "/admin/parties/:id") { page in
            try page.requireStaff()
            _ = try page.admit(.listAccounts)
            return try await self.accountPage(page, issued: nil, error: nil, status: .ok)
        }

        post(router, "/admin/parties/:id/tokens") { page in
            _ = try page.admit(.issueToken)
            let form = try await page.form()
            let id = page.context.parameters.get("id") ?? ""
            let scopes = Set(form.values("scopes").compactMap(TokenScope.init(rawValue:)))
            let daysText = form["days"] ?? ""
            guard let days = Int(daysText.isEmpty ? "90" : daysText) else {
                return try await self.accountPage(page, issued: nil, error: page.text("admin.daysInvalid"), status: .badRequest)
            }
            guard let issuer = page.caller.account else { throw PageError.signInRequired }
            do {
                let (token, bearer) = try await self.api.issueToken(account: id, scopes: scopes, days: days, requestsPerSecond: nil, issuer: issuer)
                // The secret goes out in this answer only; the store keeps its hash.
                return try await self.accountPage(page, issued: (token, bearer), error: nil, status: .created)
            } catch let error as APIError where error.status == .badRequest {
                return try await self.accountPage(page, issued: nil, error: error.detail, status: .badRequest)
            } catch let error as APIError where error.code == "token-for-another-person" {
                return try await self.accountPage(page, issued: nil, error: page.text("admin.tokenForPerson"), status: .forbidden)
            }
        }

        post(router, "/admin/parties/:id/tokens/:token/revoke") { page in
            _ = try page.admit(.revokeToken)
            let id = page.context.parameters.get("id") ?? ""
            let tokenID = page.context.parameters.get("token") ?? ""
            guard TokenRecord.ID.isValid(tokenID), let token = try await self.api.access.token(TokenRecord.ID(tokenID)),
                  token.account.rawValue == id else { throw PageError.notFound }
            try await self.api.revokeToken(tokenID)
            return page.redirect("/admin/parties/" + Page.escapeQuery(id), done: "admin.tokenRevoked")
        }
    }

    func partiesPage(_ page: Page, fields: [String: String], measures chosen: [String] = [], errors: [String: String],
                     status: HTTPResponse.Status) async throws -> Response {
        var accounts: [Account] = []
        var cursor: Account.ID?
        while true {
            let batch = try await api.access.accounts(after: cursor, limit: 500)
            accounts += batch
            guard batch.count == 500, let last = batch.last else { break }
            cursor = last.id
        }
        let handbooks = try await page.engine.handbooks()
        var measures: [[String: Any]] = []
        var seen = Set<String>()
        for published in handbooks.published.sorted(by: { $0.handbook.jurisdiction < $1.handbook.jurisdiction })
        where handbooks.current(for: published.handbook.jurisdiction)?.handbook.version == published.handbook.version {
            for scheme in published.handbook.schemes {
                for measure in scheme.measures where seen.insert(measure.id.rawValue).inserted {
                    measures.append(["id": measure.id.rawValue, "title": page.text(measure.title), "scheme": page.text(scheme.title),
                                     "checked": chosen.contains(measure.id.rawValue), "kind": page.text("admin.measure" + measure.kind.rawValue.capitalized)])
                }
            }
        }
        let model: [String: Any] = [
            "accounts": accounts.map { account -> [String: Any] in
                ["id": account.id.rawValue, "name": account.displayName, "role": page.text("roles." + account.role.rawValue),
                 "measures": account.measures.map(\.rawValue).joined(separator: ", "), "created": page.time(account.createdAt),
                 "link": "/admin/parties/" + Page.escapeQuery(account.id.rawValue), "disabled": account.disabled]
            },
            "measures": measures, "canEdit": page.may(.createAccount),
            "fields": fields, "errors": errors,
        ]
        return page.render("admin/parties", title: page.text("admin.partiesTitle"), model: model, status: status)
    }

    func accountPage(_ page: Page, issued: (token: TokenRecord, bearer: String)?, error: String?, status: HTTPResponse.Status) async throws -> Response {
        let id = page.context.parameters.get("id") ?? ""
        guard Account.ID.isValid(id), let account = try await api.access.account(Account.ID(id)) else { throw PageError.notFound }
        let now = api.now()
        let tokens = try await api.access.tokens(of: account.id).filter { $0.kind == .api }.sorted { $0.createdAt > $1.createdAt }
        let canEdit = page.may(.issueToken)
        var model: [String: Any] = [
            "id": account.id.rawValue, "name": account.displayName, "role": page.text("roles." + account.role.rawValue),
            "measures": account.measures.map(\.rawValue), "hasMeasures": !account.measures.isEmpty,
            "canEdit": canEdit, "error": HandbookEditor.section(error), "hasTokens": !tokens.isEmpty,
            "tokens": tokens.map { token -> [String: Any] in
                let state = token.revokedAt != nil ? "admin.tokenRevokedState" : (token.isUsable(at: now) ? "admin.tokenActive" : "admin.tokenExpired")
                return ["id": token.id.rawValue, "created": page.time(token.createdAt), "expires": page.time(token.expiresAt),
                        "revoked": HandbookEditor.section(token.revokedAt.map(page.time)), "state": page.text(state), "usable": token.isUsable(at: now),
                        "scopes": token.scopes.map(\.rawValue).sorted().joined(separator: ", "),
                        "revokeAction": "/admin/parties/\(Page.escapeQuery(account.id.rawValue))/tokens/\(Page.escapeQuery(token.id.rawValue))/revoke",
                        "canRevoke": canEdit && token.revokedAt == nil]
            },
            "issueAction": "/admin/parties/\(Page.escapeQuery(account.id.rawValue))/tokens",
        ]
        if let issued {
            model["issued"] = ["bearer": issued.bearer, "id": issued.token.id.rawValue, "expires": page.time(issued.token.expiresAt)]
        }
        return page.render("admin/party", title: page.text("admin.partyTitle", ["name": account.displayName]), model: model, status: status)
    }
}
