public import CivicAccess
public import CivicCore
import HummingbirdBcrypt
import Synchronization

/// Turns a bearer token into a caller, and a username and password into a session token.
///
/// Verified tokens are cached for a few seconds so the hot paths do not read the access database on
/// every request; revoking through this server drops the cache entry at once, and a revocation made
/// elsewhere is seen within `cacheSeconds`.
public final class Authenticator: Sendable {
    let access: any AccessStore
    let configuration: APIConfiguration
    let now: @Sendable () -> UnixTime
    private let cache = Mutex<[Substring: Cached]>([:])
    /// Bearer texts verified within `tokenCacheSeconds`, with their caller: a repeated token skips
    /// parsing and hashing. Dropped with the token's entry above.
    private let verified = Mutex<[String: Verified]>([:])

    struct Verified: Sendable {
        var caller: Caller
        var loadedAt: UnixTime
    }
    /// A bcrypt hash of a random text, checked against when the account does not exist, so a wrong
    /// username takes as long as a wrong password.
    private let decoyHash: String
    /// bcrypt, bounded.
    package let hasher: PasswordHasher

    struct Cached: Sendable {
        var token: TokenRecord
        var account: Account
        var loadedAt: UnixTime
    }

    public init(access: any AccessStore, configuration: APIConfiguration, now: @escaping @Sendable () -> UnixTime) {
        self.access = access
        self.configuration = configuration
        self.now = now
        decoyHash = Bcrypt.hash(TokenSecret.random(24), cost: configuration.bcryptCost)
        hasher = PasswordHasher(concurrencyMax: configuration.passwordChecksConcurrentMax, queueMax: configuration.passwordChecksQueuedMax,
                                perAddressMax: configuration.passwordChecksPerAddressMax)
    }

    /// The caller for an `Authorization` header value; nil header means the public.
    package func authenticate(authorization: String?) async throws -> Caller {
        guard let authorization else { return .anonymous }
        let time = now()
        if let hit = verified.withLock({ $0[authorization] }), time - hit.loadedAt < configuration.tokenCacheSeconds,
           let token = hit.caller.token, token.isUsable(at: time) {
            return hit.caller
        }
        let utf8 = authorization.utf8
        let scheme = utf8.prefix(7)
        guard scheme.count == 7, zip(scheme, "bearer ".utf8).allSatisfy({ $0 | 0x20 == $1 }) else {
            throw APIError(.unauthorized, code: "invalid-token", "the Authorization header must be 'Bearer <token>'",
                           headers: ["WWW-Authenticate": "Bearer realm=\"civic\", error=\"invalid_request\""])
        }
        let invalid = APIError(.unauthorized, code: "invalid-token", "the bearer token is unknown, expired or revoked",
                               headers: ["WWW-Authenticate": "Bearer realm=\"civic\", error=\"invalid_token\""])
        let bearer = Substring(authorization).dropFirst(7).drop { $0 == " " }
        guard let (id, secret) = TokenSecret.parse(bearer) else { throw invalid }
        let hash = TokenSecret.hash(secret)
        let cached = cache.withLock { $0[id] }
        if let cached, time - cached.loadedAt < configuration.tokenCacheSeconds {
            guard TokenSecret.constantTimeEqual(cached.token.secretHash, hash), cached.token.isUsable(at: time) else { throw invalid }
            let caller = Caller(account: cached.account, token: cached.token)
            remember(authorization, caller, loadedAt: cached.loadedAt)
            return caller
        }
        guard let token = try await access.token(TokenRecord.ID(String(id))),
              TokenSecret.constantTimeEqual(token.secretHash, hash), token.isUsable(at: time),
              let account = try await access.account(token.account), !account.disabled else {
            cache.withLock { _ = $0.removeValue(forKey: id) }
            throw invalid
        }
        cache.withLock { entries in
            if entries.count >= configuration.tokenCacheEntriesMax { entries.removeAll(keepingCapacity: true) }
            entries[id] = Cached(token: token, account: account, loadedAt: time)
        }
        let caller = Caller(account: account, token: token)
        remember(authorization, caller, loadedAt: time)
        return caller
    }

    private func remember(_ authorization: String, _ caller: Caller, loadedAt: UnixTime) {
        verified.withLock { entries in
            if entries.count >= configuration.tokenCacheEntriesMax { entries.removeAll(keepingCapacity: true) }
            entries[authorization] = Verified(caller: caller, loadedAt: loadedAt)
        }
    }

    /// Forgets a token (after a revocation) or every token of an account (after a change to it).
    package func forget(token: TokenRecord.ID? = nil, account: Account.ID? = nil) {
        cache.withLock { entries in
            if let token { entries.removeValue(forKey: Substring(token.rawValue)) }
            if let account { entries = entries.filter { $0.value.account.id != account } }
        }
        verified.withLock { entries in
            entries = entries.filter { entry in
                entry.value.caller.token?.id != token && (account == nil || entry.value.caller.account?.id != account)
            }
        }
    }

    /// Checks a password and issues a session token. Unknown accounts, wrong passwords and throttled
    /// attempts all answer with the same 401 after the same work: one bcrypt check (against a decoy
    /// hash where there is no real one to check), so neither the answer nor its time says which.
    ///
    /// The attempt is counted for (account, address) before the password is checked, in one store
    /// transaction, so attempts sent at once are throttled exactly as attempts sent one by one; and
    /// the throttle is per address, so guessing from one place does not lock the person out from another.
    /// Past the hasher's bounds the answer is 429 before anything is counted.
    package func signIn(username: String, password: String, address: String) async throws -> (TokenRecord, bearer: String) {
        let refused = APIError(.unauthorized, code: "invalid-credentials", "the username or password is wrong, or the account is locked for a while after repeated failures")
        return try await hasher.withPlace(address: address) {
            let time = now()
            guard Account.ID.isValid(username), let account = try await access.account(Account.ID(username)),
                  let hash = account.passwordHash, !account.disabled else {
                _ = await hasher.verify(password, hash: decoyHash, decoy: true)
                throw refused
            }
            let attempt = try await access.beginSignIn(account.id, from: address, at: time, throttle: configuration.signInThrottle)
            let refusal = AccessEvent(at: time, kind: .signInRefused, actor: nil, target: account.id.rawValue, address: Self.recorded(address))
            guard attempt == .allowed else {
                _ = await hasher.verify(password, hash: decoyHash, decoy: true)
                try await access.recordAccessEvent(refusal)
                throw refused
            }
            guard await hasher.verify(password, hash: hash) else {
                try await access.recordAccessEvent(refusal)
                throw refused
            }
            try await access.clearSignInFailures(account.id, from: address)
            let (id, bearer, secretHash) = TokenSecret.make()
            let token = TokenRecord(id: id, account: account.id, kind: .session, secretHash: secretHash, scopes: [.read, .write],
                                    createdAt: time, expiresAt: time + configuration.sessionSeconds, issuedBy: account.id)
            try await access.insert(token)
            try await access.recordAccessEvent(AccessEvent(at: time, kind: .signIn, actor: account.id, target: token.id.rawValue,
                                                           address: Self.recorded(address)))
            return (token, bearer)
        }
    }

    /// A signed-in person changes their own password (ASVS V2.1.5, V2.1.6). The current password is checked
    /// as a sign-in's is, counted by the same throttle first, so the form is no faster a way to guess it; the
    /// new one must pass the policy for new accounts and differ from the current; and every other session of
    /// the account ends with the change (V3.3.3), while `session`, the one that asked, goes on.
    /// Returns how many other sessions ended. The errors are located at `current` or `password`.
    package func changePassword(of account: Account.ID, current: String, new: String, address: String, keeping session: TokenRecord.ID?) async throws -> Int {
        try AccountFactory.checkPassword(new, configuration: configuration)
        return try await hasher.withPlace(address: address) {
            let time = now()
            guard let record = try await access.account(account), let hash = record.passwordHash, !record.disabled else {
                throw APIError(.forbidden, "this account has no password to change")
            }
            let wrong = APIError(.unauthorized, code: "current-password-wrong",
                                 "the current password is wrong, or it was tried too often; wait a while", at: "current")
            let attempt = try await access.beginSignIn(account, from: address, at: time, throttle: configuration.signInThrottle)
            guard attempt == .allowed else {
                _ = await hasher.verify(current, hash: decoyHash, decoy: true)
                throw wrong
            }
            guard await hasher.verify(current, hash: hash) else {
                try await access.recordAccessEvent(AccessEvent(at: time, kind: .signInRefused, actor: account, target: account.rawValue,
                                                               address: Self.recorded(address)))
                throw wrong
            }
            try await access.clearSignInFailures(account, from: address)
            guard current != new else {
                throw APIError(.badRequest, code: "password-unchanged", "the new password is the current one", at: "password")
            }
            let ended = try await access.setPasswordHash(try await PasswordHasher.hash(new, cost: configuration.bcryptCost), of: account,
                                                         endingSessionsExcept: session, at: time)
            forget(account: account)
            try await access.recordAccessEvent(AccessEvent(at: time, kind: .passwordChanged, actor: account, target: account.rawValue,
                                                           address: Self.recorded(address)))
            return ended
        }
    }

    /// An address worth keeping in the access trail: nil when the request had none (the command line, tests).
    static func recorded(_ address: String) -> String? { address == "unknown" ? nil : address }

    /// Issues an API token for an account. `issuer` is the account that asked for it (from the command
    /// line: `cli:<user>`, `CommandLineActor`); who may issue a token to whom is decided by `APIServices.issueToken`.
    public func issue(for account: Account.ID, scopes: Set<TokenScope>, days: Int, requestsPerSecond: Int?,
                      issuedBy issuer: Account.ID? = nil) async throws -> (TokenRecord, bearer: String) {
        let issuer = issuer ?? CommandLineActor.current
        let time = now()
        let (id, bearer, secretHash) = TokenSecret.make()
        let token = TokenRecord(id: id, account: account, kind: .api, secretHash: secretHash, scopes: scopes, createdAt: time,
                                expiresAt: time + Int64(days) * 86_400, requestsPerSecond: requestsPerSecond, issuedBy: issuer)
        try await access.insert(token)
        try await access.recordAccessEvent(AccessEvent(at: time, kind: .tokenIssued, actor: issuer, target: token.id.rawValue,
                                                       address: Self.recorded(ClientAddress.current)))
        return (token, bearer)
    }

    public static func hashPassword(_ password: String, cost: UInt8) async throws -> String {
        try await PasswordHasher.hash(password, cost: cost)
    }
}
