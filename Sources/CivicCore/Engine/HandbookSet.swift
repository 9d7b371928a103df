/// Every published handbook version, with the look-ups the engine needs.
public struct HandbookSet: Sendable {
    public let published: [PublishedHandbook]

    public init(_ published: [PublishedHandbook]) {
        self.published = published.sorted { ($0.handbook.jurisdiction, $0.handbook.version) < ($1.handbook.jurisdiction, $1.handbook.version) }
    }

    /// The newest version of a jurisdiction's handbook.
    public func current(for jurisdiction: Jurisdiction.ID) -> PublishedHandbook? {
        published.last { $0.handbook.jurisdiction == jurisdiction }
    }

    public func version(_ version: Int, of jurisdiction: Jurisdiction.ID) -> Handbook? {
        published.first { $0.handbook.jurisdiction == jurisdiction && $0.handbook.version == version }?.handbook
    }

    /// The current scheme with this id, and the handbook that holds it.
    public func scheme(_ id: Scheme.ID) -> (handbook: Handbook, scheme: Scheme)? {
        for jurisdiction in Set(published.map(\.handbook.jurisdiction)).sorted() {
            if let handbook = current(for: jurisdiction)?.handbook, let scheme = handbook.scheme(id) { return (handbook, scheme) }
        }
        return nil
    }

    /// Current schemes that rate this subject: those of its jurisdiction and every one above, for its kind.
    public func schemes(for subject: Subject, lineage: [Jurisdiction.ID]) -> [(handbook: Handbook, scheme: Scheme)] {
        schemes(for: subject.kind, lineage: lineage)
    }

    /// Current schemes that rate subjects of `kind` in the first jurisdiction of `lineage`, outermost first.
    public func schemes(for kind: SubjectKind, lineage: [Jurisdiction.ID]) -> [(handbook: Handbook, scheme: Scheme)] {
        lineage.reversed().flatMap { jurisdiction -> [(handbook: Handbook, scheme: Scheme)] in
            guard let handbook = current(for: jurisdiction)?.handbook else { return [] }
            return handbook.schemes.filter { $0.subjectKinds.contains(kind) }.map { (handbook, $0) }
        }
    }

    /// The day a scheme was first published; quotas are assessed only for years it fully covers.
    public func firstPublished(_ scheme: Scheme.ID) -> Day? {
        published.filter { $0.handbook.scheme(scheme) != nil }.map(\.publishedOn).min()
    }

    /// The jurisdiction whose handbook owns a scheme id, in any version.
    public func owner(of scheme: Scheme.ID) -> Jurisdiction.ID? {
        published.first { $0.handbook.scheme(scheme) != nil }?.handbook.jurisdiction
    }
}

/// Progress of a long job, for the CLI's progress line.
public struct Progress: Sendable {
    public var phase: String
    public var done: Int
    public var total: Int?

    public init(phase: String, done: Int, total: Int?) {
        self.phase = phase
        self.done = done
        self.total = total
    }
}

public typealias ProgressHandler = @Sendable (Progress) -> Void

/// Whether a write recorded something new or found the identical record already there.
public enum WriteResult: String, Sendable, Codable {
    case recorded
    /// The same id with the same content was already recorded: nothing changed.
    case unchanged
}
