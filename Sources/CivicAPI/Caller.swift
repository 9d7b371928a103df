public import CivicAccess
package import CivicCore

/// Who is calling: an account acting through one token, or nobody (the public).
public struct Caller: Sendable {
    public var account: Account?
    public var token: TokenRecord?

    public init(account: Account? = nil, token: TokenRecord? = nil) {
        self.account = account
        self.token = token
    }

    public static let anonymous = Caller()

    /// The caller of the request being served, set by the authentication middleware.
    @TaskLocal public static var current = Caller.anonymous

    /// What rate limits and idempotency records are keyed by.
    var principalKey: String? { account.map { "account:\($0.id.rawValue)" } }
}

/// The network address of the request being served (the peer of the connection, or the client named
/// in `X-Forwarded-For` by a trusted proxy; never a header any other peer wrote), set by the
/// authentication middleware. Sign-in throttles and bcrypt bounds key on it.
public enum ClientAddress {
    @TaskLocal public static var current = "unknown"
}

/// Who acts when a command of the `civic` program (not a request) writes to the access trail:
/// `cli:<user>`, the operating-system user running it (its name from the password database for the
/// effective user id, else `$USER`/`$LOGNAME`, else `uid-N`). It is what the system says, not a
/// proof: whoever runs `civic` on the database holds the database. Set by the command line; nil in
/// the server. No account id may start with `cli:`.
package enum CommandLineActor {
    package static let prefix = "cli:"
    @TaskLocal package static var current: Account.ID?

    /// `cli:` and a user name, reduced to the characters identifiers allow.
    package static func named(_ user: String) -> Account.ID {
        let kept = String(user.unicodeScalars.map { scalar -> Character in
            switch scalar {
            case "A"..."Z", "a"..."z", "0"..."9", ".", "_", "-": Character(scalar)
            default: "_"
            }
        }.prefix(64))
        return Account.ID(prefix + (kept.isEmpty ? "unknown" : kept))
    }
}

/// Decides whether a caller with a given reach may see a subject. Not being allowed to see a subject
/// and the subject not existing answer alike.
package struct SubjectVisibility {
    let store: any Store
    let caller: Caller
    let reach: Reach

    package init(store: any Store, caller: Caller, reach: Reach) {
        self.store = store
        self.caller = caller
        self.reach = reach
    }

    /// The subject, or the same not-found error whether it is missing or out of reach.
    package func require(_ id: String) async throws -> Subject {
        guard Subject.ID.isValid(id), let subject = try await store.subject(Subject.ID(id)), try await canSee(subject) else {
            throw APIError.noSubject(id)
        }
        return subject
    }

    package func canSee(_ subject: Subject) async throws -> Bool {
        switch reach {
        case .everything, .registeredMeasures:
            return true
        case .ownRecord:
            guard let own = caller.account?.subject else { return false }
            if subject.id == own { return true }
            guard let ownRecord = try await store.subject(own) else { return false }
            return ownRecord.household == subject.id
        case .assignedHouseholds:
            let households = Set(caller.account?.households ?? [])
            return households.contains(subject.id) || subject.household.map(households.contains) == true
        case .ownUploads:
            return false
        }
    }
}
