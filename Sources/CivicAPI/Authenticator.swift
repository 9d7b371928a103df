public import CivicAccess
public import CivicCore
import HummingbirdBcrypt
import NIOPosix
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

    /// Checks a password and issues a session token. Unknown accounts, wrong passwords and locked
    /// accounts all answer with the same 401.
    package func signIn(username: String, password: String) async throws -> (TokenRecord, bearer: String) {
        let refused = APIError(.unauthorized, code: "invalid-credentials", "the username or password is wrong, or the account is locked for a while after repeated failures")
        let time = now()
        guard Account.ID.isValid(username), let account = try await access.account(Account.ID(username)),
              let hash = account.passwordHash, !account.disabled else {
            _ = await Self.verify(password, hash: decoyHash)
            throw refused
        }
        if account.isLocked(at: time) { throw refused }
        guard await Self.verify(password, hash: hash) else {
            _ = try await access.recordFailedSignIn(account.id, at: time, lockAfter: configuration.signInFailuresMax,
                                                    lockSeconds: configuration.lockSeconds)
            throw refused
        }
        try await access.recordSignIn(account.id)
        let (id, bearer, secretHash) = TokenSecret.make()
        let token = TokenRecord(id: id, account: account.id, kind: .session, secretHash: secretHash, scopes: [.read, .write],
                                createdAt: time, expiresAt: time + configuration.sessionSeconds)
        try await access.insert(token)
        return (token, bearer)
    }

    /// Issues an API token for an account.
    public func issue(for account: Account.ID, scopes: Set<TokenScope>, days: Int, requestsPerSecond: Int?) async throws -> (TokenRecord, bearer: String) {
        let time = now()
        let (id, bearer, secretHash) = TokenSecret.make()
        let token = TokenRecord(id: id, account: account, kind: .api, secretHash: secretHash, scopes: scopes, createdAt: time,
                                expiresAt: time + Int64(days) * 86_400, requestsPerSecond: requestsPerSecond)
        try await access.insert(token)
        return (token, bearer)
    }

    /// bcrypt off the event loops: it takes a quarter of a second at cost 12.
    static func verify(_ password: String, hash: String) async -> Bool {
        (try? await NIOThreadPool.singleton.runIfActive { Bcrypt.verify(password, hash: hash) }) ?? false
    }

    public static func hashPassword(_ password: String, cost: UInt8) async throws -> String {
        try await NIOThreadPool.singleton.runIfActive { Bcrypt.hash(password, cost: cost) }
    }
}
