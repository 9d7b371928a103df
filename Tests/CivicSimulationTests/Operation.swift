import CivicCore

/// One step a client takes: a command through the engine, time passing, or a fault of the machine itself.
indirect enum Operation: Sendable, CustomStringConvertible {
    case file(ReportRequest)
    case decide(Decision)
    case close(Jurisdiction.ID, Month)
    case remedy(RemedyRequest)
    case correct(Entry.ID, target: Entry.ID)
    case appeal(AppealRequest)
    case decideAppeal(Appeal.ID, AppealDecision.Outcome, by: Actor.ID)
    case importFeed([AuthorityRecord])
    case publish(version: Int)
    case pass(days: Int)
    /// The process dies: everything in memory is dropped and the store reopens from what is durable.
    case crash
    /// The log signs a checkpoint of its current tree.
    case checkpoint
    /// Two engines on one store: `second` commits between `first`'s plan and its commit.
    case race(Operation, Operation)

    var description: String {
        switch self {
        case .file(let r): "file \(r.id) about \(r.subject) rule \(r.rule) by \(r.reporter) as \(r.role.rawValue) occurred \(r.occurredOn)"
        case .decide(let d): "decide \(d.id) on \(d.report) by \(d.reviewer): \(d.outcome)"
        case .close(let j, let m): "close \(j) \(m)"
        case .remedy(let r): "remedy \(r.id) of \(r.target) by \(r.by)"
        case .correct(let id, let target): "correct \(target) as \(id)"
        case .appeal(let a): "appeal \(a.id) against \(a.entry) by \(a.by)"
        case .decideAppeal(let id, let outcome, let by): "decide appeal \(id) \(outcome.rawValue) by \(by)"
        case .importFeed(let rows): "import " + rows.map { "\($0.kind.rawValue) \($0.id) \($0.subject) \($0.sourceRecord)" }.joined(separator: ", ")
        case .publish(let version): "publish handbook version \(version)"
        case .pass(let days): "pass \(days) days"
        case .crash: "crash and reopen"
        case .checkpoint: "sign a checkpoint"
        case .race(let first, let second): "race [\(first)] against [\(second)]"
        }
    }

    /// What this operation writes, by id: present exactly once once acknowledged, absent if it failed before durable.
    var footprint: [Probe] {
        switch self {
        case .file(let r): [.report(r.id)]
        case .decide(let d): [.decision(d.id)]
        case .close(let j, let m): [.cycle(j, m)]
        case .remedy(let r): [.entry(r.id)]
        case .correct(let id, _): [.entry(id)]
        case .appeal(let a): [.appeal(a.id)]
        case .decideAppeal(let id, _, _): [.appealDecided(id)]
        case .importFeed(let rows): rows.map { $0.kind == .record ? .report(Report.ID($0.id)) : .entry(Entry.ID($0.id)) }
        case .publish(let version): [.handbook(version)]
        case .pass, .crash, .checkpoint, .race: []
        }
    }
}

/// A record an operation writes, found again by id.
enum Probe: Hashable, Sendable, CustomStringConvertible {
    case report(Report.ID)
    case decision(Decision.ID)
    case cycle(Jurisdiction.ID, Month)
    case entry(Entry.ID)
    case appeal(Appeal.ID)
    case appealDecided(Appeal.ID)
    case handbook(Int)

    var description: String {
        switch self {
        case .report(let id): "report \(id)"
        case .decision(let id): "decision \(id)"
        case .cycle(let j, let m): "cycle \(j) \(m)"
        case .entry(let id): "entry \(id)"
        case .appeal(let id): "appeal \(id)"
        case .appealDecided(let id): "decision of appeal \(id)"
        case .handbook(let version): "handbook version \(version)"
        }
    }
}
