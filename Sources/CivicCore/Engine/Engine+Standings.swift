import Synchronization
/// A subject's standing in one scheme with everything that explains it.
public struct SchemeExplanation: Sendable {
    public var handbook: Handbook
    public var scheme: Scheme
    public var explanation: Explanation
    /// The reports (with their decisions) behind the contributing entries.
    public var reports: [Report.ID: ReportRecord]
    public var reviewers: [Actor.ID: Actor]
}

extension Engine {
    /// Standings of a subject in every scheme that rates it, folded fresh from the ledger.
    public func standings(of id: Subject.ID, asOf: Day? = nil) async throws -> [Standing] {
        let subject = try await requireSubject(id)
        let context = try await StandingContext.load(engine: self)
        return try await context.freshStandings(for: subject, asOf: asOf ?? clock.today(), store: store)
    }

    /// The explained score: each contributing entry with its rule, report and decision.
    public func explain(_ id: Subject.ID, asOf: Day? = nil) async throws -> [SchemeExplanation] {
        let day = asOf ?? clock.today()
        let subject = try await requireSubject(id)
        let context = try await StandingContext.load(engine: self)
        let standings = try await context.freshStandings(for: subject, asOf: day, store: store)
        let entries = try await store.entries(subject: id)
        var result: [SchemeExplanation] = []
        for (handbook, scheme) in context.schemes(for: subject) {
            var explanation = Evaluator(scheme: scheme).explain(subject: id, entries: entries, asOf: day)
            if let standing = standings.first(where: { $0.scheme == scheme.id }) { explanation.standing = standing }
            var reports: [Report.ID: ReportRecord] = [:]
            var reviewers: [Actor.ID: Actor] = [:]
            for contribution in explanation.contributions {
                guard let reportID = contribution.entry.report, reports[reportID] == nil,
                      let record = try await store.report(reportID) else { continue }
                reports[reportID] = record
                for decision in record.decisions where reviewers[decision.reviewer] == nil {
                    reviewers[decision.reviewer] = try await store.actor(decision.reviewer)
                }
            }
            result.append(SchemeExplanation(handbook: handbook, scheme: scheme, explanation: explanation, reports: reports, reviewers: reviewers))
        }
        return result
    }

    /// Does measure `measure` of scheme `scheme` apply to this subject today? Yes or no with a reason code.
    /// Without a scheme the measure id must name one measure among the current schemes; where several
    /// schemes define it (a city's and a village's `new-year-gift`), the question is refused with them listed
    /// rather than answered by whichever scheme happens to rate the subject.
    ///
    /// One store read answers it while the subject's stored standings still hold (`Standing.stillHolds`) and
    /// the handbooks and jurisdictions are those the engine last decoded (`CatalogVersion`): the subject, its
    /// standings, its last entry's sequence and the catalog's version come back together
    /// (`Store.subjectSnapshot`). Otherwise the handbooks are read again, or the subject's ledger is folded.
    public func check(_ id: Subject.ID, measure: Measure.ID, scheme named: Scheme.ID? = nil, asOf: Day? = nil) async throws -> EligibilityDecision {
        let day = asOf ?? clock.today()
        guard let snapshot = try await store.subjectSnapshot(id) else { throw CivicError(.notFound, "no subject '\(id)'") }
        let subject = snapshot.subject
        let context = try await StandingContext.load(engine: self, at: snapshot.catalog)
        let (scheme, definition) = try context.answering(measure, scheme: named)
        guard context.rating(subject).contains(where: { $0.scheme.id == scheme.id }) else {
            return EligibilityDecision(subject: id, measure: measure, scheme: scheme.id, kind: definition.kind, applies: false, reason: "not-covered",
                                       remedyHint: nil, asOf: day)
        }
        let standings: [Standing]
        if context.standingsHold(subject, stored: snapshot.standings, lastEntry: snapshot.lastEntry, on: day) {
            standings = snapshot.standings.map { $0.holding(on: day) }
        } else {
            standings = try await context.freshStandings(for: subject, asOf: day, store: store)
        }
        let standing = standings.first { $0.scheme == scheme.id }!
        return definition.decide(standing, grades: scheme.grades)
    }
}

/// What folding standings needs beyond the ledger: the handbooks, the jurisdiction tree.
struct StandingContext: Sendable {
    let handbooks: HandbookSet
    let jurisdictions: [Jurisdiction]
    /// Per jurisdiction and kind of subject, the schemes that rate it and their evaluators, worked out
    /// once per command: a cycle close asks for every subject.
    let rated: [RatedKey: [Rated]]
    let firstPublished: [Scheme.ID: Day]
    /// Current schemes by id.
    let currentSchemes: [Scheme.ID: Scheme]
    /// The current schemes that define each measure, in id order: what a question names.
    let measureSchemes: [Measure.ID: [Scheme]]
    /// The day of the latest handbook publication: a standing folded before it may read another scheme.
    let lastPublished: Day?

    struct RatedKey: Hashable, Sendable {
        var jurisdiction: Jurisdiction.ID
        var kind: SubjectKind
    }

    struct Rated: Sendable {
        var handbook: Handbook
        var scheme: Scheme
        var evaluator: Evaluator
    }

    init(handbooks: HandbookSet, jurisdictions: [Jurisdiction]) {
        self.handbooks = handbooks
        self.jurisdictions = jurisdictions
        var rated: [RatedKey: [Rated]] = [:]
        var evaluators: [Scheme.ID: Evaluator] = [:]
        for jurisdiction in jurisdictions {
            let lineage = jurisdictions.lineage(of: jurisdiction.id)
            for kind in SubjectKind.allCases {
                rated[RatedKey(jurisdiction: jurisdiction.id, kind: kind)] = handbooks.schemes(for: kind, lineage: lineage).map { handbook, scheme in
                    let evaluator = evaluators[scheme.id] ?? Evaluator(scheme: scheme)
                    evaluators[scheme.id] = evaluator
                    return Rated(handbook: handbook, scheme: scheme, evaluator: evaluator)
                }
            }
        }
        self.rated = rated
        currentSchemes = Dictionary(rated.values.flatMap { $0.map { ($0.scheme.id, $0.scheme) } }, uniquingKeysWith: { first, _ in first })
        var measureSchemes: [Measure.ID: [Scheme]] = [:]
        for scheme in currentSchemes.values.sorted(by: { $0.id < $1.id }) {
            for measure in Set(scheme.measures.map(\.id)) { measureSchemes[measure, default: []].append(scheme) }
        }
        self.measureSchemes = measureSchemes
        var firstPublished: [Scheme.ID: Day] = [:]
        for published in handbooks.published {
            for scheme in published.handbook.schemes where firstPublished[scheme.id].map({ published.publishedOn < $0 }) ?? true {
                firstPublished[scheme.id] = published.publishedOn
            }
        }
        self.firstPublished = firstPublished
        lastPublished = handbooks.published.map(\.publishedOn).max()
    }

    static func load(engine: Engine) async throws -> StandingContext {
        let published = try await engine.store.handbooks()
        let jurisdictions = try await engine.store.jurisdictions()
        return engine.contexts.context(published: published, jurisdictions: jurisdictions)
    }

    /// The context the engine keeps if the store's catalog is still at `version`, without a read; otherwise
    /// the handbooks and jurisdictions read again.
    static func load(engine: Engine, at version: CatalogVersion) async throws -> StandingContext {
        if let kept = engine.contexts.context(at: version) { return kept }
        return try await load(engine: engine)
    }

    func rating(_ subject: Subject) -> [Rated] {
        rated[RatedKey(jurisdiction: subject.jurisdiction, kind: subject.kind)]
            ?? handbooks.schemes(for: subject, lineage: jurisdictions.lineage(of: subject.jurisdiction))
                .map { Rated(handbook: $0.handbook, scheme: $0.scheme, evaluator: Evaluator(scheme: $0.scheme)) }
    }

    func schemes(for subject: Subject) -> [(handbook: Handbook, scheme: Scheme)] {
        rating(subject).map { ($0.handbook, $0.scheme) }
    }

    /// Whether a subject's stored standings still hold on `day` without folding its entries again: every
    /// scheme that rates it has a stored standing that still holds (`Standing.stillHolds`), and no handbook
    /// was published since the oldest of them was folded. A household is always folded again: its quota
    /// counts its members' points.
    func standingsHold(_ subject: Subject, stored: [Standing], lastEntry: Int64, on day: Day) -> Bool {
        guard subject.kind != .household else { return false }
        let rated = rating(subject)
        guard rated.count == stored.count, !stored.isEmpty else { return false }
        for standing in stored {
            guard standing.stillHolds(on: day, lastEntry: lastEntry),
                  rated.contains(where: { $0.scheme.id == standing.scheme }) else { return false }
            if let lastPublished, lastPublished >= standing.asOf { return false }
        }
        return true
    }

    /// The current scheme whose measure `measure` answers: the one `named`, or else the only scheme that
    /// defines a measure of that id. Names every candidate when there is none or more than one.
    func answering(_ measure: Measure.ID, scheme named: Scheme.ID?) throws(CivicError) -> (Scheme, Measure) {
        let defining = measureSchemes[measure] ?? []
        if let named, let scheme = defining.first(where: { $0.id == named }) { return (scheme, scheme.measure(measure)!) }
        if named == nil, defining.count == 1 { return (defining[0], defining[0].measure(measure)!) }
        let listed = defining.map { "'\($0.id)'" }.joined(separator: ", ")
        if let named {
            guard let scheme = defining.first(where: { $0.id == named }) else {
                let known = defining.isEmpty ? "no scheme defines it" : "it is a measure of \(listed)"
                throw CivicError(.notFound, "scheme '\(named)' has no measure '\(measure)': \(known)", at: "scheme")
            }
            return (scheme, scheme.measure(measure)!)
        }
        guard let scheme = defining.first else {
            let measures = currentSchemes.values.flatMap { $0.measures.map(\.id.rawValue) }
            throw CivicError.unknown("no measure '\(measure)'", measure.rawValue, among: measures)
        }
        guard defining.count == 1 else {
            var error = CivicError(.invalidInput, "measure '\(measure)' is defined by schemes \(listed): name the scheme", at: "scheme")
            error.ambiguity = MeasureAmbiguity(measure: measure, candidates: defining.compactMap { scheme in
                guard let defined = handbooks.scheme(scheme.id), let candidate = scheme.measure(measure) else { return nil }
                return MeasureAmbiguity.Candidate(scheme: scheme.id, jurisdiction: defined.handbook.jurisdiction, title: candidate.title)
            })
            throw error
        }
        return (scheme, scheme.measure(measure)!)
    }

    /// The year whose quota is assessed on `day`: the last completed year, if the scheme covered all of it.
    func quotaYear(for scheme: Scheme, asOf day: Day) -> Int? {
        guard scheme.quota != nil, let first = firstPublished[scheme.id] else { return nil }
        let year = day.year - 1
        return first <= Day.startOfYear(year) ? year : nil
    }

    /// Folds one subject's standings; a person's own quota is filled in, a household's is left for `fillHouseholdQuota`.
    func fold(_ subject: Subject, entries: [Entry], asOf: Day) -> [Standing] {
        rating(subject).map { rated in
            let scheme = rated.scheme
            var standing = rated.evaluator.standing(subject: subject.id, entries: entries, asOf: asOf)
            if subject.kind == .person, let quota = scheme.quota, let year = quotaYear(for: scheme, asOf: asOf),
               subject.registeredOn <= Day.startOfYear(year) {
                standing.quota = QuotaStatus.evaluate(quota: quota, exemptions: scheme.exemptions, subject: subject, members: [],
                                                      ownEarned: standing.earned.previousYear, year: year)
            }
            return standing
        }
    }

    /// A household's quota: the per-person minimum for each member not exempt, against every member's points
    /// in the standing's scheme (members not rated by it do not count).
    func fillHouseholdQuota(_ standing: inout Standing, household: Subject, members: [(subject: Subject, standings: [Standing])]) {
        guard let (_, scheme) = schemes(for: household).first(where: { $0.scheme.id == standing.scheme }),
              let quota = scheme.quota, let year = quotaYear(for: scheme, asOf: standing.asOf) else { return }
        let yearStart = Day.startOfYear(year)
        let counted = members.filter { $0.subject.registeredOn <= yearStart }.compactMap { member in
            member.standings.first { $0.scheme == scheme.id }.map { (subject: member.subject, earned: $0.earned.previousYear) }
        }
        standing.quota = QuotaStatus.evaluate(quota: quota, exemptions: scheme.exemptions, subject: household, members: counted,
                                              ownEarned: standing.earned.previousYear, year: year)
    }

    /// The subject's standings on `asOf`: the stored ones where they still hold (`standingsHold`), which is
    /// what a fold would give, read without reading or folding a single entry; otherwise a fresh fold.
    /// In no particular order of schemes.
    func currentStandings(for subject: Subject, asOf: Day, store: any Store) async throws -> [Standing] {
        if subject.kind != .household {
            let stored = try await store.standingsAndLastEntry(subject: subject.id)
            if standingsHold(subject, stored: stored.standings, lastEntry: stored.lastEntry, on: asOf) {
                return stored.standings.map { $0.holding(on: asOf) }
            }
        }
        return try await freshStandings(for: subject, asOf: asOf, store: store)
    }

    /// Fresh standings for one subject, reading a household's members from the store;
    /// `adding` holds entries about to be committed, counted as if already there.
    func freshStandings(for subject: Subject, asOf: Day, store: any Store, adding extra: [Entry] = []) async throws -> [Standing] {
        func entries(of id: Subject.ID) async throws -> [Entry] {
            try await store.entries(subject: id) + extra.filter { $0.subject == id }
        }
        var standings = fold(subject, entries: try await entries(of: subject.id), asOf: asOf)
        let quotaSchemes = Set(schemes(for: subject).filter { $0.scheme.quota != nil }.map(\.scheme.id))
        guard subject.kind == .household, !quotaSchemes.isEmpty else { return standings }
        var members: [(subject: Subject, standings: [Standing])] = []
        for member in try await store.members(of: subject.id) {
            members.append((member, fold(member, entries: try await entries(of: member.id), asOf: asOf)))
        }
        for index in standings.indices where quotaSchemes.contains(standings[index].scheme) {
            fillHouseholdQuota(&standings[index], household: subject, members: members)
        }
        return standings
    }
}

/// The last `StandingContext` an engine built, kept while the store's handbooks and jurisdictions are the
/// same. Publications are append-only, so the same number of them with the same last one is the same set.
final class StandingContextCache: Sendable {
    private struct Key: Equatable {
        var handbooks: Int
        var last: PublishedHandbook?
        var jurisdictions: [Jurisdiction]

        var version: CatalogVersion { CatalogVersion(handbooks: handbooks, jurisdictions: jurisdictions.count) }
    }

    private let kept = Mutex<(key: Key, context: StandingContext)?>(nil)

    /// The context kept, if it was built from the catalog at `version`.
    func context(at version: CatalogVersion) -> StandingContext? {
        kept.withLock { kept in
            guard let kept, kept.key.version == version else { return nil }
            return kept.context
        }
    }

    func context(published: [PublishedHandbook], jurisdictions: [Jurisdiction]) -> StandingContext {
        let key = Key(handbooks: published.count, last: published.last, jurisdictions: jurisdictions)
        if let kept = kept.withLock({ $0 }), kept.key == key { return kept.context }
        let context = StandingContext(handbooks: HandbookSet(published), jurisdictions: jurisdictions)
        kept.withLock { $0 = (key, context) }
        return context
    }
}
