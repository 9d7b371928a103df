public import CivicCore
import GRDB

extension SQLiteStore: IntegrityChecking {
    /// Problems found in the database file and the ledger; empty when all is well.
    ///
    /// Runs SQLite's `integrity_check` and `foreign_key_check`, then the ledger's
    /// own invariants: a sequence that runs 1, 2, 3... with no gap, every
    /// listing with its standing, and the guard triggers still in place. Each problem is one sentence without row
    /// content. It reads every page of the file, so it is for audits and
    /// operators, not for every request.
    public func integrityCheck() throws -> [String] {
        do {
            return try writer.read { db in
                var problems: [String] = []
                let sqliteProblems = try String.fetchAll(db, sql: "PRAGMA integrity_check")
                if sqliteProblems != ["ok"] { problems += sqliteProblems.map { "integrity_check: \($0)" } }

                let foreignKeyRows = try Row.fetchAll(db, sql: "PRAGMA foreign_key_check")
                var missingParents: [String: Int] = [:]
                for row in foreignKeyRows {
                    let table: String = row[0]
                    missingParents[table, default: 0] += 1
                }
                for (table, count) in missingParents.sorted(by: { $0.key < $1.key }) {
                    problems.append("\(count) \(table) row(s) refer to a missing parent")
                }

                let row = try Row.fetchOne(db, sql: "SELECT COUNT(*), IFNULL(MIN(sequence), 0), IFNULL(MAX(sequence), 0) FROM entry")!
                let count: Int64 = row[0], first: Int64 = row[1], last: Int64 = row[2]
                if count > 0 && first != 1 { problems.append("the ledger starts at sequence \(first), not 1") }
                if count != last - first + (count > 0 ? 1 : 0) {
                    let gap = try Int64.fetchOne(db, sql: """
                        SELECT e.sequence + 1 FROM entry e
                        WHERE e.sequence < (SELECT MAX(sequence) FROM entry)
                          AND NOT EXISTS (SELECT 1 FROM entry n WHERE n.sequence = e.sequence + 1)
                        ORDER BY e.sequence LIMIT 1
                        """)
                    problems.append("the ledger has \(count) entries up to sequence \(last): a gap starts at \(gap.map(String.init) ?? "?")")
                }

                // The leaves: level-0 tiles numbered without a gap, all full but the last, and one place for each leaf.
                let tiles = try Row.fetchOne(db, sql: """
                    SELECT COUNT(*), IFNULL(MAX(idx) + 1, 0), IFNULL(SUM(length(hashes) < 8192), 0) FROM log_tile WHERE level = 0
                    """)!
                let tileCount: Int64 = tiles[0], tileEnd: Int64 = tiles[1], partial: Int64 = tiles[2]
                if tileCount != tileEnd {
                    problems.append("the transparency log has \(tileCount) leaf tiles numbered up to \(tileEnd - 1): leaves are missing")
                }
                let lastIsPartial = try Bool.fetchOne(db, sql: """
                    SELECT length(hashes) < 8192 FROM log_tile WHERE level = 0 ORDER BY idx DESC LIMIT 1
                    """) ?? false
                if partial > (lastIsPartial ? 1 : 0) {
                    problems.append("the transparency log has a partial leaf tile before its last: leaves are missing")
                }
                let size = Int64(try SQLiteStore.logSize(db))
                let placed = try Int64.fetchOne(db, sql: """
                    SELECT IFNULL((SELECT SUM(count) FROM log_entry_run), 0) + (SELECT COUNT(*) FROM log_record)
                    """) ?? 0
                if placed != size {
                    problems.append("the transparency log has \(size) leaves but records the place of \(placed)")
                }

                let orphans = try Int.fetchOne(db, sql: """
                    SELECT COUNT(*) FROM listing l
                    WHERE NOT EXISTS (SELECT 1 FROM standing s WHERE s.subject = l.subject AND s.scheme = l.scheme)
                    """) ?? 0
                if orphans > 0 { problems.append("\(orphans) listing(s) have no standing") }
                let miscounted = try Int.fetchOne(db, sql: """
                    SELECT COUNT(*) FROM standing s
                    WHERE s.listing_count != (SELECT COUNT(*) FROM listing l WHERE l.subject = s.subject AND l.scheme = s.scheme)
                    """) ?? 0
                if miscounted > 0 { problems.append("\(miscounted) standing(s) do not have the listings they count") }

                let triggers = Set(try String.fetchAll(db, sql: "SELECT name FROM sqlite_master WHERE type = 'trigger'"))
                for name in Schema.guardTriggers where !triggers.contains(name) {
                    problems.append("the guard trigger \(name) is missing")
                }
                return problems
            }
        } catch {
            throw SQLiteStore.storageError(error, doing: "checking integrity")
        }
    }
}
