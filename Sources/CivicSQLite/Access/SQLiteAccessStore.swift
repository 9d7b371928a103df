public import CivicAccess
public import CivicCore
import Foundation
import GRDB

/// The access store on SQLite, in its own database file (see `AccessSchema` for why).
public final class SQLiteAccessStore: AccessStore {
    let writer: any DatabaseWriter

    /// The access database that belongs with a ledger database: `civic.db` -> `civic-access.db`.
    public static func path(besideLedger ledgerPath: String) -> String {
        if ledgerPath.hasSuffix(".db") { return String(ledgerPath.dropLast(3)) + "-access.db" }
        return ledgerPath + "-access"
    }

    /// Opens (creating if needed) the file at `path` in WAL mode with synchronous FULL.
    public convenience init(path: String) throws {
        var configuration = SQLiteAccessStore.configuration()
        configuration.journalMode = .wal
        try DatabaseFile.prepare(path)
        do {
            let pool = try DatabasePool(path: path, configuration: configuration)
            DatabaseFile.restrict(path)
            try pool.writeWithoutTransaction { try $0.execute(sql: "PRAGMA synchronous = FULL") }
            try self.init(writer: pool)
        } catch {
            throw SQLiteStore.storageError(error, doing: "opening the access database")
        }
    }

    /// A private database in memory: for tests.
    public static func inMemory() throws -> SQLiteAccessStore {
        do {
            return try SQLiteAccessStore(writer: try DatabaseQueue(configuration: configuration()))
        } catch {
            throw SQLiteStore.storageError(error, doing: "opening an in-memory access database")
        }
    }

    private init(writer: any DatabaseWriter) throws {
        self.writer = writer
        let migrator = AccessSchema.migrator
        if try writer.read({ try migrator.hasBeenSuperseded($0) }) {
            throw CivicError(.storage, "the access database was written by a newer version of this program")
        }
        try migrator.migrate(writer)
    }

    private static func configuration() -> Configuration {
        var configuration = Configuration()
        configuration.foreignKeysEnabled = true
        configuration.busyMode = .timeout(5)
        configuration.label = "CivicAccess"
        configuration.prepareDatabase { db in try db.execute(sql: "PRAGMA synchronous = FULL") }
        return configuration
    }

    private func read<T: Sendable>(_ action: String, _ body: @escaping @Sendable (Database) throws -> T) async throws -> T {
        do { return try await writer.read(body) } catch { throw SQLiteStore.storageError(error, doing: action + " in the access database") }
    }

    private func write<T: Sendable>(_ action: String, _ body: @escaping @Sendable (Database) throws -> T) async throws -> T {
        do { return try await writer.write(body) } catch { throw SQLiteStore.storageError(error, doing: action + " in the access database") }
    }

    /// Runs one statement outside the store's methods: for tests that show what the database itself refuses.
    package func execute(_ sql: String) async throws {
        try await writer.write { try $0.execute(sql: sql) }
    }

    // MARK: Accounts

    public func account(_ id: Account.ID) async throws -> Account? {
        try await read("reading an account") { db in try Self.account(id, db) }
    }

    static func account(_ id: Account.ID, _ db: Database) throws -> Account? {
        guard let row = try Row.fetchOne(db, sql: "SELECT * FROM account WHERE id = ?", arguments: [id.rawValue]) else { return nil }
        return try account(row, db)
    }

    static func account(_ row: Row, _ db: Database) throws -> Account {
        let id: String = row["id"]
        return try AccessColumns.account(
            id: id, role: row["role"], displayName: row["display_name"], actor: row["actor"], subject: row["subject"],
            passwordHash: row["password_hash"],
            measures: try String.fetchAll(db, sql: "SELECT measure FROM account_measure WHERE account = ? ORDER BY measure", arguments: [id]),
            households: try String.fetchAll(db, sql: "SELECT household FROM assessor_household WHERE account = ? ORDER BY household", arguments: [id]),
            failedSignIns: row["failed_sign_ins"], lockedUntil: row["locked_until"], createdAt: row["created_at"],
            disabled: (row["disabled"] as Int) != 0)
    }

    public func accounts(after cursor: Account.ID?, limit: Int) async throws -> [Account] {
        try await read("listing accounts") { db in
            let rows = try Row.fetchAll(db, sql: "SELECT * FROM account WHERE id > ? ORDER BY id LIMIT ?",
                                        arguments: [cursor?.rawValue ?? "", limit])
            return try rows.map { try Self.account($0, db) }
        }
    }

    public func accountCount() async throws -> Int {
        try await read("counting accounts") { db in try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM account") ?? 0 }
    }

    public func insert(_ account: Account) async throws {
        try await write("creating an account") { db in
            if try Int.fetchOne(db, sql: "SELECT 1 FROM account WHERE id = ?", arguments: [account.id.rawValue]) != nil {
                throw CivicError(.conflict, "account '\(account.id)' already exists")
            }
            try db.execute(sql: """
                INSERT INTO account (id, role, display_name, actor, subject, password_hash, failed_sign_ins, locked_until, created_at, disabled)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """, arguments: [account.id.rawValue, account.role.rawValue, account.displayName, account.actor?.rawValue,
                                 account.subject?.rawValue, account.passwordHash, account.failedSignIns, account.lockedUntil,
                                 account.createdAt, account.disabled ? 1 : 0])
            for measure in Set(account.measures) {
                try db.execute(sql: "INSERT INTO account_measure (account, measure) VALUES (?, ?)", arguments: [account.id.rawValue, measure.rawValue])
            }
            for household in Set(account.households) {
                try db.execute(sql: "INSERT INTO assessor_household (account, household) VALUES (?, ?)", arguments: [account.id.rawValue, household.rawValue])
            }
        }
    }

    public func setHouseholds(_ households: [Subject.ID], of account: Account.ID) async throws {
        try await write("assigning households") { db in
            guard try Int.fetchOne(db, sql: "SELECT 1 FROM account WHERE id = ?", arguments: [account.rawValue]) != nil else {
                throw CivicError(.notFound, "no account '\(account)'")
            }
            try db.execute(sql: "DELETE FROM assessor_household WHERE account = ?", arguments: [account.rawValue])
            for household in Set(households) {
                try db.execute(sql: "INSERT INTO assessor_household (account, household) VALUES (?, ?)", arguments: [account.rawValue, household.rawValue])
            }
        }
    }

    public func beginSignIn(_ account: Account.ID, from address: String, at now: UnixTime, throttle: SignInThrottle) async throws -> SignInAttempt {
        try await write("counting a sign-in attempt") { db in
            let row = try Row.fetchOne(db, sql: "SELECT failures, blocked_until FROM sign_in_throttle WHERE account = ? AND address = ?",
                                       arguments: [account.rawValue, address])
            let failures: Int = row?["failures"] ?? 0
            if let blockedUntil: UnixTime = row?["blocked_until"], now < blockedUntil { return .delayed(until: blockedUntil) }
            // Counted as a failure now; a good password clears it afterwards.
            let delay = throttle.delaySeconds(afterFailures: failures + 1)
            try db.execute(sql: """
                INSERT INTO sign_in_throttle (account, address, failures, blocked_until, last_attempt_at) VALUES (?, ?, ?, ?, ?)
                ON CONFLICT (account, address) DO UPDATE SET failures = excluded.failures, blocked_until = excluded.blocked_until,
                    last_attempt_at = excluded.last_attempt_at
                """, arguments: [account.rawValue, address, failures + 1, delay > 0 ? now + delay : nil, now])
            return .allowed
        }
    }

    public func clearSignInFailures(_ account: Account.ID, from address: String) async throws {
        try await write("clearing sign-in failures") { db in
            try db.execute(sql: "DELETE FROM sign_in_throttle WHERE account = ? AND address = ?", arguments: [account.rawValue, address])
        }
    }

    public func purgeSignInFailures(lastAttemptBefore cutoff: UnixTime) async throws -> Int {
        try await write("purging sign-in failures") { db in
            try db.execute(sql: "DELETE FROM sign_in_throttle WHERE last_attempt_at < ? AND (blocked_until IS NULL OR blocked_until < ?)",
                           arguments: [cutoff, cutoff])
            return db.changesCount
        }
    }

    public func signInFailures(_ account: Account.ID, from address: String) async throws -> (failures: Int, blockedUntil: UnixTime?) {
        try await read("reading sign-in failures") { db in
            let row = try Row.fetchOne(db, sql: "SELECT failures, blocked_until FROM sign_in_throttle WHERE account = ? AND address = ?",
                                       arguments: [account.rawValue, address])
            return (row?["failures"] ?? 0, row?["blocked_until"])
        }
    }

    // MARK: Access events

    @discardableResult
    public func recordAccessEvent(_ event: AccessEvent) async throws -> Int64 {
        try await write("recording an access event") { db in
            try db.execute(sql: "INSERT INTO access_event (at, kind, actor, target, address) VALUES (?, ?, ?, ?, ?)",
                           arguments: [event.at, event.kind.rawValue, event.actor?.rawValue, event.target, event.address])
            return db.lastInsertedRowID
        }
    }

    public func accessEvents(after sequence: Int64?, limit: Int) async throws -> [AccessEvent] {
        try await read("reading the access trail") { db in
            try Row.fetchAll(db, sql: "SELECT * FROM access_event WHERE sequence > ? ORDER BY sequence LIMIT ?",
                             arguments: [sequence ?? 0, limit]).map { row in
                try AccessColumns.accessEvent(sequence: row["sequence"], at: row["at"], kind: row["kind"], actor: row["actor"],
                                              target: row["target"], address: row["address"])
            }
        }
    }

    // MARK: Tokens

    public func insert(_ token: TokenRecord) async throws {
        try await write("issuing a token") { db in
            try db.execute(sql: """
                INSERT INTO token (id, account, kind, secret_hash, scopes, created_at, expires_at, revoked_at, requests_per_second, issued_by)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """, arguments: [token.id.rawValue, token.account.rawValue, token.kind.rawValue, token.secretHash,
                                 AccessColumns.scopesText(token.scopes), token.createdAt, token.expiresAt,
                                 token.revokedAt, token.requestsPerSecond, token.issuedBy?.rawValue])
        }
    }

    static func token(_ row: Row) throws -> TokenRecord {
        try AccessColumns.token(
            id: row["id"], account: row["account"], kind: row["kind"], secretHash: row["secret_hash"], scopes: row["scopes"],
            createdAt: row["created_at"], expiresAt: row["expires_at"], revokedAt: row["revoked_at"],
            requestsPerSecond: row["requests_per_second"], issuedBy: row["issued_by"])
    }

    public func token(_ id: TokenRecord.ID) async throws -> TokenRecord? {
        try await read("reading a token") { db in
            try Row.fetchOne(db, sql: "SELECT * FROM token WHERE id = ?", arguments: [id.rawValue]).map(Self.token)
        }
    }

    public func revokeToken(_ id: TokenRecord.ID, at now: UnixTime) async throws -> Bool {
        try await write("revoking a token") { db in
            guard try Int.fetchOne(db, sql: "SELECT 1 FROM token WHERE id = ?", arguments: [id.rawValue]) != nil else { return false }
            try db.execute(sql: "UPDATE token SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL", arguments: [now, id.rawValue])
            return true
        }
    }

    public func setPasswordHash(_ hash: String, of account: Account.ID, endingSessionsExcept keep: TokenRecord.ID?, at now: UnixTime) async throws -> Int {
        try await write("changing a password") { db in
            try db.execute(sql: "UPDATE account SET password_hash = ? WHERE id = ?", arguments: [hash, account.rawValue])
            guard db.changesCount == 1 else { throw CivicError(.notFound, "no account '\(account)'") }
            try db.execute(sql: "UPDATE token SET revoked_at = ? WHERE account = ? AND kind = 'session' AND revoked_at IS NULL AND id IS NOT ?",
                           arguments: [now, account.rawValue, keep?.rawValue])
            return db.changesCount
        }
    }

    public func tokens(of account: Account.ID) async throws -> [TokenRecord] {
        try await read("listing tokens") { db in
            try Row.fetchAll(db, sql: "SELECT * FROM token WHERE account = ? ORDER BY created_at DESC, id", arguments: [account.rawValue]).map(Self.token)
        }
    }

    // MARK: Idempotency

    static func idempotency(_ row: Row) throws -> IdempotencyRecord? {
        try AccessColumns.idempotency(
            principal: row["principal"], key: row["idempotency_key"], requestHash: row["request_hash"], status: row["status"],
            contentType: row["content_type"], body: (row["body"] as Data?).map { [UInt8]($0) }, createdAt: row["created_at"])
    }

    public func idempotencyRecord(principal: Account.ID, key: String) async throws -> IdempotencyRecord? {
        try await read("reading an idempotency record") { db in
            try Row.fetchOne(db, sql: "SELECT * FROM idempotency WHERE principal = ? AND idempotency_key = ?",
                             arguments: [principal.rawValue, key]).flatMap(Self.idempotency)
        }
    }

    public func claimIdempotencyKey(principal: Account.ID, key: String, requestHash: String, at now: UnixTime, staleBefore: UnixTime) async throws -> IdempotencyClaim {
        try await write("claiming an idempotency key") { db in
            // The same statement as on PostgreSQL: a free key, or a claim left behind by a server that died, is taken.
            if try Row.fetchOne(db, sql: """
                INSERT INTO idempotency (principal, idempotency_key, request_hash, status, content_type, body, created_at)
                VALUES (?, ?, ?, NULL, NULL, NULL, ?)
                ON CONFLICT (principal, idempotency_key) DO UPDATE SET request_hash = excluded.request_hash, created_at = excluded.created_at
                WHERE idempotency.status IS NULL AND idempotency.created_at < ?
                RETURNING created_at
                """, arguments: [principal.rawValue, key, requestHash, now, staleBefore]) != nil {
                return .claimed(claimedAt: now)
            }
            guard let row = try Row.fetchOne(db, sql: "SELECT * FROM idempotency WHERE principal = ? AND idempotency_key = ?",
                                             arguments: [principal.rawValue, key]) else {
                throw CivicError(.storage, "an idempotency key was neither claimed nor found")
            }
            if let record = try Self.idempotency(row) { return .completed(record) }
            return .inFlight(requestHash: row["request_hash"])
        }
    }

    public func releaseIdempotencyKey(principal: Account.ID, key: String, claimedAt: UnixTime) async throws {
        try await write("releasing an idempotency key") { db in
            try db.execute(sql: "DELETE FROM idempotency WHERE principal = ? AND idempotency_key = ? AND status IS NULL AND created_at = ?",
                           arguments: [principal.rawValue, key, claimedAt])
        }
    }

    public func saveFirst(_ record: IdempotencyRecord) async throws -> IdempotencyRecord {
        try await write("saving an idempotency record") { db in
            try db.execute(sql: """
                INSERT INTO idempotency (principal, idempotency_key, request_hash, status, content_type, body, created_at)
                VALUES (?, ?, ?, ?, ?, ?, ?)
                ON CONFLICT (principal, idempotency_key) DO UPDATE SET request_hash = excluded.request_hash, status = excluded.status,
                    content_type = excluded.content_type, body = excluded.body, created_at = excluded.created_at
                WHERE idempotency.status IS NULL
                """, arguments: [record.principal.rawValue, record.key, record.requestHash, record.status, record.contentType,
                                 Data(record.body), record.createdAt])
            guard let row = try Row.fetchOne(db, sql: "SELECT * FROM idempotency WHERE principal = ? AND idempotency_key = ?",
                                             arguments: [record.principal.rawValue, record.key]),
                  let stored = try Self.idempotency(row) else {
                throw CivicError(.storage, "an idempotency record was saved but cannot be read back")
            }
            return stored
        }
    }

    public func purgeIdempotencyRecords(before cutoff: UnixTime) async throws -> Int {
        try await write("purging idempotency records") { db in
            try db.execute(sql: "DELETE FROM idempotency WHERE created_at < ?", arguments: [cutoff])
            return db.changesCount
        }
    }

    // MARK: Evidence

    public func storeBlob(_ blob: EvidenceBlob) async throws -> Bool {
        try await write("storing evidence") { db in
            if try Int.fetchOne(db, sql: "SELECT 1 FROM evidence_blob WHERE digest = ?", arguments: [blob.digest]) != nil { return false }
            try db.execute(sql: """
                INSERT INTO evidence_blob (digest, media_type, content, size, uploaded_by, uploaded_at) VALUES (?, ?, ?, ?, ?, ?)
                """, arguments: [blob.digest, blob.mediaType, Data(blob.bytes), blob.bytes.count, blob.uploadedBy.rawValue, blob.uploadedAt])
            return true
        }
    }

    static func evidence(_ row: Row) -> EvidenceBlob {
        EvidenceBlob(digest: row["digest"], mediaType: row["media_type"], bytes: [UInt8](row["content"] as Data),
                     uploadedBy: Account.ID(row["uploaded_by"] as String), uploadedAt: row["uploaded_at"])
    }

    public func blob(digest: String) async throws -> EvidenceBlob? {
        try await read("reading evidence") { db in
            try Row.fetchOne(db, sql: "SELECT * FROM evidence_blob WHERE digest = ?", arguments: [digest]).map(Self.evidence)
        }
    }

    public func blobs(after digest: String?, limit: Int) async throws -> [EvidenceBlob] {
        try await read("listing evidence") { db in
            try Row.fetchAll(db, sql: "SELECT * FROM evidence_blob WHERE digest > ? ORDER BY digest LIMIT ?",
                             arguments: [digest ?? "", limit]).map(Self.evidence)
        }
    }

    // MARK: Shared keys

    public func sharedKeys(_ purpose: SharedKey.Purpose) async throws -> [SharedKey] {
        try await read("reading shared keys") { db in
            try Row.fetchAll(db, sql: """
                SELECT * FROM shared_key WHERE purpose = ? AND retired_at IS NULL ORDER BY created_at DESC, id DESC
                """, arguments: [purpose.rawValue]).map { row in
                try AccessColumns.sharedKey(id: row["id"], purpose: row["purpose"], secret: [UInt8](row["secret"] as Data),
                                            createdAt: row["created_at"], retiredAt: row["retired_at"])
            }
        }
    }

    public func insert(_ key: SharedKey) async throws -> Bool {
        try await write("adding a shared key") { db in
            try db.execute(sql: """
                INSERT INTO shared_key (id, purpose, secret, created_at, retired_at) VALUES (?, ?, ?, ?, ?) ON CONFLICT (id) DO NOTHING
                """, arguments: [key.id.rawValue, key.purpose.rawValue, Data(key.secret), key.createdAt, key.retiredAt])
            return db.changesCount == 1
        }
    }

    public func retireSharedKey(_ id: SharedKey.ID, at now: UnixTime) async throws -> Bool {
        try await write("retiring a shared key") { db in
            guard try Int.fetchOne(db, sql: "SELECT 1 FROM shared_key WHERE id = ?", arguments: [id.rawValue]) != nil else { return false }
            try db.execute(sql: "UPDATE shared_key SET retired_at = ? WHERE id = ? AND retired_at IS NULL", arguments: [now, id.rawValue])
            return true
        }
    }
}
