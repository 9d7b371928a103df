extension PostgresSchema {
    static let logTriggers = [
        "log_leaf_contiguous", "log_leaf_no_update", "log_leaf_no_delete", "log_leaf_no_truncate",
        "log_tile_only_grows", "log_tile_no_delete", "log_tile_no_truncate",
        "log_tile_interior_no_update", "log_tile_interior_no_delete", "log_tile_interior_no_truncate",
        "log_checkpoint_no_update", "log_checkpoint_no_delete", "log_checkpoint_no_truncate",
        "log_cosignature_no_update", "log_cosignature_no_delete", "log_cosignature_no_truncate",
    ]

    /// The transparency log's tables, as on SQLite (see `PostgresStore+Log`). The
    /// leaves of records written before this migration are appended by
    /// `PostgresStore.backfillLog` in the same transaction.
    static let transparencyLog = """
        CREATE TABLE log_leaf (
            log \(id) NOT NULL,
            idx BIGINT NOT NULL CHECK (idx >= 0),
            kind \(id) NOT NULL,
            key \(id) NOT NULL,
            hash BYTEA NOT NULL CHECK (length(hash) = 32),
            PRIMARY KEY (log, idx),
            UNIQUE (log, kind, key)
        );
        CREATE FUNCTION civic_log_leaf_contiguous() RETURNS trigger LANGUAGE plpgsql AS $$
        DECLARE
            first_log TEXT; last_log TEXT; first_new BIGINT; last_new BIGINT; count_new BIGINT; last_before BIGINT; last_all BIGINT;
        BEGIN
            SELECT min(log), max(log), min(idx), max(idx), count(*) INTO first_log, last_log, first_new, last_new, count_new FROM inserted;
            IF count_new = 0 THEN RETURN NULL; END IF;
            SELECT coalesce(max(idx), -1) INTO last_before FROM log_leaf WHERE log = first_log AND idx < first_new;
            SELECT max(idx) INTO last_all FROM log_leaf WHERE log = first_log;
            IF first_log <> last_log OR last_before <> first_new - 1 OR last_all <> last_new OR last_new - first_new + 1 <> count_new THEN
                RAISE EXCEPTION 'log leaves must be appended in order without gaps' USING ERRCODE = 'P0001';
            END IF;
            RETURN NULL;
        END $$;
        CREATE TRIGGER log_leaf_contiguous AFTER INSERT ON log_leaf
            REFERENCING NEW TABLE AS inserted
            FOR EACH STATEMENT EXECUTE FUNCTION civic_log_leaf_contiguous();
        CREATE TRIGGER log_leaf_no_update BEFORE UPDATE ON log_leaf
            FOR EACH ROW EXECUTE FUNCTION civic_refuse('log leaves are immutable');
        CREATE TRIGGER log_leaf_no_delete BEFORE DELETE ON log_leaf
            FOR EACH ROW EXECUTE FUNCTION civic_refuse('log leaves are immutable');
        CREATE TRIGGER log_leaf_no_truncate BEFORE TRUNCATE ON log_leaf
            FOR EACH STATEMENT EXECUTE FUNCTION civic_refuse('log leaves are immutable');

        CREATE TABLE log_tile (
            log \(id) NOT NULL,
            level BIGINT NOT NULL CHECK (level >= 1),
            idx BIGINT NOT NULL CHECK (idx >= 0),
            hashes BYTEA NOT NULL CHECK (length(hashes) BETWEEN 32 AND 8192 AND length(hashes) % 32 = 0),
            PRIMARY KEY (log, level, idx)
        );
        CREATE FUNCTION civic_log_tile_only_grows() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            IF NEW.log <> OLD.log OR NEW.level <> OLD.level OR NEW.idx <> OLD.idx
               OR length(NEW.hashes) <= length(OLD.hashes) OR substring(NEW.hashes FROM 1 FOR length(OLD.hashes)) <> OLD.hashes THEN
                RAISE EXCEPTION 'a log tile only grows' USING ERRCODE = 'P0001';
            END IF;
            RETURN NEW;
        END $$;
        CREATE TRIGGER log_tile_only_grows BEFORE UPDATE ON log_tile
            FOR EACH ROW EXECUTE FUNCTION civic_log_tile_only_grows();
        CREATE TRIGGER log_tile_no_delete BEFORE DELETE ON log_tile
            FOR EACH ROW EXECUTE FUNCTION civic_refuse('log tiles are immutable');
        CREATE TRIGGER log_tile_no_truncate BEFORE TRUNCATE ON log_tile
            FOR EACH STATEMENT EXECUTE FUNCTION civic_refuse('log tiles are immutable');

        CREATE TABLE log_tile_interior (
            log \(id) NOT NULL,
            level BIGINT NOT NULL CHECK (level >= 0),
            idx BIGINT NOT NULL CHECK (idx >= 0),
            nodes BYTEA NOT NULL CHECK (length(nodes) = 8160),
            PRIMARY KEY (log, level, idx)
        );
        CREATE TRIGGER log_tile_interior_no_update BEFORE UPDATE ON log_tile_interior
            FOR EACH ROW EXECUTE FUNCTION civic_refuse('log tiles are immutable');
        CREATE TRIGGER log_tile_interior_no_delete BEFORE DELETE ON log_tile_interior
            FOR EACH ROW EXECUTE FUNCTION civic_refuse('log tiles are immutable');
        CREATE TRIGGER log_tile_interior_no_truncate BEFORE TRUNCATE ON log_tile_interior
            FOR EACH STATEMENT EXECUTE FUNCTION civic_refuse('log tiles are immutable');

        CREATE TABLE log_checkpoint (
            id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
            log \(id) NOT NULL,
            size BIGINT NOT NULL CHECK (size >= 0),
            root BYTEA NOT NULL CHECK (length(root) = 32),
            note TEXT NOT NULL,
            signed_at BIGINT NOT NULL
        );
        CREATE INDEX log_checkpoint_by_log ON log_checkpoint (log, id);
        CREATE TRIGGER log_checkpoint_no_update BEFORE UPDATE ON log_checkpoint
            FOR EACH ROW EXECUTE FUNCTION civic_refuse('checkpoints are immutable');
        CREATE TRIGGER log_checkpoint_no_delete BEFORE DELETE ON log_checkpoint
            FOR EACH ROW EXECUTE FUNCTION civic_refuse('checkpoints are immutable');
        CREATE TRIGGER log_checkpoint_no_truncate BEFORE TRUNCATE ON log_checkpoint
            FOR EACH STATEMENT EXECUTE FUNCTION civic_refuse('checkpoints are immutable');

        CREATE TABLE log_cosignature (
            checkpoint BIGINT NOT NULL REFERENCES log_checkpoint (id),
            witness \(id) NOT NULL,
            line TEXT NOT NULL,
            received_at BIGINT NOT NULL,
            PRIMARY KEY (checkpoint, witness)
        );
        CREATE TRIGGER log_cosignature_no_update BEFORE UPDATE ON log_cosignature
            FOR EACH ROW EXECUTE FUNCTION civic_refuse('cosignatures are immutable');
        CREATE TRIGGER log_cosignature_no_delete BEFORE DELETE ON log_cosignature
            FOR EACH ROW EXECUTE FUNCTION civic_refuse('cosignatures are immutable');
        CREATE TRIGGER log_cosignature_no_truncate BEFORE TRUNCATE ON log_cosignature
            FOR EACH STATEMENT EXECUTE FUNCTION civic_refuse('cosignatures are immutable');
        """
}
