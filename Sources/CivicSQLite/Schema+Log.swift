import CivicCore
import CivicLog
import GRDB

extension Schema {
    static let logTriggers = [
        "log_leaf_no_update", "log_leaf_no_delete", "log_tile_only_grows", "log_tile_no_delete",
        "log_tile_interior_no_update", "log_tile_interior_no_delete",
        "log_checkpoint_no_update", "log_checkpoint_no_delete", "log_cosignature_no_update", "log_cosignature_no_delete",
    ]

    /// The transparency log's tables (see `SQLiteStore+Log`), and the leaves of every
    /// record written before the log existed, appended in one batch in the same
    /// migration: by kind, entries in sequence order, so no record is left uncovered.
    ///
    /// The leaves' numbering is not checked by a per-row trigger (it cost a fifth of the log's
    /// share of a commit): the store numbers them inside the commit's write lock, the primary key
    /// refuses a number used twice, and `integrityCheck()` and the log's audit find a gap.
    static func createTransparencyLog(_ db: Database) throws {
        try db.execute(sql: """
            CREATE TABLE log_leaf (
                log TEXT NOT NULL,
                idx INTEGER NOT NULL CHECK (idx >= 0),
                kind TEXT NOT NULL,
                key TEXT NOT NULL,
                hash BLOB NOT NULL CHECK (length(hash) = 32),
                PRIMARY KEY (log, idx),
                UNIQUE (log, kind, key)
            ) WITHOUT ROWID;
            CREATE TRIGGER log_leaf_no_update BEFORE UPDATE ON log_leaf
            BEGIN SELECT RAISE(ABORT, 'log leaves are immutable'); END;
            CREATE TRIGGER log_leaf_no_delete BEFORE DELETE ON log_leaf
            BEGIN SELECT RAISE(ABORT, 'log leaves are immutable'); END;

            CREATE TABLE log_tile (
                log TEXT NOT NULL,
                level INTEGER NOT NULL CHECK (level >= 1),
                idx INTEGER NOT NULL CHECK (idx >= 0),
                hashes BLOB NOT NULL CHECK (length(hashes) BETWEEN 32 AND 8192 AND length(hashes) % 32 = 0),
                PRIMARY KEY (log, level, idx)
            ) WITHOUT ROWID;
            CREATE TRIGGER log_tile_only_grows BEFORE UPDATE ON log_tile
            WHEN NEW.log != OLD.log OR NEW.level != OLD.level OR NEW.idx != OLD.idx
              OR length(NEW.hashes) <= length(OLD.hashes) OR substr(NEW.hashes, 1, length(OLD.hashes)) != OLD.hashes
            BEGIN SELECT RAISE(ABORT, 'a log tile only grows'); END;
            CREATE TRIGGER log_tile_no_delete BEFORE DELETE ON log_tile
            BEGIN SELECT RAISE(ABORT, 'log tiles are immutable'); END;

            CREATE TABLE log_tile_interior (
                log TEXT NOT NULL,
                level INTEGER NOT NULL CHECK (level >= 0),
                idx INTEGER NOT NULL CHECK (idx >= 0),
                nodes BLOB NOT NULL CHECK (length(nodes) = 8160),
                PRIMARY KEY (log, level, idx)
            ) WITHOUT ROWID;
            CREATE TRIGGER log_tile_interior_no_update BEFORE UPDATE ON log_tile_interior
            BEGIN SELECT RAISE(ABORT, 'log tiles are immutable'); END;
            CREATE TRIGGER log_tile_interior_no_delete BEFORE DELETE ON log_tile_interior
            BEGIN SELECT RAISE(ABORT, 'log tiles are immutable'); END;

            CREATE TABLE log_checkpoint (
                id INTEGER PRIMARY KEY,
                log TEXT NOT NULL,
                size INTEGER NOT NULL CHECK (size >= 0),
                root BLOB NOT NULL CHECK (length(root) = 32),
                note TEXT NOT NULL,
                signed_at INTEGER NOT NULL
            );
            CREATE INDEX log_checkpoint_by_log ON log_checkpoint (log, id);
            CREATE TRIGGER log_checkpoint_no_update BEFORE UPDATE ON log_checkpoint
            BEGIN SELECT RAISE(ABORT, 'checkpoints are immutable'); END;
            CREATE TRIGGER log_checkpoint_no_delete BEFORE DELETE ON log_checkpoint
            BEGIN SELECT RAISE(ABORT, 'checkpoints are immutable'); END;

            CREATE TABLE log_cosignature (
                checkpoint INTEGER NOT NULL REFERENCES log_checkpoint (id),
                witness TEXT NOT NULL,
                line TEXT NOT NULL,
                received_at INTEGER NOT NULL,
                PRIMARY KEY (checkpoint, witness)
            ) WITHOUT ROWID;
            CREATE TRIGGER log_cosignature_no_update BEFORE UPDATE ON log_cosignature
            BEGIN SELECT RAISE(ABORT, 'cosignatures are immutable'); END;
            CREATE TRIGGER log_cosignature_no_delete BEFORE DELETE ON log_cosignature
            BEGIN SELECT RAISE(ABORT, 'cosignatures are immutable'); END;
            """)
        for kind in LoggedRecord.Kind.allCases {
            guard kind == .entry else {
                try SQLiteStore.appendToLog(SQLiteStore.loggedRecords(kind, keys: nil, in: db).sorted { $0.key < $1.key }, in: db)
                continue
            }
            // The ledger in sequence order, a page at a time.
            var after: Int64 = 0
            while true {
                let entries = try Row.fetchAll(db.cachedStatement(sql: """
                    SELECT \(Entry.columns) FROM entry WHERE sequence > ? ORDER BY sequence LIMIT 50000
                    """), arguments: [after]).map { try Entry(reading: $0) }
                guard let last = entries.last else { break }
                try SQLiteStore.appendToLog(entries.map(LoggedRecord.init), in: db)
                after = last.sequence
            }
        }
    }
}
