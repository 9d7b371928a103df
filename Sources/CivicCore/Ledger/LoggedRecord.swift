/// One append-only record as the transparency log sees it: its kind, the key that
/// finds it again, and its canonical bytes (which the log hashes into a leaf).
public struct LoggedRecord: Hashable, Sendable {
    /// The kinds of record the log covers, with the stable name stored beside each leaf.
    public enum Kind: String, Hashable, Sendable, CaseIterable, Comparable {
        case handbook, report, decision, notice, entry, cycle, appeal
        case appealDecision = "appeal-decision"
        case deliveryAttempt = "delivery-attempt"

        /// The order kinds are appended within one commit.
        public static func < (lhs: Kind, rhs: Kind) -> Bool {
            allCases.firstIndex(of: lhs)! < allCases.firstIndex(of: rhs)!
        }
    }

    public var kind: Kind
    public var key: String
    public var bytes: [UInt8]

    public init(kind: Kind, key: String, bytes: [UInt8]) {
        self.kind = kind
        self.key = key
        self.bytes = bytes
    }
}

extension LoggedRecord {
    public static func key(handbook: Jurisdiction.ID, version: Int) -> String { "\(handbook.rawValue)@\(version)" }
    public static func key(cycle jurisdiction: Jurisdiction.ID, month: Month) -> String { "\(jurisdiction.rawValue)@\(month)" }
    public static func key(notice: Notice.ID, channel: DeliveryChannel.ID, attempt number: Int) -> String {
        "\(notice.rawValue)#\(channel.rawValue)#\(number)"
    }

    public init(_ handbook: PublishedHandbook) {
        self.init(kind: .handbook, key: Self.key(handbook: handbook.handbook.jurisdiction, version: handbook.handbook.version),
                  bytes: handbook.canonicalBytes)
    }
    public init(_ report: Report) { self.init(kind: .report, key: report.id.rawValue, bytes: report.canonicalBytes) }
    public init(_ decision: Decision) { self.init(kind: .decision, key: decision.id.rawValue, bytes: decision.canonicalBytes) }
    public init(_ notice: Notice) { self.init(kind: .notice, key: notice.id.rawValue, bytes: notice.canonicalBytes) }
    public init(_ entry: Entry) { self.init(kind: .entry, key: entry.id.rawValue, bytes: entry.canonicalBytes) }
    public init(_ cycle: Cycle) {
        self.init(kind: .cycle, key: Self.key(cycle: cycle.jurisdiction, month: cycle.month), bytes: cycle.canonicalBytes)
    }
    public init(_ appeal: Appeal) { self.init(kind: .appeal, key: appeal.id.rawValue, bytes: appeal.canonicalBytes) }
    public init(_ decision: AppealDecision) {
        self.init(kind: .appealDecision, key: decision.appeal.rawValue, bytes: decision.canonicalBytes)
    }
    public init(_ attempt: DeliveryAttempt) {
        self.init(kind: .deliveryAttempt, key: Self.key(notice: attempt.notice, channel: attempt.channel, attempt: attempt.number),
                  bytes: attempt.canonicalBytes)
    }
}

extension ChangeSet {
    /// How many records this change set appends to the log (without encoding them).
    public var loggableCount: Int {
        handbooks.count + reports.count + decisions.count + notices.count + entries.count + cycles.count + appeals.count
            + appealDecisions.count + deliveryAttempts.count
    }

    /// The records this change set appends to the log, in the order they become
    /// leaves: by kind (handbooks, reports, decisions, notices, entries, cycles,
    /// appeals, appeal decisions, delivery attempts), entries in ledger sequence
    /// order and every other kind by key, so that the same change set gives the same
    /// leaves on every store whatever order its arrays were filled in.
    public var loggedRecords: [LoggedRecord] {
        var out: [LoggedRecord] = []
        out.reserveCapacity(loggableCount)
        forEachLoggedRecord { out.append(LoggedRecord(kind: $0, key: $1, bytes: $2)) }
        return out
    }

    /// Visits the records `loggedRecords` lists, in its order, one at a time: each record's canonical bytes are
    /// made when it is visited and not kept, so a commit of a million notices never holds all their bytes at once.
    public func forEachLoggedRecord(_ visit: (LoggedRecord.Kind, String, [UInt8]) -> Void) {
        func byKey<T>(_ kind: LoggedRecord.Kind, _ items: [T], key: (T) -> String, bytes: (T) -> [UInt8]) {
            let keys = items.map(key)
            for index in keys.indices.sorted(by: { keys[$0] < keys[$1] }) { visit(kind, keys[index], bytes(items[index])) }
        }
        byKey(.handbook, handbooks, key: { LoggedRecord.key(handbook: $0.handbook.jurisdiction, version: $0.handbook.version) },
              bytes: \.canonicalBytes)
        byKey(.report, reports, key: \.id.rawValue, bytes: \.canonicalBytes)
        byKey(.decision, decisions, key: \.id.rawValue, bytes: \.canonicalBytes)
        byKey(.notice, notices, key: \.id.rawValue, bytes: \.canonicalBytes)
        for entry in entries.sorted(by: { $0.sequence < $1.sequence }) { visit(.entry, entry.id.rawValue, entry.canonicalBytes) }
        byKey(.cycle, cycles, key: { LoggedRecord.key(cycle: $0.jurisdiction, month: $0.month) }, bytes: \.canonicalBytes)
        byKey(.appeal, appeals, key: \.id.rawValue, bytes: \.canonicalBytes)
        byKey(.appealDecision, appealDecisions, key: \.appeal.rawValue, bytes: \.canonicalBytes)
        byKey(.deliveryAttempt, deliveryAttempts, key: { LoggedRecord.key(notice: $0.notice, channel: $0.channel, attempt: $0.number) },
              bytes: \.canonicalBytes)
    }
}
