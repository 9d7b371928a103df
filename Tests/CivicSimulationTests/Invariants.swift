import CivicCore
import CivicLog

/// Everything the store holds, read once per step through its public reads.
struct StoreSnapshot {
    var entries: [Entry] = []
    var head: Int64 = 0
    var reports: [ReportRecord] = []
    var appeals: [AppealRecord] = []
    var cycles: [Cycle] = []
    var handbooks: [PublishedHandbook] = []
    var noticedEntries: Set<Entry.ID> = []
    var actors: [Actor.ID: Actor] = [:]
    var subjects: [Subject.ID: Subject] = [:]

    static func read(_ store: any Store) async throws -> StoreSnapshot {
        var snapshot = StoreSnapshot()
        snapshot.head = try await store.ledgerHead()
        snapshot.entries = try await store.entries(after: 0, limit: Int(snapshot.head) + 1)
        let subjects = try await store.subjects(after: nil, limit: 100_000)
        snapshot.subjects = Dictionary(uniqueKeysWithValues: subjects.map { ($0.id, $0) })
        for subject in subjects {
            snapshot.reports += try await store.reports(subject: subject.id)
            snapshot.appeals += try await store.appeals(subject: subject.id)
        }
        snapshot.cycles = try await store.cycles()
        snapshot.handbooks = try await store.handbooks()
        snapshot.noticedEntries = Set(try await store.notices(after: nil, limit: 1_000_000).compactMap(\.entry))
        snapshot.actors = Dictionary(uniqueKeysWithValues: try await store.actors().map { ($0.id, $0) })
        snapshot.countProbes()
        return snapshot
    }

    /// How often each write the simulation can probe for is in the store, counted once per snapshot (looking
    /// each probe up by scanning made the checks cubic in the run's length).
    private(set) var probeCounts: [Probe: Int] = [:]

    private mutating func countProbes() {
        var counts: [Probe: Int] = [:]
        for record in reports {
            counts[.report(record.report.id), default: 0] += 1
            for decision in record.decisions { counts[.decision(decision.id), default: 0] += 1 }
        }
        for cycle in cycles { counts[.cycle(cycle.jurisdiction, cycle.month), default: 0] += 1 }
        for entry in entries { counts[.entry(entry.id), default: 0] += 1 }
        for record in appeals {
            counts[.appeal(record.appeal.id), default: 0] += 1
            if record.decision != nil { counts[.appealDecided(record.appeal.id), default: 0] += 1 }
        }
        for published in handbooks { counts[.handbook(published.handbook.version), default: 0] += 1 }
        probeCounts = counts
    }

    func count(_ probe: Probe) -> Int { probeCounts[probe] ?? 0 }

    func person(_ actor: Actor.ID) -> String { actors[actor].map(Recusal.person) ?? "actor:\(actor.rawValue)" }
}

extension Simulation {
    /// Nothing of a command that did not complete is in the store, not even part of it.
    func expectAbsent(_ operation: Operation, because reason: String) async throws {
        let snapshot = try await StoreSnapshot.read(backend.store)
        for probe in operation.footprint where !acknowledged.contains(probe) && snapshot.count(probe) != 0 {
            throw fail("\(probe) is in the store after \(reason): [\(operation)]")
        }
    }

    /// The invariants, checked after every step.
    func checkInvariants() async throws {
        let store = backend.store
        let snapshot = try await StoreSnapshot.read(store)

        // The ledger is gapless: sequences 1...head, each once; every entry id once.
        for (offset, entry) in snapshot.entries.enumerated() where entry.sequence != Int64(offset + 1) {
            throw fail("ledger gap: entry \(entry.id) has sequence \(entry.sequence) at position \(offset + 1)")
        }
        if Int64(snapshot.entries.count) != snapshot.head { throw fail("ledger head \(snapshot.head) but \(snapshot.entries.count) entries") }
        var entryIDs = Set<Entry.ID>()
        for entry in snapshot.entries where !entryIDs.insert(entry.id).inserted { throw fail("entry \(entry.id) twice in the ledger") }

        // Every acknowledged write is present exactly once.
        for probe in acknowledged {
            let count = snapshot.count(probe)
            if count != 1 { throw fail("acknowledged \(probe) present \(count) times") }
        }
        var seenCycles = Set<String>()
        for cycle in snapshot.cycles where !seenCycles.insert("\(cycle.jurisdiction)@\(cycle.month)").inserted {
            throw fail("cycle \(cycle.jurisdiction) \(cycle.month) closed twice")
        }

        // An entered report has exactly one entry; an entry from a report comes from an entered one.
        let reportsByID = Dictionary(snapshot.reports.map { ($0.report.id, $0) }, uniquingKeysWith: { first, _ in first })
        if reportsByID.count != snapshot.reports.count { throw fail("a report appears twice") }
        var entriesByReport: [Report.ID: Int] = [:]
        for entry in snapshot.entries where entry.kind == .deed || entry.kind == .rating {
            guard let report = entry.report else { continue }
            entriesByReport[report, default: 0] += 1
            guard reportsByID[report]?.status == .entered else {
                throw fail("entry \(entry.id) comes from report \(report), which is \(reportsByID[report]?.status.rawValue ?? "missing")")
            }
        }
        for record in snapshot.reports where record.status == .entered && entriesByReport[record.report.id] != 1 {
            throw fail("entered report \(record.report.id) has \(entriesByReport[record.report.id] ?? 0) entries")
        }

        // No adverse entry without its notice.
        for entry in snapshot.entries where entry.kind == .deed && entry.isAdverse && !snapshot.noticedEntries.contains(entry.id) {
            throw fail("adverse entry \(entry.id) has no notice")
        }

        // Recusal and four eyes.
        for record in snapshot.reports {
            var people = Set<String>()
            for decision in record.decisions {
                let person = snapshot.person(decision.reviewer)
                if !people.insert(person).inserted { throw fail("report \(record.report.id) decided twice by \(person)") }
                if person == snapshot.person(record.report.reporter) { throw fail("report \(record.report.id) decided by its reporter") }
                if let reviewer = snapshot.actors[decision.reviewer], let about = snapshot.subjects[record.report.subject],
                   let conflict = Recusal.conflict(actor: reviewer, actorSubject: reviewer.subject.flatMap { snapshot.subjects[$0] }, subject: about) {
                    throw fail("report \(record.report.id): \(conflict)")
                }
            }
        }
        let handbooks = HandbookSet(snapshot.handbooks)
        for entry in snapshot.entries where entry.kind == .deed {
            guard let report = entry.report.flatMap({ reportsByID[$0] }), let ruleID = entry.rule,
                  let rule = handbooks.version(entry.handbookVersion, of: entry.handbookJurisdiction)?
                    .schemes.first(where: { $0.id == entry.scheme })?.rules.first(where: { $0.id == ruleID }) else { continue }
            let approvers = Set(report.decisions.filter { $0.outcome != .reject }.map { snapshot.person($0.reviewer) })
            if approvers.count < rule.approvalsRequired {
                throw fail("entry \(entry.id) under rule \(ruleID) has \(approvers.count) approvers, needs \(rule.approvalsRequired)")
            }
        }
        for record in snapshot.appeals {
            guard let decision = record.decision, let disputed = snapshot.entries.first(where: { $0.id == record.appeal.entry }),
                  let report = disputed.report.flatMap({ reportsByID[$0] }) else { continue }
            if report.decisions.contains(where: { snapshot.person($0.reviewer) == snapshot.person(decision.reviewer) }) {
                throw fail("appeal \(record.appeal.id) decided by a reviewer of the entry it disputes")
            }
        }

        // Stored standings equal a fresh fold of the ledger.
        let verification = try await Engine(store: store, clock: FixedDayClock(today)).verifyStandings()
        if let mismatch = verification.mismatches.first {
            throw fail("stored standing of \(mismatch.subject) in \(mismatch.scheme) on \(mismatch.asOf) is \(mismatch.stored), the ledger folds to \(mismatch.folded)")
        }

        // The transparency log: every record a leaf, the root consistent with every signed checkpoint.
        if let log = backend.log {
            let audit = try await LogAuditor(store: log, verifier: Simulation.signer.verifier).audit()
            if let problem = audit.problems.first { throw fail("log audit: \(problem.code.rawValue): \(problem.message)") }
        }
    }

    /// The final state, folded into the digest: the whole ledger, every stored standing and the log's root.
    func recordFinalState() async throws {
        let store = backend.store
        for entry in try await store.entries(after: 0, limit: 1_000_000) {
            record("entry \(entry.sequence) \(entry.id) \(entry.kind.rawValue) \(entry.subject) \(entry.points) \(entry.effectiveOn)")
        }
        for standing in try await store.standings(after: nil, limit: 1_000_000) {
            record("standing \(standing.subject) \(standing.scheme) \(standing.asOf) \(standing.score) \(standing.grade?.rawValue ?? "-") \(standing.listings.count)")
        }
        if let log = backend.log {
            let audit = try await LogAuditor(store: log, verifier: Simulation.signer.verifier).audit()
            record("log \(audit.leaves) leaves root \(audit.root) checkpoints \(audit.checkpointsChecked)")
            result.faults["checkpoints signed", default: 0] += checkpoints
        }
    }
}
