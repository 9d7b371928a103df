import CivicAPI
import CivicAccess
import CivicCore
import Foundation
import HTTPTypes
import Hummingbird

/// People's accounts in the browser: every account with its role and the registry actor it acts as; a new
/// account for an administrator, assessor, reviewer, resident or auditor (the same checks as the API's
/// createAccount, worded from the catalogs); an assessor's households. Auditors read; administrators change.
extension WebServices {
    static let personRoles: [AccessRole] = [.reviewer, .assessor, .resident, .administrator, .auditor]

    func registerAdminAccounts(on router: Router<APIRequestContext>) {
        get(router, "/admin/accounts") { page in
            try page.requireStaff()
            _ = try page.admit(.listAccounts)
            return try await self.accountsPage(page, fields: [:], errors: [:], status: .ok)
        }

        post(router, "/admin/accounts") { page in
            _ = try page.admit(.createAccount)
            let form = try await page.form()
            var fields: [String: String] = [:]
            for name in ["id", "displayName", "role", "actor", "password"] { fields[name] = form[name] ?? "" }
            guard let role = AccessRole(rawValue: fields["role"] ?? ""), Self.personRoles.contains(role) else {
                return try await self.accountsPage(page, fields: fields, errors: ["role": page.text("admin.accountRoleMissing")], status: .unprocessableContent)
            }
            let actor = (fields["actor"] ?? "").isEmpty ? nil : fields["actor"]
            do {
                let account = try await AccountFactory(services: self.api).make(
                    id: fields["id"] ?? "", role: role, displayName: fields["displayName"] ?? "", password: fields["password"] ?? "",
                    actor: role == .auditor ? nil : actor, measures: [])
                if try await self.api.access.account(account.id) != nil {
                    return try await self.accountsPage(page, fields: fields, errors: ["id": page.text("admin.accountExists", ["id": account.id.rawValue])],
                                                       status: .conflict)
                }
                try await self.api.access.insert(account)
                try await self.api.audit(.accountCreated, target: account.id.rawValue)
                return page.redirect("/admin/accounts/" + Page.escapeQuery(account.id.rawValue), done: "admin.accountCreated")
            } catch let error as APIError {
                // The factory's words are English: each field's problem is said from the catalogs.
                let field = error.location ?? "id"
                let message: String = switch field {
                case "displayName": page.text("admin.accountNameInvalid")
                case "password" where error.code == "common-password": page.text("admin.accountPasswordCommon")
                case "password": page.text("admin.accountPasswordInvalid", ["min": String(self.api.configuration.passwordLengthMin),
                                                                            "max": String(self.api.configuration.passwordLengthMax)])
                case "actor": page.text("admin.accountActorInvalid", ["role": page.text("roles." + role.rawValue)])
                default: page.text(error.code == "account-id-reserved" ? "admin.accountIdReserved" : "admin.accountIdInvalid")
                }
                return try await self.accountsPage(page, fields: fields, errors: [field: message], status: .unprocessableContent)
            }
        }

        get(router, "/admin/accounts/:id") { page in
            try page.requireStaff()
            _ = try page.admit(.listAccounts)
            return try await self.personAccountPage(page, households: nil, error: nil, status: .ok)
        }

        post(router, "/admin/accounts/:id/households") { page in
            _ = try page.admit(.assignHouseholds)
            let id = page.context.parameters.get("id") ?? ""
            guard Account.ID.isValid(id), let account = try await self.api.access.account(Account.ID(id)) else { throw PageError.notFound }
            let form = try await page.form()
            let text = form["households"] ?? ""
            guard account.role == .assessor else {
                return try await self.personAccountPage(page, households: text, error: page.text("admin.householdsOnlyAssessor"), status: .unprocessableContent)
            }
            var households: [Subject.ID] = []
            for word in text.split(whereSeparator: { $0.isWhitespace || $0 == "," }).map(String.init) {
                guard Subject.ID.isValid(word), let subject = try await page.store.subject(Subject.ID(word)), subject.kind == .household else {
                    return try await self.personAccountPage(page, households: text, error: page.text("admin.householdUnknown", ["id": String(word.prefix(64))]),
                                                            status: .unprocessableContent)
                }
                if !households.contains(subject.id) { households.append(subject.id) }
            }
            try await self.api.access.setHouseholds(households, of: account.id)
            try await self.api.audit(.householdsAssigned, target: account.id.rawValue)
            self.api.authenticator.forget(account: account.id)
            return page.redirect("/admin/accounts/" + Page.escapeQuery(account.id.rawValue), done: "admin.householdsAssigned")
        }
    }

    func allAccounts() async throws -> [Account] {
        var accounts: [Account] = []
        var cursor: Account.ID?
        while true {
            let batch = try await api.access.accounts(after: cursor, limit: 500)
            accounts += batch
            guard batch.count == 500, let last = batch.last else { break }
            cursor = last.id
        }
        return accounts
    }

    func accountsPage(_ page: Page, fields: [String: String], errors: [String: String], status: HTTPResponse.Status) async throws -> Response {
        let accounts = try await allAccounts().filter { $0.role != .relyingParty }
        let actors = try await page.store.actors()
        let names = Dictionary(actors.map { ($0.id, $0.name) }, uniquingKeysWith: { a, _ in a })
        let chosenRole = fields["role"] ?? ""
        // The actors a new account may act as: those holding a role people sign in with, by name.
        let choices = actors.filter { !$0.roles.isDisjoint(with: [.administrator, .assessor, .reviewer, .resident]) }
            .sorted { ($0.roles.map(\.rawValue).sorted().first ?? "", $0.name, $0.id) < ($1.roles.map(\.rawValue).sorted().first ?? "", $1.name, $1.id) }
        let model: [String: Any] = [
            "accounts": accounts.map { account -> [String: Any] in
                ["id": account.id.rawValue, "name": account.displayName, "role": page.text("roles." + account.role.rawValue),
                 "actor": account.actor.map { names[$0] ?? $0.rawValue } ?? "—",
                 "households": account.role == .assessor ? String(account.households.count) : "—",
                 "link": "/admin/accounts/" + Page.escapeQuery(account.id.rawValue), "disabled": account.disabled]
            },
            "roles": Self.personRoles.map { role -> [String: Any] in
                ["value": role.rawValue, "label": page.text("roles." + role.rawValue), "selected": role.rawValue == chosenRole]
            },
            "actors": choices.map { actor -> [String: Any] in
                ["value": actor.id.rawValue, "selected": actor.id.rawValue == fields["actor"],
                 "label": "\(actor.name) · " + actor.roles.map { page.text("roles." + $0.rawValue) }.sorted().joined(separator: page.text("common.listSeparator"))]
            },
            "canEdit": page.may(.createAccount), "fields": fields, "errors": errors,
            "passwordHint": page.text("admin.accountPasswordHint", ["min": String(api.configuration.passwordLengthMin),
                                                                     "max": String(api.configuration.passwordLengthMax)]),
        ]
        return page.render("admin/accounts", title: page.text("admin.accountsTitle"), model: model, status: status)
    }

    func personAccountPage(_ page: Page, households: String?, error: String?, status: HTTPResponse.Status) async throws -> Response {
        let id = page.context.parameters.get("id") ?? ""
        guard Account.ID.isValid(id), let account = try await api.access.account(Account.ID(id)) else { throw PageError.notFound }
        if account.role == .relyingParty { return page.redirect("/admin/parties/" + Page.escapeQuery(account.id.rawValue)) }
        var actorName: String?
        if let actorID = account.actor { actorName = try await page.store.actor(actorID)?.name ?? actorID.rawValue }
        let covered = try await page.store.subjects(account.households)
        let model: [String: Any] = [
            "id": account.id.rawValue, "name": account.displayName, "role": page.text("roles." + account.role.rawValue),
            "actor": actorName ?? "—", "created": page.time(account.createdAt), "disabled": account.disabled,
            "isAssessor": account.role == .assessor, "canEdit": page.may(.assignHouseholds),
            "households": covered.map { ["id": $0.id.rawValue, "name": $0.name, "link": "/admin/subjects/" + Page.escapeQuery($0.id.rawValue)] },
            "hasHouseholds": !covered.isEmpty,
            "householdsText": households ?? account.households.map(\.rawValue).joined(separator: "\n"),
            "error": HandbookEditor.section(error),
            "action": "/admin/accounts/\(Page.escapeQuery(account.id.rawValue))/households",
        ]
        return page.render("admin/account", title: page.text("admin.accountTitle", ["name": account.displayName]), model: model, status: status)
    }
}
