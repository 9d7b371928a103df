public import CivicCore
import PostgresNIO

extension PostgresStore: IntegrityChecking {
    /// Problems found in the database and the ledger; empty when all is well.
    ///
    /// Checks the ledger's own invariants: a sequence that runs 1, 2, 3... with
    /// no gap, entries and decisions whose subject or report exists, every
    /// listing with its standing and every standing with the listings it counts,
    /// the schema at the version this program knows, and the guard triggers
    /// still in place and enabled. Each problem is one sentence without row
    /// content. It reads whole tables, so it is for audits, not for every request.
    public func integrityCheck() async throws -> [String] {
        try await read("checking integrity") { connection in
            var problems: [String] = []
            func integers(_ query: PostgresQuery) async throws -> [Int64?] {
                var values: [Int64?] = []
                for try await row in try await connection.query(query, logger: PostgresStore.logger) {
                    let access = row.makeRandomAccess()
                    for index in 0..<access.count { values.append(try access[index].decode(Int64?.self)) }
                }
                return values
            }

            let ledger = try await integers("SELECT count(*), coalesce(min(sequence), 0), coalesce(max(sequence), 0) FROM entry")
            let count = ledger[0] ?? 0, first = ledger[1] ?? 0, last = ledger[2] ?? 0
            if count > 0 && first != 1 { problems.append("the ledger starts at sequence \(first), not 1") }
            if count != last - first + (count > 0 ? 1 : 0) {
                let gap = try await integers("""
                    SELECT e.sequence + 1 FROM entry e
                    WHERE e.sequence < (SELECT max(sequence) FROM entry)
                      AND NOT EXISTS (SELECT 1 FROM entry n WHERE n.sequence = e.sequence + 1)
                    ORDER BY e.sequence LIMIT 1
                    """).first ?? nil
                problems.append("the ledger has \(count) entries up to sequence \(last): a gap starts at \(gap.map(String.init) ?? "?")")
            }

            let checks: [(PostgresQuery, String)] = [
                ("SELECT count(*) FROM entry e WHERE NOT EXISTS (SELECT 1 FROM subject s WHERE s.id = e.subject)",
                 "entry row(s) refer to a missing subject"),
                ("SELECT count(*) FROM decision d WHERE NOT EXISTS (SELECT 1 FROM report r WHERE r.id = d.report)",
                 "decision row(s) refer to a missing report"),
                ("""
                 SELECT count(*) FROM listing l
                 WHERE NOT EXISTS (SELECT 1 FROM standing s WHERE s.subject = l.subject AND s.scheme = l.scheme)
                 """, "listing(s) have no standing"),
                ("""
                 SELECT count(*) FROM standing s
                 WHERE s.listing_count != (SELECT count(*) FROM listing l WHERE l.subject = s.subject AND l.scheme = s.scheme)
                 """, "standing(s) do not have the listings they count"),
            ]
            for (query, problem) in checks {
                let found = try await integers(query).first ?? 0
                if let found, found > 0 { problems.append("\(found) \(problem)") }
            }

            let version = try await integers("SELECT max(version) FROM civic_schema_migration").first ?? nil
            if version != PostgresSchema.latestVersion {
                problems.append("the schema is at version \(version.map(String.init) ?? "none"), expected \(PostgresSchema.latestVersion)")
            }

            var triggers: [String: Bool] = [:]
            let rows = try await connection.query("""
                SELECT t.tgname::text, t.tgenabled <> 'D' FROM pg_trigger t
                WHERE t.tgrelid IN ('entry'::regclass, 'decision'::regclass, 'report'::regclass, 'handbook'::regclass,
                                    'cycle'::regclass, 'standing'::regclass, 'notice'::regclass, 'appeal'::regclass,
                                    'appeal_decision'::regclass, 'delivery_attempt'::regclass, 'log_leaf'::regclass,
                                    'log_tile'::regclass, 'log_tile_interior'::regclass, 'log_checkpoint'::regclass, 'log_cosignature'::regclass) AND NOT t.tgisinternal
                """, logger: PostgresStore.logger)
            for try await (name, enabled) in rows.decode((String, Bool).self) { triggers[name] = enabled }
            for name in PostgresSchema.guardTriggers {
                switch triggers[name] {
                case nil: problems.append("the guard trigger \(name) is missing")
                case false?: problems.append("the guard trigger \(name) is disabled")
                default: break
                }
            }
            return problems
        }
    }
}
