public import CivicAccess
import CivicCore
public import Testing

/// An access store under test, with a way to run raw SQL on its database (to show what the database
/// itself refuses, whoever connects).
public struct AccessStoreUnderTest: Sendable {
    public let store: any AccessStore
    public let execute: @Sendable (String) async throws -> Void

    public init(store: any AccessStore, execute: @escaping @Sendable (String) async throws -> Void) {
        self.store = store
        self.execute = execute
    }
}

/// Builds a fresh, empty access store.
public typealias AccessStoreFactory = @Sendable () async throws -> AccessStoreUnderTest

/// One behaviour every access store must show.
public struct AccessStoreBehaviourCheck: Sendable, CustomTestStringConvertible {
    public let name: String
    public let run: @Sendable (_ makeStore: AccessStoreFactory) async throws -> Void

    public init(_ name: String, _ run: @escaping @Sendable (_ makeStore: AccessStoreFactory) async throws -> Void) {
        self.name = name
        self.run = run
    }

    public var testDescription: String { name }
}

/// The access store behaviour suite: what the server relies on from every `AccessStore`. SQLite and
/// PostgreSQL run the same checks, so the two cannot drift apart.
public enum AccessStoreBehaviour {
    public static let checks: [AccessStoreBehaviourCheck] = [
        AccessStoreBehaviourCheck("accounts are stored whole, listed in id order, and never overwritten", accounts),
        AccessStoreBehaviourCheck("an assessor's households are replaced, an unknown account is refused", households),
        AccessStoreBehaviourCheck("sign-in failures are counted before the password check and delay further attempts", signInThrottle),
        AccessStoreBehaviourCheck("attempts sent at once are counted one after the other", signInThrottleConcurrent),
        AccessStoreBehaviourCheck("quiet sign-in failures are purged, never while a delay runs", signInPurge),
        AccessStoreBehaviourCheck("the access trail is append-only in the database itself", trailAppendOnly),
        AccessStoreBehaviourCheck("events appended at once get consecutive sequences", trailConcurrent),
        AccessStoreBehaviourCheck("tokens are stored, listed newest first and revoked once", tokens),
        AccessStoreBehaviourCheck("a password change ends every other session of the account and nothing else", passwordChange),
        AccessStoreBehaviourCheck("an idempotency key is claimed, completed, replayed, released and taken over when stale", idempotency),
        AccessStoreBehaviourCheck("of claims sent at once exactly one wins", idempotencyConcurrent),
        AccessStoreBehaviourCheck("evidence is stored once by digest and listed in digest order", evidence),
        AccessStoreBehaviourCheck("shared keys are listed newest first until retired", sharedKeys),
    ]

    static let created: UnixTime = 1_700_000_000

    static func account(_ id: String, role: AccessRole = .assessor, households: [String] = []) -> Account {
        Account(id: Account.ID(id), role: role, displayName: "Name of \(id) 名", actor: Actor.ID("actor-\(id)"), subject: nil,
                passwordHash: "$2b$04$hash", measures: role == .relyingParty ? ["m-a", "m-b"] : [],
                households: households.map { Subject.ID($0) }, failedSignIns: 0, lockedUntil: nil, createdAt: created)
    }

    static func accounts(_ make: AccessStoreFactory) async throws {
        let store = try await make().store
        let assessor = account("b-assessor", households: ["h-1", "h-2"])
        let party = Account(id: "a-party", role: .relyingParty, displayName: "Party", measures: ["m-a", "m-b"], createdAt: created, disabled: true)
        try await store.insert(assessor)
        try await store.insert(party)
        #expect(try await store.account("b-assessor") == assessor)
        #expect(try await store.account("a-party") == party)
        #expect(try await store.account("nobody") == nil)
        #expect(try await store.accountCount() == 2)
        #expect(try await store.accounts(after: nil, limit: 10).map(\.id) == ["a-party", "b-assessor"])
        #expect(try await store.accounts(after: "a-party", limit: 10).map(\.id) == ["b-assessor"])
        #expect(try await store.accounts(after: nil, limit: 1).map(\.id) == ["a-party"])
        var other = account("b-assessor")
        other.displayName = "Someone else"
        await #expect { try await store.insert(other) } throws: { ($0 as? CivicError)?.code == .conflict }
        #expect(try await store.account("b-assessor")?.displayName == assessor.displayName)
    }

    static func households(_ make: AccessStoreFactory) async throws {
        let store = try await make().store
        try await store.insert(account("assessor", households: ["h-1", "h-2"]))
        try await store.setHouseholds(["h-3", "h-2", "h-3"], of: "assessor")
        #expect(try await store.account("assessor")?.households == ["h-2", "h-3"])
        try await store.setHouseholds([], of: "assessor")
        #expect(try await store.account("assessor")?.households == [])
        await #expect { try await store.setHouseholds(["h-1"], of: "nobody") } throws: { ($0 as? CivicError)?.code == .notFound }
    }

    static func signInThrottle(_ make: AccessStoreFactory) async throws {
        let store = try await make().store
        let throttle = SignInThrottle(freeFailures: 2, delaySecondsBase: 10, delaySecondsMax: 25)
        #expect(try await store.beginSignIn("a", from: "192.0.2.1", at: 100, throttle: throttle) == .allowed)
        #expect(try await store.signInFailures("a", from: "192.0.2.1") == (1, nil))
        #expect(try await store.beginSignIn("a", from: "192.0.2.1", at: 101, throttle: throttle) == .allowed)  // the second failure: 10 s
        #expect(try await store.beginSignIn("a", from: "192.0.2.1", at: 105, throttle: throttle) == .delayed(until: 111))
        #expect(try await store.signInFailures("a", from: "192.0.2.1") == (2, 111))  // a delayed attempt is not counted
        #expect(try await store.beginSignIn("a", from: "192.0.2.2", at: 105, throttle: throttle) == .allowed)  // another address is its own
        #expect(try await store.beginSignIn("a", from: "192.0.2.1", at: 111, throttle: throttle) == .allowed)  // the third: 20 s
        #expect(try await store.signInFailures("a", from: "192.0.2.1") == (3, 131))
        #expect(try await store.beginSignIn("a", from: "192.0.2.1", at: 131, throttle: throttle) == .allowed)  // the fourth: capped at 25 s
        #expect(try await store.signInFailures("a", from: "192.0.2.1") == (4, 156))
        try await store.clearSignInFailures("a", from: "192.0.2.1")
        #expect(try await store.signInFailures("a", from: "192.0.2.1") == (0, nil))
        #expect(try await store.signInFailures("a", from: "192.0.2.2") == (1, nil))
    }

    static func signInThrottleConcurrent(_ make: AccessStoreFactory) async throws {
        let store = try await make().store
        let throttle = SignInThrottle(freeFailures: 5, delaySecondsBase: 1_000, delaySecondsMax: 1_000)
        let attempts = 20
        let allowed = try await withThrowingTaskGroup(of: SignInAttempt.self) { group in
            for _ in 0..<attempts { group.addTask { try await store.beginSignIn("a", from: "192.0.2.9", at: 500, throttle: throttle) } }
            var allowed = 0
            for try await attempt in group where attempt == .allowed { allowed += 1 }
            return allowed
        }
        // The fifth failure starts the delay: exactly five attempts may check a password, however they interleave.
        #expect(allowed == 5)
        #expect(try await store.signInFailures("a", from: "192.0.2.9") == (5, 1_500))
    }

    static func signInPurge(_ make: AccessStoreFactory) async throws {
        let store = try await make().store
        let throttle = SignInThrottle(freeFailures: 1, delaySecondsBase: 1_000, delaySecondsMax: 1_000)
        #expect(try await store.beginSignIn("a", from: "198.51.100.1", at: 100, throttle: throttle) == .allowed)  // blocked until 1,100
        #expect(try await store.beginSignIn("a", from: "198.51.100.2", at: 5_000, throttle: throttle) == .allowed)
        #expect(try await store.purgeSignInFailures(lastAttemptBefore: 1_000) == 0)  // the first pair's delay still runs
        #expect(try await store.purgeSignInFailures(lastAttemptBefore: 2_000) == 1)
        #expect(try await store.signInFailures("a", from: "198.51.100.1").failures == 0)
        #expect(try await store.signInFailures("a", from: "198.51.100.2").failures == 1)
    }

    static func trailAppendOnly(_ make: AccessStoreFactory) async throws {
        let tested = try await make()
        let store = tested.store
        let first = try await store.recordAccessEvent(AccessEvent(at: 10, kind: .signIn, actor: "a", target: "t-1", address: "192.0.2.1"))
        let second = try await store.recordAccessEvent(AccessEvent(at: 11, kind: .tokenRevoked, actor: nil, target: "t-1"))
        #expect(first == 1)
        #expect(second == 2)
        #expect(try await store.accessEvents(after: nil, limit: 10) == [
            AccessEvent(sequence: 1, at: 10, kind: .signIn, actor: "a", target: "t-1", address: "192.0.2.1"),
            AccessEvent(sequence: 2, at: 11, kind: .tokenRevoked, actor: nil, target: "t-1"),
        ])
        #expect(try await store.accessEvents(after: first, limit: 10).map(\.sequence) == [second])
        #expect(try await store.accessEvents(after: nil, limit: 1).map(\.sequence) == [first])
        await #expect(throws: (any Error).self) { try await tested.execute("UPDATE access_event SET actor = 'someone-else'") }
        await #expect(throws: (any Error).self) { try await tested.execute("DELETE FROM access_event") }
        #expect(try await store.accessEvents(after: nil, limit: 10).first?.actor == "a")
    }

    static func trailConcurrent(_ make: AccessStoreFactory) async throws {
        let store = try await make().store
        let count = 20
        let sequences = try await withThrowingTaskGroup(of: Int64.self) { group in
            for index in 0..<count { group.addTask { try await store.recordAccessEvent(AccessEvent(at: Int64(index), kind: .export, actor: nil)) } }
            var sequences: [Int64] = []
            for try await sequence in group { sequences.append(sequence) }
            return sequences
        }
        #expect(sequences.sorted() == Array(1...Int64(count)))
        #expect(try await store.accessEvents(after: nil, limit: 100).map(\.sequence) == Array(1...Int64(count)))
    }

    static func token(_ id: String, account: String, createdAt: UnixTime) -> TokenRecord {
        TokenRecord(id: TokenRecord.ID(id), account: Account.ID(account), kind: .api, secretHash: String(repeating: "ab", count: 32),
                    scopes: [.read, .write], createdAt: createdAt, expiresAt: createdAt + 3_600, requestsPerSecond: 7, issuedBy: "admin")
    }

    static func tokens(_ make: AccessStoreFactory) async throws {
        let store = try await make().store
        try await store.insert(account("a"))
        let old = token("t-old", account: "a", createdAt: 100)
        var session = TokenRecord(id: "t-session", account: "a", kind: .session, secretHash: "cd", scopes: [.read], createdAt: 200, expiresAt: 300)
        let twin = token("t-twin", account: "a", createdAt: 200)
        for token in [old, session, twin] { try await store.insert(token) }
        #expect(try await store.token("t-old") == old)
        #expect(try await store.token("t-session") == session)
        #expect(try await store.token("nothing") == nil)
        #expect(try await store.tokens(of: "a").map(\.id) == ["t-session", "t-twin", "t-old"])  // newest first, then by id
        #expect(try await store.tokens(of: "b").isEmpty)
        #expect(try await store.revokeToken("t-session", at: 250))
        #expect(try await store.revokeToken("t-session", at: 260))  // still there; the first revocation stands
        session.revokedAt = 250
        #expect(try await store.token("t-session") == session)
        #expect(try await !store.revokeToken("nothing", at: 250))
        await #expect(throws: (any Error).self) { try await store.insert(token("t-other", account: "nobody", createdAt: 1)) }
    }

    static func passwordChange(_ make: AccessStoreFactory) async throws {
        let store = try await make().store
        try await store.insert(account("a"))
        try await store.insert(account("b"))
        let here = TokenRecord(id: "s-here", account: "a", kind: .session, secretHash: "01", scopes: [.read, .write], createdAt: 100, expiresAt: 900)
        let elsewhere = TokenRecord(id: "s-elsewhere", account: "a", kind: .session, secretHash: "02", scopes: [.read, .write], createdAt: 110, expiresAt: 900)
        let ended = TokenRecord(id: "s-ended", account: "a", kind: .session, secretHash: "03", scopes: [.read], createdAt: 90, expiresAt: 900, revokedAt: 95)
        let api = token("t-api", account: "a", createdAt: 120)
        let others = TokenRecord(id: "s-b", account: "b", kind: .session, secretHash: "04", scopes: [.read], createdAt: 100, expiresAt: 900)
        for token in [here, elsewhere, ended, api, others] { try await store.insert(token) }
        #expect(try await store.setPasswordHash("$2b$04$new", of: "a", endingSessionsExcept: "s-here", at: 500) == 1)
        #expect(try await store.account("a")?.passwordHash == "$2b$04$new")
        #expect(try await store.account("b")?.passwordHash == "$2b$04$hash", "another account keeps its password")
        #expect(try await store.token("s-here")?.revokedAt == nil, "the session that asked goes on")
        #expect(try await store.token("s-elsewhere")?.revokedAt == 500, "every other session ends")
        #expect(try await store.token("s-ended")?.revokedAt == 95, "an ended session keeps its end")
        #expect(try await store.token("t-api")?.revokedAt == nil, "API tokens stay")
        #expect(try await store.token("s-b")?.revokedAt == nil, "another account's sessions stay")
        #expect(try await store.setPasswordHash("$2b$04$newer", of: "a", endingSessionsExcept: nil, at: 600) == 1, "without a session to keep, all end")
        #expect(try await store.token("s-here")?.revokedAt == 600)
        await #expect { try await store.setPasswordHash("x", of: "nobody", endingSessionsExcept: nil, at: 1) } throws: { ($0 as? CivicError)?.code == .notFound }
    }

    static func record(_ key: String, hash: String = "h-1", status: Int = 201, body: String = "{\"id\":1}", at: UnixTime = 1_010) -> IdempotencyRecord {
        IdempotencyRecord(principal: "a", key: key, requestHash: hash, status: status, contentType: "application/json", body: Array(body.utf8), createdAt: at)
    }

    static func idempotency(_ make: AccessStoreFactory) async throws {
        let store = try await make().store
        #expect(try await store.claimIdempotencyKey(principal: "a", key: "k", requestHash: "h-1", at: 1_000, staleBefore: 900) == .claimed(claimedAt: 1_000))
        #expect(try await store.idempotencyRecord(principal: "a", key: "k") == nil)  // a claim is not a response
        #expect(try await store.claimIdempotencyKey(principal: "a", key: "k", requestHash: "h-2", at: 1_001, staleBefore: 901) == .inFlight(requestHash: "h-1"))
        #expect(try await store.claimIdempotencyKey(principal: "b", key: "k", requestHash: "h-1", at: 1_001, staleBefore: 901) == .claimed(claimedAt: 1_001))
        let first = record("k")
        #expect(try await store.saveFirst(first) == first)
        #expect(try await store.saveFirst(record("k", hash: "h-3", status: 200, body: "other")) == first)  // the first response stays
        #expect(try await store.idempotencyRecord(principal: "a", key: "k") == first)
        // A completed key is never taken over, however old.
        #expect(try await store.claimIdempotencyKey(principal: "a", key: "k", requestHash: "h-1", at: 9_000, staleBefore: 8_900) == .completed(first))

        // A claim given back frees the key; only the claim made at that time is given back.
        #expect(try await store.claimIdempotencyKey(principal: "a", key: "r", requestHash: "h-1", at: 1_000, staleBefore: 900) == .claimed(claimedAt: 1_000))
        try await store.releaseIdempotencyKey(principal: "a", key: "r", claimedAt: 999)
        #expect(try await store.claimIdempotencyKey(principal: "a", key: "r", requestHash: "h-1", at: 1_002, staleBefore: 902) == .inFlight(requestHash: "h-1"))
        try await store.releaseIdempotencyKey(principal: "a", key: "r", claimedAt: 1_000)
        #expect(try await store.claimIdempotencyKey(principal: "a", key: "r", requestHash: "h-2", at: 1_003, staleBefore: 903) == .claimed(claimedAt: 1_003))
        try await store.releaseIdempotencyKey(principal: "a", key: "k", claimedAt: 1_010)  // a completed record is never released
        #expect(try await store.idempotencyRecord(principal: "a", key: "k") == first)

        // A claim older than the bound was left by a server that died: the next request takes it over.
        #expect(try await store.claimIdempotencyKey(principal: "a", key: "s", requestHash: "h-1", at: 1_000, staleBefore: 900) == .claimed(claimedAt: 1_000))
        #expect(try await store.claimIdempotencyKey(principal: "a", key: "s", requestHash: "h-2", at: 1_100, staleBefore: 1_000) == .inFlight(requestHash: "h-1"))
        #expect(try await store.claimIdempotencyKey(principal: "a", key: "s", requestHash: "h-2", at: 1_200, staleBefore: 1_001) == .claimed(claimedAt: 1_200))

        // Purging forgets records and claims made before the cutoff.
        #expect(try await store.purgeIdempotencyRecords(before: 1_005) == 2)  // the claim on "r" (1,003) and the one on "b"/"k" (1,001)
        #expect(try await store.idempotencyRecord(principal: "a", key: "k") == first)
        #expect(try await store.purgeIdempotencyRecords(before: 2_000) == 2)
        #expect(try await store.idempotencyRecord(principal: "a", key: "k") == nil)
    }

    static func idempotencyConcurrent(_ make: AccessStoreFactory) async throws {
        let store = try await make().store
        let contenders = 10
        let claims = try await withThrowingTaskGroup(of: IdempotencyClaim.self) { group in
            for index in 0..<contenders {
                group.addTask { try await store.claimIdempotencyKey(principal: "a", key: "k", requestHash: "h-\(index)", at: 1_000, staleBefore: 900) }
            }
            var claims: [IdempotencyClaim] = []
            for try await claim in group { claims.append(claim) }
            return claims
        }
        let winners = claims.filter { if case .claimed = $0 { true } else { false } }
        #expect(winners.count == 1)
        #expect(claims.count - winners.count == contenders - 1)
    }

    static func evidence(_ make: AccessStoreFactory) async throws {
        let store = try await make().store
        let large = EvidenceBlob(digest: String(repeating: "b", count: 64), mediaType: "application/pdf",
                                 bytes: (0..<(1 << 20)).map { UInt8(truncatingIfNeeded: $0 &* 31) }, uploadedBy: "a", uploadedAt: 10)
        let small = EvidenceBlob(digest: String(repeating: "a", count: 64), mediaType: "image/png", bytes: [0, 1, 2, 255], uploadedBy: "b", uploadedAt: 11)
        #expect(try await store.storeBlob(large))
        #expect(try await store.storeBlob(small))
        var again = small
        again.uploadedBy = "c"
        #expect(try await !store.storeBlob(again))
        #expect(try await store.blob(digest: small.digest) == small)
        #expect(try await store.blob(digest: large.digest) == large)
        #expect(try await store.blob(digest: String(repeating: "c", count: 64)) == nil)
        #expect(try await store.blobs(after: nil, limit: 10) == [small, large])
        #expect(try await store.blobs(after: small.digest, limit: 10) == [large])
        #expect(try await store.blobs(after: nil, limit: 1) == [small])
    }

    static func sharedKeys(_ make: AccessStoreFactory) async throws {
        let store = try await make().store
        let old = SharedKey(id: "form-1", purpose: .form, secret: Array(repeating: 1, count: 32), createdAt: 100)
        let new = SharedKey(id: "form-2", purpose: .form, secret: Array(repeating: 2, count: 32), createdAt: 200)
        #expect(try await store.sharedKeys(.form).isEmpty)
        #expect(try await store.insert(old))
        #expect(try await store.insert(new))
        var clash = new
        clash.secret = Array(repeating: 3, count: 32)
        #expect(try await !store.insert(clash))  // two servers making the first key at once: the first one stays
        #expect(try await store.sharedKeys(.form) == [new, old])
        #expect(try await store.retireSharedKey("form-1", at: 300))
        #expect(try await store.sharedKeys(.form) == [new])
        #expect(try await !store.retireSharedKey("nothing", at: 300))
    }
}
