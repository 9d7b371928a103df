public import CivicAccess
import CivicCore
import Foundation
import OpenAPIRuntime

extension APIHandlers {
    func getOpenAPIDocument(_ input: Operations.GetOpenAPIDocument.Input) async throws -> Operations.GetOpenAPIDocument.Output {
        .ok(.init(body: .yaml(HTTPBody(OpenAPIDocument.yaml))))
    }

    func getMetrics(_ input: Operations.GetMetrics.Input) async throws -> Operations.GetMetrics.Output {
        .ok(.init(body: .plainText(HTTPBody(services.metrics.emitToBuffer()))))
    }

    func createSession(_ input: Operations.CreateSession.Input) async throws -> Operations.CreateSession.Output {
        guard case .json(let credentials) = input.body else { throw APIError(.unsupportedMediaType, "send credentials as application/json") }
        do {
            let (token, bearer) = try await services.authenticator.signIn(username: credentials.username, password: credentials.password,
                                                                                 address: ClientAddress.current)
            return .created(.init(body: .json(issued(token, bearer: bearer))))
        } catch let error as APIError where error.status == .unauthorized {
            services.counters.signInFailures.increment()
            throw error
        }
    }

    func issued(_ token: TokenRecord, bearer: String) -> Components.Schemas.IssuedToken {
        .init(id: token.id.rawValue, token: bearer, account: token.account.rawValue,
              expiresAt: Date(timeIntervalSince1970: TimeInterval(token.expiresAt)),
              scopes: token.scopes.sorted { $0.rawValue < $1.rawValue }.compactMap { .init(rawValue: $0.rawValue) })
    }

    func deleteCurrentSession(_ input: Operations.DeleteCurrentSession.Input) async throws -> Operations.DeleteCurrentSession.Output {
        guard let token = caller.token else { throw APIError.unauthorized }
        try await services.revokeToken(token.id.rawValue, kind: .signOut)
        return .noContent(.init())
    }

    func getCurrentPrincipal(_ input: Operations.GetCurrentPrincipal.Input) async throws -> Operations.GetCurrentPrincipal.Output {
        guard let account = caller.account else { throw APIError.unauthorized }
        return .ok(.init(body: .json(Mapping.principal(account))))
    }

    func listAccounts(_ input: Operations.ListAccounts.Input) async throws -> Operations.ListAccounts.Output {
        let paging = try Paging(limit: input.query.limit, cursor: input.query.cursor, configuration: services.configuration)
        let accounts = try await services.access.accounts(after: paging.cursor.map { Account.ID($0) }, limit: paging.limit + 1)
        let items = Array(accounts.prefix(paging.limit))
        let next = accounts.count > paging.limit ? items.last.map { Paging.encode($0.id.rawValue) } : nil
        return .ok(.init(body: .json(.init(items: items.map(Mapping.principal), nextCursor: next))))
    }

    func createAccount(_ input: Operations.CreateAccount.Input) async throws -> Operations.CreateAccount.Output {
        guard case .json(let body) = input.body else { throw APIError(.unsupportedMediaType, "send the account as application/json") }
        let account = try await AccountFactory(services: services).make(
            id: body.id, role: AccessRole(rawValue: body.role.rawValue) ?? .auditor, displayName: body.displayName,
            password: body.password, actor: body.actor, measures: body.measures ?? [])
        try await services.access.insert(account)
        try await services.audit(.accountCreated, target: account.id.rawValue)
        return .created(.init(body: .json(Mapping.principal(account))))
    }

    func assignHouseholds(_ input: Operations.AssignHouseholds.Input) async throws -> Operations.AssignHouseholds.Output {
        guard case .json(let body) = input.body else { throw APIError(.unsupportedMediaType, "send the households as application/json") }
        let id = input.path.accountId
        guard Account.ID.isValid(id), let account = try await services.access.account(Account.ID(id)) else {
            throw APIError(.notFound, "no account '\(id.prefix(128))'")
        }
        guard account.role == .assessor else { throw APIError(.unprocessableContent, code: "refused", "only an assessor covers households") }
        var households: [Subject.ID] = []
        for (index, text) in body.households.enumerated() {
            guard Subject.ID.isValid(text), let subject = try await store.subject(Subject.ID(text)) else {
                throw APIError(.notFound, "no subject '\(text.prefix(128))'", at: "body.households[\(index)]")
            }
            guard subject.kind == .household else {
                throw APIError(.badRequest, "'\(text)' is a \(subject.kind.rawValue), not a household", at: "body.households[\(index)]")
            }
            households.append(subject.id)
        }
        try await services.access.setHouseholds(households, of: account.id)
        try await services.audit(.householdsAssigned, target: account.id.rawValue)
        services.authenticator.forget(account: account.id)
        guard let updated = try await services.access.account(account.id) else { throw APIError(.notFound, "no account '\(id)'") }
        return .ok(.init(body: .json(Mapping.principal(updated))))
    }

    func issueToken(_ input: Operations.IssueToken.Input) async throws -> Operations.IssueToken.Output {
        guard case .json(let body) = input.body else { throw APIError(.unsupportedMediaType, "send the request as application/json") }
        guard let issuer = caller.account else { throw APIError.unauthorized }
        let (token, bearer) = try await services.issueToken(
            account: body.account, scopes: Set(body.scopes.compactMap { TokenScope(rawValue: $0.rawValue) }), days: body.expiresInDays,
            requestsPerSecond: body.requestsPerSecond, issuer: issuer, field: "body.")
        return .created(.init(body: .json(issued(token, bearer: bearer))))
    }

    func revokeToken(_ input: Operations.RevokeToken.Input) async throws -> Operations.RevokeToken.Output {
        try await services.revokeToken(input.path.tokenId)
        return .noContent(.init())
    }
}

/// Checks and builds a new account; shared by the API and the `civic account add` command.
public struct AccountFactory: Sendable {
    let services: APIServices

    public init(services: APIServices) { self.services = services }

    /// A new password (ASVS V2.1): 12 to 128 characters of any kind, spaces and every script included,
    /// with no rule about which kinds; no control characters (a NUL would end it early in bcrypt); and
    /// not one of the most common passwords (`CommonPasswords`). The error's code says which.
    public static func checkPassword(_ password: String, configuration: APIConfiguration) throws {
        let lengths = configuration.passwordLengthMin...configuration.passwordLengthMax
        guard lengths.contains(password.count) else {
            throw APIError(.badRequest, code: "password-length",
                           "a password must be \(lengths.lowerBound) to \(lengths.upperBound) characters long", at: "password")
        }
        guard !password.unicodeScalars.contains(where: { $0.properties.generalCategory == .control }) else {
            throw APIError(.badRequest, code: "password-control-characters", "a password must not contain control characters", at: "password")
        }
        guard !CommonPasswords.contains(password) else {
            throw APIError(.badRequest, code: "common-password",
                           "this password is among the \(CommonPasswords.count) most common passwords; choose another", at: "password")
        }
    }

    public func make(id: String, role: AccessRole, displayName: String, password: String?, actor: String?, measures: [String]) async throws -> Account {
        guard Account.ID.isValid(id) else { throw APIError(.badRequest, "account id is not valid: \(Account.ID.syntax)", at: "id") }
        // The access trail names command-line actors `cli:<user>`; no account may look like one.
        guard !id.lowercased().hasPrefix(CommandLineActor.prefix) else {
            throw APIError(.badRequest, code: "account-id-reserved", "account ids starting with '\(CommandLineActor.prefix)' are kept for the command line", at: "id")
        }
        let name = displayName.trimmingCharacters(in: .whitespacesAndNewlines)
        guard (1...200).contains(name.count) else { throw APIError(.badRequest, "displayName must be 1 to 200 characters", at: "displayName") }
        try Text.check(name, field: "displayName")
        var hash: String?
        if let password {
            try Self.checkPassword(password, configuration: services.configuration)
            hash = try await Authenticator.hashPassword(password, cost: services.configuration.bcryptCost)
        }
        var actorID: Actor.ID?
        var subject: Subject.ID?
        let needsActor: Set<AccessRole> = [.administrator, .assessor, .reviewer, .resident]
        if let actor {
            guard Actor.ID.isValid(actor), let found = try await services.observed.actor(Actor.ID(actor)) else {
                throw APIError(.notFound, "no actor '\(actor.prefix(128))'", at: "actor")
            }
            let required: Actor.Role? = switch role {
            case .administrator: .administrator
            case .assessor: .assessor
            case .reviewer: .reviewer
            case .resident: .resident
            case .auditor: .auditor
            case .relyingParty: nil
            }
            if let required, !found.roles.contains(required) {
                throw APIError(.unprocessableContent, code: "refused", "actor '\(actor)' does not hold the \(required.rawValue) role", at: "actor")
            }
            if role == .resident {
                guard let own = found.subject else {
                    throw APIError(.unprocessableContent, code: "refused", "a resident's actor must be linked to their subject record", at: "actor")
                }
                subject = own
            }
            actorID = found.id
        } else if needsActor.contains(role) {
            throw APIError(.badRequest, "a \(role.rawValue) account acts as an actor of the registry: name it", at: "actor")
        }
        var measureIDs: [Measure.ID] = []
        if role == .relyingParty {
            let known = Set(try await services.engine.handbooks().published.flatMap { $0.handbook.schemes.flatMap { $0.measures.map(\.id) } })
            for (index, text) in measures.enumerated() {
                guard Measure.ID.isValid(text), known.contains(Measure.ID(text)) else {
                    throw APIError(.notFound, "no measure '\(text.prefix(128))'", at: "measures[\(index)]")
                }
                measureIDs.append(Measure.ID(text))
            }
        } else if !measures.isEmpty {
            throw APIError(.badRequest, "only a relying party is registered for measures", at: "measures")
        }
        return Account(id: Account.ID(id), role: role, displayName: name, actor: actorID, subject: subject, passwordHash: hash,
                       measures: measureIDs, createdAt: services.now())
    }
}
