import CivicCore
import Foundation
import PostgresNIO

/// The database schema, as an ordered list of numbered migrations.
///
/// A migration, once released, is never edited: a change is a new migration
/// appended at the end. Applied migrations are recorded in
/// `civic_schema_migration`; all pending ones are applied in one transaction
/// under an advisory lock, so two processes starting at once neither race nor
/// leave a half-built schema. A database that records a migration this program
/// does not know was written by a newer version, and is refused.
///
/// The ledger's invariants live here, in constraints and triggers, so that no
/// connection (this store, a script, an operator in `psql`) can rewrite history
/// without dropping them first, and `integrityCheck()` notices a dropped trigger.
///
/// Identifiers are `TEXT COLLATE "C"`: they sort by their bytes, as in SQLite,
/// whatever the database's locale. Every table that grows with the population
/// leads its key with the subject (or is small), so the schema can be distributed
/// by subject; see docs/scaling.md.
enum PostgresSchema {
    struct Migration {
        var version: Int64
        var name: String
        var sql: String
        /// Work in Swift after the SQL, in the same transaction.
        var then: (@Sendable (PostgresConnection) async throws -> Void)? = nil
    }

    /// Triggers that `integrityCheck()` expects to find.
    static let guardTriggers = [
        "entry_sequence_contiguous", "entry_no_update", "entry_no_delete", "entry_no_truncate",
        "decision_no_update", "decision_no_delete", "decision_no_truncate",
        "report_content_no_update", "report_no_delete", "report_no_truncate",
        "handbook_no_update", "handbook_no_delete", "handbook_no_truncate",
        "cycle_no_update", "cycle_no_delete", "cycle_no_truncate",
        "standing_replaced_drops_listings",
    ] + dueProcessTriggers + logTriggers

    /// An arbitrary constant naming the migration lock among the database's advisory locks.
    static let migrationLockKey: Int64 = 0x43_69_76_69_63_4D_69_67  // "CivicMig"

    static let id = "TEXT COLLATE \"C\""

    static let migrations: [Migration] = [
        Migration(version: 1, name: "registry", sql: registry),
        Migration(version: 2, name: "workflow", sql: workflow),
        Migration(version: 3, name: "ledger", sql: ledger),
        Migration(version: 4, name: "projections", sql: projections),
        Migration(version: 5, name: "due-process", sql: dueProcess),
        Migration(version: 6, name: "transparency-log", sql: transparencyLog, then: PostgresStore.backfillLog),
        Migration(version: 7, name: "standings-hold", sql: standingsHold),
        Migration(version: 8, name: "entry-cap-terms", sql: entryCapTerms),
    ]

    /// The terms of an entry's grade cap, frozen when it is written (`Entry.gradeCapLockYears`,
    /// `Entry.gradeCapUntilRemedied`); entries written before have neither, which is what they meant.
    static let entryCapTerms = """
        ALTER TABLE entry ADD COLUMN grade_cap_lock_years BIGINT CHECK (grade_cap_lock_years IS NULL OR grade_cap_lock_years BETWEEN 1 AND 100);
        ALTER TABLE entry ADD COLUMN grade_cap_until_remedied BIGINT CHECK (grade_cap_until_remedied IS NULL OR grade_cap_until_remedied = 1);
        """

    /// The day a standing may next change and the last entry its fold saw, so a cycle close folds again
    /// only what may have changed; standings stored before have neither and are folded at the next close.
    static let standingsHold = """
        ALTER TABLE standing ADD COLUMN next_change BIGINT;
        ALTER TABLE standing ADD COLUMN folded_through BIGINT CHECK (folded_through IS NULL OR folded_through >= 0);
        """

    /// The newest version this program knows.
    static var latestVersion: Int64 { migrations.last?.version ?? 0 }

    /// Applies every pending migration in one transaction; refuses a newer schema.
    ///
    /// With `schema`, the schema is created first if it does not exist (under the
    /// same lock, so two processes do not race to create it), and only then, so
    /// that a role without CREATE on the database can use a schema made for it.
    /// The name was checked to be a plain identifier when the URL was read.
    ///
    /// `localSearchPath` is set for the migration's transaction alone, behind a transaction pooler.
    static func migrate(_ connection: PostgresConnection, creatingSchema schema: String?, localSearchPath: String? = nil) async throws {
        try await migrate(connection, creatingSchema: schema, localSearchPath: localSearchPath, migrations: migrations,
                          table: "civic_schema_migration", lockKey: migrationLockKey)
    }

    /// Checks, changing nothing, that the database holds exactly the schema version this program knows: for a
    /// read replica, which cannot be migrated and must not be read by a program that expects other tables.
    static func requireCurrent(_ connection: PostgresConnection, localSearchPath: String? = nil) async throws {
        let logger = PostgresStore.logger
        try await connection.query("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY", logger: logger)
        do {
            if let localSearchPath {
                try await connection.query("SELECT set_config('search_path', \(localSearchPath), true)", logger: logger)
            }
            let found = try await connection.query("SELECT to_regclass('civic_schema_migration') IS NOT NULL", logger: logger)
                .collect().first?.decode(Bool.self) ?? false
            guard found else {
                throw CivicError(.notFound, "the replica holds no CivicCredit tables: start a server on the primary first, then point --read-database at its replica")
            }
            let newest = try await connection.query("SELECT coalesce(max(version), 0) FROM civic_schema_migration", logger: logger)
                .collect().first?.decode(Int64.self) ?? 0
            guard newest == latestVersion else {
                throw CivicError(.storage, "the replica's schema is at version \(newest), this program's at \(latestVersion): migrate the primary with this version and let the replica catch up")
            }
            try await connection.query("COMMIT", logger: logger)
        } catch {
            _ = try? await connection.query("ROLLBACK", logger: logger)
            throw error
        }
    }

    /// Applies the pending ones of `migrations`, recording them in `table`, under the advisory lock `lockKey`:
    /// the ledger's schema and the access store's each have their own list (see `PostgresAccessSchema`).
    static func migrate(
        _ connection: PostgresConnection, creatingSchema schema: String?, localSearchPath: String? = nil, migrations: [Migration],
        table: String, lockKey: Int64
    ) async throws {
        let logger = PostgresStore.logger
        let latestVersion = migrations.last?.version ?? 0
        try await connection.query("BEGIN", logger: logger)
        do {
            if let localSearchPath {
                try await connection.query("SELECT set_config('search_path', \(localSearchPath), true)", logger: logger)
            }
            try await connection.query("SELECT pg_advisory_xact_lock(\(lockKey))", logger: logger)
            if let schema {
                let found = try await connection.query("SELECT 1 FROM pg_namespace WHERE nspname = \(schema)", logger: logger).collect()
                if found.isEmpty {
                    try await connection.query(PostgresQuery(unsafeSQL: "CREATE SCHEMA \(schema)"), logger: logger)
                }
            }
            try await connection.query(PostgresQuery(unsafeSQL: """
                CREATE TABLE IF NOT EXISTS \(table) (
                    version BIGINT PRIMARY KEY,
                    name TEXT NOT NULL,
                    applied_at TIMESTAMPTZ NOT NULL DEFAULT now()
                )
                """), logger: logger)
            var applied: Set<Int64> = []
            for try await version in try await connection.query(PostgresQuery(unsafeSQL: "SELECT version FROM \(table)"), logger: logger)
                .decode(Int64.self) {
                applied.insert(version)
            }
            if let newest = applied.max(), newest > latestVersion {
                throw CivicError(.storage, "the database schema is at version \(newest), newer than this program's \(latestVersion): it was written by a newer version of this program")
            }
            for migration in migrations where !applied.contains(migration.version) {
                for statement in statements(migration.sql) {
                    try await connection.query(PostgresQuery(unsafeSQL: statement), logger: logger)
                }
                try await migration.then?(connection)
                var record = PostgresBindings()
                record.append(migration.version)
                record.append(migration.name)
                try await connection.query(PostgresQuery(unsafeSQL: "INSERT INTO \(table) (version, name) VALUES ($1, $2)", binds: record), logger: logger)
            }
            try await connection.query("COMMIT", logger: logger)
        } catch {
            _ = try? await connection.query("ROLLBACK", logger: logger)
            throw error
        }
    }

    /// The statements of a script, split at semicolons outside quotes and `$$` bodies:
    /// the extended query protocol runs one statement at a time.
    static func statements(_ script: String) -> [String] {
        var statements: [String] = []
        var current = ""
        var inQuote = false, inBody = false
        var previous: Character = " "
        for character in script {
            current.append(character)
            if character == "'" && !inBody { inQuote.toggle() }
            if character == "$" && previous == "$" && !inQuote { inBody.toggle(); previous = " "; continue }
            if character == ";" && !inQuote && !inBody {
                current.removeLast()
                let trimmed = current.trimmingCharacters(in: .whitespacesAndNewlines)
                if !trimmed.isEmpty { statements.append(trimmed) }
                current = ""
            }
            previous = character
        }
        let trimmed = current.trimmingCharacters(in: .whitespacesAndNewlines)
        if !trimmed.isEmpty { statements.append(trimmed) }
        return statements
    }

    /// Jurisdictions, subjects and actors, plus the trigger function every guard uses.
    /// References between them are not enforced, as the reference store does not
    /// enforce them either: a household or parent may be registered after the records naming it.
    static let registry = """
        CREATE FUNCTION civic_refuse() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            RAISE EXCEPTION '%', TG_ARGV[0] USING ERRCODE = 'P0001';
        END $$;

        CREATE TABLE jurisdiction (
            id \(id) PRIMARY KEY,
            name_en \(id) NOT NULL,
            name_zh \(id) NOT NULL,
            parent \(id)
        );

        CREATE TABLE subject (
            id \(id) PRIMARY KEY,
            kind \(id) NOT NULL CHECK (kind IN ('person', 'household', 'organisation')),
            name \(id) NOT NULL,
            jurisdiction \(id) NOT NULL,
            household \(id),
            birth_date BIGINT,
            attributes TEXT[] NOT NULL DEFAULT '{}',
            registered_on BIGINT NOT NULL
        );
        CREATE INDEX subject_by_household ON subject (household, id) WHERE household IS NOT NULL;
        CREATE INDEX subject_by_jurisdiction ON subject (jurisdiction, id);

        CREATE TABLE actor (
            id \(id) PRIMARY KEY,
            name \(id) NOT NULL,
            roles TEXT[] NOT NULL DEFAULT '{}',
            jurisdiction \(id) NOT NULL,
            subject \(id)
        );
        """

    /// Handbooks, reports, decisions and closed cycles: write-once records,
    /// except a report's `status`, which moves through review.
    static let workflow = """
        CREATE TABLE handbook (
            position BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
            jurisdiction \(id) NOT NULL,
            version BIGINT NOT NULL,
            handbook JSONB NOT NULL,
            source \(id) NOT NULL,
            published_on BIGINT NOT NULL,
            published_by \(id) NOT NULL,
            UNIQUE (jurisdiction, version)
        );
        CREATE TRIGGER handbook_no_update BEFORE UPDATE ON handbook
            FOR EACH ROW EXECUTE FUNCTION civic_refuse('published handbooks are immutable');
        CREATE TRIGGER handbook_no_delete BEFORE DELETE ON handbook
            FOR EACH ROW EXECUTE FUNCTION civic_refuse('published handbooks are immutable');
        CREATE TRIGGER handbook_no_truncate BEFORE TRUNCATE ON handbook
            FOR EACH STATEMENT EXECUTE FUNCTION civic_refuse('published handbooks are immutable');

        CREATE TABLE report (
            id \(id) PRIMARY KEY,
            subject \(id) NOT NULL,
            scheme \(id) NOT NULL,
            rule \(id) NOT NULL,
            handbook_jurisdiction \(id) NOT NULL,
            handbook_version BIGINT NOT NULL,
            reporter \(id) NOT NULL,
            reporter_role \(id) NOT NULL CHECK (reporter_role IN ('assessor', 'self', 'neighbour', 'authority')),
            occurred_on BIGINT NOT NULL,
            filed_on BIGINT NOT NULL,
            cycle \(id) NOT NULL CHECK (cycle ~ '^[0-9]{4}-[0-1][0-9]$'),
            statement \(id) NOT NULL,
            evidence JSONB NOT NULL DEFAULT '[]',
            duration_days BIGINT,
            stars BIGINT,
            source_record \(id),
            status \(id) NOT NULL DEFAULT 'pending' CHECK (status IN
                ('pending', 'rejected', 'approved', 'awaiting-grace', 'cured', 'capped', 'entered'))
        );
        CREATE INDEX report_by_status_cycle ON report (status, cycle, id);
        CREATE INDEX report_by_subject ON report (subject, cycle, id);
        CREATE INDEX report_by_source_record ON report (source_record, id) WHERE source_record IS NOT NULL;

        CREATE FUNCTION civic_report_content_unchanged() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            IF (to_jsonb(NEW) - 'status') IS DISTINCT FROM (to_jsonb(OLD) - 'status') THEN
                RAISE EXCEPTION 'a report''s content is immutable; only its status changes' USING ERRCODE = 'P0001';
            END IF;
            RETURN NEW;
        END $$;
        CREATE TRIGGER report_content_no_update BEFORE UPDATE ON report
            FOR EACH ROW EXECUTE FUNCTION civic_report_content_unchanged();
        CREATE TRIGGER report_no_delete BEFORE DELETE ON report
            FOR EACH ROW EXECUTE FUNCTION civic_refuse('reports are never deleted');
        CREATE TRIGGER report_no_truncate BEFORE TRUNCATE ON report
            FOR EACH STATEMENT EXECUTE FUNCTION civic_refuse('reports are never deleted');

        CREATE TABLE decision (
            id \(id) PRIMARY KEY,
            report \(id) NOT NULL REFERENCES report (id),
            reviewer \(id) NOT NULL,
            outcome \(id) NOT NULL CHECK (outcome IN ('approve', 'reject', 'adjust')),
            adjusted_points BIGINT,
            reason \(id) NOT NULL,
            decided_on BIGINT NOT NULL,
            CHECK ((outcome = 'adjust') = (adjusted_points IS NOT NULL))
        );
        CREATE INDEX decision_by_report ON decision (report, decided_on, id);
        CREATE TRIGGER decision_no_update BEFORE UPDATE ON decision
            FOR EACH ROW EXECUTE FUNCTION civic_refuse('decisions are immutable');
        CREATE TRIGGER decision_no_delete BEFORE DELETE ON decision
            FOR EACH ROW EXECUTE FUNCTION civic_refuse('decisions are immutable');
        CREATE TRIGGER decision_no_truncate BEFORE TRUNCATE ON decision
            FOR EACH STATEMENT EXECUTE FUNCTION civic_refuse('decisions are immutable');

        CREATE TABLE cycle (
            position BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
            jurisdiction \(id) NOT NULL,
            month \(id) NOT NULL CHECK (month ~ '^[0-9]{4}-[0-1][0-9]$'),
            closed_on BIGINT NOT NULL,
            closed_by \(id) NOT NULL,
            UNIQUE (jurisdiction, month)
        );
        CREATE TRIGGER cycle_no_update BEFORE UPDATE ON cycle
            FOR EACH ROW EXECUTE FUNCTION civic_refuse('closed cycles are immutable');
        CREATE TRIGGER cycle_no_delete BEFORE DELETE ON cycle
            FOR EACH ROW EXECUTE FUNCTION civic_refuse('closed cycles are immutable');
        CREATE TRIGGER cycle_no_truncate BEFORE TRUNCATE ON cycle
            FOR EACH STATEMENT EXECUTE FUNCTION civic_refuse('closed cycles are immutable');
        """

    /// The append-only ledger. A statement-level trigger sees every row an
    /// INSERT adds at once and refuses the statement unless they run on from the
    /// ledger's last sequence without a gap: one check per statement, not per row,
    /// so a cycle close appending a million entries pays for it once per batch.
    static let ledger = """
        CREATE TABLE entry (
            sequence BIGINT PRIMARY KEY CHECK (sequence >= 1),
            id \(id) NOT NULL UNIQUE,
            kind \(id) NOT NULL CHECK (kind IN ('deed', 'rating', 'correction', 'remedy', 'cure')),
            subject \(id) NOT NULL REFERENCES subject (id),
            scheme \(id) NOT NULL,
            handbook_jurisdiction \(id) NOT NULL,
            handbook_version BIGINT NOT NULL,
            rule \(id),
            category \(id),
            points BIGINT NOT NULL,
            dimension \(id),
            stars BIGINT,
            occurred_on BIGINT,
            effective_on BIGINT NOT NULL,
            expires_on BIGINT,
            grade_cap \(id),
            report \(id),
            decisions TEXT[] NOT NULL DEFAULT '{}',
            referenced_entry \(id),
            recorded_on BIGINT NOT NULL,
            recorded_by \(id) NOT NULL,
            note \(id) NOT NULL DEFAULT ''
        );
        CREATE INDEX entry_by_subject ON entry (subject, sequence);

        CREATE FUNCTION civic_entry_sequence_contiguous() RETURNS trigger LANGUAGE plpgsql AS $$
        DECLARE
            first_new BIGINT; last_new BIGINT; count_new BIGINT; last_before BIGINT; last_all BIGINT;
        BEGIN
            SELECT min(sequence), max(sequence), count(*) INTO first_new, last_new, count_new FROM inserted;
            IF count_new = 0 THEN RETURN NULL; END IF;
            SELECT coalesce(max(sequence), 0) INTO last_before FROM entry WHERE sequence < first_new;
            SELECT max(sequence) INTO last_all FROM entry;
            IF last_before <> first_new - 1 OR last_all <> last_new OR last_new - first_new + 1 <> count_new THEN
                RAISE EXCEPTION 'entry sequence must continue the ledger without a gap' USING ERRCODE = 'P0001';
            END IF;
            RETURN NULL;
        END $$;
        CREATE TRIGGER entry_sequence_contiguous AFTER INSERT ON entry
            REFERENCING NEW TABLE AS inserted
            FOR EACH STATEMENT EXECUTE FUNCTION civic_entry_sequence_contiguous();
        CREATE TRIGGER entry_no_update BEFORE UPDATE ON entry
            FOR EACH ROW EXECUTE FUNCTION civic_refuse('ledger entries are append-only');
        CREATE TRIGGER entry_no_delete BEFORE DELETE ON entry
            FOR EACH ROW EXECUTE FUNCTION civic_refuse('ledger entries are append-only');
        CREATE TRIGGER entry_no_truncate BEFORE TRUNCATE ON entry
            FOR EACH STATEMENT EXECUTE FUNCTION civic_refuse('ledger entries are append-only');
        """

    /// Standings and their listings: projections of the ledger, replaced whole
    /// whenever a subject's standing in a scheme is recomputed. Listings belong
    /// to their standing by a cascading foreign key; replacing a standing that
    /// had listings drops them by trigger (only then: most standings have none).
    static let projections = """
        CREATE TABLE standing (
            subject \(id) NOT NULL,
            scheme \(id) NOT NULL,
            as_of BIGINT NOT NULL,
            score BIGINT NOT NULL,
            grade \(id),
            lock_grade \(id),
            lock_since BIGINT,
            lock_until BIGINT,
            capped_by \(id),
            dimensions JSONB NOT NULL DEFAULT '{}',
            active_entries BIGINT NOT NULL,
            active_rules TEXT[] NOT NULL DEFAULT '{}',
            last_sequence BIGINT NOT NULL,
            earned_year BIGINT NOT NULL,
            earned_this_year BIGINT NOT NULL,
            earned_previous_year BIGINT NOT NULL,
            quota_year BIGINT,
            quota_required BIGINT,
            quota_earned BIGINT,
            quota_exempt_members BIGINT,
            quota_members BIGINT,
            listing_count BIGINT NOT NULL DEFAULT 0 CHECK (listing_count >= 0),
            PRIMARY KEY (subject, scheme),
            CHECK ((lock_grade IS NULL) = (lock_since IS NULL) AND (lock_grade IS NULL) = (lock_until IS NULL)),
            CHECK ((quota_year IS NULL) = (quota_required IS NULL) AND (quota_year IS NULL) = (quota_earned IS NULL)
                AND (quota_year IS NULL) = (quota_exempt_members IS NULL) AND (quota_year IS NULL) = (quota_members IS NULL))
        );

        CREATE TABLE listing (
            subject \(id) NOT NULL,
            scheme \(id) NOT NULL,
            position BIGINT NOT NULL,
            list \(id) NOT NULL CHECK (list IN ('red', 'black')),
            criterion \(id) NOT NULL,
            since BIGINT NOT NULL,
            ends_on BIGINT,
            end_reason \(id),
            entry \(id),
            domain \(id),
            reason \(id) NOT NULL,
            PRIMARY KEY (subject, scheme, position),
            FOREIGN KEY (subject, scheme) REFERENCES standing (subject, scheme) ON DELETE CASCADE
        );
        CREATE INDEX listing_by_list_since ON listing (list, since, subject, scheme, position);

        CREATE FUNCTION civic_standing_drops_listings() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            DELETE FROM listing WHERE subject = OLD.subject AND scheme = OLD.scheme;
            RETURN NULL;
        END $$;
        CREATE TRIGGER standing_replaced_drops_listings AFTER UPDATE OF listing_count ON standing
            FOR EACH ROW WHEN (OLD.listing_count > 0) EXECUTE FUNCTION civic_standing_drops_listings();
        """
}
