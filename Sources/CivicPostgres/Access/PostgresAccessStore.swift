public import CivicAccess
public import CivicCore
import Foundation
import Logging
import NIOCore
import PostgresNIO

/// The access store on PostgreSQL: the SQLite access store's statements on the same tables, so that every
/// server of a deployment sees the same accounts, tokens and sessions, sign-in throttle, idempotency
/// claims and records, access trail and evidence. The same behaviour suite runs against both.
///
/// By default it shares the ledger store's database and connection pool (`init(sharing:)`); its tables and
/// their migrations are its own (`PostgresAccessSchema`).
public final class PostgresAccessStore: AccessStore {
    let pool: PostgresPool
    /// The pool's task when the store opened a pool of its own; nil when it shares the ledger store's.
    private let running: Task<Void, Never>?
    /// Where the store connects, without the password: for messages.
    public let location: String

    /// Connects to its own database (`postgres://...`), brings the access schema up to date and opens a pool.
    public init(settings: PostgresSettings) async throws {
        location = settings.description
        let connection: PostgresConnection
        do {
            connection = try await PostgresConnection.connect(
                configuration: try settings.connectionConfiguration(), id: 2, logger: PostgresStore.logger)
        } catch {
            throw PostgresStore.storageError(error, doing: "connecting to \(settings.description) for the access store")
        }
        do {
            try await PostgresAccessSchema.migrate(connection, creatingSchema: settings.searchPath, localSearchPath: settings.transactionSearchPath)
            try? await connection.close()
        } catch {
            try? await connection.close()
            throw PostgresStore.storageError(error, doing: "migrating the access schema")
        }
        let client = PostgresClient(configuration: try settings.clientConfiguration(), backgroundLogger: PostgresStore.logger)
        pool = PostgresPool(client: client, transactionSearchPath: settings.transactionSearchPath)
        running = Task { await client.run() }
    }

    /// The access tables in the ledger store's database, through its pool: what `civic serve --database
    /// postgres://...` uses unless told otherwise. The access schema is brought up to date first.
    public init(sharing store: PostgresStore) async throws {
        location = store.location
        pool = store.pool
        running = nil
        do {
            try await pool.client.withConnection { [pool] connection in
                // The ledger store created the schema named in the URL already.
                try await PostgresAccessSchema.migrate(connection, creatingSchema: nil, localSearchPath: pool.transactionSearchPath)
            }
        } catch {
            throw PostgresStore.storageError(error, doing: "migrating the access schema")
        }
    }

    deinit {
        running?.cancel()
    }

    /// Closes the store's own pool, if it has one; a shared pool closes with the ledger store.
    public func close() async {
        running?.cancel()
        await running?.value
    }

    // MARK: Plumbing

    private func transaction<T: Sendable>(_ action: String, _ body: (PostgresConnection) async throws -> T) async throws -> T {
        try await PostgresStore.transaction(on: pool, action + " in the access store", body)
    }

    private func rows(_ action: String, _ query: PostgresQuery) async throws -> [PostgresRow] {
        try await PostgresStore.rows(on: pool, action + " in the access store", query)
    }

    private static func rows(_ connection: PostgresConnection, _ query: PostgresQuery) async throws -> [PostgresRow] {
        try await connection.query(query, logger: PostgresStore.logger).collect()
    }

    /// Decodes with a `corrupted` error naming the table, never the value.
    private static func decoding<T>(_ table: String, _ body: () throws -> T) throws -> T {
        do {
            return try body()
        } catch let error as CivicError {
            throw error
        } catch {
            throw CivicError(.corrupted, "stored \(table) row has a value of an unexpected type")
        }
    }

    /// Runs one statement outside the store's methods: for tests that show what the database itself refuses.
    package func execute(_ sql: String) async throws {
        _ = try await PostgresStore.rows(on: pool, "running a statement", PostgresQuery(unsafeSQL: sql))
    }

    // MARK: Accounts

    private static let accountColumns = """
        a.id, a.role, a.display_name, a.actor, a.subject, a.password_hash, a.failed_sign_ins, a.locked_until, a.created_at, a.disabled,
        ARRAY(SELECT m.measure FROM account_measure m WHERE m.account = a.id ORDER BY m.measure)::text[],
        ARRAY(SELECT h.household FROM assessor_household h WHERE h.account = a.id ORDER BY h.household)::text[]
        """

    private static func accountRow(_ row: PostgresRow) throws -> Account {
        let (id, role, displayName, actor, subject, passwordHash, failedSignIns, lockedUntil, createdAt, disabled, measures, households) =
            try decoding("account") {
                try row.decode((String, String, String, String?, String?, String?, Int64, Int64?, Int64, Bool, [String], [String]).self)
            }
        return try AccessColumns.account(
            id: id, role: role, displayName: displayName, actor: actor, subject: subject, passwordHash: passwordHash,
            measures: measures, households: households, failedSignIns: Int(failedSignIns), lockedUntil: lockedUntil,
            createdAt: createdAt, disabled: disabled)
    }

    public func account(_ id: Account.ID) async throws -> Account? {
        try await rows("reading an account", "SELECT \(unescaped: Self.accountColumns) FROM account a WHERE a.id = \(id.rawValue)")
            .first.map(Self.accountRow)
    }

    public func accounts(after cursor: Account.ID?, limit: Int) async throws -> [Account] {
        try await rows("listing accounts", """
            SELECT \(unescaped: Self.accountColumns) FROM account a WHERE a.id > \(cursor?.rawValue ?? "") ORDER BY a.id LIMIT \(Int64(limit))
            """).map(Self.accountRow)
    }

    public func accountCount() async throws -> Int {
        let rows = try await rows("counting accounts", "SELECT count(*) FROM account")
        return Int(try rows.first?.decode(Int64.self) ?? 0)
    }

    public func insert(_ account: Account) async throws {
        try await transaction("creating an account") { connection in
            let inserted = try await Self.rows(connection, """
                INSERT INTO account (id, role, display_name, actor, subject, password_hash, failed_sign_ins, locked_until, created_at, disabled)
                VALUES (\(account.id.rawValue), \(account.role.rawValue), \(account.displayName), \(account.actor?.rawValue),
                        \(account.subject?.rawValue), \(account.passwordHash), \(Int64(account.failedSignIns)), \(account.lockedUntil),
                        \(account.createdAt), \(account.disabled))
                ON CONFLICT (id) DO NOTHING
                RETURNING id
                """)
            guard !inserted.isEmpty else { throw CivicError(.conflict, "account '\(account.id)' already exists") }
            let measures = Array(Set(account.measures.map(\.rawValue))).sorted()
            let households = Array(Set(account.households.map(\.rawValue))).sorted()
            try await connection.query(
                "INSERT INTO account_measure (account, measure) SELECT \(account.id.rawValue), unnest(\(measures)::text[])",
                logger: PostgresStore.logger)
            try await connection.query(
                "INSERT INTO assessor_household (account, household) SELECT \(account.id.rawValue), unnest(\(households)::text[])",
                logger: PostgresStore.logger)
        }
    }

    public func setHouseholds(_ households: [Subject.ID], of account: Account.ID) async throws {
        try await transaction("assigning households") { connection in
            // The account's row is locked so that two assignments at once apply one after the other.
            guard try await !Self.rows(connection, "SELECT 1 FROM account WHERE id = \(account.rawValue) FOR UPDATE").isEmpty else {
                throw CivicError(.notFound, "no account '\(account)'")
            }
            let unique = Array(Set(households.map(\.rawValue))).sorted()
            try await connection.query("DELETE FROM assessor_household WHERE account = \(account.rawValue)", logger: PostgresStore.logger)
            try await connection.query(
                "INSERT INTO assessor_household (account, household) SELECT \(account.rawValue), unnest(\(unique)::text[])",
                logger: PostgresStore.logger)
        }
    }

    public func beginSignIn(_ account: Account.ID, from address: String, at now: UnixTime, throttle: SignInThrottle) async throws -> SignInAttempt {
        try await transaction("counting a sign-in attempt") { connection in
            // The pair's row is made if missing and locked in the same transaction: attempts sent at once, to
            // any server, are counted one after the other, before any password is checked.
            try await connection.query("""
                INSERT INTO sign_in_throttle (account, address, failures, blocked_until, last_attempt_at)
                VALUES (\(account.rawValue), \(address), 0, NULL, \(now))
                ON CONFLICT (account, address) DO NOTHING
                """, logger: PostgresStore.logger)
            let row = try await Self.rows(connection, """
                SELECT failures, blocked_until FROM sign_in_throttle WHERE account = \(account.rawValue) AND address = \(address) FOR UPDATE
                """).first
            let (failures, blockedUntil) = try Self.decoding("sign_in_throttle") { try row?.decode((Int64, Int64?).self) ?? (Int64(0), nil) }
            if let blockedUntil, now < blockedUntil { return .delayed(until: blockedUntil) }
            // Counted as a failure now; a good password clears it afterwards.
            let delay = throttle.delaySeconds(afterFailures: Int(failures) + 1)
            try await connection.query("""
                UPDATE sign_in_throttle SET failures = \(failures + 1), blocked_until = \(delay > 0 ? now + delay : nil), last_attempt_at = \(now)
                WHERE account = \(account.rawValue) AND address = \(address)
                """, logger: PostgresStore.logger)
            return .allowed
        }
    }

    public func clearSignInFailures(_ account: Account.ID, from address: String) async throws {
        _ = try await rows("clearing sign-in failures", "DELETE FROM sign_in_throttle WHERE account = \(account.rawValue) AND address = \(address)")
    }

    public func purgeSignInFailures(lastAttemptBefore cutoff: UnixTime) async throws -> Int {
        let rows = try await rows("purging sign-in failures", """
            WITH purged AS (
                DELETE FROM sign_in_throttle WHERE last_attempt_at < \(cutoff) AND (blocked_until IS NULL OR blocked_until < \(cutoff)) RETURNING 1
            )
            SELECT count(*) FROM purged
            """)
        return Int(try rows.first?.decode(Int64.self) ?? 0)
    }

    public func signInFailures(_ account: Account.ID, from address: String) async throws -> (failures: Int, blockedUntil: UnixTime?) {
        let row = try await rows("reading sign-in failures", """
            SELECT failures, blocked_until FROM sign_in_throttle WHERE account = \(account.rawValue) AND address = \(address)
            """).first
        let (failures, blockedUntil) = try Self.decoding("sign_in_throttle") { try row?.decode((Int64, Int64?).self) ?? (Int64(0), nil) }
        return (Int(failures), blockedUntil)
    }

    // MARK: Access events

    @discardableResult
    public func recordAccessEvent(_ event: AccessEvent) async throws -> Int64 {
        try await transaction("recording an access event") { connection in
            // One appender at a time (readers never wait): sequences are given in commit order without gaps, as
            // on SQLite, so a reader paging by sequence never skips an event that commits later with a lower one.
            try await connection.query("LOCK TABLE access_event IN EXCLUSIVE MODE", logger: PostgresStore.logger)
            let rows = try await Self.rows(connection, """
                INSERT INTO access_event (sequence, at, kind, actor, target, address)
                SELECT coalesce(max(sequence), 0) + 1, \(event.at), \(event.kind.rawValue), \(event.actor?.rawValue), \(event.target), \(event.address)
                FROM access_event
                RETURNING sequence
                """)
            return try Self.decoding("access_event") { try rows.first?.decode(Int64.self) ?? 0 }
        }
    }

    public func accessEvents(after sequence: Int64?, limit: Int) async throws -> [AccessEvent] {
        try await rows("reading the access trail", """
            SELECT sequence, at, kind, actor, target, address FROM access_event WHERE sequence > \(sequence ?? 0) ORDER BY sequence LIMIT \(Int64(limit))
            """).map { row in
            let (sequence, at, kind, actor, target, address) = try Self.decoding("access_event") {
                try row.decode((Int64, Int64, String, String?, String?, String?).self)
            }
            return try AccessColumns.accessEvent(sequence: sequence, at: at, kind: kind, actor: actor, target: target, address: address)
        }
    }

    // MARK: Tokens

    public func insert(_ token: TokenRecord) async throws {
        _ = try await rows("issuing a token", """
            INSERT INTO token (id, account, kind, secret_hash, scopes, created_at, expires_at, revoked_at, requests_per_second, issued_by)
            VALUES (\(token.id.rawValue), \(token.account.rawValue), \(token.kind.rawValue), \(token.secretHash),
                    \(AccessColumns.scopesText(token.scopes)), \(token.createdAt), \(token.expiresAt), \(token.revokedAt),
                    \(token.requestsPerSecond.map { Int64($0) }), \(token.issuedBy?.rawValue))
            """)
    }

    private static let tokenColumns = "id, account, kind, secret_hash, scopes, created_at, expires_at, revoked_at, requests_per_second, issued_by"

    private static func tokenRow(_ row: PostgresRow) throws -> TokenRecord {
        let (id, account, kind, secretHash, scopes, createdAt, expiresAt, revokedAt, requestsPerSecond, issuedBy) = try decoding("token") {
            try row.decode((String, String, String, String, String, Int64, Int64, Int64?, Int64?, String?).self)
        }
        return try AccessColumns.token(
            id: id, account: account, kind: kind, secretHash: secretHash, scopes: scopes, createdAt: createdAt, expiresAt: expiresAt,
            revokedAt: revokedAt, requestsPerSecond: requestsPerSecond.map { Int($0) }, issuedBy: issuedBy)
    }

    public func token(_ id: TokenRecord.ID) async throws -> TokenRecord? {
        try await rows("reading a token", "SELECT \(unescaped: Self.tokenColumns) FROM token WHERE id = \(id.rawValue)").first.map(Self.tokenRow)
    }

    public func revokeToken(_ id: TokenRecord.ID, at now: UnixTime) async throws -> Bool {
        try await !rows("revoking a token", "UPDATE token SET revoked_at = coalesce(revoked_at, \(now)) WHERE id = \(id.rawValue) RETURNING id").isEmpty
    }

    public func setPasswordHash(_ hash: String, of account: Account.ID, endingSessionsExcept keep: TokenRecord.ID?, at now: UnixTime) async throws -> Int {
        try await transaction("changing a password") { connection in
            guard try await !Self.rows(connection, "UPDATE account SET password_hash = \(hash) WHERE id = \(account.rawValue) RETURNING id").isEmpty else {
                throw CivicError(.notFound, "no account '\(account)'")
            }
            let keep = keep?.rawValue ?? ""
            return try await Self.rows(connection, """
                UPDATE token SET revoked_at = \(now) WHERE account = \(account.rawValue) AND kind = 'session' AND revoked_at IS NULL
                AND id <> \(keep) RETURNING id
                """).count
        }
    }

    public func tokens(of account: Account.ID) async throws -> [TokenRecord] {
        try await rows("listing tokens", """
            SELECT \(unescaped: Self.tokenColumns) FROM token WHERE account = \(account.rawValue) ORDER BY created_at DESC, id
            """).map(Self.tokenRow)
    }

    // MARK: Idempotency

    private static let idempotencyColumns = "principal, idempotency_key, request_hash, status, content_type, body, created_at"

    /// The row's record, or nil while it is only a claim; with the claim's request hash.
    private static func idempotencyRow(_ row: PostgresRow) throws -> (record: IdempotencyRecord?, requestHash: String) {
        let (principal, key, requestHash, status, contentType, body, createdAt) = try decoding("idempotency") {
            try row.decode((String, String, String, Int64?, String?, ByteBuffer?, Int64).self)
        }
        let record = try AccessColumns.idempotency(
            principal: principal, key: key, requestHash: requestHash, status: status.map { Int($0) }, contentType: contentType,
            body: body.map { Array(buffer: $0) }, createdAt: createdAt)
        return (record, requestHash)
    }

    public func idempotencyRecord(principal: Account.ID, key: String) async throws -> IdempotencyRecord? {
        try await rows("reading an idempotency record", """
            SELECT \(unescaped: Self.idempotencyColumns) FROM idempotency WHERE principal = \(principal.rawValue) AND idempotency_key = \(key)
            """).first.flatMap { try Self.idempotencyRow($0).record }
    }

    /// Attempts at a claim whose holder gives it back between our two statements; beyond this the key is busy.
    static let claimAttemptsMax = 3

    public func claimIdempotencyKey(principal: Account.ID, key: String, requestHash: String, at now: UnixTime, staleBefore: UnixTime) async throws -> IdempotencyClaim {
        for _ in 0..<Self.claimAttemptsMax {
            // One statement: of the servers that send it at once, PostgreSQL lets exactly one insert (or take over
            // a claim left by a server that died); the others wait for it to commit and get no row back.
            let claimed = try await rows("claiming an idempotency key", """
                INSERT INTO idempotency (principal, idempotency_key, request_hash, status, content_type, body, created_at)
                VALUES (\(principal.rawValue), \(key), \(requestHash), NULL, NULL, NULL, \(now))
                ON CONFLICT (principal, idempotency_key) DO UPDATE SET request_hash = excluded.request_hash, created_at = excluded.created_at
                WHERE idempotency.status IS NULL AND idempotency.created_at < \(staleBefore)
                RETURNING created_at
                """)
            if !claimed.isEmpty { return .claimed(claimedAt: now) }
            let existing = try await rows("reading an idempotency claim", """
                SELECT \(unescaped: Self.idempotencyColumns) FROM idempotency WHERE principal = \(principal.rawValue) AND idempotency_key = \(key)
                """)
            guard let row = existing.first else { continue }  // given back in between: try again
            let (record, holderHash) = try Self.idempotencyRow(row)
            if let record { return .completed(record) }
            return .inFlight(requestHash: holderHash)
        }
        return .inFlight(requestHash: "")
    }

    public func releaseIdempotencyKey(principal: Account.ID, key: String, claimedAt: UnixTime) async throws {
        _ = try await rows("releasing an idempotency key", """
            DELETE FROM idempotency WHERE principal = \(principal.rawValue) AND idempotency_key = \(key) AND status IS NULL AND created_at = \(claimedAt)
            """)
    }

    public func saveFirst(_ record: IdempotencyRecord) async throws -> IdempotencyRecord {
        try await transaction("saving an idempotency record") { connection in
            try await connection.query("""
                INSERT INTO idempotency (principal, idempotency_key, request_hash, status, content_type, body, created_at)
                VALUES (\(record.principal.rawValue), \(record.key), \(record.requestHash), \(Int64(record.status)), \(record.contentType),
                        \(ByteBuffer(bytes: record.body)), \(record.createdAt))
                ON CONFLICT (principal, idempotency_key) DO UPDATE SET request_hash = excluded.request_hash, status = excluded.status,
                    content_type = excluded.content_type, body = excluded.body, created_at = excluded.created_at
                WHERE idempotency.status IS NULL
                """, logger: PostgresStore.logger)
            let rows = try await Self.rows(connection, """
                SELECT \(unescaped: Self.idempotencyColumns) FROM idempotency
                WHERE principal = \(record.principal.rawValue) AND idempotency_key = \(record.key)
                """)
            guard let row = rows.first, let stored = try Self.idempotencyRow(row).record else {
                throw CivicError(.storage, "an idempotency record was saved but cannot be read back")
            }
            return stored
        }
    }

    public func purgeIdempotencyRecords(before cutoff: UnixTime) async throws -> Int {
        let rows = try await rows("purging idempotency records", """
            WITH purged AS (DELETE FROM idempotency WHERE created_at < \(cutoff) RETURNING 1) SELECT count(*) FROM purged
            """)
        return Int(try rows.first?.decode(Int64.self) ?? 0)
    }

    // MARK: Evidence

    public func storeBlob(_ blob: EvidenceBlob) async throws -> Bool {
        try await !rows("storing evidence", """
            INSERT INTO evidence_blob (digest, media_type, content, size, uploaded_by, uploaded_at)
            VALUES (\(blob.digest), \(blob.mediaType), \(ByteBuffer(bytes: blob.bytes)), \(Int64(blob.bytes.count)), \(blob.uploadedBy.rawValue), \(blob.uploadedAt))
            ON CONFLICT (digest) DO NOTHING
            RETURNING digest
            """).isEmpty
    }

    private static func evidenceRow(_ row: PostgresRow) throws -> EvidenceBlob {
        let (digest, mediaType, content, uploadedBy, uploadedAt) = try decoding("evidence_blob") {
            try row.decode((String, String, ByteBuffer, String, Int64).self)
        }
        return EvidenceBlob(digest: digest, mediaType: mediaType, bytes: Array(buffer: content), uploadedBy: Account.ID(uploadedBy), uploadedAt: uploadedAt)
    }

    public func blob(digest: String) async throws -> EvidenceBlob? {
        try await rows("reading evidence", """
            SELECT digest, media_type, content, uploaded_by, uploaded_at FROM evidence_blob WHERE digest = \(digest)
            """).first.map(Self.evidenceRow)
    }

    public func blobs(after digest: String?, limit: Int) async throws -> [EvidenceBlob] {
        try await rows("listing evidence", """
            SELECT digest, media_type, content, uploaded_by, uploaded_at FROM evidence_blob WHERE digest > \(digest ?? "") ORDER BY digest LIMIT \(Int64(limit))
            """).map(Self.evidenceRow)
    }

    // MARK: Shared keys

    public func sharedKeys(_ purpose: SharedKey.Purpose) async throws -> [SharedKey] {
        try await rows("reading shared keys", """
            SELECT id, purpose, secret, created_at, retired_at FROM shared_key WHERE purpose = \(purpose.rawValue) AND retired_at IS NULL
            ORDER BY created_at DESC, id DESC
            """).map { row in
            let (id, purpose, secret, createdAt, retiredAt) = try Self.decoding("shared_key") {
                try row.decode((String, String, ByteBuffer, Int64, Int64?).self)
            }
            return try AccessColumns.sharedKey(id: id, purpose: purpose, secret: Array(buffer: secret), createdAt: createdAt, retiredAt: retiredAt)
        }
    }

    public func insert(_ key: SharedKey) async throws -> Bool {
        try await !rows("adding a shared key", """
            INSERT INTO shared_key (id, purpose, secret, created_at, retired_at)
            VALUES (\(key.id.rawValue), \(key.purpose.rawValue), \(ByteBuffer(bytes: key.secret)), \(key.createdAt), \(key.retiredAt))
            ON CONFLICT (id) DO NOTHING
            RETURNING id
            """).isEmpty
    }

    public func retireSharedKey(_ id: SharedKey.ID, at now: UnixTime) async throws -> Bool {
        try await !rows("retiring a shared key", """
            UPDATE shared_key SET retired_at = coalesce(retired_at, \(now)) WHERE id = \(id.rawValue) RETURNING id
            """).isEmpty
    }
}
