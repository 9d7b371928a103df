/// C2SP tlog-tiles (https://c2sp.org/tlog-tiles) layout of the CivicCredit log.
///
/// The log's Merkle tree is stored as tiles of height 8: a level-L tile holds up
/// to 256 consecutive hashes of complete subtrees of 256^L leaves. Storing only
/// these hashes lets the database answer any root, inclusion or consistency
/// question with a handful of reads per level, and lets auditors fetch the same
/// tiles as static files to check for themselves that no record was rewritten.
///
/// Everything here is pure: the caller reads the tiles named by the `tilesFor…`
/// functions from storage and passes them in.

/// The name of one tile: level, index within the level, and width (1...256
/// hashes; 256 is a full tile, fewer is the partial tile at the right edge).
public struct TileKey: Hashable, Sendable, Comparable, CustomStringConvertible {
    /// Tree levels covered by one tile.
    public static let height = 8
    /// Hashes in a full tile.
    public static let fullWidth = 256

    public let level: UInt8
    public let index: UInt64
    public let width: Int

    /// Refuses widths outside 1...256 and levels above 63 (the C2SP path range).
    public init(level: UInt8, index: UInt64, width: Int = TileKey.fullWidth) throws(MerkleError) {
        guard (1...TileKey.fullWidth).contains(width) else { throw .invalidTileWidth(width) }
        guard level <= 63 else { throw .invalidTileLevel(Int(level)) }
        self.init(unchecked: level, index: index, width: width)
    }

    init(unchecked level: UInt8, index: UInt64, width: Int) {
        self.level = level
        self.index = index
        self.width = width
    }

    /// True for a tile with fewer than 256 hashes.
    public var isPartial: Bool { width < TileKey.fullWidth }

    /// The same tile at full width (the key a store uses as its row identity is (level, index)).
    public var full: TileKey { TileKey(unchecked: level, index: index, width: TileKey.fullWidth) }

    /// The C2SP path element: `tile/<L>/<N>` or `tile/<L>/<N>.p/<W>`, with N
    /// written in zero-padded groups of three digits, all but the last prefixed
    /// by `x` (1234067 → `x001/x234/067`).
    public var path: String {
        var groups = [String]()
        var n = index
        repeat {
            let group = String(n % 1000)
            groups.append(String(repeating: "0", count: 3 - group.count) + group)
            n /= 1000
        } while n > 0
        groups.reverse()
        var out = "tile/\(level)/"
        for (i, group) in groups.enumerated() {
            out += i == groups.count - 1 ? group : "x\(group)/"
        }
        if isPartial { out += ".p/\(width)" }
        return out
    }

    /// Parses a C2SP tile path (`tile/<L>/<N>[.p/<W>]`), rejecting any
    /// non-canonical spelling so that each tile has exactly one name.
    public init(path: some StringProtocol) throws(MerkleError) {
        let text = String(path)
        func fail(_ reason: String) -> MerkleError { .malformedTilePath(text, reason: reason) }
        func decimal(_ s: Substring) -> UInt64? {
            guard !s.isEmpty, s.utf8.allSatisfy({ (0x30...0x39).contains($0) }) else { return nil }
            guard s == "0" || s.first != "0" else { return nil }
            return UInt64(s)
        }
        var parts = text.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count >= 3, parts[0] == "tile" else { throw fail("expected tile/<L>/<N>[.p/<W>]") }
        guard let level = decimal(parts[1]), level <= 63 else { throw fail("level must be a decimal 0...63 without leading zeros") }
        parts.removeFirst(2)

        var width = TileKey.fullWidth
        if parts.count >= 2, parts[parts.count - 2].hasSuffix(".p") {
            guard let w = decimal(parts[parts.count - 1]), (1...255).contains(w) else {
                throw fail("partial width must be a decimal 1...255 without leading zeros")
            }
            width = Int(w)
            parts.removeLast()
            parts[parts.count - 1] = parts[parts.count - 1].dropLast(2)
        }

        var index: UInt64 = 0
        for (i, element) in parts.enumerated() {
            let isLast = i == parts.count - 1
            var digits = element
            if !isLast {
                guard digits.first == "x" else { throw fail("index groups before the last must start with x") }
                digits = digits.dropFirst()
            }
            guard digits.count == 3, digits.utf8.allSatisfy({ (0x30...0x39).contains($0) }), let group = UInt64(digits) else {
                throw fail("index groups must be exactly three digits")
            }
            if i == 0, !isLast, group == 0 { throw fail("index has a leading zero group") }
            let (shifted, overflow1) = index.multipliedReportingOverflow(by: 1000)
            let (sum, overflow2) = shifted.addingReportingOverflow(group)
            guard !overflow1, !overflow2 else { throw fail("index does not fit in 64 bits") }
            index = sum
        }
        self.init(unchecked: UInt8(level), index: index, width: width)
    }

    public static func < (a: TileKey, b: TileKey) -> Bool {
        (a.level, a.index, a.width) < (b.level, b.index, b.width)
    }

    public var description: String { path }
}

/// One tile: its key and exactly `key.width` hashes.
public struct Tile: Hashable, Sendable {
    public let key: TileKey
    public let hashes: [LogHash]

    /// Refuses a hash count different from `key.width`.
    public init(key: TileKey, hashes: [LogHash]) throws(MerkleError) {
        guard hashes.count == key.width else {
            throw .tileWrongWidth(key: key, expected: key.width, actual: hashes.count)
        }
        self.init(unchecked: key, hashes: hashes)
    }

    init(unchecked key: TileKey, hashes: [LogHash]) {
        self.key = key
        self.hashes = hashes
    }

    /// Parses a C2SP tile body: `key.width` concatenated 32-byte hashes.
    public init(key: TileKey, body: some Collection<UInt8>) throws(MerkleError) {
        let bytes = Array(body)
        let expectedBytes = key.width * LogHash.byteCount
        guard bytes.count == expectedBytes else {
            throw .tileBodyWrongLength(key: key, expectedBytes: expectedBytes, actualBytes: bytes.count)
        }
        var hashes = [LogHash]()
        hashes.reserveCapacity(key.width)
        var offset = 0
        while offset < bytes.count {
            guard let hash = LogHash(bytes: bytes[offset ..< offset + LogHash.byteCount]) else {
                throw .tileBodyWrongLength(key: key, expectedBytes: expectedBytes, actualBytes: bytes.count)
            }
            hashes.append(hash)
            offset += LogHash.byteCount
        }
        self.init(unchecked: key, hashes: hashes)
    }

    /// The C2SP tile body: the hashes concatenated, 32 bytes each.
    public var serialized: [UInt8] {
        var out = [UInt8]()
        out.reserveCapacity(hashes.count * LogHash.byteCount)
        for hash in hashes { out.append(contentsOf: hash.bytes) }
        return out
    }
}

/// Tiles handed in by the caller, looked up by (level, index).
///
/// A wider version of a tile can stand in for a narrower one: tiles only ever
/// grow at the end, so the first W hashes of a later (or full) tile are the
/// W-wide partial tile. Inserting keeps the widest version seen.
public struct TileSet: Sendable {
    struct Coordinate: Hashable, Sendable {
        let level: UInt8
        let index: UInt64
    }

    private var storage: [Coordinate: [LogHash]] = [:]
    /// The interior hashes of full tiles, where the caller has them: all 255 (`TlogTiles.interior(of:)`) or the
    /// upper 31 (`TlogTiles.upperInterior(of:)`).
    private var interiors: [Coordinate: [LogHash]] = [:]

    public init() {}

    /// Adds a full tile's interior hashes, all 255 or the upper 31; any other count is ignored (the nodes are then
    /// hashed from the tile).
    public mutating func insert(interior: [LogHash], level: UInt8, index: UInt64) {
        guard interior.count == TlogTiles.interiorCount || interior.count == TlogTiles.upperInteriorCount else { return }
        interiors[Coordinate(level: level, index: index)] = interior
    }

    func interior(level: UInt8, index: UInt64) -> [LogHash]? {
        interiors[Coordinate(level: level, index: index)]
    }

    public init(_ tiles: some Sequence<Tile>) {
        for tile in tiles { insert(tile) }
    }

    /// Tiles as a dictionary; the hashes' count is what counts, the key's width is not trusted.
    public init(_ tiles: [TileKey: [LogHash]]) {
        for (key, hashes) in tiles { insert(key: key, hashes: hashes) }
    }

    public mutating func insert(_ tile: Tile) {
        insert(key: tile.key, hashes: tile.hashes)
    }

    public mutating func insert(contentsOf tiles: some Sequence<Tile>) {
        for tile in tiles { insert(tile) }
    }

    /// Upserts by (level, index), keeping the wider of the old and new hashes.
    public mutating func insert(key: TileKey, hashes: [LogHash]) {
        let coordinate = Coordinate(level: key.level, index: key.index)
        if let existing = storage[coordinate], existing.count >= hashes.count { return }
        storage[coordinate] = hashes
    }

    /// Number of distinct (level, index) tiles held.
    public var count: Int { storage.count }

    /// The hashes held for (level, index), whatever their width.
    public subscript(level level: UInt8, index index: UInt64) -> [LogHash]? {
        storage[Coordinate(level: level, index: index)]
    }

    /// Every tile held, at its stored width, sorted by key.
    public var tiles: [Tile] {
        storage.compactMap { coordinate, hashes in
            guard (1...TileKey.fullWidth).contains(hashes.count) else { return nil }
            return Tile(unchecked: TileKey(unchecked: coordinate.level, index: coordinate.index, width: hashes.count), hashes: hashes)
        }.sorted { $0.key < $1.key }
    }

    /// The first `key.width` hashes of the tile at (key.level, key.index).
    /// With `exact`, the stored tile must be exactly that wide.
    func hashes(for key: TileKey, exact: Bool = false) throws(MerkleError) -> ArraySlice<LogHash> {
        guard let stored = storage[Coordinate(level: key.level, index: key.index)] else { throw .missingTile(key) }
        let acceptable = exact ? stored.count == key.width : (key.width...TileKey.fullWidth).contains(stored.count)
        guard acceptable else { throw .tileWrongWidth(key: key, expected: key.width, actual: stored.count) }
        return stored.prefix(key.width)
    }
}

/// Pure C2SP tile computations for the CivicCredit log: what to read, what to
/// write on append, and roots and proofs computed from tiles.
///
/// Each query touches O(log n) tiles (at most a few per level) and does at
/// most a few hundred hash operations per level; appending costs about one
/// hash per new leaf plus the hashes of the tiles it completes.
public enum TlogTiles {
    typealias NodeSource = (_ height: Int, _ index: UInt64) throws(MerkleError) -> LogHash

    /// Hashes at tile level `level` in a tree of `size` leaves: size / 256^level.
    static func hashCount(level: Int, size: UInt64) -> UInt64 {
        level >= 8 ? 0 : size >> UInt64(TileKey.height * level)
    }

    /// The tile that, in a tree of `size` leaves, holds hash `position` of tile level `level`.
    static func tileKey(level: Int, position: UInt64, size: UInt64) -> TileKey {
        let index = position >> 8
        let available = hashCount(level: level, size: size) - index * 256
        return TileKey(unchecked: UInt8(level), index: index, width: Int(min(available, 256)))
    }

    /// Interior hashes of a full tile: 255 of them.
    public static let interiorCount = TileKey.fullWidth - 1

    /// The interior hashes of a full tile, by height inside the tile: the 128 hashes of height 1,
    /// then the 64 of height 2, ..., then the tile's own root. A store keeps them beside the full
    /// tile (they are computed anyway when it completes), so that a proof reads nodes instead of
    /// hashing up to 255 of them per tile; nil for a tile that is not full.
    public static func interior(of hashes: [LogHash]) -> [LogHash]? {
        guard hashes.count == TileKey.fullWidth else { return nil }
        var out = [LogHash]()
        out.reserveCapacity(interiorCount)
        _ = hashUp(hashes[...]) { out += $0 }
        return out
    }

    /// Heights inside a tile from which `upperInterior(of:)` keeps the interior hashes.
    public static let upperInteriorHeight = 4
    /// Interior hashes of heights 4 to 8: 16 + 8 + 4 + 2 + 1.
    public static let upperInteriorCount = (TileKey.fullWidth >> (upperInteriorHeight - 1)) - 1

    /// The upper part of a full tile's interior: the hashes of heights 4 to 8 (the last 31 of
    /// `interior(of:)`), nil for a tile that is not full. A store that keeps only these spends
    /// 992 bytes per full tile instead of 8,160, and a proof hashes at most 7 nodes per tile
    /// (a subtree of up to 8 hashes) instead of reading them.
    public static func upperInterior(of hashes: [LogHash]) -> [LogHash]? {
        interior(of: hashes).map { Array($0.suffix(upperInteriorCount)) }
    }

    /// Root of 2^k hashes laid side by side (k <= 8).
    static func subtreeRoot(_ hashes: ArraySlice<LogHash>) -> LogHash { hashUp(hashes) }

    /// Hashes 2^k hashes pairwise, level by level, to their root; `level` sees each level above the first.
    static func hashUp(_ hashes: ArraySlice<LogHash>, level: ([LogHash]) -> Void = { _ in }) -> LogHash {
        var row = Array(hashes)
        while row.count > 1 {
            var next = [LogHash]()
            next.reserveCapacity(row.count / 2)
            var i = 0
            while i + 1 < row.count {
                next.append(Merkle.nodeHash(row[i], row[i + 1]))
                i += 2
            }
            level(next)
            row = next
        }
        return row[0]
    }

    // MARK: - Tree walks over complete-subtree hashes (RFC 9162 MTH, PATH, SUBPROOF)

    /// MTH(D[start ..< start+count]), count >= 1, built from complete subtrees.
    static func rangeHash(start: UInt64, count: UInt64, _ node: NodeSource) throws(MerkleError) -> LogHash {
        if count & (count - 1) == 0 {
            let height = count.trailingZeroBitCount
            return try node(height, start >> UInt64(height))
        }
        let k = Merkle.splitPoint(count)
        let left = try rangeHash(start: start, count: k, node)
        let right = try rangeHash(start: start + k, count: count - k, node)
        return Merkle.nodeHash(left, right)
    }

    static func inclusionPath(index: UInt64, size: UInt64, _ node: NodeSource) throws(MerkleError) -> [LogHash] {
        var m = index, start: UInt64 = 0, n = size
        var topDown = [LogHash]()
        while n > 1 {
            let k = Merkle.splitPoint(n)
            if m < k {
                topDown.append(try rangeHash(start: start + k, count: n - k, node))
                n = k
            } else {
                topDown.append(try rangeHash(start: start, count: k, node))
                start += k
                m -= k
                n -= k
            }
        }
        return topDown.reversed()
    }

    static func consistencyPath(oldSize: UInt64, newSize: UInt64, _ node: NodeSource) throws(MerkleError) -> [LogHash] {
        var m = oldSize, start: UInt64 = 0, n = newSize, complete = true
        var topDown = [LogHash]()
        while m != n {
            let k = Merkle.splitPoint(n)
            if m <= k {
                topDown.append(try rangeHash(start: start + k, count: n - k, node))
                n = k
            } else {
                topDown.append(try rangeHash(start: start, count: k, node))
                start += k
                m -= k
                n -= k
                complete = false
            }
        }
        if !complete { topDown.append(try rangeHash(start: start, count: n, node)) }
        return topDown.reversed()
    }

    /// Complete-subtree hashes read from tiles of a tree of `size` leaves: the
    /// subtree of height h is 2^(h%8) adjacent hashes in a level h/8 tile, hashed up.
    static func tileNode(tiles: TileSet, size: UInt64) -> NodeSource {
        { (height: Int, index: UInt64) throws(MerkleError) -> LogHash in
            let level = height / TileKey.height
            let span = 1 << (height % TileKey.height)
            let first = index << UInt64(height % TileKey.height)
            let within = height % TileKey.height
            if within > 0, let inner = tiles.interior(level: UInt8(level), index: first >> 8) {
                // Heights 1 ..< within come first in the interior, 128 + 64 + ... of them; an upper interior lacks
                // the lowest of those heights, whose nodes are then hashed from the tile below.
                let position = (TileKey.fullWidth - (TileKey.fullWidth >> (within - 1))) + Int((first & 255) >> UInt64(within))
                let missing = interiorCount - inner.count
                if position >= missing { return inner[position - missing] }
            }
            let key = tileKey(level: level, position: first, size: size)
            let hashes = try tiles.hashes(for: key)
            let offset = hashes.startIndex + Int(first & 255)
            guard offset + span <= hashes.endIndex else {
                throw .tileWrongWidth(key: key, expected: Int(first & 255) + span, actual: hashes.count)
            }
            return subtreeRoot(hashes[offset ..< offset + span])
        }
    }

    /// Runs a walk with a node source that only records which tiles it would read.
    static func keysRead(size: UInt64, _ walk: (NodeSource) throws(MerkleError) -> Void) -> [TileKey] {
        var keys = Set<TileKey>()
        let recorder: NodeSource = { height, index in
            let first = index << UInt64(height % TileKey.height)
            keys.insert(tileKey(level: height / TileKey.height, position: first, size: size))
            return Merkle.emptyRoot
        }
        do { try walk(recorder) } catch { return [] }
        return keys.sorted()
    }

    // MARK: - Append

    /// The partial tiles at the right edge of a tree of `size` leaves (at most
    /// one per level): what `append` needs to extend the tree.
    public static func edgeTiles(size: UInt64) -> [TileKey] {
        var keys = [TileKey]()
        for level in 0..<8 {
            let count = hashCount(level: level, size: size)
            if count == 0 { break }
            let width = Int(count % 256)
            if width != 0 { keys.append(TileKey(unchecked: UInt8(level), index: count / 256, width: width)) }
        }
        return keys
    }

    /// Appends `newLeafHashes` to a tree of `size` leaves whose right-edge
    /// partial tiles are in `edge` (each exactly as wide as `edgeTiles(size:)`
    /// says), and returns every tile that is new or grew, sorted by key. The
    /// caller upserts them by (level, index).
    public static func append(size: UInt64, edge: TileSet, leaves newLeafHashes: [LogHash]) throws(MerkleError) -> [Tile] {
        var unused: [TileKey: [LogHash]]? = nil
        return try append(size: size, edge: edge, leaves: newLeafHashes, interiors: &unused)
    }

    /// `append`, also giving the interior hashes (`interior(of:)`) of every tile it completes, by key: they are
    /// hashed anyway on the way to the tile's root, so a store that keeps them hashes each node once.
    public static func appendKeepingInteriors(
        size: UInt64, edge: TileSet, leaves newLeafHashes: [LogHash]
    ) throws(MerkleError) -> (tiles: [Tile], interiors: [TileKey: [LogHash]]) {
        var interiors: [TileKey: [LogHash]]? = [:]
        let tiles = try append(size: size, edge: edge, leaves: newLeafHashes, interiors: &interiors)
        return (tiles, interiors ?? [:])
    }

    private static func append(
        size: UInt64, edge: TileSet, leaves newLeafHashes: [LogHash], interiors: inout [TileKey: [LogHash]]?
    ) throws(MerkleError) -> [Tile] {
        guard !newLeafHashes.isEmpty else { return [] }
        guard case (_, false) = size.addingReportingOverflow(UInt64(newLeafHashes.count)) else {
            throw .treeSizeOverflow(size: size, adding: newLeafHashes.count)
        }
        var out = [Tile]()
        var incoming = newLeafHashes
        var level = 0
        while !incoming.isEmpty {
            let before = hashCount(level: level, size: size)
            let partialWidth = Int(before % 256)
            var tileIndex = before / 256
            var current = [LogHash]()
            current.reserveCapacity(256)
            if partialWidth > 0 {
                let key = TileKey(unchecked: UInt8(level), index: tileIndex, width: partialWidth)
                current.append(contentsOf: try edge.hashes(for: key, exact: true))
            }
            var completedRoots = [LogHash]()
            completedRoots.reserveCapacity(incoming.count / 256 + 1)
            for hash in incoming {
                current.append(hash)
                if current.count == TileKey.fullWidth {
                    let key = TileKey(unchecked: UInt8(level), index: tileIndex, width: TileKey.fullWidth)
                    out.append(Tile(unchecked: key, hashes: current))
                    if interiors != nil {
                        var nodes = [LogHash]()
                        nodes.reserveCapacity(interiorCount)
                        completedRoots.append(hashUp(current[...]) { nodes += $0 })
                        interiors?[key] = nodes
                    } else {
                        completedRoots.append(subtreeRoot(current[...]))
                    }
                    tileIndex += 1
                    current.removeAll(keepingCapacity: true)
                }
            }
            if !current.isEmpty {
                out.append(Tile(unchecked: TileKey(unchecked: UInt8(level), index: tileIndex, width: current.count), hashes: current))
            }
            incoming = completedRoots
            level += 1
        }
        return out
    }

    /// `append` with the edge tiles as a dictionary.
    public static func append(size: UInt64, edge: [TileKey: [LogHash]], leaves newLeafHashes: [LogHash]) throws(MerkleError) -> [Tile] {
        try append(size: size, edge: TileSet(edge), leaves: newLeafHashes)
    }

    // MARK: - Root

    /// The tiles `root(size:tiles:)` reads.
    public static func tilesForRoot(size: UInt64) -> [TileKey] {
        guard size > 0 else { return [] }
        return keysRead(size: size) { (node: NodeSource) throws(MerkleError) in
            _ = try rangeHash(start: 0, count: size, node)
        }
    }

    /// The Merkle root of the first `size` leaves.
    public static func root(size: UInt64, tiles: TileSet) throws(MerkleError) -> LogHash {
        guard size > 0 else { return Merkle.emptyRoot }
        return try rangeHash(start: 0, count: size, tileNode(tiles: tiles, size: size))
    }

    public static func root(size: UInt64, tiles: [TileKey: [LogHash]]) throws(MerkleError) -> LogHash {
        try root(size: size, tiles: TileSet(tiles))
    }

    // MARK: - Inclusion

    /// The tiles `inclusionProof(index:size:tiles:)` reads; empty if index >= size.
    public static func tilesForInclusion(index: UInt64, size: UInt64) -> [TileKey] {
        guard index < size else { return [] }
        return keysRead(size: size) { (node: NodeSource) throws(MerkleError) in
            _ = try inclusionPath(index: index, size: size, node)
        }
    }

    /// The RFC 9162 inclusion proof of leaf `index` in the tree of `size` leaves.
    public static func inclusionProof(index: UInt64, size: UInt64, tiles: TileSet) throws(MerkleError) -> [LogHash] {
        guard index < size else { throw .indexOutOfRange(index: index, size: size) }
        return try inclusionPath(index: index, size: size, tileNode(tiles: tiles, size: size))
    }

    public static func inclusionProof(index: UInt64, size: UInt64, tiles: [TileKey: [LogHash]]) throws(MerkleError) -> [LogHash] {
        try inclusionProof(index: index, size: size, tiles: TileSet(tiles))
    }

    // MARK: - Consistency

    /// The tiles `consistencyProof(oldSize:newSize:tiles:)` reads; empty when
    /// no tiles are needed or the sizes are invalid.
    public static func tilesForConsistency(oldSize: UInt64, newSize: UInt64) -> [TileKey] {
        guard oldSize > 0, oldSize < newSize else { return [] }
        return keysRead(size: newSize) { (node: NodeSource) throws(MerkleError) in
            _ = try consistencyPath(oldSize: oldSize, newSize: newSize, node)
        }
    }

    /// The RFC 9162 consistency proof from the tree of `oldSize` leaves to the
    /// tree of `newSize` leaves (empty when the sizes are equal).
    public static func consistencyProof(oldSize: UInt64, newSize: UInt64, tiles: TileSet) throws(MerkleError) -> [LogHash] {
        guard oldSize <= newSize else { throw .oldSizeLargerThanNew(old: oldSize, new: newSize) }
        guard oldSize > 0 else { throw .emptyTreeHasNoProof }
        if oldSize == newSize { return [] }
        return try consistencyPath(oldSize: oldSize, newSize: newSize, tileNode(tiles: tiles, size: newSize))
    }

    public static func consistencyProof(oldSize: UInt64, newSize: UInt64, tiles: [TileKey: [LogHash]]) throws(MerkleError) -> [LogHash] {
        try consistencyProof(oldSize: oldSize, newSize: newSize, tiles: TileSet(tiles))
    }
}
