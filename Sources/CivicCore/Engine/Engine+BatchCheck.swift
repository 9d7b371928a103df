extension Engine {
    /// Decides one measure for many subjects, reading the handbooks and jurisdictions once.
    ///
    /// Each subject is judged exactly as `check(_:measure:scheme:asOf:)` judges it; subjects that do not
    /// exist are left out of the result.
    public func check(_ ids: [Subject.ID], measure: Measure.ID, scheme named: Scheme.ID? = nil,
                      asOf: Day? = nil) async throws -> [Subject.ID: EligibilityDecision] {
        let day = asOf ?? clock.today()
        let context = try await StandingContext.load(engine: self)
        let (scheme, definition) = try context.answering(measure, scheme: named)
        var decisions: [Subject.ID: EligibilityDecision] = [:]
        for subject in try await store.subjects(Array(Set(ids))) {
            guard context.schemes(for: subject).contains(where: { $0.scheme.id == scheme.id }) else {
                decisions[subject.id] = EligibilityDecision(subject: subject.id, measure: measure, scheme: scheme.id, kind: definition.kind,
                                                            applies: false, reason: "not-covered", remedyHint: nil, asOf: day)
                continue
            }
            let standings = try await context.currentStandings(for: subject, asOf: day, store: store)
            guard let standing = standings.first(where: { $0.scheme == scheme.id }) else { continue }
            decisions[subject.id] = definition.decide(standing, grades: scheme.grades)
        }
        return decisions
    }
}
