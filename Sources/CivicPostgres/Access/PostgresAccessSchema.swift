import PostgresNIO

/// The access store's schema on PostgreSQL: the SQLite access schema's tables with the same names and
/// columns (BIGINT for INTEGER, BYTEA for BLOB, BOOLEAN for the one flag), migrated like the ledger's
/// schema but on its own list, recorded in `civic_access_migration` under its own advisory lock. So the
/// access tables can share the ledger's database (the default) or live in a database of their own, and
/// neither schema's version check ever reads the other's migrations.
///
/// Evidence content is stored in the database as BYTEA (at most 8 MiB a file, the API's limit): every
/// server reads it through the same pool, and one backup of the database holds everything; see
/// docs/scaling.md.
enum PostgresAccessSchema {
    /// An arbitrary constant naming the access migration lock among the database's advisory locks.
    static let migrationLockKey: Int64 = 0x43_69_76_69_63_41_63_63  // "CivicAcc"
    static let table = "civic_access_migration"

    static let migrations: [PostgresSchema.Migration] = [
        PostgresSchema.Migration(version: 1, name: "access", sql: access),
        PostgresSchema.Migration(version: 2, name: "shared-keys", sql: sharedKeys),
    ]

    /// Keys every server shares (the pages' anti-forgery key): the newest signs, every one not retired verifies.
    static let sharedKeys = """
        CREATE TABLE shared_key (
            id \(id) PRIMARY KEY,
            purpose TEXT NOT NULL,
            secret BYTEA NOT NULL,
            created_at BIGINT NOT NULL,
            retired_at BIGINT
        )
        """

    static func migrate(_ connection: PostgresConnection, creatingSchema schema: String?, localSearchPath: String? = nil) async throws {
        try await PostgresSchema.migrate(connection, creatingSchema: schema, localSearchPath: localSearchPath, migrations: migrations,
                                         table: table, lockKey: migrationLockKey)
    }

    static let id = PostgresSchema.id

    /// Version 1 is everything the SQLite access schema reached in four steps, idempotency claims included
    /// (a row with no status is a claim in flight, made at `created_at`).
    static let access = """
        CREATE FUNCTION civic_access_refuse() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            RAISE EXCEPTION '%', TG_ARGV[0] USING ERRCODE = 'P0001';
        END $$;

        CREATE TABLE account (
            id \(id) PRIMARY KEY,
            role TEXT NOT NULL,
            display_name TEXT NOT NULL,
            actor \(id),
            subject \(id),
            password_hash TEXT,
            failed_sign_ins BIGINT NOT NULL DEFAULT 0,
            locked_until BIGINT,
            created_at BIGINT NOT NULL,
            disabled BOOLEAN NOT NULL DEFAULT false
        );

        CREATE TABLE account_measure (
            account \(id) NOT NULL REFERENCES account (id),
            measure \(id) NOT NULL,
            PRIMARY KEY (account, measure)
        );

        CREATE TABLE assessor_household (
            account \(id) NOT NULL REFERENCES account (id),
            household \(id) NOT NULL,
            PRIMARY KEY (account, household)
        );

        CREATE TABLE token (
            id \(id) PRIMARY KEY,
            account \(id) NOT NULL REFERENCES account (id),
            kind TEXT NOT NULL CHECK (kind IN ('session', 'api')),
            secret_hash TEXT NOT NULL,
            scopes TEXT NOT NULL,
            created_at BIGINT NOT NULL,
            expires_at BIGINT NOT NULL,
            revoked_at BIGINT,
            requests_per_second BIGINT,
            issued_by \(id)
        );
        CREATE INDEX token_by_account ON token (account, created_at);

        CREATE TABLE sign_in_throttle (
            account \(id) NOT NULL,
            address TEXT NOT NULL,
            failures BIGINT NOT NULL,
            blocked_until BIGINT,
            last_attempt_at BIGINT NOT NULL,
            PRIMARY KEY (account, address)
        );

        CREATE TABLE access_event (
            sequence BIGINT PRIMARY KEY CHECK (sequence > 0),
            at BIGINT NOT NULL,
            kind TEXT NOT NULL,
            actor \(id),
            target TEXT,
            address TEXT
        );
        CREATE TRIGGER access_event_no_update BEFORE UPDATE ON access_event
            FOR EACH ROW EXECUTE FUNCTION civic_access_refuse('the access trail is append-only');
        CREATE TRIGGER access_event_no_delete BEFORE DELETE ON access_event
            FOR EACH ROW EXECUTE FUNCTION civic_access_refuse('the access trail is append-only');
        CREATE TRIGGER access_event_no_truncate BEFORE TRUNCATE ON access_event
            FOR EACH STATEMENT EXECUTE FUNCTION civic_access_refuse('the access trail is append-only');

        CREATE TABLE idempotency (
            principal \(id) NOT NULL,
            idempotency_key \(id) NOT NULL,
            request_hash TEXT NOT NULL,
            status BIGINT,
            content_type TEXT,
            body BYTEA,
            created_at BIGINT NOT NULL,
            PRIMARY KEY (principal, idempotency_key),
            CHECK ((status IS NULL) = (body IS NULL))
        );
        CREATE INDEX idempotency_by_age ON idempotency (created_at);

        CREATE TABLE evidence_blob (
            digest \(id) PRIMARY KEY,
            media_type TEXT NOT NULL,
            content BYTEA NOT NULL,
            size BIGINT NOT NULL CHECK (size = octet_length(content)),
            uploaded_by \(id) NOT NULL,
            uploaded_at BIGINT NOT NULL
        )
        """
}
