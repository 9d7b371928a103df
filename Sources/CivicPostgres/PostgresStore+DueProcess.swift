public import CivicCore
import Foundation
import PostgresNIO

extension PostgresStore {
    /// A `jsonb` body column, decoded.
    static func body<T: Decodable>(_ type: T.Type, _ row: PostgresRow, column: Int = 0, table: String) throws -> T {
        var reader = ColumnReader(row, table: table, startingAt: column)
        return try reader.json(type)
    }

    public func appeal(_ id: Appeal.ID) async throws -> AppealRecord? {
        try await appeals("reading an appeal", "WHERE a.id = \(id.rawValue)").first
    }

    public func appeals(subject: Subject.ID) async throws -> [AppealRecord] {
        try await appeals("reading appeals", "WHERE a.subject = \(subject.rawValue) ORDER BY a.filed_on, a.id")
    }

    public func undecidedAppeals(after cursor: Appeal.ID?, limit: Int) async throws -> [AppealRecord] {
        precondition(limit >= 0, "a page limit is never negative")
        if let cursor {
            return try await appeals("reading appeals", """
                WHERE d.appeal IS NULL AND (a.decide_by, a.id) > ((SELECT decide_by FROM appeal WHERE id = \(cursor.rawValue)), \(cursor.rawValue))
                ORDER BY a.decide_by, a.id LIMIT \(Int64(limit))
                """)
        }
        return try await appeals("reading appeals", "WHERE d.appeal IS NULL ORDER BY a.decide_by, a.id LIMIT \(Int64(limit))")
    }

    /// Appeals with their decision, if any; `clause` follows the join (WHERE, ORDER BY, LIMIT).
    private func appeals(_ action: String, _ clause: PostgresQuery) async throws -> [AppealRecord] {
        let query = PostgresQuery(unsafeSQL: """
            SELECT a.body, d.reviewer, d.outcome, d.reason, d.decided_on
            FROM appeal a LEFT JOIN appeal_decision d ON d.appeal = a.id \(clause.sql)
            """, binds: clause.binds)
        return try await fetch(action, query) { row in
            let appeal = try PostgresStore.body(Appeal.self, row, table: "appeal")
            var reader = ColumnReader(row, table: "appeal_decision", startingAt: 1)
            var decision: AppealDecision?
            if let reviewer = try reader.optionalText() {
                guard let outcome = AppealDecision.Outcome(rawValue: try reader.text()) else {
                    throw CivicError(.corrupted, "stored appeal decision of '\(appeal.id)' has an unknown outcome")
                }
                decision = AppealDecision(appeal: appeal.id, reviewer: Actor.ID(reviewer), outcome: outcome, reason: try reader.text(),
                                          decidedOn: try reader.day())
            }
            return AppealRecord(appeal: appeal, decision: decision)
        }
    }

    public func notice(_ id: Notice.ID) async throws -> Notice? {
        try await fetch("reading a notice", "SELECT body FROM notice WHERE id = \(id.rawValue)") {
            try PostgresStore.body(Notice.self, $0, table: "notice")
        }.first
    }

    public func notices(subject: Subject.ID) async throws -> [Notice] {
        try await fetch("reading notices", "SELECT body FROM notice WHERE subject = \(subject.rawValue) ORDER BY created_on DESC, id DESC") {
            try PostgresStore.body(Notice.self, $0, table: "notice")
        }
    }

    public func notices(after cursor: Notice.ID?, limit: Int) async throws -> [Notice] {
        precondition(limit >= 0, "a page limit is never negative")
        return try await fetch("reading notices", "SELECT body FROM notice WHERE id > \(cursor?.rawValue ?? "") ORDER BY id LIMIT \(Int64(limit))") {
            try PostgresStore.body(Notice.self, $0, table: "notice")
        }
    }

    public func deliveryChannels() async throws -> [DeliveryChannel] {
        try await fetch("reading delivery channels", "SELECT body FROM delivery_channel ORDER BY id") {
            try PostgresStore.body(DeliveryChannel.self, $0, table: "delivery_channel")
        }
    }

    static func delivery(_ row: PostgresRow) throws -> NoticeDelivery {
        var reader = ColumnReader(row, table: "notice_delivery")
        let notice: Notice.ID = try reader.identifier()
        let channel: DeliveryChannel.ID = try reader.identifier()
        guard let status = NoticeDelivery.Status(rawValue: try reader.text()) else {
            throw CivicError(.corrupted, "stored delivery has an unknown status")
        }
        return NoticeDelivery(notice: notice, channel: channel, status: status, attempts: try reader.int(),
                              nextAttemptAt: try reader.integer(), lastError: try reader.optionalText(),
                              deliveredAt: try reader.optionalInteger())
    }

    public func deliveries(notice: Notice.ID) async throws -> [NoticeDelivery] {
        try await fetch("reading deliveries", """
            SELECT \(unescaped: PostgresStore.deliveryTable.list) FROM notice_delivery WHERE notice = \(notice.rawValue) ORDER BY channel
            """, PostgresStore.delivery)
    }

    public func dueDeliveries(at time: Int64, limit: Int) async throws -> [NoticeDelivery] {
        precondition(limit >= 0, "a page limit is never negative")
        return try await fetch("reading deliveries", """
            SELECT \(unescaped: PostgresStore.deliveryTable.list) FROM notice_delivery
            WHERE status = 'pending' AND next_attempt_at <= \(time) ORDER BY next_attempt_at, notice, channel LIMIT \(Int64(limit))
            """, PostgresStore.delivery)
    }

    public func deliveryAttempts(notice: Notice.ID) async throws -> [DeliveryAttempt] {
        try await fetch("reading delivery attempts", """
            SELECT \(unescaped: DeliveryAttempt.columns) FROM delivery_attempt WHERE notice = \(notice.rawValue)
            ORDER BY at, channel, number
            """, DeliveryAttempt.init(reading:))
    }
}

extension DeliveryAttempt {
    static let columns = "notice, channel, number, at, succeeded, error"

    /// An attempt from `DeliveryAttempt.columns`.
    init(reading row: PostgresRow) throws {
        var reader = ColumnReader(row, table: "delivery_attempt")
        let notice: Notice.ID = try reader.identifier()
        let channel: DeliveryChannel.ID = try reader.identifier()
        let number = try reader.int()
        let at = try reader.integer()
        guard let succeeded = try reader.optionalBool() else { throw CivicError(.corrupted, "stored delivery attempt has no outcome") }
        self.init(notice: notice, channel: channel, number: number, at: at, succeeded: succeeded, error: try reader.optionalText())
    }
}
