/// Why a Merkle computation, proof check or tile operation was refused.
///
/// CivicCredit's log proves that people's records were never rewritten; every
/// input that reaches this code (sizes, indices, proofs, tiles read back from
/// storage or received from a peer) is treated as untrusted, so any
/// inconsistency is reported as one of these cases instead of crashing.
public enum MerkleError: Error, Hashable, Sendable, CustomStringConvertible {
    /// A leaf index is not inside a tree of `size` leaves.
    case indexOutOfRange(index: UInt64, size: UInt64)
    /// A consistency proof was asked for from a larger tree to a smaller one.
    case oldSizeLargerThanNew(old: UInt64, new: UInt64)
    /// A proof has the wrong number of hashes for the sizes/index it claims.
    case proofWrongLength(expected: Int, actual: Int)
    /// The root recomputed from a proof differs from the expected root.
    case rootMismatch(expected: LogHash, computed: LogHash)
    /// The old-tree root recomputed from a consistency proof differs from the expected one.
    case oldRootMismatch(expected: LogHash, computed: LogHash)
    /// Two trees of the same size were claimed to be consistent but have different roots.
    case sameSizeRootsDiffer(size: UInt64, old: LogHash, new: LogHash)
    /// A tile needed for the computation was not supplied.
    case missingTile(TileKey)
    /// A tile holds a number of hashes other than what its key or the tree size requires.
    case tileWrongWidth(key: TileKey, expected: Int, actual: Int)
    /// A tile width outside 1...256.
    case invalidTileWidth(Int)
    /// A tile level beyond what a 64-bit tree size can use in a path (0...63).
    case invalidTileLevel(Int)
    /// A tile body whose byte count is not a multiple of 32 or does not match the width.
    case tileBodyWrongLength(key: TileKey, expectedBytes: Int, actualBytes: Int)
    /// A tile path that is not of the form `tile/<L>/<N>[.p/<W>]`.
    case malformedTilePath(String, reason: String)
    /// The empty tree has no leaves to prove inclusion of and nothing to be consistent with.
    case emptyTreeHasNoProof
    /// Appending would make the tree larger than 2^64 - 1 leaves.
    case treeSizeOverflow(size: UInt64, adding: Int)

    public var description: String {
        switch self {
        case let .indexOutOfRange(index, size):
            "leaf index \(index) is out of range for a tree of \(size) leaves"
        case let .oldSizeLargerThanNew(old, new):
            "old tree size \(old) is larger than new tree size \(new)"
        case let .proofWrongLength(expected, actual):
            "proof has \(actual) hashes, expected \(expected)"
        case let .rootMismatch(expected, computed):
            "root computed from proof \(computed.hex) does not match expected root \(expected.hex)"
        case let .oldRootMismatch(expected, computed):
            "old-tree root computed from proof \(computed.hex) does not match expected old root \(expected.hex)"
        case let .sameSizeRootsDiffer(size, old, new):
            "two trees of size \(size) have different roots \(old.hex) and \(new.hex)"
        case let .missingTile(key):
            "tile \(key.path) (level \(key.level), index \(key.index), width \(key.width)) is missing"
        case let .tileWrongWidth(key, expected, actual):
            "tile \(key.path) holds \(actual) hashes, expected \(expected)"
        case let .invalidTileWidth(width):
            "tile width \(width) is outside 1...256"
        case let .invalidTileLevel(level):
            "tile level \(level) is outside 0...63"
        case let .tileBodyWrongLength(key, expectedBytes, actualBytes):
            "tile \(key.path) body has \(actualBytes) bytes, expected \(expectedBytes)"
        case let .malformedTilePath(path, reason):
            "malformed tile path \"\(path)\": \(reason)"
        case .emptyTreeHasNoProof:
            "the empty tree has no inclusion or consistency proof"
        case let .treeSizeOverflow(size, adding):
            "appending \(adding) leaves to a tree of \(size) leaves overflows a 64-bit size"
        }
    }
}
