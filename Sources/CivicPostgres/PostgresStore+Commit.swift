public import CivicCore
import PostgresNIO

extension PostgresStore {
    /// Applies the whole change set in one READ COMMITTED transaction, or none of it.
    ///
    /// The locks come first and always in the same order (the ledger table, then
    /// the checked reports by id), so commits that need the same things queue
    /// instead of deadlocking. Rows go in as multi-row INSERTs of up to
    /// `rowsPerStatementMax` rows; no row is read back. The database's
    /// constraints and triggers do the checking, and a failure rolls the whole
    /// transaction back and is reported as the kind of record that failed,
    /// never its content.
    public func commit(_ changes: ChangeSet) async throws {
        if changes.isEmpty { return }
        guard !readsReplica else { throw PostgresStore.replicaRefusesWrites }
        let announces = changes.mayMoveStandings
        try await transaction("committing changes") { [schema] connection in
            try await PostgresStore.apply(changes, on: connection)
            if announces {
                // Delivered to listeners when, and only if, the transaction commits; a statement of the
                // transaction like any other, so a transaction pooler carries it.
                try await connection.query("SELECT pg_notify(\(PostgresStore.changesChannel), \(schema ?? ""))", logger: PostgresStore.logger)
            }
        }
    }

    private static func apply(_ changes: ChangeSet, on connection: PostgresConnection) async throws {
        let logger = PostgresStore.logger
        if changes.checksLedgerHead {
            // Appenders queue here; readers (ACCESS SHARE) never wait for it.
            try await connection.query("LOCK TABLE entry IN SHARE ROW EXCLUSIVE MODE", logger: logger)
        }
        if !changes.expectedDecisionCounts.isEmpty {
            let reports = changes.expectedDecisionCounts.keys.map(\.rawValue).sorted()
            // Lock the reports so that no decision lands on them between the count and the commit.
            try await connection.query("SELECT id FROM report WHERE id = ANY(\(reports)) ORDER BY id FOR UPDATE", logger: logger)
            var counts: [String: Int] = [:]
            let rows = try await connection.query(
                "SELECT report, count(*) FROM decision WHERE report = ANY(\(reports)) GROUP BY report", logger: logger)
            for try await (report, count) in rows.decode((String, Int64).self) { counts[report] = Int(count) }
            for (report, expected) in changes.expectedDecisionCounts.sorted(by: { $0.key < $1.key }) where (counts[report.rawValue] ?? 0) != expected {
                throw CivicError(.concurrentWrite, "report '\(report)' was decided by someone else meanwhile")
            }
        }
        if changes.checksLedgerHead {
            let head = try await ledgerHead(connection)
            guard changes.expectedLedgerHead == head else {
                throw CivicError(.concurrentWrite, "the ledger moved from \(changes.expectedLedgerHead.map(String.init) ?? "?") to \(head)")
            }
            for (offset, entry) in changes.entries.enumerated() where entry.sequence != head + 1 + Int64(offset) {
                throw CivicError(.corrupted, "entry \(offset + 1) of the commit has sequence \(entry.sequence), expected \(head + 1 + Int64(offset))")
            }
        }

        try await insert(changes.jurisdictions, into: Jurisdiction.table, as: .jurisdiction, on: connection) { $0.bind(&$1) }
        try await insert(changes.subjects, into: Subject.table, as: .subject, on: connection) { $0.bind(&$1) }
        try await insert(changes.actors, into: Actor.table, as: .actor, on: connection) { $0.bind(&$1) }
        try await insert(changes.handbooks, into: PublishedHandbook.table, as: .handbook, on: connection) { try $0.bind(&$1) }
        try await insert(changes.reports, into: Report.table, as: .report, on: connection) {
            try $0.bind(&$1, status: changes.reportStatuses[$0.id] ?? .pending)
        }
        try await insert(changes.decisions, into: Decision.table, as: .decision, on: connection) { $0.bind(&$1) }
        try await updateStatuses(changes, on: connection)
        try await insert(changes.notices, into: PostgresStore.noticeTable, as: .notice, on: connection) { notice, bindings in
            bindings.append(notice.id.rawValue); bindings.append(notice.subject.rawValue); bindings.append(notice.entry?.rawValue)
            bindings.append(notice.createdOn.stored); bindings.append(try jsonText(notice))
        }
        if changes.entries.count >= copyRowsMin {
            try await copy(changes.entries, into: "entry", columns: Entry.table.names, as: .entry, on: connection) { $0.copyRow(&$1) }
        } else {
            try await insert(changes.entries, into: Entry.table, as: .entry, on: connection) { $0.bind(&$1) }
        }
        try await replace(changes.standings, on: connection)
        if let held = changes.heldStandings { try await hold(held, on: connection) }
        try await insert(changes.cycles, into: Cycle.table, as: .cycle, on: connection) { $0.bind(&$1) }
        try await applyDueProcess(changes, on: connection)
        if changes.appendsToLog { try await appendToLog(changes, on: connection) }
    }

    /// From this many rows, entries, standings and listings go in by COPY rather than multi-row INSERTs.
    static let copyRowsMin = 200

    static let noticeTable = TableColumns(table: "notice", names: ["id", "subject", "entry", "created_on", "body"], casts: ["body": "jsonb"])
    static let appealTable = TableColumns(
        table: "appeal", names: ["id", "subject", "entry", "filed_by", "filed_on", "decide_by", "body"], casts: ["body": "jsonb"])
    static let appealDecisionTable = TableColumns(table: "appeal_decision", names: ["appeal", "reviewer", "outcome", "reason", "decided_on"])
    static let deliveryChannelTable = TableColumns(table: "delivery_channel", names: ["id", "body"], casts: ["body": "jsonb"])
    static let deliveryTable = TableColumns(
        table: "notice_delivery", names: ["notice", "channel", "status", "attempts", "next_attempt_at", "last_error", "delivered_at"])
    static let deliveryAttemptTable = TableColumns(
        table: "delivery_attempt", names: ["notice", "channel", "number", "at", "succeeded", "error"])

    private static func applyDueProcess(_ changes: ChangeSet, on connection: PostgresConnection) async throws {
        try await insert(changes.appeals, into: appealTable, as: .appeal, on: connection) { appeal, bindings in
            bindings.append(appeal.id.rawValue); bindings.append(appeal.subject.rawValue); bindings.append(appeal.entry.rawValue)
            bindings.append(appeal.filedBy.rawValue); bindings.append(appeal.filedOn.stored); bindings.append(appeal.decideBy.stored)
            bindings.append(try jsonText(appeal))
        }
        try await insert(changes.appealDecisions, into: appealDecisionTable, as: .appealDecision, on: connection) { decision, bindings in
            bindings.append(decision.appeal.rawValue); bindings.append(decision.reviewer.rawValue); bindings.append(decision.outcome.rawValue)
            bindings.append(decision.reason); bindings.append(decision.decidedOn.stored)
        }
        try await insert(changes.deliveryChannels, into: deliveryChannelTable, as: .deliveryChannel, on: connection) { channel, bindings in
            bindings.append(channel.id.rawValue); bindings.append(try jsonText(channel))
        }
        // A delivery given twice counts once, the last one winning, as for standings.
        var positions: [String: Int] = [:]
        var deliveries: [NoticeDelivery] = []
        for delivery in changes.deliveries {
            let key = delivery.notice.rawValue + "\u{0}" + delivery.channel.rawValue
            if let position = positions[key] { deliveries[position] = delivery } else { positions[key] = deliveries.count; deliveries.append(delivery) }
        }
        try await insert(deliveries, into: deliveryTable, as: .delivery, suffix: """
             ON CONFLICT (notice, channel) DO UPDATE SET status = excluded.status, attempts = excluded.attempts,
                next_attempt_at = excluded.next_attempt_at, last_error = excluded.last_error, delivered_at = excluded.delivered_at
            """, on: connection) { delivery, bindings in
            bindings.append(delivery.notice.rawValue); bindings.append(delivery.channel.rawValue); bindings.append(delivery.status.rawValue)
            bindings.append(Int64(delivery.attempts)); bindings.append(delivery.nextAttemptAt); bindings.append(delivery.lastError)
            bindings.append(delivery.deliveredAt)
        }
        try await insert(changes.deliveryAttempts, into: deliveryAttemptTable, as: .deliveryAttempt, on: connection) { attempt, bindings in
            bindings.append(attempt.notice.rawValue); bindings.append(attempt.channel.rawValue); bindings.append(Int64(attempt.number))
            bindings.append(attempt.at); bindings.append(attempt.succeeded); bindings.append(attempt.error)
        }
    }

    static func ledgerHead(_ connection: PostgresConnection) async throws -> Int64 {
        let rows = try await connection.query("SELECT coalesce(max(sequence), 0) FROM entry", logger: PostgresStore.logger)
        for try await head in rows.decode(Int64.self) { return head }
        return 0
    }

    /// Inserts `records` in order, as multi-row INSERTs; `suffix` follows each statement's VALUES.
    static func insert<Record>(
        _ records: [Record], into columns: TableColumns, as kind: RecordKind, suffix: String = "", on connection: PostgresConnection,
        bind: (Record, inout PostgresBindings) throws -> Void
    ) async throws {
        if records.isEmpty { return }
        let rowsPerStatement = min(rowsPerStatementMax, Int(UInt16.max) / columns.names.count)
        var start = 0
        while start < records.count {
            let end = min(start + rowsPerStatement, records.count)
            var bindings = PostgresBindings(capacity: (end - start) * columns.names.count)
            for record in records[start..<end] { try bind(record, &bindings) }
            let sql = "INSERT INTO \(columns.table) (\(columns.list)) VALUES \(columns.placeholders(rows: end - start))\(suffix)"
            try await kind.mappingErrors {
                try await connection.query(PostgresQuery(unsafeSQL: sql, binds: bindings), logger: PostgresStore.logger)
            }
            start = end
        }
    }

    /// Moves the day of standings that still hold, and their earned points across a new year as
    /// `EarnedPoints.seen(from:)` does (SET reads the row as it was), in one statement; a standing stored
    /// for a later day keeps its own.
    private static func hold(_ held: HeldStandings, on connection: PostgresConnection) async throws {
        if held.keys.isEmpty { return }
        let subjects = held.keys.map(\.subject.rawValue), schemes = held.keys.map(\.scheme.rawValue), day = held.asOf.stored
        let year = Int64(held.asOf.year)
        try await RecordKind.standing.mappingErrors {
            try await connection.query("""
                UPDATE standing SET as_of = \(day),
                    earned_previous_year = CASE WHEN earned_year = \(year) THEN earned_previous_year
                                                WHEN earned_year = \(year) - 1 THEN earned_this_year ELSE 0 END,
                    earned_this_year = CASE WHEN earned_year = \(year) THEN earned_this_year ELSE 0 END,
                    earned_year = \(year)
                FROM unnest(\(subjects)::text[], \(schemes)::text[]) AS k (subject, scheme)
                WHERE standing.subject = k.subject AND standing.scheme = k.scheme AND standing.as_of <= \(day)
                """, logger: PostgresStore.logger)
        }
    }

    /// New statuses of reports stored by earlier commits; reports in this
    /// commit were inserted with theirs. One statement; an unknown report
    /// leaves the count short and refuses the commit.
    private static func updateStatuses(_ changes: ChangeSet, on connection: PostgresConnection) async throws {
        let newReports = Set(changes.reports.map(\.id))
        let updates = changes.reportStatuses.filter { !newReports.contains($0.key) }.sorted { $0.key < $1.key }
        if updates.isEmpty { return }
        let ids = updates.map(\.key.rawValue), statuses = updates.map(\.value.rawValue)
        try await RecordKind.report.mappingErrors {
            let rows = try await connection.query("""
                WITH updated AS (
                    UPDATE report SET status = u.status FROM unnest(\(ids)::text[], \(statuses)::text[]) AS u (id, status)
                    WHERE report.id = u.id RETURNING 1
                )
                SELECT count(*) FROM updated
                """, logger: PostgresStore.logger)
            for try await count in rows.decode(Int64.self) where count != Int64(updates.count) {
                throw CivicError(.notFound, "status for an unknown report")
            }
        }
    }

    /// Inserts or replaces each standing, then inserts the listings. Replacing a
    /// standing rewrites its `listing_count`, and a trigger then drops its old
    /// listings, only where there were some. A standing given twice counts once,
    /// the last one winning (one INSERT ... ON CONFLICT cannot touch a row twice).
    private static func replace(_ standings: [Standing], on connection: PostgresConnection) async throws {
        if standings.isEmpty { return }
        var positions: [StandingKey: Int] = [:]
        var unique: [Standing] = []
        unique.reserveCapacity(standings.count)
        for standing in standings {
            let key = StandingKey(subject: standing.subject, scheme: standing.scheme)
            if let position = positions[key] {
                unique[position] = standing
            } else {
                positions[key] = unique.count
                unique.append(standing)
            }
        }
        let updates = Standing.table.names.dropFirst(2).map { "\($0) = excluded.\($0)" }.joined(separator: ", ")
        let upsert = " ON CONFLICT (subject, scheme) DO UPDATE SET \(updates)"
        if unique.count >= copyRowsMin {
            // Many standings (a cycle close): COPY them into a staging table, then one upsert from it. The table
            // lasts for the transaction only: behind a transaction pooler the next one may run on another session.
            try await RecordKind.standing.mappingErrors {
                try await connection.query("CREATE TEMPORARY TABLE IF NOT EXISTS standing_stage (LIKE standing) ON COMMIT DROP",
                                           logger: PostgresStore.logger)
            }
            try await copy(unique, into: "standing_stage", columns: Standing.table.names, as: .standing, on: connection) { try $0.copyRow(&$1) }
            try await RecordKind.standing.mappingErrors {
                try await connection.query(PostgresQuery(unsafeSQL: """
                    INSERT INTO standing (\(Standing.table.list)) SELECT \(Standing.table.list) FROM standing_stage\(upsert)
                    """), logger: PostgresStore.logger)
                try await connection.query("TRUNCATE standing_stage", logger: PostgresStore.logger)
            }
        } else {
            try await insert(unique, into: Standing.table, as: .standing, suffix: upsert, on: connection) { try $0.bind(&$1) }
        }
        let listed = unique.filter { !$0.listings.isEmpty }
            .flatMap { standing in standing.listings.enumerated().map { (standing, $0.offset, $0.element) } }
        if listed.count >= copyRowsMin {
            try await copy(listed, into: "listing", columns: Listing.insertTable.names, as: .standing, on: connection) { item, text in
                item.2.copyRow(&text, subject: item.0.subject, scheme: item.0.scheme, position: item.1)
            }
        } else {
            try await insert(listed, into: Listing.insertTable, as: .standing, on: connection) { item, bindings in
                item.2.bind(&bindings, subject: item.0.subject, scheme: item.0.scheme, position: item.1)
            }
        }
    }
}

extension RecordKind {
    /// Runs `body`, turning PostgreSQL constraint failures into `CivicError`s
    /// that name this kind of record. The SQL text, its arguments and the
    /// server's DETAIL (which quotes values) never reach the message.
    /// Serialisation failures and deadlocks pass through, to be retried.
    func mappingErrors(_ body: () async throws -> Void) async throws {
        do {
            try await body()
        } catch let error as PSQLError {
            switch PostgresStore.sqlState(error) {
            case "23505":
                throw duplicate
            case "23503":
                throw unknownParent
            case "P0001":
                throw triggerRefusal(error.serverInfo?[.message] ?? "trigger")
            case "23514", "23502", "22P02", "22001", "22021":
                throw unacceptableValue
            case "40001", "40P01":
                throw error
            default:
                throw PostgresStore.storageError(error, doing: "writing \(article) \(rawValue)")
            }
        }
    }
}
