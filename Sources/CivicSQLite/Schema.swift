import GRDB

/// The database schema, as an ordered list of named migrations.
///
/// A migration, once released, is never edited: a change is a new migration
/// appended at the end. The ledger's invariants live here, in constraints and
/// triggers, so that no connection (this store, a script, an operator with the
/// `sqlite3` shell) can rewrite history without dropping them first, and
/// `SQLiteStore.integrityCheck()` notices a dropped trigger.
enum Schema {
    /// Triggers that `integrityCheck()` expects to find.
    static let guardTriggers = [
        "entry_sequence_contiguous", "entry_no_update", "entry_no_delete",
        "decision_no_update", "decision_no_delete",
        "report_content_no_update", "report_no_delete",
        "handbook_no_update", "handbook_no_delete",
        "cycle_no_update", "cycle_no_delete",
        "standing_replaced_drops_listings", "standing_deleted_drops_listings",
    ] + dueProcessTriggers + logTriggers

    static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        // An unexpected schema is a reason to stop, never to erase a ledger.
        migrator.eraseDatabaseOnSchemaChange = false
        migrator.registerMigration("v1-registry", migrate: createRegistry)
        migrator.registerMigration("v1-workflow", migrate: createWorkflow)
        migrator.registerMigration("v1-ledger", migrate: createLedger)
        migrator.registerMigration("v1-projections", migrate: createProjections)
        migrator.registerMigration("v2-due-process", migrate: createDueProcess)
        migrator.registerMigration("v3-transparency-log", migrate: createTransparencyLog)
        migrator.registerMigration("v4-log-leaves-in-tiles", migrate: moveLeavesIntoTiles)
        migrator.registerMigration("v5-standings-hold", migrate: addStandingsHold)
        migrator.registerMigration("v6-entry-cap-terms", migrate: addEntryCapTerms)
        return migrator
    }

    /// The terms of an entry's grade cap, frozen when it is written (`Entry.gradeCapLockYears`,
    /// `Entry.gradeCapUntilRemedied`); entries written before have neither, which is what they meant.
    private static func addEntryCapTerms(_ db: Database) throws {
        try db.execute(sql: """
            ALTER TABLE entry ADD COLUMN grade_cap_lock_years INTEGER CHECK (grade_cap_lock_years IS NULL OR grade_cap_lock_years BETWEEN 1 AND 100);
            ALTER TABLE entry ADD COLUMN grade_cap_until_remedied INTEGER CHECK (grade_cap_until_remedied IS NULL OR grade_cap_until_remedied = 1);
            """)
    }

    /// The day a standing may next change and the last entry its fold saw (`Standing.nextChange`,
    /// `Standing.foldedThrough`), so a cycle close folds again only what may have changed. Standings
    /// stored before have neither and are folded at the next close.
    private static func addStandingsHold(_ db: Database) throws {
        try db.execute(sql: """
            ALTER TABLE standing ADD COLUMN next_change INTEGER;
            ALTER TABLE standing ADD COLUMN folded_through INTEGER CHECK (folded_through IS NULL OR folded_through >= 0);
            """)
    }

    /// Jurisdictions, subjects and actors. References between them are not
    /// enforced, as the reference store does not enforce them either: a
    /// household or parent may be registered after the records naming it.
    private static func createRegistry(_ db: Database) throws {
        try db.execute(sql: """
            CREATE TABLE jurisdiction (
                id TEXT PRIMARY KEY NOT NULL,
                name_en TEXT NOT NULL,
                name_zh TEXT NOT NULL,
                parent TEXT
            ) WITHOUT ROWID;

            CREATE TABLE subject (
                id TEXT PRIMARY KEY NOT NULL,
                kind TEXT NOT NULL CHECK (kind IN ('person', 'household', 'organisation')),
                name TEXT NOT NULL,
                jurisdiction TEXT NOT NULL,
                household TEXT,
                birth_date INTEGER,
                attributes TEXT NOT NULL DEFAULT '[]',
                registered_on INTEGER NOT NULL
            ) WITHOUT ROWID;
            CREATE INDEX subject_by_household ON subject (household, id) WHERE household IS NOT NULL;

            CREATE TABLE actor (
                id TEXT PRIMARY KEY NOT NULL,
                name TEXT NOT NULL,
                roles TEXT NOT NULL DEFAULT '[]',
                jurisdiction TEXT NOT NULL,
                subject TEXT
            ) WITHOUT ROWID;
            """)
    }

    /// Handbooks, reports, decisions and closed cycles: write-once records,
    /// except a report's `status`, which moves through review.
    private static func createWorkflow(_ db: Database) throws {
        try db.execute(sql: """
            CREATE TABLE handbook (
                position INTEGER PRIMARY KEY,
                jurisdiction TEXT NOT NULL,
                version INTEGER NOT NULL,
                handbook TEXT NOT NULL,
                source TEXT NOT NULL,
                published_on INTEGER NOT NULL,
                published_by TEXT NOT NULL,
                UNIQUE (jurisdiction, version)
            );
            CREATE TRIGGER handbook_no_update BEFORE UPDATE ON handbook
            BEGIN SELECT RAISE(ABORT, 'published handbooks are immutable'); END;
            CREATE TRIGGER handbook_no_delete BEFORE DELETE ON handbook
            BEGIN SELECT RAISE(ABORT, 'published handbooks are immutable'); END;

            CREATE TABLE report (
                id TEXT PRIMARY KEY NOT NULL,
                subject TEXT NOT NULL,
                scheme TEXT NOT NULL,
                rule TEXT NOT NULL,
                handbook_jurisdiction TEXT NOT NULL,
                handbook_version INTEGER NOT NULL,
                reporter TEXT NOT NULL,
                reporter_role TEXT NOT NULL CHECK (reporter_role IN ('assessor', 'self', 'neighbour', 'authority')),
                occurred_on INTEGER NOT NULL,
                filed_on INTEGER NOT NULL,
                cycle TEXT NOT NULL CHECK (cycle GLOB '[0-9][0-9][0-9][0-9]-[0-1][0-9]'),
                statement TEXT NOT NULL,
                evidence TEXT NOT NULL DEFAULT '[]',
                duration_days INTEGER,
                stars INTEGER,
                source_record TEXT,
                status TEXT NOT NULL DEFAULT 'pending' CHECK (status IN
                    ('pending', 'rejected', 'approved', 'awaiting-grace', 'cured', 'capped', 'entered'))
            );
            CREATE INDEX report_by_status_cycle ON report (status, cycle, id);
            CREATE INDEX report_by_subject ON report (subject, cycle, id);
            CREATE INDEX report_by_source_record ON report (source_record, id) WHERE source_record IS NOT NULL;
            CREATE TRIGGER report_content_no_update BEFORE UPDATE OF
                id, subject, scheme, rule, handbook_jurisdiction, handbook_version, reporter, reporter_role,
                occurred_on, filed_on, cycle, statement, evidence, duration_days, stars, source_record
            ON report
            BEGIN SELECT RAISE(ABORT, 'a report''s content is immutable; only its status changes'); END;
            CREATE TRIGGER report_no_delete BEFORE DELETE ON report
            BEGIN SELECT RAISE(ABORT, 'reports are never deleted'); END;

            CREATE TABLE decision (
                id TEXT PRIMARY KEY NOT NULL,
                report TEXT NOT NULL REFERENCES report (id),
                reviewer TEXT NOT NULL,
                outcome TEXT NOT NULL CHECK (outcome IN ('approve', 'reject', 'adjust')),
                adjusted_points INTEGER,
                reason TEXT NOT NULL,
                decided_on INTEGER NOT NULL,
                CHECK ((outcome = 'adjust') = (adjusted_points IS NOT NULL))
            );
            CREATE INDEX decision_by_report ON decision (report, decided_on, id);
            CREATE TRIGGER decision_no_update BEFORE UPDATE ON decision
            BEGIN SELECT RAISE(ABORT, 'decisions are immutable'); END;
            CREATE TRIGGER decision_no_delete BEFORE DELETE ON decision
            BEGIN SELECT RAISE(ABORT, 'decisions are immutable'); END;

            CREATE TABLE cycle (
                position INTEGER PRIMARY KEY,
                jurisdiction TEXT NOT NULL,
                month TEXT NOT NULL CHECK (month GLOB '[0-9][0-9][0-9][0-9]-[0-1][0-9]'),
                closed_on INTEGER NOT NULL,
                closed_by TEXT NOT NULL,
                UNIQUE (jurisdiction, month)
            );
            CREATE TRIGGER cycle_no_update BEFORE UPDATE ON cycle
            BEGIN SELECT RAISE(ABORT, 'closed cycles are immutable'); END;
            CREATE TRIGGER cycle_no_delete BEFORE DELETE ON cycle
            BEGIN SELECT RAISE(ABORT, 'closed cycles are immutable'); END;
            """)
    }

    /// The append-only ledger. `sequence` is the rowid, so entries are stored
    /// in ledger order and the head is the last row of the table's b-tree.
    private static func createLedger(_ db: Database) throws {
        try db.execute(sql: """
            CREATE TABLE entry (
                sequence INTEGER PRIMARY KEY NOT NULL CHECK (sequence >= 1),
                id TEXT NOT NULL UNIQUE,
                kind TEXT NOT NULL CHECK (kind IN ('deed', 'rating', 'correction', 'remedy', 'cure')),
                subject TEXT NOT NULL REFERENCES subject (id),
                scheme TEXT NOT NULL,
                handbook_jurisdiction TEXT NOT NULL,
                handbook_version INTEGER NOT NULL,
                rule TEXT,
                category TEXT,
                points INTEGER NOT NULL,
                dimension TEXT,
                stars INTEGER,
                occurred_on INTEGER,
                effective_on INTEGER NOT NULL,
                expires_on INTEGER,
                grade_cap TEXT,
                report TEXT,
                decisions TEXT NOT NULL DEFAULT '[]',
                referenced_entry TEXT,
                recorded_on INTEGER NOT NULL,
                recorded_by TEXT NOT NULL,
                note TEXT NOT NULL DEFAULT ''
            );
            CREATE INDEX entry_by_subject ON entry (subject, sequence);
            CREATE TRIGGER entry_sequence_contiguous BEFORE INSERT ON entry
            WHEN NEW.sequence IS NOT (SELECT IFNULL(MAX(sequence), 0) + 1 FROM entry)
            BEGIN SELECT RAISE(ABORT, 'entry sequence must continue the ledger without a gap'); END;
            CREATE TRIGGER entry_no_update BEFORE UPDATE ON entry
            BEGIN SELECT RAISE(ABORT, 'ledger entries are append-only'); END;
            CREATE TRIGGER entry_no_delete BEFORE DELETE ON entry
            BEGIN SELECT RAISE(ABORT, 'ledger entries are append-only'); END;
            """)
    }

    /// Standings and their listings: projections of the ledger, replaced
    /// whole whenever a subject's standing in a scheme is recomputed.
    ///
    /// Listings have no foreign key to their standing: with one, SQLite checks
    /// the parent on every listing DELETE, which doubled the cost of writing a
    /// million standings. Triggers keep the pair together instead, and
    /// `integrityCheck()` looks for orphans.
    private static func createProjections(_ db: Database) throws {
        try db.execute(sql: """
            CREATE TABLE standing (
                subject TEXT NOT NULL,
                scheme TEXT NOT NULL,
                as_of INTEGER NOT NULL,
                score INTEGER NOT NULL,
                grade TEXT,
                lock_grade TEXT,
                lock_since INTEGER,
                lock_until INTEGER,
                capped_by TEXT,
                dimensions TEXT NOT NULL DEFAULT '{}',
                active_entries INTEGER NOT NULL,
                active_rules TEXT NOT NULL DEFAULT '[]',
                last_sequence INTEGER NOT NULL,
                earned_year INTEGER NOT NULL,
                earned_this_year INTEGER NOT NULL,
                earned_previous_year INTEGER NOT NULL,
                quota_year INTEGER,
                quota_required INTEGER,
                quota_earned INTEGER,
                quota_exempt_members INTEGER,
                quota_members INTEGER,
                listing_count INTEGER NOT NULL DEFAULT 0 CHECK (listing_count >= 0),
                PRIMARY KEY (subject, scheme),
                CHECK ((lock_grade IS NULL) = (lock_since IS NULL) AND (lock_grade IS NULL) = (lock_until IS NULL)),
                CHECK ((quota_year IS NULL) = (quota_required IS NULL) AND (quota_year IS NULL) = (quota_earned IS NULL)
                    AND (quota_year IS NULL) = (quota_exempt_members IS NULL) AND (quota_year IS NULL) = (quota_members IS NULL))
            ) WITHOUT ROWID;

            CREATE TABLE listing (
                subject TEXT NOT NULL,
                scheme TEXT NOT NULL,
                position INTEGER NOT NULL,
                list TEXT NOT NULL CHECK (list IN ('red', 'black')),
                criterion TEXT NOT NULL,
                since INTEGER NOT NULL,
                ends_on INTEGER,
                end_reason TEXT,
                entry TEXT,
                domain TEXT,
                reason TEXT NOT NULL,
                PRIMARY KEY (subject, scheme, position)
            ) WITHOUT ROWID;
            CREATE INDEX listing_by_list_since ON listing (list, since, subject, scheme, position, ends_on);

            -- Writing `listing_count` means replacing the listings: the old ones go.
            -- Most standings have none, so most replacements skip the DELETE.
            CREATE TRIGGER standing_replaced_drops_listings AFTER UPDATE OF listing_count ON standing
            WHEN OLD.listing_count > 0
            BEGIN DELETE FROM listing WHERE subject = OLD.subject AND scheme = OLD.scheme; END;
            CREATE TRIGGER standing_deleted_drops_listings AFTER DELETE ON standing
            WHEN OLD.listing_count > 0
            BEGIN DELETE FROM listing WHERE subject = OLD.subject AND scheme = OLD.scheme; END;
            """)
    }
}
