/// The kinds of record a store writes, and the errors every store reports about them: what
/// failed, never whose (the message names the kind of record, not its content).
public enum RecordKind: String, Sendable {
    case jurisdiction, subject, actor, handbook, report, decision, entry, standing, cycle
    case notice, appeal, appealDecision = "appeal decision", deliveryChannel = "delivery channel", delivery, deliveryAttempt = "delivery attempt"
    case logLeaf = "log leaf"

    public var article: String { ["a", "e", "i", "o", "u"].contains(rawValue.prefix(1)) ? "an" : "a" }

    /// What makes two records of this kind the same record.
    public var identity: String {
        switch self {
        case .handbook: "jurisdiction and version"
        case .cycle: "jurisdiction and month"
        case .appealDecision: "appeal"
        case .delivery: "notice and channel"
        case .deliveryAttempt: "notice, channel and number"
        case .logLeaf: "index or record"
        case .standing: "subject and scheme"
        default: "id"
        }
    }

    /// What a record of this kind must refer to.
    public var parent: String {
        switch self {
        case .entry, .notice, .appeal: "subject"
        case .decision: "report"
        case .appealDecision: "appeal"
        case .delivery, .deliveryAttempt: "notice or channel"
        default: "record"
        }
    }

    /// A unique key already taken.
    public var duplicate: CivicError { CivicError(.conflict, "\(article) \(rawValue) with the same \(identity) already exists") }

    /// A reference to a record that does not exist.
    public var unknownParent: CivicError { CivicError(.notFound, "\(rawValue) for an unknown \(parent)") }

    /// A value outside what the schema accepts.
    public var unacceptableValue: CivicError { CivicError(.invalidInput, "\(rawValue) has a value the database does not accept") }

    /// A trigger's refusal. Trigger messages are fixed text in the schemas; those starting with `refused:` or
    /// `not-found:` are due-process rules and say which rule refused, the others guard the ledger's integrity.
    public func triggerRefusal(_ message: String) -> CivicError {
        if message.hasPrefix("refused: ") { return CivicError(.refused, String(message.dropFirst("refused: ".count))) }
        if message.hasPrefix("not-found: ") { return CivicError(.notFound, String(message.dropFirst("not-found: ".count))) }
        return CivicError(.corrupted, "\(rawValue) refused by the database: \(message)")
    }
}
