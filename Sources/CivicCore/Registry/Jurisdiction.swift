/// A city, town or village; jurisdictions nest (Rongcheng city had 919 villages).
///
/// A subject takes part in the schemes of its own jurisdiction and of every
/// jurisdiction above it, each scheme rating only the kinds of subject it names.
public struct Jurisdiction: Hashable, Sendable, Codable, Identifiable {
    public typealias ID = Identifier<Jurisdiction>

    public var id: ID
    public var name: LocalizedText
    public var parent: ID?

    public init(id: ID, name: LocalizedText, parent: ID? = nil) {
        self.id = id
        self.name = name
        self.parent = parent
    }
}

extension Collection where Element == Jurisdiction {
    /// `id` and its ancestors, nearest first; stops at `Limits.jurisdictionDepthMax` so a cycle cannot loop.
    public func lineage(of id: Jurisdiction.ID) -> [Jurisdiction.ID] {
        let byID = Dictionary(map { ($0.id, $0) }, uniquingKeysWith: { first, _ in first })
        var chain: [Jurisdiction.ID] = []
        var current: Jurisdiction.ID? = id
        while let next = current, chain.count < Limits.jurisdictionDepthMax, !chain.contains(next) {
            chain.append(next)
            current = byID[next]?.parent
        }
        return chain
    }
}
