import Synchronization

/// The decoded handbook publications a store keeps between reads. Publications are append-only (every
/// store refuses to change or remove one), so a store asks how many there are and decodes only those
/// published since its last read; a count lower than the cache's means another database, and it starts
/// over. Decoding a handbook is the largest part of answering a question otherwise.
public final class PublishedHandbooks: Sendable {
    private let decoded = Mutex<[PublishedHandbook]>([])

    public init() {}

    /// The publications, given how many the store holds now and a way to read those after the first `skipping`.
    public func all(count: Int, reading: (_ skipping: Int) async throws -> [PublishedHandbook]) async throws -> [PublishedHandbook] {
        let known = decoded.withLock { $0 }
        if count == known.count { return known }
        let all = count > known.count ? known + (try await reading(known.count)) : try await reading(0)
        decoded.withLock { if all.count >= $0.count || count < known.count { $0 = all } }
        return all
    }
}
