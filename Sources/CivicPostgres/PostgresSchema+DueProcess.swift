/// Due process: notices and their deliveries, appeals and their decisions, and
/// the database's own refusal of decisions that break recusal or four eyes, as
/// in the SQLite schema.
///
/// Trigger messages that start with `refused:` or `not-found:` are reported as
/// that kind of error (`RecordKind.mappingErrors`), so a caller learns the rule
/// that stopped it whatever interface it came through.
extension PostgresSchema {
    static let dueProcessTriggers = [
        "entry_adverse_needs_notice", "decision_recusal", "decision_four_eyes", "report_self_claim_needs_evidence",
        "notice_no_update", "notice_no_delete", "notice_no_truncate", "appeal_no_update", "appeal_no_delete", "appeal_no_truncate",
        "appeal_of_own_entry", "appeal_decision_recusal", "appeal_decision_independent", "appeal_decision_no_update",
        "appeal_decision_no_delete", "appeal_decision_no_truncate", "delivery_attempt_no_update", "delivery_attempt_no_delete",
        "delivery_attempt_no_truncate",
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

    /// A row trigger function that refuses the row with `message` when `condition` holds.
    private static func guardFunction(_ name: String, when condition: String, message: String) -> String {
        """
        CREATE FUNCTION \(name)() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            IF \(condition) THEN
                RAISE EXCEPTION '\(message.replacingOccurrences(of: "'", with: "''"))' USING ERRCODE = 'P0001';
            END IF;
            RETURN NEW;
        END $$;
        """
    }

    /// Write-once tables: no UPDATE, DELETE or TRUNCATE.
    private static func immutable(_ table: String, _ message: String) -> String {
        """
        CREATE TRIGGER \(table)_no_update BEFORE UPDATE ON \(table)
            FOR EACH ROW EXECUTE FUNCTION civic_refuse('\(message)');
        CREATE TRIGGER \(table)_no_delete BEFORE DELETE ON \(table)
            FOR EACH ROW EXECUTE FUNCTION civic_refuse('\(message)');
        CREATE TRIGGER \(table)_no_truncate BEFORE TRUNCATE ON \(table)
            FOR EACH STATEMENT EXECUTE FUNCTION civic_refuse('\(message)');
        """
    }

    static let dueProcess = """
        ALTER TABLE entry DROP CONSTRAINT entry_kind_check;
        ALTER TABLE entry ADD CONSTRAINT entry_kind_check
            CHECK (kind IN ('deed', 'rating', 'correction', 'remedy', 'cure', 'appeal', 'appeal-decided'));

        CREATE TABLE notice (
            id \(id) PRIMARY KEY,
            subject \(id) NOT NULL REFERENCES subject (id),
            entry \(id),
            created_on BIGINT NOT NULL,
            body JSONB NOT NULL
        );
        CREATE INDEX notice_by_subject ON notice (subject, created_on, id);
        CREATE INDEX notice_by_entry ON notice (entry) WHERE entry IS NOT NULL;
        \(immutable("notice", "notices are immutable"))

        \(guardFunction("civic_entry_adverse_needs_notice",
                        when: "NOT EXISTS (SELECT 1 FROM notice WHERE entry = NEW.id)",
                        message: "refused: an adverse entry needs its notice in the same commit"))
        CREATE TRIGGER entry_adverse_needs_notice BEFORE INSERT ON entry
            FOR EACH ROW WHEN (NEW.kind = 'deed' AND (NEW.points < 0 OR NEW.grade_cap IS NOT NULL))
            EXECUTE FUNCTION civic_entry_adverse_needs_notice();

        CREATE TABLE appeal (
            id \(id) PRIMARY KEY,
            subject \(id) NOT NULL REFERENCES subject (id),
            entry \(id) NOT NULL,
            filed_by \(id) NOT NULL,
            filed_on BIGINT NOT NULL,
            decide_by BIGINT NOT NULL,
            body JSONB NOT NULL
        );
        CREATE INDEX appeal_by_subject ON appeal (subject, filed_on, id);
        CREATE INDEX appeal_by_deadline ON appeal (decide_by, id);
        \(immutable("appeal", "appeals are immutable; a decision is a record of its own"))
        \(guardFunction("civic_appeal_of_own_entry",
                        when: "NOT EXISTS (SELECT 1 FROM entry WHERE id = NEW.entry AND subject = NEW.subject)",
                        message: "not-found: appeal against an unknown entry"))
        CREATE TRIGGER appeal_of_own_entry BEFORE INSERT ON appeal
            FOR EACH ROW EXECUTE FUNCTION civic_appeal_of_own_entry();

        CREATE TABLE appeal_decision (
            appeal \(id) PRIMARY KEY REFERENCES appeal (id),
            reviewer \(id) NOT NULL,
            outcome \(id) NOT NULL CHECK (outcome IN ('upheld', 'dismissed')),
            reason \(id) NOT NULL,
            decided_on BIGINT NOT NULL
        );
        \(immutable("appeal_decision", "appeal decisions are immutable"))
        \(guardFunction("civic_appeal_decision_recusal",
                        when: """
                            EXISTS (SELECT 1 FROM appeal a WHERE a.id = NEW.appeal AND (\(samePerson("a.filed_by", "NEW.reviewer"))
                                OR \(householdConflict(reviewer: "NEW.reviewer", subject: "a.subject"))))
                            """,
                        message: "refused: nobody decides an appeal they filed, about themself or about their household"))
        CREATE TRIGGER appeal_decision_recusal BEFORE INSERT ON appeal_decision
            FOR EACH ROW EXECUTE FUNCTION civic_appeal_decision_recusal();
        \(guardFunction("civic_appeal_decision_independent",
                        when: """
                            EXISTS (SELECT 1 FROM appeal a JOIN entry e ON e.id = a.entry JOIN decision d ON d.report = e.report
                                    WHERE a.id = NEW.appeal AND \(samePerson("d.reviewer", "NEW.reviewer")))
                            """,
                        message: "refused: an appeal is decided by someone other than the original reviewer"))
        CREATE TRIGGER appeal_decision_independent BEFORE INSERT ON appeal_decision
            FOR EACH ROW EXECUTE FUNCTION civic_appeal_decision_independent();

        \(guardFunction("civic_decision_recusal",
                        when: """
                            EXISTS (SELECT 1 FROM report r WHERE r.id = NEW.report AND (\(samePerson("r.reporter", "NEW.reviewer"))
                                OR \(householdConflict(reviewer: "NEW.reviewer", subject: "r.subject"))))
                            """,
                        message: "refused: nobody decides on a record they filed, about themself or about their household"))
        CREATE TRIGGER decision_recusal BEFORE INSERT ON decision
            FOR EACH ROW EXECUTE FUNCTION civic_decision_recusal();
        \(guardFunction("civic_decision_four_eyes",
                        when: """
                            EXISTS (SELECT 1 FROM decision d WHERE d.report = NEW.report AND d.id <> NEW.id
                                    AND \(samePerson("d.reviewer", "NEW.reviewer")))
                            """,
                        message: "refused: a reviewer decides a report once: four eyes means two different people"))
        CREATE TRIGGER decision_four_eyes BEFORE INSERT ON decision
            FOR EACH ROW EXECUTE FUNCTION civic_decision_four_eyes();
        \(guardFunction("civic_report_self_claim_needs_evidence", when: "TRUE", message: "refused: a self-claim needs evidence"))
        CREATE TRIGGER report_self_claim_needs_evidence BEFORE INSERT ON report
            FOR EACH ROW WHEN (NEW.reporter_role = 'self' AND (NEW.evidence IS NULL OR NEW.evidence = '[]'::jsonb))
            EXECUTE FUNCTION civic_report_self_claim_needs_evidence();

        CREATE TABLE delivery_channel (
            id \(id) PRIMARY KEY,
            body JSONB NOT NULL
        );

        CREATE TABLE notice_delivery (
            notice \(id) NOT NULL REFERENCES notice (id),
            channel \(id) NOT NULL REFERENCES delivery_channel (id),
            status \(id) NOT NULL CHECK (status IN ('pending', 'delivered')),
            attempts BIGINT NOT NULL CHECK (attempts >= 0),
            next_attempt_at BIGINT NOT NULL,
            last_error \(id),
            delivered_at BIGINT,
            PRIMARY KEY (notice, channel)
        );
        CREATE INDEX notice_delivery_due ON notice_delivery (status, next_attempt_at, notice, channel);

        CREATE TABLE delivery_attempt (
            notice \(id) NOT NULL REFERENCES notice (id),
            channel \(id) NOT NULL REFERENCES delivery_channel (id),
            number BIGINT NOT NULL CHECK (number >= 1),
            at BIGINT NOT NULL,
            succeeded BOOLEAN NOT NULL,
            error \(id),
            PRIMARY KEY (notice, channel, number)
        );
        \(immutable("delivery_attempt", "delivery attempts are a log"))
        """
}
