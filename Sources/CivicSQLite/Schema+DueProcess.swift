import GRDB

/// Due process: notices and their deliveries, appeals and their decisions, and
/// the database's own refusal of decisions that break recusal or four eyes.
///
/// Trigger messages that start with `refused:` or `not-found:` are reported as
/// that kind of error (`RecordKind.mappingErrors`), so a caller learns the rule
/// that stopped it whatever interface it came through.
extension Schema {
    static let dueProcessTriggers = [
        "entry_adverse_needs_notice", "decision_recusal", "decision_four_eyes", "report_self_claim_needs_evidence",
        "notice_no_update", "notice_no_delete", "appeal_no_update", "appeal_no_delete", "appeal_of_own_entry",
        "appeal_decision_recusal", "appeal_decision_independent", "appeal_decision_no_update", "appeal_decision_no_delete",
        "delivery_attempt_no_update", "delivery_attempt_no_delete",
    ]

    /// A reviewer's own subject against the record's subject: themself or their household.
    private static func householdConflict(reviewer: String, subject: String) -> String {
        """
        EXISTS (SELECT 1 FROM actor rev JOIN subject own ON own.id = rev.subject JOIN subject about ON about.id = \(subject)
                WHERE rev.id = \(reviewer) AND (own.id = about.id OR own.id = about.household
                    OR (own.household IS NOT NULL AND (own.household = about.id OR own.household = about.household))))
        """
    }

    /// The same person: the same actor, or two actors linked to one subject record.
    private static func samePerson(_ a: String, _ b: String) -> String {
        """
        (\(a) = \(b) OR EXISTS (SELECT 1 FROM actor x JOIN actor y ON x.subject = y.subject
                               WHERE x.id = \(a) AND y.id = \(b) AND x.subject IS NOT NULL))
        """
    }

    static func createDueProcess(_ db: Database) throws {
        // The ledger gains two kinds of entry (appeal, appeal-decided). SQLite cannot change a CHECK
        // constraint in place, so the table is rebuilt as SQLite's documented procedure says, and its
        // index and triggers are created again.
        try db.execute(sql: """
            CREATE TABLE entry_new (
                sequence INTEGER PRIMARY KEY NOT NULL CHECK (sequence >= 1),
                id TEXT NOT NULL UNIQUE,
                kind TEXT NOT NULL CHECK (kind IN ('deed', 'rating', 'correction', 'remedy', 'cure', 'appeal', 'appeal-decided')),
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
            INSERT INTO entry_new SELECT * FROM entry;
            DROP TABLE entry;
            ALTER TABLE entry_new RENAME TO entry;
            CREATE INDEX entry_by_subject ON entry (subject, sequence);
            CREATE TRIGGER entry_sequence_contiguous BEFORE INSERT ON entry
            WHEN NEW.sequence IS NOT (SELECT IFNULL(MAX(sequence), 0) + 1 FROM entry)
            BEGIN SELECT RAISE(ABORT, 'entry sequence must continue the ledger without a gap'); END;
            CREATE TRIGGER entry_no_update BEFORE UPDATE ON entry
            BEGIN SELECT RAISE(ABORT, 'ledger entries are append-only'); END;
            CREATE TRIGGER entry_no_delete BEFORE DELETE ON entry
            BEGIN SELECT RAISE(ABORT, 'ledger entries are append-only'); END;

            CREATE TABLE notice (
                id TEXT PRIMARY KEY NOT NULL,
                subject TEXT NOT NULL REFERENCES subject (id),
                entry TEXT,
                created_on INTEGER NOT NULL,
                body TEXT NOT NULL
            ) WITHOUT ROWID;
            CREATE INDEX notice_by_subject ON notice (subject, created_on, id);
            CREATE INDEX notice_by_entry ON notice (entry) WHERE entry IS NOT NULL;
            CREATE TRIGGER notice_no_update BEFORE UPDATE ON notice
            BEGIN SELECT RAISE(ABORT, 'notices are immutable'); END;
            CREATE TRIGGER notice_no_delete BEFORE DELETE ON notice
            BEGIN SELECT RAISE(ABORT, 'notices are immutable'); END;

            CREATE TRIGGER entry_adverse_needs_notice BEFORE INSERT ON entry
            WHEN NEW.kind = 'deed' AND (NEW.points < 0 OR NEW.grade_cap IS NOT NULL)
                AND NOT EXISTS (SELECT 1 FROM notice WHERE entry = NEW.id)
            BEGIN SELECT RAISE(ABORT, 'refused: an adverse entry needs its notice in the same commit'); END;

            CREATE TABLE appeal (
                id TEXT PRIMARY KEY NOT NULL,
                subject TEXT NOT NULL REFERENCES subject (id),
                entry TEXT NOT NULL,
                filed_by TEXT NOT NULL,
                filed_on INTEGER NOT NULL,
                decide_by INTEGER NOT NULL,
                body TEXT NOT NULL
            ) WITHOUT ROWID;
            CREATE INDEX appeal_by_subject ON appeal (subject, filed_on, id);
            CREATE INDEX appeal_by_deadline ON appeal (decide_by, id);
            CREATE TRIGGER appeal_no_update BEFORE UPDATE ON appeal
            BEGIN SELECT RAISE(ABORT, 'appeals are immutable; a decision is a record of its own'); END;
            CREATE TRIGGER appeal_no_delete BEFORE DELETE ON appeal
            BEGIN SELECT RAISE(ABORT, 'appeals are immutable; a decision is a record of its own'); END;
            CREATE TRIGGER appeal_of_own_entry BEFORE INSERT ON appeal
            WHEN NOT EXISTS (SELECT 1 FROM entry WHERE id = NEW.entry AND subject = NEW.subject)
            BEGIN SELECT RAISE(ABORT, 'not-found: appeal against an unknown entry'); END;

            CREATE TABLE appeal_decision (
                appeal TEXT PRIMARY KEY NOT NULL REFERENCES appeal (id),
                reviewer TEXT NOT NULL,
                outcome TEXT NOT NULL CHECK (outcome IN ('upheld', 'dismissed')),
                reason TEXT NOT NULL,
                decided_on INTEGER NOT NULL
            ) WITHOUT ROWID;
            CREATE TRIGGER appeal_decision_no_update BEFORE UPDATE ON appeal_decision
            BEGIN SELECT RAISE(ABORT, 'appeal decisions are immutable'); END;
            CREATE TRIGGER appeal_decision_no_delete BEFORE DELETE ON appeal_decision
            BEGIN SELECT RAISE(ABORT, 'appeal decisions are immutable'); END;
            CREATE TRIGGER appeal_decision_recusal BEFORE INSERT ON appeal_decision
            WHEN EXISTS (SELECT 1 FROM appeal a WHERE a.id = NEW.appeal AND (\(samePerson("a.filed_by", "NEW.reviewer"))
                    OR \(householdConflict(reviewer: "NEW.reviewer", subject: "a.subject"))))
            BEGIN SELECT RAISE(ABORT, 'refused: nobody decides an appeal they filed, about themself or about their household'); END;
            CREATE TRIGGER appeal_decision_independent BEFORE INSERT ON appeal_decision
            WHEN EXISTS (SELECT 1 FROM appeal a JOIN entry e ON e.id = a.entry JOIN decision d ON d.report = e.report
                         WHERE a.id = NEW.appeal AND \(samePerson("d.reviewer", "NEW.reviewer")))
            BEGIN SELECT RAISE(ABORT, 'refused: an appeal is decided by someone other than the original reviewer'); END;

            CREATE TRIGGER decision_recusal BEFORE INSERT ON decision
            WHEN EXISTS (SELECT 1 FROM report r WHERE r.id = NEW.report AND (\(samePerson("r.reporter", "NEW.reviewer"))
                    OR \(householdConflict(reviewer: "NEW.reviewer", subject: "r.subject"))))
            BEGIN SELECT RAISE(ABORT, 'refused: nobody decides on a record they filed, about themself or about their household'); END;
            CREATE TRIGGER decision_four_eyes BEFORE INSERT ON decision
            WHEN EXISTS (SELECT 1 FROM decision d WHERE d.report = NEW.report AND d.id <> NEW.id AND \(samePerson("d.reviewer", "NEW.reviewer")))
            BEGIN SELECT RAISE(ABORT, 'refused: a reviewer decides a report once: four eyes means two different people'); END;
            CREATE TRIGGER report_self_claim_needs_evidence BEFORE INSERT ON report
            WHEN NEW.reporter_role = 'self' AND (NEW.evidence IS NULL OR NEW.evidence = '[]')
            BEGIN SELECT RAISE(ABORT, 'refused: a self-claim needs evidence'); END;

            CREATE TABLE delivery_channel (
                id TEXT PRIMARY KEY NOT NULL,
                body TEXT NOT NULL
            ) WITHOUT ROWID;

            CREATE TABLE notice_delivery (
                notice TEXT NOT NULL REFERENCES notice (id),
                channel TEXT NOT NULL REFERENCES delivery_channel (id),
                status TEXT NOT NULL CHECK (status IN ('pending', 'delivered')),
                attempts INTEGER NOT NULL CHECK (attempts >= 0),
                next_attempt_at INTEGER NOT NULL,
                last_error TEXT,
                delivered_at INTEGER,
                PRIMARY KEY (notice, channel)
            ) WITHOUT ROWID;
            CREATE INDEX notice_delivery_due ON notice_delivery (status, next_attempt_at, notice, channel);

            CREATE TABLE delivery_attempt (
                notice TEXT NOT NULL REFERENCES notice (id),
                channel TEXT NOT NULL REFERENCES delivery_channel (id),
                number INTEGER NOT NULL CHECK (number >= 1),
                at INTEGER NOT NULL,
                succeeded INTEGER NOT NULL CHECK (succeeded IN (0, 1)),
                error TEXT,
                PRIMARY KEY (notice, channel, number)
            ) WITHOUT ROWID;
            CREATE TRIGGER delivery_attempt_no_update BEFORE UPDATE ON delivery_attempt
            BEGIN SELECT RAISE(ABORT, 'delivery attempts are a log'); END;
            CREATE TRIGGER delivery_attempt_no_delete BEFORE DELETE ON delivery_attempt
            BEGIN SELECT RAISE(ABORT, 'delivery attempts are a log'); END;
            """)
    }
}
