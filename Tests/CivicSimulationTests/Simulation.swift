import CivicCore
import CivicLog
import CivicTesting

/// An invariant broken at a step: the seed, the step and what was found.
struct Violation: Error, CustomStringConvertible {
    var step: Int
    var message: String
    var description: String { "step \(step): \(message)" }
}

/// What one seed's run did.
struct RunResult: Sendable {
    var seed: UInt64
    var steps = 0
    var trace: [String] = []
    var digest: UInt64 = 0
    var faults: [String: Int] = [:]
    var acknowledged = 0
    var refused = 0
    /// Standings a cycle close found still holding, so only their day moved (the close's fast path).
    var standingsHeld = 0
    var violation: String?
    /// The step at which the first violation was found (its prefix of operations fails).
    var failingStep: Int?
}

/// One seed's simulation: a world, `operations` random steps through the engine with faults at the
/// store boundary, and every invariant checked after every step.
final class Simulation: @unchecked Sendable {
    static let signer = LogTamperSuite.signer

    let seed: UInt64
    let operationsMax: Int
    let backend: Backend
    let faulty: FaultyStore
    var random: SplitMix64
    var world: SimWorld
    var today = SimWorld.start
    var handbookVersion = 1
    var step = 0
    var result: RunResult
    /// Every write acknowledged to a client.
    var acknowledged: Set<Probe> = []
    var checkpoints = 0

    private init(seed: UInt64, operations: Int, backend: Backend) {
        self.seed = seed
        operationsMax = operations
        self.backend = backend
        faulty = FaultyStore(backend.store)
        random = SplitMix64(seed: seed)
        world = SimWorld.make(&random)
        result = RunResult(seed: seed)
    }

    /// Runs `seed` for `operations` steps on a fresh store of `kind`; never throws for a violation, it reports it.
    static func run(seed: UInt64, operations: Int, on kind: StoreKind, sabotage: Bool = false) async throws -> RunResult {
        let backend = try await Backend.open(kind, seed: seed)
        let simulation = Simulation(seed: seed, operations: operations, backend: backend)
        if sabotage { await simulation.faulty.swallow(commit: 10) }
        do {
            try await simulation.setUp()
            try await simulation.checkInvariants()
            while simulation.step < operations {
                simulation.step += 1
                let operation = try await simulation.nextOperation()
                let outcome = try await simulation.execute(operation)
                simulation.record("\(simulation.step) \(operation) -> \(outcome)")
                try await simulation.checkInvariants()
            }
            try await simulation.recordFinalState()
        } catch let violation as Violation {
            simulation.result.violation = violation.description
            simulation.result.failingStep = violation.step
        }
        simulation.result.steps = simulation.step
        await backend.dispose()
        return simulation.result
    }

    func record(_ line: String) {
        result.trace.append(line)
        var digest = TraceDigest()
        digest.add(String(result.digest))
        digest.add(line)
        result.digest = digest.value
    }

    func engine(_ store: (any Store)? = nil) -> Engine { Engine(store: store ?? faulty, clock: FixedDayClock(today)) }

    func fail(_ message: String) -> Violation { Violation(step: step, message: message) }

    // MARK: Setting up

    func setUp() async throws {
        let engine = Engine(store: backend.store, clock: FixedDayClock(SimWorld.start))
        for jurisdiction in world.jurisdictions { _ = try await engine.register(jurisdiction) }
        try await engine.addSubjects(world.subjects)
        for actor in world.actors { _ = try await engine.addActor(actor) }
        _ = try await engine.publish(world.handbook(version: 1), source: "# simulated handbook 1", by: SimWorld.admin)
        acknowledged.insert(.handbook(1))
        record("world \(world.jurisdictions.count) jurisdictions, \(world.subjects.count) subjects, \(world.actors.count) actors")
    }

    // MARK: Choosing the next operation

    func nextOperation() async throws -> Operation {
        let roll = random.below(100)
        switch roll {
        case 0..<4 where backend.kind.reopens: return .crash
        case 4..<8 where backend.log != nil: return .checkpoint
        case 8..<16: return .pass(days: 1 + random.below(10))
        case 16..<22:
            if let first = try await commandOperation(), let second = try await commandOperation() { return .race(first, second) }
            return .pass(days: 1)
        default:
            return try await commandOperation() ?? .pass(days: 1)
        }
    }

    func day(before: Int) -> Day { max(SimWorld.start, today.adding(days: -before)) }

    /// A command through the engine, sometimes one the engine must refuse (a conflicted reviewer, a late appeal).
    func commandOperation() async throws -> Operation? {
        let store = backend.store
        let roll = random.below(100)
        let id = "\(step)-\(random.below(1_000_000))"
        let subject = random.pick(world.subjects)!
        switch roll {
        case 0..<28:
            if subject.kind == .person, random.chance(15) {
                return .file(ReportRequest(id: Report.ID("r-\(id)"), subject: subject.id, rule: "help", reporter: Actor.ID("res-\(subject.id.rawValue)"),
                                           role: .`self`, occurredOn: day(before: random.below(3)), statement: "I helped",
                                           evidence: [Evidence(kind: .photo, reference: "sha256:\(id)")]))
            }
            let rule = random.pick(["help", "volunteer", "litter", "fight", "litter", "fight"] as [Rule.ID])!
            return .file(ReportRequest(id: Report.ID("r-\(id)"), subject: subject.id, rule: rule, reporter: random.pick(world.assessors)!,
                                       role: .assessor, occurredOn: day(before: random.below(3)), statement: "Seen by the assessor"))
        case 28..<55:
            let open = try await store.reports(statuses: [.pending], throughCycle: today.month)
            guard let report = random.pick(open) else { return nil }
            let reviewer = random.chance(90) ? random.pick(world.reviewers)! : random.pick(world.assessors)!
            let outcome: Decision.Outcome = switch random.below(10) {
            case 0, 1: .reject
            case 2: .adjust(Points(-1))
            default: .approve
            }
            return .decide(Decision(id: Decision.ID("d-\(id)"), report: report.report.id, reviewer: reviewer, outcome: outcome,
                                    reason: "discussed", decidedOn: today))
        case 55..<64:
            let jurisdiction = random.pick(world.jurisdictions)!.id
            let month = random.chance(70) ? today.month : today.month.previous
            return .close(jurisdiction, month)
        case 64..<70:
            let entries = try await store.entries(after: 0, limit: 100_000).filter { $0.kind == .deed && $0.isAdverse }
            if random.chance(30) {
                let waiting = try await store.reports(statuses: [.awaitingGrace, .approved, .pending], throughCycle: today.month)
                    .filter { $0.report.rule == "litter" }
                if let report = random.pick(waiting) {
                    return .remedy(RemedyRequest(id: Entry.ID("rem-\(id)"), target: .report(report.report.id), by: SimWorld.admin, note: "cleared"))
                }
            }
            guard let entry = random.pick(entries) else { return nil }
            return .remedy(RemedyRequest(id: Entry.ID("rem-\(id)"), target: .entry(entry.id), by: SimWorld.admin, note: "put right"))
        case 70..<74:
            let entries = try await store.entries(after: 0, limit: 100_000).filter { $0.kind == .deed }
            guard let entry = random.pick(entries) else { return nil }
            return .correct(Entry.ID("cor-\(id)"), target: entry.id)
        case 74..<82:
            let entries = try await store.entries(after: 0, limit: 100_000).filter { $0.kind == .deed && $0.isAdverse }
            guard let entry = random.pick(entries) else { return nil }
            let filer = random.chance(90) ? Actor.ID("res-\(entry.subject.rawValue)") : SimWorld.admin
            return .appeal(AppealRequest(id: Appeal.ID("ap-\(id)"), entry: entry.id, by: filer, statement: "It was not me"))
        case 82..<89:
            let open = try await store.undecidedAppeals(after: nil, limit: 1_000)
            guard let appeal = random.pick(open) else { return nil }
            return .decideAppeal(appeal.appeal.id, random.chance(50) ? .upheld : .dismissed, by: random.pick(world.reviewers)!)
        case 89..<96:
            var rows: [AuthorityRecord] = []
            for index in 0..<(1 + random.below(3)) {
                if random.chance(30) {
                    let court = try await store.entries(after: 0, limit: 100_000).filter { $0.rule == "court" && $0.kind == .deed }
                    if let entry = random.pick(court), let report = entry.report, let source = try await store.report(report)?.report.sourceRecord {
                        rows.append(AuthorityRecord(id: "impr-\(id)-\(index)", kind: .remedy, subject: entry.subject, sourceRecord: source,
                                                    occurredOn: today, statement: "paid"))
                        continue
                    }
                }
                rows.append(AuthorityRecord(id: "imp-\(id)-\(index)", kind: .record, subject: random.pick(world.subjects)!.id, rule: "court",
                                            sourceRecord: "case-\(id)-\(index)", occurredOn: day(before: random.below(5)), statement: "judgment unpaid"))
            }
            return .importFeed(rows)
        default:
            return .publish(version: handbookVersion + 1)
        }
    }

    // MARK: Running an operation as a client would

    /// Runs a command with faults at the store boundary, retrying with the same ids after an injected fault, as
    /// a client with idempotency does.
    func execute(_ operation: Operation) async throws -> String {
        switch operation {
        case .pass(let days):
            today = today.adding(days: days)
            return "today \(today)"
        case .crash:
            try await crash()
            return "reopened"
        case .checkpoint:
            guard let log = backend.log else { return "no log" }
            let checkpoint = try await TransparencyLog(store: log).checkpoint(signer: Simulation.signer, at: 1_775_000_000 + Int64(step) * 60)
            checkpoints += 1
            return "checkpoint size \(checkpoint.size)"
        default:
            break
        }
        var fault = chooseFault(first: true)
        var acknowledgementLost = false
        for attempt in 1...8 {
            if case .race(_, let second) = operation, attempt == 1 {
                let secondStore = backend.store
                await faulty.race { [self] in await self.runSecondWriter(second, on: secondStore) }
            }
            await faulty.arm(fault)
            do {
                let outcome = try await perform(operation, engine: engine())
                _ = await faulty.disarm()
                acknowledge(operation)
                result.acknowledged += 1
                return outcome + (attempt > 1 ? " after \(attempt) attempts" : "")
            } catch let injected as InjectedFault {
                result.faults[injected == .failedBeforeDurable ? "failed before durable" : "acknowledgement lost", default: 0] += 1
                if injected == .failedBeforeDurable && !acknowledgementLost {
                    try await expectAbsent(primary(operation), because: "a commit that failed before it was durable")
                }
                if injected == .acknowledgementLost {
                    acknowledgementLost = true
                    if backend.kind.reopens && random.chance(30) { try await crash() }
                }
                fault = chooseFault(first: false)
            } catch let error as CivicError where [.invalidInput, .notFound, .conflict, .refused].contains(error.code) {
                _ = await faulty.disarm()
                if acknowledgementLost {
                    throw fail("retrying [\(operation)] after a lost acknowledgement was refused: \(error.code) \(error.message)")
                }
                try await expectAbsent(primary(operation), because: "a refused command (\(error.code): \(error.message))")
                result.refused += 1
                return "refused \(error.code)"
            } catch let violation as Violation {
                throw violation
            } catch {
                _ = await faulty.disarm()
                throw fail("[\(operation)] failed with an unexpected error: \(error)")
            }
        }
        throw fail("[\(operation)] still failing after 8 attempts")
    }

    func primary(_ operation: Operation) -> Operation {
        if case .race(let first, _) = operation { return first }
        return operation
    }

    /// The other engine of a race, committing straight to the store between the first one's plan and its commit.
    func runSecondWriter(_ operation: Operation, on store: any Store) async {
        do {
            _ = try await perform(operation, engine: engine(store))
            acknowledge(operation)
            result.acknowledged += 1
            record("  second writer: \(operation) -> ok")
        } catch {
            record("  second writer: \(operation) -> \((error as? CivicError)?.code.rawValue ?? "\(error)")")
        }
    }

    func chooseFault(first: Bool) -> InjectedFault? {
        let roll = random.below(100)
        let rate = first ? 10 : 4
        if roll < rate { return .failedBeforeDurable }
        if roll < 2 * rate { return .acknowledgementLost }
        return nil
    }

    func crash() async throws {
        guard backend.kind.reopens else { return }
        try await backend.crashAndReopen()
        await faulty.reopen(backend.store)
        result.faults["crash and reopen", default: 0] += 1
    }

    func acknowledge(_ operation: Operation) {
        acknowledged.formUnion(primary(operation).footprint)
        if case .publish(let version) = primary(operation) { handbookVersion = max(handbookVersion, version) }
    }

    func perform(_ operation: Operation, engine: Engine) async throws -> String {
        switch operation {
        case .file(let request):
            return "\(try await engine.file(request).rawValue)"
        case .decide(let decision):
            let (result, status) = try await engine.decide(decision)
            return "\(result.rawValue) \(status.rawValue)"
        case .close(let jurisdiction, let month):
            let summary = try await engine.closeCycle(jurisdiction, month: month, by: SimWorld.admin)
            result.standingsHeld += summary.standingsHeld
            return "\(summary.result.rawValue) entered \(summary.entered)"
        case .remedy(let request):
            let (result, entry) = try await engine.remedy(request.id, target: request.target, by: request.by, note: request.note)
            return "\(result.rawValue) \(entry.id)"
        case .correct(let id, let target):
            let (result, entry) = try await engine.correct(id, entry: target, reason: "recorded in error", by: SimWorld.admin)
            return "\(result.rawValue) \(entry.id)"
        case .appeal(let request):
            let (result, appeal) = try await engine.fileAppeal(request)
            return "\(result.rawValue) decide by \(appeal.decideBy)"
        case .decideAppeal(let id, let outcome, let reviewer):
            let (result, _) = try await engine.decideAppeal(id, outcome: outcome, reason: "heard", by: reviewer)
            return result.rawValue
        case .importFeed(let rows):
            let summary = try await engine.importAuthorityRecords(rows, by: SimWorld.authority)
            return "filed \(summary.recordsFiled) remedied \(summary.remediesRecorded) unchanged \(summary.unchanged)"
        case .publish(let version):
            return try await engine.publish(world.handbook(version: version), source: "# simulated handbook \(version)", by: SimWorld.admin).rawValue
        case .race(let first, _):
            return try await perform(first, engine: engine)
        case .pass, .crash, .checkpoint:
            return "-"
        }
    }
}
