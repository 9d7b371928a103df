import GRDB

/// The access database's schema. It lives in its own file next to the ledger's database
/// (`civic.db` -> `civic-access.db`): credentials and idempotency records never travel with a copy of
/// the ledger handed to an auditor, they are backed up and purged on their own schedule, and the
/// ledger's integrity check sees only the ledger. Plain SQL types (TEXT, INTEGER, BLOB) and no
/// SQLite-only constructs, so the PostgreSQL port is the same statements with BYTEA for BLOB.
enum AccessSchema {
    static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.eraseDatabaseOnSchemaChange = false
        migrator.registerMigration("access-v1", migrate: createV1)
        migrator.registerMigration("access-v2", migrate: createV2)
        migrator.registerMigration("access-v3", migrate: createV3)
        migrator.registerMigration("access-v4", migrate: createV4)
        migrator.registerMigration("access-v5", migrate: createV5)
        return migrator
    }

    private static func createV1(_ db: Database) throws {
        try db.execute(sql: """
            CREATE TABLE account (
                id TEXT PRIMARY KEY NOT NULL,
                role TEXT NOT NULL,
                display_name TEXT NOT NULL,
                actor TEXT,
                subject TEXT,
                password_hash TEXT,
                failed_sign_ins INTEGER NOT NULL DEFAULT 0,
                locked_until INTEGER,
                created_at INTEGER NOT NULL,
                disabled INTEGER NOT NULL DEFAULT 0
            );

            CREATE TABLE account_measure (
                account TEXT NOT NULL REFERENCES account (id),
                measure TEXT NOT NULL,
                PRIMARY KEY (account, measure)
            );

            CREATE TABLE assessor_household (
                account TEXT NOT NULL REFERENCES account (id),
                household TEXT NOT NULL,
                PRIMARY KEY (account, household)
            );

            CREATE TABLE token (
                id TEXT PRIMARY KEY NOT NULL,
                account TEXT NOT NULL REFERENCES account (id),
                kind TEXT NOT NULL CHECK (kind IN ('session', 'api')),
                secret_hash TEXT NOT NULL,
                scopes TEXT NOT NULL,
                created_at INTEGER NOT NULL,
                expires_at INTEGER NOT NULL,
                revoked_at INTEGER,
                requests_per_second INTEGER
            );
            CREATE INDEX token_by_account ON token (account, created_at);

            CREATE TABLE idempotency (
                principal TEXT NOT NULL,
                idempotency_key TEXT NOT NULL,
                request_hash TEXT NOT NULL,
                status INTEGER NOT NULL,
                content_type TEXT,
                body BLOB NOT NULL,
                created_at INTEGER NOT NULL,
                PRIMARY KEY (principal, idempotency_key)
            );
            CREATE INDEX idempotency_by_age ON idempotency (created_at);

            CREATE TABLE evidence_blob (
                digest TEXT PRIMARY KEY NOT NULL,
                media_type TEXT NOT NULL,
                content BLOB NOT NULL,
                size INTEGER NOT NULL,
                uploaded_by TEXT NOT NULL,
                uploaded_at INTEGER NOT NULL
            );
            """)
    }

    /// Sign-in failures per account and address (a throttle nobody else can trigger), and who issued each token.
    private static func createV2(_ db: Database) throws {
        try db.execute(sql: """
            CREATE TABLE sign_in_throttle (
                account TEXT NOT NULL,
                address TEXT NOT NULL,
                failures INTEGER NOT NULL,
                blocked_until INTEGER,
                last_attempt_at INTEGER NOT NULL,
                PRIMARY KEY (account, address)
            );

            ALTER TABLE token ADD COLUMN issued_by TEXT;
            """)
    }

    /// The access trail, append-only like the ledger: the database itself refuses updates and deletes.
    private static func createV3(_ db: Database) throws {
        try db.execute(sql: """
            CREATE TABLE access_event (
                sequence INTEGER PRIMARY KEY AUTOINCREMENT,
                at INTEGER NOT NULL,
                kind TEXT NOT NULL,
                actor TEXT,
                target TEXT,
                address TEXT
            );

            CREATE TRIGGER access_event_no_update BEFORE UPDATE ON access_event
            BEGIN SELECT RAISE(ABORT, 'the access trail is append-only'); END;

            CREATE TRIGGER access_event_no_delete BEFORE DELETE ON access_event
            BEGIN SELECT RAISE(ABORT, 'the access trail is append-only'); END;
            """)
    }

    /// Idempotency keys are claimed before their work starts: a row without a status (and body) is a claim
    /// still in flight, made at `created_at`. SQLite cannot drop NOT NULL in place, so the table is rebuilt.
    private static func createV4(_ db: Database) throws {
        try db.execute(sql: """
            CREATE TABLE idempotency_claimed (
                principal TEXT NOT NULL,
                idempotency_key TEXT NOT NULL,
                request_hash TEXT NOT NULL,
                status INTEGER,
                content_type TEXT,
                body BLOB,
                created_at INTEGER NOT NULL,
                PRIMARY KEY (principal, idempotency_key),
                CHECK ((status IS NULL) = (body IS NULL))
            );
            INSERT INTO idempotency_claimed (principal, idempotency_key, request_hash, status, content_type, body, created_at)
                SELECT principal, idempotency_key, request_hash, status, content_type, body, created_at FROM idempotency;
            DROP TABLE idempotency;
            ALTER TABLE idempotency_claimed RENAME TO idempotency;
            CREATE INDEX idempotency_by_age ON idempotency (created_at);
            """)
    }

    /// Keys every server shares (the pages' anti-forgery key): the newest signs, every one not retired verifies.
    private static func createV5(_ db: Database) throws {
        try db.execute(sql: """
            CREATE TABLE shared_key (
                id TEXT PRIMARY KEY NOT NULL,
                purpose TEXT NOT NULL,
                secret BLOB NOT NULL,
                created_at INTEGER NOT NULL,
                retired_at INTEGER
            );
            """)
    }
}
