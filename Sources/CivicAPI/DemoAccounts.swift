import CivicAccess
import CivicCore

/// Accounts for trying the server on the demo data: one per role, linked to the demo's actors.
public enum DemoAccounts {
    public struct Credential: Sendable, Codable {
        public var account: String
        public var role: String
        /// For people.
        public var password: String?
        /// For the relying party (and every account, for scripts): an API token.
        public var token: String
    }

    /// Creates the accounts if the access store has none; returns their credentials (nil if accounts existed).
    public static func create(_ services: APIServices, requestsPerSecond: Int = 100_000) async throws -> [Credential]? {
        guard try await services.access.accountCount() == 0 else { return nil }
        let actors = try await services.observed.actors().sorted { $0.id < $1.id }
        func first(_ role: Actor.Role) throws -> Actor {
            guard let actor = actors.first(where: { $0.roles.contains(role) && (role != .resident || $0.subject != nil) }) else {
                throw CivicError(.notFound, "the demo has no actor with the \(role.rawValue) role")
            }
            return actor
        }
        let measures = Set(try await services.engine.handbooks().published.flatMap { $0.handbook.schemes.flatMap { $0.measures.map(\.id.rawValue) } }).sorted()
        let factory = AccountFactory(services: services)
        // Three reviewers of one committee, three different people: a report that needs two approvals (four eyes)
        // can be approved in the browser, and an appeal against it decided by a third who did not decide it.
        let reviewer = try first(.reviewer)
        let colleagues = actors.filter { $0.roles.contains(.reviewer) && $0.jurisdiction == reviewer.jurisdiction && $0.id != reviewer.id
            && Recusal.person($0) != Recusal.person(reviewer) }.prefix(2)
        var plan: [(String, AccessRole, String, String?, [String])] = [
            ("demo-admin", .administrator, "Demo administrator", try first(.administrator).id.rawValue, []),
            ("demo-assessor", .assessor, "Demo assessor", try first(.assessor).id.rawValue, []),
            ("demo-reviewer", .reviewer, "Demo reviewer", reviewer.id.rawValue, []),
            ("demo-resident", .resident, "Demo resident", try first(.resident).id.rawValue, []),
            ("demo-auditor", .auditor, "Demo auditor", nil, []),
            ("demo-relying-party", .relyingParty, "Demo rail ticket office", nil, measures),
        ]
        for (index, colleague) in colleagues.enumerated() {
            plan.append(("demo-reviewer-\(index + 2)", .reviewer, "Demo reviewer \(index + 2)", colleague.id.rawValue, []))
        }
        var credentials: [Credential] = []
        for (id, role, name, actor, measures) in plan {
            let password = role == .relyingParty ? nil : TokenSecret.random(20)
            var account = try await factory.make(id: id, role: role, displayName: name, password: password, actor: actor, measures: measures)
            if role == .assessor, let actorID = account.actor, let assessor = try await services.observed.actor(actorID) {
                // The households of the assessor's village, apart from their own (which they may not report on).
                let own = try await assessor.subject.asyncFlatMap { try await services.observed.subject($0) }
                var households: [Subject.ID] = []
                var cursor: Subject.ID?
                while households.count < 100 {
                    let page = try await services.observed.subjects(after: cursor, limit: 1_000)
                    guard let last = page.last else { break }
                    cursor = last.id
                    households += page.filter { $0.kind == .household && $0.jurisdiction == assessor.jurisdiction && $0.id != own?.household }.map(\.id)
                }
                account.households = Array(households.prefix(100))
            }
            try await services.access.insert(account)
            let (_, bearer) = try await services.authenticator.issue(for: account.id, scopes: [.read, .write], days: 30, requestsPerSecond: requestsPerSecond)
            credentials.append(Credential(account: id, role: role.rawValue, password: password, token: bearer))
        }
        return credentials
    }
}

extension Optional {
    func asyncFlatMap<T>(_ transform: (Wrapped) async throws -> T?) async rethrows -> T? {
        guard let value = self else { return nil }
        return try await transform(value)
    }
}
