import CivicCore
import CivicLog
import Foundation
import GRDB

extension Schema {
    static let logTriggers = [
        "log_tile_only_grows", "log_tile_no_delete", "log_entry_run_no_update", "log_entry_run_no_delete",
        "log_record_no_update", "log_record_no_delete", "log_tile_interior_no_update", "log_tile_interior_no_delete",
        "log_checkpoint_no_update", "log_checkpoint_no_delete", "log_cosignature_no_update", "log_cosignature_no_delete",
    ]

    /// The transparency log's first tables: one row per leaf. `v4-log-leaves-in-tiles`
    /// replaces `log_leaf` with the layout the store keeps today (see `SQLiteStore+Log`)
    /// and appends the leaves of every record written before the log existed.
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
            \(Schema.immutable("log_leaf", "log leaves are immutable"))

            CREATE TABLE log_tile (
                log TEXT NOT NULL,
                level INTEGER NOT NULL CHECK (level >= 1),
                idx INTEGER NOT NULL CHECK (idx >= 0),
                hashes BLOB NOT NULL CHECK (length(hashes) BETWEEN 32 AND 8192 AND length(hashes) % 32 = 0),
                PRIMARY KEY (log, level, idx)
            ) WITHOUT ROWID;
            \(Schema.logTileGuards)

            CREATE TABLE log_tile_interior (
                log TEXT NOT NULL,
                level INTEGER NOT NULL CHECK (level >= 0),
                idx INTEGER NOT NULL CHECK (idx >= 0),
                nodes BLOB NOT NULL CHECK (length(nodes) = 8160),
                PRIMARY KEY (log, level, idx)
            ) WITHOUT ROWID;
            \(Schema.immutable("log_tile_interior", "log tiles are immutable"))

            CREATE TABLE log_checkpoint (
                id INTEGER PRIMARY KEY,
                log TEXT NOT NULL,
                size INTEGER NOT NULL CHECK (size >= 0),
                root BLOB NOT NULL CHECK (length(root) = 32),
                note TEXT NOT NULL,
                signed_at INTEGER NOT NULL
            );
            CREATE INDEX log_checkpoint_by_log ON log_checkpoint (log, id);
            \(Schema.immutable("log_checkpoint", "checkpoints are immutable"))

            CREATE TABLE log_cosignature (
                checkpoint INTEGER NOT NULL REFERENCES log_checkpoint (id),
                witness TEXT NOT NULL,
                line TEXT NOT NULL,
                received_at INTEGER NOT NULL,
                PRIMARY KEY (checkpoint, witness)
            ) WITHOUT ROWID;
            \(Schema.immutable("log_cosignature", "cosignatures are immutable"))
            """)
    }
}

extension Schema {
    /// The leaves' hashes move into level-0 tiles (one row per 256 leaves instead of one per
    /// leaf, which cost a quarter of a 10,000-entry commit); each full tile keeps the upper 31
    /// of its interior hashes (`TlogTiles.upperInterior(of:)`, 992 bytes instead of 8,160,
    /// which a proof makes up by hashing at most 7 nodes per tile), in a rowid table, whose
    /// pages hold rows of that size whole (a WITHOUT ROWID table's page holds at most about 1,000
    /// bytes of a row and puts the rest on a page of its own); and where each record's leaf is
    /// is kept apart: one `log_entry_run` row for each run of entries whose leaves follow one
    /// another in ledger order (one per commit), and one `log_record` row for every other
    /// record. A database whose log is still empty (written before the log existed) gets a
    /// leaf for every record: by kind, entries in sequence order, so none is left uncovered.
    ///
    /// The leaves' numbering is checked by no per-row trigger: the store numbers them inside
    /// the commit's write lock, the primary keys refuse a number used twice, and
    /// `integrityCheck()` and the log's audit find a gap.
    static func moveLeavesIntoTiles(_ db: Database) throws {
        try db.execute(sql: """
            DROP TRIGGER log_tile_only_grows;
            DROP TRIGGER log_tile_no_delete;
            CREATE TABLE log_tile_all_levels (
                log TEXT NOT NULL,
                level INTEGER NOT NULL CHECK (level >= 0),
                idx INTEGER NOT NULL CHECK (idx >= 0),
                hashes BLOB NOT NULL CHECK (length(hashes) BETWEEN 32 AND 8192 AND length(hashes) % 32 = 0),
                PRIMARY KEY (log, level, idx)
            ) WITHOUT ROWID;
            INSERT INTO log_tile_all_levels (log, level, idx, hashes) SELECT log, level, idx, hashes FROM log_tile;
            DROP TABLE log_tile;
            ALTER TABLE log_tile_all_levels RENAME TO log_tile;
            \(Schema.logTileGuards)

            DROP TRIGGER log_tile_interior_no_update;
            DROP TRIGGER log_tile_interior_no_delete;
            CREATE TABLE log_tile_upper_interior (
                log TEXT NOT NULL,
                level INTEGER NOT NULL CHECK (level >= 0),
                idx INTEGER NOT NULL CHECK (idx >= 0),
                nodes BLOB NOT NULL CHECK (length(nodes) = 992),
                PRIMARY KEY (log, level, idx)
            );
            INSERT INTO log_tile_upper_interior (log, level, idx, nodes) SELECT log, level, idx, substr(nodes, 7169) FROM log_tile_interior;
            DROP TABLE log_tile_interior;
            ALTER TABLE log_tile_upper_interior RENAME TO log_tile_interior;
            \(Schema.immutable("log_tile_interior", "log tiles are immutable"))

            CREATE TABLE log_entry_run (
                log TEXT NOT NULL,
                first_index INTEGER NOT NULL CHECK (first_index >= 0),
                first_sequence INTEGER NOT NULL CHECK (first_sequence >= 1),
                count INTEGER NOT NULL CHECK (count >= 1),
                PRIMARY KEY (log, first_index),
                UNIQUE (log, first_sequence)
            ) WITHOUT ROWID;
            \(Schema.immutable("log_entry_run", "log leaves are immutable"))

            CREATE TABLE log_record (
                log TEXT NOT NULL,
                idx INTEGER NOT NULL CHECK (idx >= 0),
                kind TEXT NOT NULL,
                key TEXT NOT NULL,
                PRIMARY KEY (log, idx),
                UNIQUE (log, kind, key)
            ) WITHOUT ROWID;
            \(Schema.immutable("log_record", "log leaves are immutable"))
            """)
        // The leaves kept one row each, a page at a time in index order, with each entry's sequence.
        for log in try String.fetchAll(db, sql: "SELECT DISTINCT log FROM log_leaf ORDER BY log") {
            var next: Int64 = 0
            while true {
                let rows = try Row.fetchAll(db, sql: """
                    SELECT l.idx, l.kind, l.key, l.hash, e.sequence FROM log_leaf l
                    LEFT JOIN entry e ON l.kind = 'entry' AND e.id = l.key
                    WHERE l.log = ? AND l.idx >= ? ORDER BY l.idx LIMIT 50000
                    """, arguments: [log, next])
                guard !rows.isEmpty else { break }
                var leaves: [PendingLeaf] = []
                for row in rows {
                    let index: Int64 = row[0], kindName: String = row[1], key: String = row[2], blob: Data = row[3]
                    let sequence: Int64? = row[4]
                    guard index == next, let kind = LoggedRecord.Kind(rawValue: kindName), let hash = LogHash(bytes: blob),
                          kind != .entry || sequence != nil
                    else {
                        throw CivicError(.corrupted, "log leaf \(next) cannot be moved into the tiles: it is missing, malformed, or stands for an entry that is not stored")
                    }
                    leaves.append(PendingLeaf(kind: kind, key: key, sequence: sequence, hash: hash))
                    next += 1
                }
                try SQLiteStore.placeLeaves(leaves, from: UInt64(next) - UInt64(leaves.count), log: log, in: db)
                try SQLiteStore.writeLeafTiles(leaves.map(\.hash), from: UInt64(next) - UInt64(leaves.count), log: log, in: db)
            }
        }
        try db.execute(sql: """
            DROP TRIGGER log_leaf_no_update;
            DROP TRIGGER log_leaf_no_delete;
            DROP TABLE log_leaf;
            """)
        try backfillLog(db)
    }

    /// Appends a leaf for every stored record when the log is empty and records exist: by kind, entries in
    /// sequence order, the others by key.
    static func backfillLog(_ db: Database) throws {
        guard try SQLiteStore.logSize(db) == 0 else { return }
        for kind in LoggedRecord.Kind.allCases {
            guard kind == .entry else {
                let records = try SQLiteStore.loggedRecords(kind, keys: nil, in: db).sorted { $0.key < $1.key }
                try SQLiteStore.appendToLog(records.map { PendingLeaf($0, sequence: nil) }, in: db)
                continue
            }
            // The ledger in sequence order, a page at a time. A ledger older than the cap terms has no column for them.
            let hasCapTerms = try db.columns(in: "entry").contains { $0.name == "grade_cap_lock_years" }
            let columns = hasCapTerms ? Entry.columns : Entry.columnsBeforeCapTerms
            var after: Int64 = 0
            while true {
                let entries = try Row.fetchAll(db.cachedStatement(sql: """
                    SELECT \(columns) FROM entry WHERE sequence > ? ORDER BY sequence LIMIT 50000
                    """), arguments: [after]).map { try Entry(reading: $0) }
                guard let last = entries.last else { break }
                try SQLiteStore.appendToLog(entries.map { PendingLeaf(LoggedRecord($0), sequence: $0.sequence) }, in: db)
                after = last.sequence
            }
        }
    }
}

extension Schema {
    /// The two triggers that make `table` append-only: every update and every delete is refused with `message`.
    static func immutable(_ table: String, _ message: String) -> String {
        """
        CREATE TRIGGER \(table)_no_update BEFORE UPDATE ON \(table)
        BEGIN SELECT RAISE(ABORT, '\(message)'); END;
        CREATE TRIGGER \(table)_no_delete BEFORE DELETE ON \(table)
        BEGIN SELECT RAISE(ABORT, '\(message)'); END;
        """
    }

    /// The guards of `log_tile`: a tile only grows (a partial tile gains hashes at its end), and none is deleted.
    static let logTileGuards = """
        CREATE TRIGGER log_tile_only_grows BEFORE UPDATE ON log_tile
        WHEN NEW.log != OLD.log OR NEW.level != OLD.level OR NEW.idx != OLD.idx
          OR length(NEW.hashes) <= length(OLD.hashes) OR substr(NEW.hashes, 1, length(OLD.hashes)) != OLD.hashes
        BEGIN SELECT RAISE(ABORT, 'a log tile only grows'); END;
        CREATE TRIGGER log_tile_no_delete BEFORE DELETE ON log_tile
        BEGIN SELECT RAISE(ABORT, 'log tiles are immutable'); END;
        """
}
