extension Engine {
    /// Decides one measure for many subjects, reading the handbooks and jurisdictions once.
    ///
    /// Each subject is judged exactly as `check(_:measure:asOf:)` judges it; subjects that do not
    /// exist are left out of the result.
    public func check(_ ids: [Subject.ID], measure: Measure.ID, asOf: Day? = nil) async throws -> [Subject.ID: EligibilityDecision] {
        let day = asOf ?? clock.today()
        let context = try await StandingContext.load(engine: self)
        let defining = context.currentSchemes.values.filter { $0.measure(measure) != nil }.sorted { $0.id < $1.id }
        guard let any = defining.first, let kind = any.measure(measure)?.kind else { throw CivicError(.notFound, "no measure '\(measure)'") }
        var decisions: [Subject.ID: EligibilityDecision] = [:]
        for subject in try await store.subjects(Array(Set(ids))) {
            guard let scheme = context.schemes(for: subject).map(\.scheme).last(where: { $0.measure(measure) != nil }) else {
                decisions[subject.id] = EligibilityDecision(subject: subject.id, measure: measure, kind: kind, applies: false,
                                                            reason: "not-covered", remedyHint: nil, asOf: day)
                continue
            }
            let standings = try await context.freshStandings(for: subject, asOf: day, store: store)
            guard let standing = standings.first(where: { $0.scheme == scheme.id }), let definition = scheme.measure(measure) else { continue }
            decisions[subject.id] = definition.decide(standing, grades: scheme.grades)
        }
        return decisions
    }
}
