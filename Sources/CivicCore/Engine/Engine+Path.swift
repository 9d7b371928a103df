extension Engine {
    /// The path to the next grade in every scheme that rates the subject, or in `scheme` alone.
    public func path(_ id: Subject.ID, scheme: Scheme.ID? = nil, asOf: Day? = nil) async throws -> [GradePath] {
        let day = asOf ?? clock.today()
        let subject = try await requireSubject(id)
        let context = try await StandingContext.load(engine: self)
        var schemes = context.schemes(for: subject).map(\.scheme)
        if let scheme {
            schemes = schemes.filter { $0.id == scheme }
            guard !schemes.isEmpty else { throw CivicError(.notFound, "scheme '\(scheme)' does not rate subject '\(id)'") }
        }
        let entries = try await store.entries(subject: id)
        return schemes.map { GradePath.compute(scheme: $0, subject: id, entries: entries, asOf: day) }
    }
}
