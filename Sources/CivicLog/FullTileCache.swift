import Synchronization

/// Full tiles kept in memory for proofs. A full tile never changes (a store's append-only
/// guards refuse it, and C2SP serves it for a year), so once read it can answer every later
/// proof that needs it: the tiles above level 0 (one per 65,536 leaves at level 1) are then
/// read from the store once per process, and a proof reads only its own level-0 tile and the
/// partial tiles on the tree's right edge.
///
/// Only proofs use it. An audit reads every tile from the store, so a tile changed under
/// the store's feet is found there whatever this cache holds.
public final class FullTileCache: Sendable {
    public struct Entry: Sendable {
        public var hashes: [LogHash]
        /// The stored interior (all 255 or the upper 31), if the store keeps one.
        public var interior: [LogHash]?
    }

    private struct Coordinate: Hashable {
        var level: UInt8
        var index: UInt64
    }

    private let capacity: Int
    private let entries = Mutex<[Coordinate: Entry]>([:])

    /// At most `capacity` tiles (a level-0 tile with its upper interior takes about 20 kB); past it, the level-0
    /// tiles are dropped first, since a proof needs one of 65,536 of them and one of 256 of those above.
    public init(capacity: Int = 2_048) {
        self.capacity = capacity
    }

    public func tile(level: UInt8, index: UInt64) -> Entry? {
        entries.withLock { $0[Coordinate(level: level, index: index)] }
    }

    /// Keeps a tile if it is full; any other is ignored.
    public func keep(level: UInt8, index: UInt64, hashes: [LogHash], interior: [LogHash]?) {
        guard hashes.count == TileKey.fullWidth else { return }
        entries.withLock { entries in
            if entries.count >= capacity {
                entries = entries.filter { $0.key.level > 0 }
                if entries.count >= capacity { entries.removeAll() }
            }
            entries[Coordinate(level: level, index: index)] = Entry(hashes: hashes, interior: interior)
        }
    }

    public var count: Int { entries.withLock { $0.count } }
}
