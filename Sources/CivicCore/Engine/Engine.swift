/// The workflow: registering, reporting, reviewing, closing cycles, remedies,
/// standings and eligibility, over any `Store`.
///
/// Each command reads what it needs, plans its changes as pure values, and hands
/// them to the store as one `ChangeSet`. If another writer moved the ledger in
/// between, the commit fails and the command plans again.
public struct Engine: Sendable {
    public let store: any Store
    public let clock: any DayClock
    /// What folding needs beyond the ledger, worked out once per set of handbooks and jurisdictions and
    /// shared by every copy of this engine: a server asks it for every question.
    let contexts = StandingContextCache()

    public init(store: any Store, clock: any DayClock) {
        self.store = store
        self.clock = clock
    }

    static let commitAttemptsMax = 5

    /// Plans and commits, planning again if another writer got in first.
    func commitPlanned<T: Sendable>(_ plan: () async throws -> (ChangeSet, T)) async throws -> T {
        var attempt = 0
        while true {
            attempt += 1
            let (changes, result) = try await plan()
            if changes.isEmpty { return result }
            do {
                try await store.commit(changes)
                return result
            } catch let error as CivicError where error.code == .concurrentWrite && attempt < Engine.commitAttemptsMax {
                continue
            }
        }
    }

    func handbookSet() async throws -> HandbookSet { HandbookSet(try await store.handbooks()) }

    func requireSubject(_ id: Subject.ID) async throws -> Subject {
        guard let subject = try await store.subject(id) else { throw CivicError(.notFound, "no subject '\(id)'") }
        return subject
    }

    func requireActor(_ id: Actor.ID) async throws -> Actor {
        guard let actor = try await store.actor(id) else { throw CivicError(.notFound, "no actor '\(id)'") }
        return actor
    }

    /// The subject's jurisdiction and those above it, nearest first.
    func lineage(of subject: Subject, in jurisdictions: [Jurisdiction]) -> [Jurisdiction.ID] {
        jurisdictions.lineage(of: subject.jurisdiction)
    }
}

// MARK: - Registry

extension Engine {
    public func register(_ jurisdiction: Jurisdiction) async throws -> WriteResult {
        try await commitPlanned {
            try Text.check(jurisdiction.name.en, field: "name.en")
            try Text.check(jurisdiction.name.zh, field: "name.zh")
            let existing = try await store.jurisdictions()
            if let same = existing.first(where: { $0.id == jurisdiction.id }) {
                guard same == jurisdiction else { throw CivicError(.conflict, "jurisdiction '\(jurisdiction.id)' already exists with different details") }
                return (ChangeSet(), .unchanged)
            }
            if let parent = jurisdiction.parent, !existing.contains(where: { $0.id == parent }) {
                throw CivicError(.notFound, "jurisdiction '\(jurisdiction.id)': no parent jurisdiction '\(parent)'")
            }
            guard (existing + [jurisdiction]).lineage(of: jurisdiction.id).count < Limits.jurisdictionDepthMax else {
                throw CivicError(.invalidInput, "jurisdiction '\(jurisdiction.id)' nests deeper than \(Limits.jurisdictionDepthMax) levels")
            }
            var changes = ChangeSet()
            changes.jurisdictions = [jurisdiction]
            return (changes, .recorded)
        }
    }

    /// Adds subjects; every one is checked before any is written. Returns how many were new.
    @discardableResult
    public func addSubjects(_ subjects: [Subject], progress: ProgressHandler? = nil) async throws -> (recorded: Int, unchanged: Int) {
        try await commitPlanned {
            let jurisdictions = Set(try await store.jurisdictions().map(\.id))
            var seen: [Subject.ID: Subject] = [:]
            for (index, subject) in subjects.enumerated() {
                let location = "subject \(index + 1) ('\(subject.id)')"
                guard Identifier<Subject>.isValid(subject.id.rawValue) else {
                    throw CivicError(.invalidInput, "id is not valid: \(Subject.ID.syntax)", at: location)
                }
                guard jurisdictions.contains(subject.jurisdiction) else {
                    throw CivicError(.notFound, "no jurisdiction '\(subject.jurisdiction)'", at: location)
                }
                guard !subject.name.trimmingWhitespace().isEmpty, subject.name.count <= 200 else {
                    throw CivicError(.invalidInput, "name must be 1 to 200 characters", at: location)
                }
                try Text.check(subject.name, field: "name", at: location)
                if subject.household != nil && subject.kind != .person {
                    throw CivicError(.invalidInput, "only a person can belong to a household", at: location)
                }
                if let previous = seen[subject.id], previous != subject {
                    throw CivicError(.conflict, "the same id appears twice with different details", at: location)
                }
                seen[subject.id] = subject
            }
            let existing = Dictionary(uniqueKeysWithValues: try await store.subjects(Array(seen.keys)).map { ($0.id, $0) })
            var new: [Subject] = []
            for subject in seen.values.sorted(by: { $0.id < $1.id }) {
                if let stored = existing[subject.id] {
                    guard stored == subject else { throw CivicError(.conflict, "subject '\(subject.id)' already exists with different details") }
                } else {
                    new.append(subject)
                }
            }
            // A person's household must exist, now or in this same batch, and be a household.
            let households = Set(new.compactMap(\.household))
            let knownHouseholds = Dictionary(uniqueKeysWithValues: try await store.subjects(Array(households)).map { ($0.id, $0) })
            for subject in new {
                guard let household = subject.household else { continue }
                let target = seen[household] ?? knownHouseholds[household]
                guard let target else { throw CivicError(.notFound, "subject '\(subject.id)': no household '\(household)'") }
                guard target.kind == .household else {
                    throw CivicError(.invalidInput, "subject '\(subject.id)': '\(household)' is a \(target.kind.rawValue), not a household")
                }
            }
            progress?(Progress(phase: "subjects checked", done: subjects.count, total: subjects.count))
            var changes = ChangeSet()
            changes.subjects = new
            return (changes, (new.count, seen.count - new.count))
        }
    }

    public func addActor(_ actor: Actor) async throws -> WriteResult {
        try await commitPlanned {
            if let stored = try await store.actor(actor.id) {
                guard stored == actor else { throw CivicError(.conflict, "actor '\(actor.id)' already exists with different details") }
                return (ChangeSet(), .unchanged)
            }
            guard try await store.jurisdictions().contains(where: { $0.id == actor.jurisdiction }) else {
                throw CivicError(.notFound, "actor '\(actor.id)': no jurisdiction '\(actor.jurisdiction)'")
            }
            try Text.check(actor.name, field: "name", at: "actor '\(actor.id)'")
            if let subject = actor.subject, try await store.subject(subject) == nil {
                throw CivicError(.notFound, "actor '\(actor.id)': no subject '\(subject)'")
            }
            var changes = ChangeSet()
            changes.actors = [actor]
            return (changes, .recorded)
        }
    }
}

// MARK: - Handbooks

extension Engine {
    /// Publishes a checked handbook as the next version of its jurisdiction's handbook.
    ///
    /// The version must be exactly one more than the last published; republishing
    /// the identical text of the current version is a no-op. Scheme ids belong to
    /// one jurisdiction for good.
    public func publish(_ handbook: Handbook, source: String, by actor: Actor.ID) async throws -> WriteResult {
        try await commitPlanned {
            guard try await store.jurisdictions().contains(where: { $0.id == handbook.jurisdiction }) else {
                throw CivicError(.notFound, "handbook for unknown jurisdiction '\(handbook.jurisdiction)'")
            }
            guard try await requireActor(actor).roles.contains(.administrator) else {
                throw CivicError(.refused, "actor '\(actor)' may not publish handbooks (needs administrator)")
            }
            let set = try await handbookSet()
            let current = set.current(for: handbook.jurisdiction)
            if let current, current.handbook.version == handbook.version {
                guard current.handbook == handbook else {
                    throw CivicError(.conflict, "version \(handbook.version) of '\(handbook.jurisdiction)' is already published with different content; publish it as version \(handbook.version + 1)")
                }
                return (ChangeSet(), .unchanged)
            }
            let expected = (current?.handbook.version ?? 0) + 1
            guard handbook.version == expected else {
                throw CivicError(.invalidInput, "handbook version \(handbook.version) cannot follow \(current?.handbook.version ?? 0): the next version of '\(handbook.jurisdiction)' is \(expected)")
            }
            for scheme in handbook.schemes {
                if let owner = set.owner(of: scheme.id), owner != handbook.jurisdiction {
                    throw CivicError(.conflict, "scheme '\(scheme.id)' belongs to jurisdiction '\(owner)'")
                }
            }
            var changes = ChangeSet()
            changes.handbooks = [PublishedHandbook(handbook: handbook, source: source, publishedOn: clock.today(), publishedBy: actor)]
            return (changes, .recorded)
        }
    }

    public func handbooks() async throws -> HandbookSet { try await handbookSet() }
}
