public import CivicCore
import GRDB

extension SQLiteStore {
    /// Applies the whole change set in one immediate write transaction.
    ///
    /// Each table is written with one cached prepared statement, rebound per
    /// row; no row is read back. The database's constraints do the checking
    /// (unique ids, a contiguous sequence, known subjects and reports), and a
    /// constraint failure rolls the whole transaction back and is reported as
    /// the kind of record that failed, never its content.
    public func commit(_ changes: ChangeSet) async throws {
        if changes.isEmpty { return }
        // A large commit's leaves are hashed, and its tiles grown from the log's edge as it is now, on another core
        // while its rows are written.
        var inBackground: LeavesInBackground?
        if changes.appendsToLog && changes.loggableCount >= LeavesInBackground.threshold {
            let edge = try? await read("reading the log's edge") { db in try SQLiteStore.edge(db) }
            inBackground = LeavesInBackground(changes, edge: edge)
        }
        let background = inBackground
        do {
            try await writer.writeWithoutTransaction { db in
                try db.inTransaction(.immediate) {
                    try SQLiteStore.apply(changes, in: db)
                    if let background {
                        try SQLiteStore.appendToLog(background.wait(), in: db)
                    } else if changes.appendsToLog {
                        try SQLiteStore.appendToLog(PendingLeaf.of(changes), in: db)
                    }
                    return .commit
                }
            }
        } catch {
            throw SQLiteStore.storageError(error, doing: "committing changes")
        }
    }

    private static func apply(_ changes: ChangeSet, in db: Database) throws {
        if !changes.expectedDecisionCounts.isEmpty {
            let statement = try db.cachedStatement(sql: "SELECT COUNT(*) FROM decision WHERE report = ?")
            for (report, expected) in changes.expectedDecisionCounts.sorted(by: { $0.key < $1.key }) {
                let count = try Int.fetchOne(statement, arguments: [report.rawValue]) ?? 0
                guard count == expected else {
                    throw CivicError(.concurrentWrite, "report '\(report)' was decided by someone else meanwhile")
                }
            }
        }
        if changes.checksLedgerHead {
            let head = try ledgerHead(db)
            guard changes.expectedLedgerHead == head else {
                throw CivicError(.concurrentWrite, "the ledger moved from \(changes.expectedLedgerHead.map(String.init) ?? "?") to \(head)")
            }
            for (offset, entry) in changes.entries.enumerated() where entry.sequence != head + 1 + Int64(offset) {
                throw CivicError(.corrupted, "entry \(offset + 1) of the commit has sequence \(entry.sequence), expected \(head + 1 + Int64(offset))")
            }
        }

        try insert(changes.jurisdictions, as: .jurisdiction, sql: "INSERT INTO jurisdiction (\(Jurisdiction.columns)) VALUES (?, ?, ?, ?)", in: db) {
            $0.arguments
        }
        try insert(changes.subjects, as: .subject, sql: "INSERT INTO subject (\(Subject.columns)) VALUES (?, ?, ?, ?, ?, ?, ?, ?)", in: db) {
            $0.arguments
        }
        try insert(changes.actors, as: .actor, sql: "INSERT INTO actor (\(Actor.columns)) VALUES (?, ?, ?, ?, ?)", in: db) {
            $0.arguments
        }
        try insert(changes.handbooks, as: .handbook,
                   sql: "INSERT INTO handbook (\(PublishedHandbook.columns)) VALUES (?, ?, ?, ?, ?, ?)", in: db) {
            try $0.arguments()
        }
        try insert(changes.reports, as: .report,
                   sql: "INSERT INTO report (\(Report.columns)) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", in: db) {
            try $0.arguments(status: changes.reportStatuses[$0.id] ?? .pending)
        }
        try insert(changes.decisions, as: .decision, sql: "INSERT INTO decision (\(Decision.columns)) VALUES (?, ?, ?, ?, ?, ?, ?)", in: db) {
            $0.arguments
        }
        try updateStatuses(changes, in: db)
        try insert(changes.notices, as: .notice, sql: "INSERT INTO notice (id, subject, entry, created_on, body) VALUES (?, ?, ?, ?, ?)", in: db) {
            [$0.id.rawValue, $0.subject.rawValue, $0.entry?.rawValue, $0.createdOn.ordinal, try JSONColumn.encode($0)]
        }
        try insert(changes.entries, as: .entry,
                   sql: "INSERT INTO entry (\(Entry.columns)) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", in: db) {
            $0.arguments
        }
        try replace(changes.standings, in: db)
        if let held = changes.heldStandings { try hold(held, in: db) }
        try insert(changes.cycles, as: .cycle, sql: "INSERT INTO cycle (\(Cycle.columns)) VALUES (?, ?, ?, ?)", in: db) {
            $0.arguments
        }
        try applyDueProcess(changes, in: db)
    }

    private static func applyDueProcess(_ changes: ChangeSet, in db: Database) throws {
        try insert(changes.appeals, as: .appeal,
                   sql: "INSERT INTO appeal (id, subject, entry, filed_by, filed_on, decide_by, body) VALUES (?, ?, ?, ?, ?, ?, ?)", in: db) {
            [$0.id.rawValue, $0.subject.rawValue, $0.entry.rawValue, $0.filedBy.rawValue, $0.filedOn.ordinal, $0.decideBy.ordinal,
             try JSONColumn.encode($0)]
        }
        try insert(changes.appealDecisions, as: .appealDecision,
                   sql: "INSERT INTO appeal_decision (appeal, reviewer, outcome, reason, decided_on) VALUES (?, ?, ?, ?, ?)", in: db) {
            [$0.appeal.rawValue, $0.reviewer.rawValue, $0.outcome.rawValue, $0.reason, $0.decidedOn.ordinal]
        }
        try insert(changes.deliveryChannels, as: .deliveryChannel, sql: "INSERT INTO delivery_channel (id, body) VALUES (?, ?)", in: db) {
            [$0.id.rawValue, try JSONColumn.encode($0)]
        }
        try insert(changes.deliveries, as: .delivery, sql: """
            INSERT INTO notice_delivery (notice, channel, status, attempts, next_attempt_at, last_error, delivered_at)
            VALUES (?, ?, ?, ?, ?, ?, ?)
            ON CONFLICT (notice, channel) DO UPDATE SET status = excluded.status, attempts = excluded.attempts,
                next_attempt_at = excluded.next_attempt_at, last_error = excluded.last_error, delivered_at = excluded.delivered_at
            """, in: db) {
            [$0.notice.rawValue, $0.channel.rawValue, $0.status.rawValue, $0.attempts, $0.nextAttemptAt, $0.lastError, $0.deliveredAt]
        }
        try insert(changes.deliveryAttempts, as: .deliveryAttempt,
                   sql: "INSERT INTO delivery_attempt (notice, channel, number, at, succeeded, error) VALUES (?, ?, ?, ?, ?, ?)", in: db) {
            [$0.notice.rawValue, $0.channel.rawValue, $0.number, $0.at, $0.succeeded, $0.error]
        }
    }

    private static func insert<Record>(
        _ records: [Record], as kind: RecordKind, sql: String, in db: Database, arguments: (Record) throws -> StatementArguments
    ) throws {
        if records.isEmpty { return }
        try kind.mappingErrors {
            let statement = try db.cachedStatement(sql: sql)
            for record in records {
                statement.setUncheckedArguments(try arguments(record))
                try statement.execute()
            }
        }
    }

    /// New statuses of reports stored by earlier commits; reports in this
    /// commit were inserted with theirs.
    private static func updateStatuses(_ changes: ChangeSet, in db: Database) throws {
        if changes.reportStatuses.isEmpty { return }
        let newReports = Set(changes.reports.map(\.id))
        try RecordKind.report.mappingErrors {
            let statement = try db.cachedStatement(sql: "UPDATE report SET status = ? WHERE id = ?")
            for (id, status) in changes.reportStatuses.sorted(by: { $0.key < $1.key }) where !newReports.contains(id) {
                statement.setUncheckedArguments([status.rawValue, id.rawValue])
                try statement.execute()
                guard db.changesCount == 1 else { throw CivicError(.notFound, "status for an unknown report") }
            }
        }
    }

    /// Moves the day of standings that still hold, and their earned points across a new year as
    /// `EarnedPoints.seen(from:)` does (SET reads the row as it was); a standing stored for a later day keeps its own.
    private static func hold(_ held: HeldStandings, in db: Database) throws {
        try RecordKind.standing.mappingErrors {
            let update = try db.cachedStatement(sql: """
                UPDATE standing SET as_of = ?1,
                    earned_previous_year = CASE WHEN earned_year = ?4 THEN earned_previous_year WHEN earned_year = ?4 - 1 THEN earned_this_year ELSE 0 END,
                    earned_this_year = CASE WHEN earned_year = ?4 THEN earned_this_year ELSE 0 END,
                    earned_year = ?4
                WHERE subject = ?2 AND scheme = ?3 AND as_of <= ?1
                """)
            let day = Int64(held.asOf.ordinal), year = Int64(held.asOf.year)
            for key in held.keys {
                update.setUncheckedArguments([day, key.subject.rawValue, key.scheme.rawValue, year])
                try update.execute()
            }
        }
    }

    /// Inserts or replaces each standing with its listings. Replacing a
    /// standing rewrites its `listing_count`, and a trigger then drops the old
    /// listings, only where there were some.
    private static func replace(_ standings: [Standing], in db: Database) throws {
        if standings.isEmpty { return }
        try RecordKind.standing.mappingErrors {
            let updates = Standing.columns.split(separator: ",").dropFirst(2)
                .map { (column: Substring) -> String in let name = String(column.drop { $0 == " " }); return name + " = excluded." + name }
                .joined(separator: ", ")
            let upsert = try db.cachedStatement(sql: """
                INSERT INTO standing (\(Standing.columns))
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                ON CONFLICT (subject, scheme) DO UPDATE SET \(updates)
                """)
            let list = try db.cachedStatement(sql: """
                INSERT INTO listing (subject, scheme, position, \(Listing.columns)) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """)
            for standing in standings {
                upsert.setUncheckedArguments(standing.arguments)
                try upsert.execute()
                for (position, listing) in standing.listings.enumerated() {
                    list.setUncheckedArguments(listing.arguments(subject: standing.subject, scheme: standing.scheme, position: position))
                    try list.execute()
                }
            }
        }
    }
}

extension RecordKind {
    /// Runs `body`, turning SQLite constraint failures into `CivicError`s that
    /// name this kind of record. The SQL text and its arguments (which hold
    /// names and statements) never reach the message.
    func mappingErrors(_ body: () throws -> Void) throws {
        do {
            try body()
        } catch let error as DatabaseError {
            switch error.extendedResultCode {
            case .SQLITE_CONSTRAINT_PRIMARYKEY, .SQLITE_CONSTRAINT_UNIQUE:
                throw duplicate
            case .SQLITE_CONSTRAINT_FOREIGNKEY:
                throw unknownParent
            case .SQLITE_CONSTRAINT_TRIGGER:
                throw triggerRefusal(error.message ?? "trigger")
            case .SQLITE_CONSTRAINT_CHECK, .SQLITE_CONSTRAINT_NOTNULL:
                throw unacceptableValue
            default:
                throw SQLiteStore.storageError(error, doing: "writing \(article) \(rawValue)")
            }
        }
    }
}
