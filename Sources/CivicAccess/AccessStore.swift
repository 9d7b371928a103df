public import CivicCore

/// What the server needs to remember about who may call it, apart from the domain's own records:
/// accounts and their password hashes, API and session tokens (hashed), sign-in failures, the
/// households each assessor covers, the measures each relying party is registered for, idempotency
/// records and evidence content.
///
/// Every method is one statement or one transaction in plain SQL, so a PostgreSQL implementation is
/// a straight port of the SQLite one. Times are Unix seconds (`UnixTime`): the store never reads a clock.
public protocol AccessStore: Sendable {
    // MARK: Accounts
    func account(_ id: Account.ID) async throws -> Account?
    /// Accounts in id order after `cursor`, at most `limit`.
    func accounts(after cursor: Account.ID?, limit: Int) async throws -> [Account]
    func accountCount() async throws -> Int
    /// Inserts an account; an existing id is a `conflict`.
    func insert(_ account: Account) async throws
    /// Replaces the households an assessor covers.
    func setHouseholds(_ households: [Subject.ID], of account: Account.ID) async throws
    /// Counts a sign-in attempt from one address before its password is checked, in one transaction, so
    /// attempts sent at once are counted one after the other and cannot all slip past the throttle.
    /// The attempt counts as a failure until `clearSignInFailures` says it succeeded. Returns whether
    /// the password may be checked at all (`allowed`), or the time before which it may not.
    func beginSignIn(_ account: Account.ID, from address: String, at now: UnixTime, throttle: SignInThrottle) async throws -> SignInAttempt
    /// Forgets the failures of one account from one address after a good sign-in.
    func clearSignInFailures(_ account: Account.ID, from address: String) async throws
    /// Forgets the failures of (account, address) pairs with no attempt since `cutoff` and no delay still
    /// running; returns how many. Keeps the table from growing with every address that ever guessed.
    func purgeSignInFailures(lastAttemptBefore cutoff: UnixTime) async throws -> Int
    /// Failures recorded for an account from an address, and the time before which it may not try again.
    func signInFailures(_ account: Account.ID, from address: String) async throws -> (failures: Int, blockedUntil: UnixTime?)

    // MARK: Access events
    /// Appends an event to the access trail (sign-ins, tokens, accounts, exports); returns its sequence.
    /// The trail is append-only: the store refuses to change or delete an event.
    @discardableResult
    func recordAccessEvent(_ event: AccessEvent) async throws -> Int64
    /// Events in sequence order after `sequence`, at most `limit`.
    func accessEvents(after sequence: Int64?, limit: Int) async throws -> [AccessEvent]

    // MARK: Tokens
    func insert(_ token: TokenRecord) async throws
    func token(_ id: TokenRecord.ID) async throws -> TokenRecord?
    /// Marks a token revoked; false if there is no such token.
    func revokeToken(_ id: TokenRecord.ID, at now: UnixTime) async throws -> Bool
    /// Replaces an account's password hash and, in the same transaction, ends every session of the account
    /// but `keep` (the one that asked); API tokens stay. Returns how many sessions ended; a missing account
    /// is `notFound`.
    func setPasswordHash(_ hash: String, of account: Account.ID, endingSessionsExcept keep: TokenRecord.ID?, at now: UnixTime) async throws -> Int
    /// Tokens of one account, newest first.
    func tokens(of account: Account.ID) async throws -> [TokenRecord]

    // MARK: Idempotency
    /// The stored response for a key; nil while the key is only claimed, or unknown.
    func idempotencyRecord(principal: Account.ID, key: String) async throws -> IdempotencyRecord?
    /// Claims a key before the work it guards starts, in one statement, so that of every server sharing the
    /// store exactly one does the work: `claimed` if the key was free (or its claim was made before
    /// `staleBefore`, by a server that died), `inFlight` while another claim holds it, `completed` with the
    /// stored response once the work is done.
    func claimIdempotencyKey(principal: Account.ID, key: String, requestHash: String, at now: UnixTime, staleBefore: UnixTime) async throws -> IdempotencyClaim
    /// Gives back a claim made at `claimedAt` whose response is not stored (a server error), so a retry runs the work again.
    func releaseIdempotencyKey(principal: Account.ID, key: String, claimedAt: UnixTime) async throws
    /// Stores the first response for a key, completing its claim; if a response for the key is already stored,
    /// keeps it and returns it.
    func saveFirst(_ record: IdempotencyRecord) async throws -> IdempotencyRecord
    /// Deletes records created before `cutoff`; returns how many.
    func purgeIdempotencyRecords(before cutoff: UnixTime) async throws -> Int

    // MARK: Evidence content
    /// Stores content under its digest; false if the same digest was already stored.
    func storeBlob(_ blob: EvidenceBlob) async throws -> Bool
    func blob(digest: String) async throws -> EvidenceBlob?
    /// Evidence in digest order after `digest`, at most `limit`: for copying a deployment.
    func blobs(after digest: String?, limit: Int) async throws -> [EvidenceBlob]

    // MARK: Shared keys
    /// The keys of one purpose that every server shares, newest first, retired ones left out.
    func sharedKeys(_ purpose: SharedKey.Purpose) async throws -> [SharedKey]
    /// Adds a key; false if a key with its id exists.
    func insert(_ key: SharedKey) async throws -> Bool
    /// Retires a key: from `now` on it verifies nothing. False if there is no such key.
    func retireSharedKey(_ id: SharedKey.ID, at now: UnixTime) async throws -> Bool
}

/// A secret key that every server of a deployment shares, kept in the access store: the newest signs,
/// every key not retired verifies, so a key is rotated by adding a new one and retiring the old one once
/// what it signed has expired.
public struct SharedKey: Hashable, Sendable {
    public typealias ID = Identifier<SharedKey>

    public enum Purpose: String, Hashable, Sendable, CaseIterable {
        /// Signs the anti-forgery tokens of the pages' forms.
        case form
    }

    public var id: ID
    public var purpose: Purpose
    /// 32 random bytes.
    public var secret: [UInt8]
    public var createdAt: UnixTime
    public var retiredAt: UnixTime?

    public init(id: ID, purpose: Purpose, secret: [UInt8], createdAt: UnixTime, retiredAt: UnixTime? = nil) {
        self.id = id
        self.purpose = purpose
        self.secret = secret
        self.createdAt = createdAt
        self.retiredAt = retiredAt
    }
}

/// Where a claimed idempotency key stands.
public enum IdempotencyClaim: Sendable, Hashable {
    /// The caller holds the key and does the work; `claimedAt` names the claim when it is given back.
    case claimed(claimedAt: UnixTime)
    /// Another request holds the key, with this request hash.
    case inFlight(requestHash: String)
    /// The work was done; its stored response.
    case completed(IdempotencyRecord)
}

/// How sign-in failures slow down guessing: a few free attempts per account and address, then a
/// delay that doubles with each further failure, up to a ceiling. Keyed by address as well as account,
/// so nobody can lock a person out from elsewhere by guessing wrong on purpose.
public struct SignInThrottle: Sendable, Hashable {
    /// Failures allowed before the first delay.
    public var freeFailures: Int
    /// The first delay; each further failure doubles it.
    public var delaySecondsBase: Int64
    public var delaySecondsMax: Int64

    public init(freeFailures: Int = 5, delaySecondsBase: Int64 = 15, delaySecondsMax: Int64 = 15 * 60) {
        self.freeFailures = freeFailures
        self.delaySecondsBase = delaySecondsBase
        self.delaySecondsMax = delaySecondsMax
    }

    /// The wait after `failures` failures: none up to `freeFailures`, then base, 2 x base, 4 x base... up to the ceiling.
    public func delaySeconds(afterFailures failures: Int) -> Int64 {
        guard failures >= freeFailures else { return 0 }
        let doublings = min(failures - freeFailures, 40)
        let delay = delaySecondsBase.multipliedReportingOverflow(by: Int64(1) << Int64(doublings))
        return delay.overflow ? delaySecondsMax : min(delay.partialValue, delaySecondsMax)
    }
}

/// One entry of the access trail: who did what to which account or token, when, from where. Never a
/// password, a token's secret or a personal record: only ids.
public struct AccessEvent: Hashable, Sendable, Codable {
    public enum Kind: String, Hashable, Sendable, Codable, CaseIterable {
        case signIn = "sign-in"
        /// A password check that failed, or an attempt held back by the throttle (known accounts only).
        case signInRefused = "sign-in-refused"
        case signOut = "sign-out"
        case tokenIssued = "token-issued"
        case tokenRevoked = "token-revoked"
        case accountCreated = "account-created"
        case householdsAssigned = "households-assigned"
        case export
        /// A person changed their own password (the target is their account; no secret is kept).
        case passwordChanged = "password-changed"
    }

    /// Its place in the trail, given by the store (0 before it is recorded).
    public var sequence: Int64
    public var at: UnixTime
    public var kind: Kind
    /// The account acting; nil from the command line (whoever runs the server).
    public var actor: Account.ID?
    /// The account, token or export the event is about.
    public var target: String?
    /// The network address of the request, when there was one.
    public var address: String?

    public init(sequence: Int64 = 0, at: UnixTime, kind: Kind, actor: Account.ID?, target: String? = nil, address: String? = nil) {
        self.sequence = sequence
        self.at = at
        self.kind = kind
        self.actor = actor
        self.target = target
        self.address = address
    }
}

/// Whether a sign-in attempt may check its password.
public enum SignInAttempt: Sendable, Hashable {
    case allowed
    case delayed(until: UnixTime)
}

/// Seconds since 1970-01-01T00:00:00Z.
public typealias UnixTime = Int64

/// The roles a caller acts in. Each account has exactly one; a person with two jobs has two accounts.
public enum AccessRole: String, Hashable, Sendable, Codable, CaseIterable {
    case administrator
    /// Covers the households assigned to the account.
    case assessor
    /// A committee reviewer.
    case reviewer
    /// Sees their own record and household.
    case resident
    /// Asks only the eligibility question, only for the measures it is registered for.
    case relyingParty = "relying-party"
    /// Reads everything, writes nothing.
    case auditor
}

/// A person or a service that signs in.
public struct Account: Hashable, Sendable, Codable, Identifiable {
    public typealias ID = Identifier<Account>

    public var id: ID
    public var role: AccessRole
    public var displayName: String
    /// The domain actor this account acts as (reporter, reviewer, publisher).
    public var actor: Actor.ID?
    /// The subject record of a resident.
    public var subject: Subject.ID?
    /// A bcrypt hash; nil for services, which use API tokens only.
    public var passwordHash: String?
    /// For a relying party: the measures it may ask about.
    public var measures: [Measure.ID]
    /// For an assessor: the households covered.
    public var households: [Subject.ID]
    public var failedSignIns: Int
    public var lockedUntil: UnixTime?
    public var createdAt: UnixTime
    public var disabled: Bool

    public init(
        id: ID, role: AccessRole, displayName: String, actor: Actor.ID? = nil, subject: Subject.ID? = nil,
        passwordHash: String? = nil, measures: [Measure.ID] = [], households: [Subject.ID] = [],
        failedSignIns: Int = 0, lockedUntil: UnixTime? = nil, createdAt: UnixTime, disabled: Bool = false
    ) {
        self.id = id
        self.role = role
        self.displayName = displayName
        self.actor = actor
        self.subject = subject
        self.passwordHash = passwordHash
        self.measures = measures
        self.households = households
        self.failedSignIns = failedSignIns
        self.lockedUntil = lockedUntil
        self.createdAt = createdAt
        self.disabled = disabled
    }

    public func isLocked(at now: UnixTime) -> Bool { lockedUntil.map { now < $0 } ?? false }

    /// Whether the account is a person's (it signs in with a password or acts as an actor of the
    /// registry) rather than a service's. Only a person may hold a token that acts as that person.
    public var isPerson: Bool { passwordHash != nil || actor != nil || subject != nil }
}

/// What a token lets its bearer do besides its account's role.
public enum TokenScope: String, Hashable, Sendable, Codable, CaseIterable {
    /// Reading operations.
    case read
    /// Writing operations.
    case write
}

/// A bearer token as stored: never the secret, only its SHA-256.
public struct TokenRecord: Hashable, Sendable, Codable, Identifiable {
    public typealias ID = Identifier<TokenRecord>

    public enum Kind: String, Hashable, Sendable, Codable {
        /// From signing in with a password.
        case session
        /// Issued by an administrator for a service or relying party.
        case api
    }

    public var id: ID
    public var account: Account.ID
    public var kind: Kind
    /// Lowercase hex SHA-256 of the secret part.
    public var secretHash: String
    public var scopes: Set<TokenScope>
    public var createdAt: UnixTime
    public var expiresAt: UnixTime
    public var revokedAt: UnixTime?
    /// Requests a second this token may make; nil for the server's default.
    public var requestsPerSecond: Int?
    /// The account that issued the token: the account itself for a session, an administrator for a
    /// service token; nil for tokens issued from the command line by whoever runs the server.
    public var issuedBy: Account.ID?

    public init(
        id: ID, account: Account.ID, kind: Kind, secretHash: String, scopes: Set<TokenScope>, createdAt: UnixTime,
        expiresAt: UnixTime, revokedAt: UnixTime? = nil, requestsPerSecond: Int? = nil, issuedBy: Account.ID? = nil
    ) {
        self.issuedBy = issuedBy
        self.id = id
        self.account = account
        self.kind = kind
        self.secretHash = secretHash
        self.scopes = scopes
        self.createdAt = createdAt
        self.expiresAt = expiresAt
        self.revokedAt = revokedAt
        self.requestsPerSecond = requestsPerSecond
    }

    public func isUsable(at now: UnixTime) -> Bool { revokedAt == nil && now < expiresAt }
}

/// The first response to a write that carried an `Idempotency-Key`.
public struct IdempotencyRecord: Hashable, Sendable {
    public var principal: Account.ID
    public var key: String
    /// SHA-256 (hex) of the method, path, query and body of the first request.
    public var requestHash: String
    public var status: Int
    public var contentType: String?
    public var body: [UInt8]
    public var createdAt: UnixTime

    public init(principal: Account.ID, key: String, requestHash: String, status: Int, contentType: String?, body: [UInt8], createdAt: UnixTime) {
        self.principal = principal
        self.key = key
        self.requestHash = requestHash
        self.status = status
        self.contentType = contentType
        self.body = body
        self.createdAt = createdAt
    }
}

/// Evidence content, stored by the SHA-256 of its bytes.
public struct EvidenceBlob: Hashable, Sendable {
    /// Lowercase hex SHA-256 of `bytes`.
    public var digest: String
    public var mediaType: String
    public var bytes: [UInt8]
    public var uploadedBy: Account.ID
    public var uploadedAt: UnixTime

    public init(digest: String, mediaType: String, bytes: [UInt8], uploadedBy: Account.ID, uploadedAt: UnixTime) {
        self.digest = digest
        self.mediaType = mediaType
        self.bytes = bytes
        self.uploadedBy = uploadedBy
        self.uploadedAt = uploadedAt
    }
}
