/// The root of a growing tree, kept as the perfect subtrees along its right edge
/// (at most log2(n) hashes), so an audit can read millions of leaves in order and
/// know the RFC 9162 root at every size without holding them.
public struct RootAccumulator: Sendable {
    private var stack: [(height: Int, hash: LogHash)] = []
    public private(set) var size: UInt64 = 0

    public init() {}

    public mutating func append(_ leaf: LogHash) {
        var node = leaf
        var height = 0
        while let last = stack.last, last.height == height {
            stack.removeLast()
            node = Merkle.nodeHash(last.hash, node)
            height += 1
        }
        stack.append((height, node))
        size += 1
    }

    /// The root of the leaves appended so far.
    public var root: LogHash {
        guard var root = stack.last?.hash else { return Merkle.emptyRoot }
        for subtree in stack.dropLast().reversed() { root = Merkle.nodeHash(subtree.hash, root) }
        return root
    }
}
