public import CivicCore
import GRDB

extension SQLiteStore {
    public func appeal(_ id: Appeal.ID) async throws -> AppealRecord? {
        try await read("reading an appeal") { db in
            try SQLiteStore.appeals(db, where: "a.id = ?", arguments: [id.rawValue]).first
        }
    }

    public func appeals(subject: Subject.ID) async throws -> [AppealRecord] {
        try await read("reading appeals") { db in
            try SQLiteStore.appeals(db, where: "a.subject = ? ORDER BY a.filed_on, a.id", arguments: [subject.rawValue])
        }
    }

    public func undecidedAppeals(after cursor: Appeal.ID?, limit: Int) async throws -> [AppealRecord] {
        precondition(limit >= 0, "a page limit is never negative")
        return try await read("reading appeals") { db in
            if let cursor {
                return try SQLiteStore.appeals(db, where: """
                    d.appeal IS NULL AND (a.decide_by, a.id) > ((SELECT decide_by FROM appeal WHERE id = ?), ?)
                    ORDER BY a.decide_by, a.id LIMIT ?
                    """, arguments: [cursor.rawValue, cursor.rawValue, limit])
            }
            return try SQLiteStore.appeals(db, where: "d.appeal IS NULL ORDER BY a.decide_by, a.id LIMIT ?", arguments: [limit])
        }
    }

    static func appeals(_ db: Database, where clause: String, arguments: StatementArguments) throws -> [AppealRecord] {
        let statement = try db.cachedStatement(sql: """
            SELECT a.body, d.reviewer, d.outcome, d.reason, d.decided_on
            FROM appeal a LEFT JOIN appeal_decision d ON d.appeal = a.id WHERE \(clause)
            """)
        return try Row.fetchAll(statement, arguments: arguments).map { row in
            let appeal = try JSONColumn.decode(Appeal.self, from: row[0])
            var decision: AppealDecision?
            if let reviewer: String = row[1] {
                guard let outcome = AppealDecision.Outcome(rawValue: row[2]) else {
                    throw CivicError(.corrupted, "stored appeal decision of '\(appeal.id)' has an unknown outcome")
                }
                decision = AppealDecision(appeal: appeal.id, reviewer: Actor.ID(reviewer), outcome: outcome, reason: row[3],
                                          decidedOn: Day(ordinal: row[4]))
            }
            return AppealRecord(appeal: appeal, decision: decision)
        }
    }

    public func notice(_ id: Notice.ID) async throws -> Notice? {
        try await read("reading a notice") { db in
            try String.fetchOne(db.cachedStatement(sql: "SELECT body FROM notice WHERE id = ?"), arguments: [id.rawValue])
                .map { try JSONColumn.decode(Notice.self, from: $0) }
        }
    }

    public func notices(subject: Subject.ID) async throws -> [Notice] {
        try await read("reading notices") { db in
            try String.fetchAll(db.cachedStatement(sql: "SELECT body FROM notice WHERE subject = ? ORDER BY created_on DESC, id DESC"),
                                arguments: [subject.rawValue]).map { try JSONColumn.decode(Notice.self, from: $0) }
        }
    }

    public func notices(after cursor: Notice.ID?, limit: Int) async throws -> [Notice] {
        precondition(limit >= 0, "a page limit is never negative")
        return try await read("reading notices") { db in
            try String.fetchAll(db.cachedStatement(sql: "SELECT body FROM notice WHERE id > ? ORDER BY id LIMIT ?"),
                                arguments: [cursor?.rawValue ?? "", limit]).map { try JSONColumn.decode(Notice.self, from: $0) }
        }
    }

    public func deliveryChannels() async throws -> [DeliveryChannel] {
        try await read("reading delivery channels") { db in
            try String.fetchAll(db.cachedStatement(sql: "SELECT body FROM delivery_channel ORDER BY id"))
                .map { try JSONColumn.decode(DeliveryChannel.self, from: $0) }
        }
    }

    static let deliveryColumns = "notice, channel, status, attempts, next_attempt_at, last_error, delivered_at"

    static func delivery(_ row: Row) throws -> NoticeDelivery {
        guard let status = NoticeDelivery.Status(rawValue: row[2]) else { throw CivicError(.corrupted, "stored delivery has an unknown status") }
        return NoticeDelivery(notice: Notice.ID(row[0] as String), channel: DeliveryChannel.ID(row[1] as String), status: status,
                              attempts: row[3], nextAttemptAt: row[4], lastError: row[5], deliveredAt: row[6])
    }

    public func deliveries(notice: Notice.ID) async throws -> [NoticeDelivery] {
        try await read("reading deliveries") { db in
            try Row.fetchAll(db.cachedStatement(sql: "SELECT \(SQLiteStore.deliveryColumns) FROM notice_delivery WHERE notice = ? ORDER BY channel"),
                             arguments: [notice.rawValue]).map(SQLiteStore.delivery)
        }
    }

    public func dueDeliveries(at time: Int64, limit: Int) async throws -> [NoticeDelivery] {
        precondition(limit >= 0, "a page limit is never negative")
        return try await read("reading deliveries") { db in
            try Row.fetchAll(db.cachedStatement(sql: """
                SELECT \(SQLiteStore.deliveryColumns) FROM notice_delivery
                WHERE status = 'pending' AND next_attempt_at <= ? ORDER BY next_attempt_at, notice, channel LIMIT ?
                """), arguments: [time, limit]).map(SQLiteStore.delivery)
        }
    }

    public func deliveryAttempts(notice: Notice.ID) async throws -> [DeliveryAttempt] {
        try await read("reading delivery attempts") { db in
            try Row.decodeAll(db.cachedStatement(sql: """
                SELECT \(DeliveryAttempt.columns) FROM delivery_attempt WHERE notice = ? ORDER BY at, channel, number
                """), arguments: [notice.rawValue], DeliveryAttempt.init(reading:))
        }
    }
}

extension DeliveryAttempt {
    static let columns = "notice, channel, number, at, succeeded, error"

    /// An attempt from `DeliveryAttempt.columns`; a value that cannot be read is `corrupted`, naming its column.
    init(reading row: Row) throws {
        var reader = RowReader(row, table: "delivery_attempt")
        self.init(notice: try reader.identifier(), channel: try reader.identifier(), number: try reader.int(), at: try reader.integer(),
                  succeeded: try reader.integer() != 0, error: try reader.optionalText())
    }
}
