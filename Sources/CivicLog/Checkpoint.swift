/// A C2SP tlog-checkpoint: the log's origin, its tree size and root hash, and optional
/// extension lines. Its `body` is the text a signed note signs.
public struct Checkpoint: Hashable, Sendable {
    public var origin: String
    public var size: UInt64
    public var root: LogHash
    public var extensions: [String]

    public init(origin: String, size: UInt64, root: LogHash, extensions: [String] = []) {
        self.origin = origin
        self.size = size
        self.root = root
        self.extensions = extensions
    }

    public var body: String {
        ([origin, String(size), root.base64] + extensions).map { $0 + "\n" }.joined()
    }

    public static func parse(body: String) throws(NoteError) -> Checkpoint {
        guard body.hasSuffix("\n") else { throw .malformedCheckpoint(line: 0, "does not end with a newline") }
        let lines = body.dropLast().split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        // A signed note's text holds no control character but the line feed: a body with one could never be signed.
        if let bad = lines.firstIndex(where: { $0.utf8.contains { $0 < 0x20 || $0 == 0x7F } }) {
            throw .malformedCheckpoint(line: bad + 1, "contains a control character")
        }
        guard lines.count >= 3 else { throw .malformedCheckpoint(line: lines.count + 1, "a checkpoint has an origin, a size and a root hash") }
        guard !lines[0].isEmpty else { throw .malformedCheckpoint(line: 1, "the origin is empty") }
        let sizeText = lines[1]
        guard !sizeText.isEmpty, sizeText.utf8.allSatisfy({ (0x30...0x39).contains($0) }), sizeText == "0" || !sizeText.hasPrefix("0"),
              let size = UInt64(sizeText) else {
            throw .malformedCheckpoint(line: 2, "the tree size '\(sizeText.prefix(32))' is not a decimal number without leading zeros")
        }
        guard let root = LogHash(base64: lines[2]), root.base64 == lines[2] else {
            throw .malformedCheckpoint(line: 3, "the root hash is not 32 bytes of standard base64")
        }
        let extensions = Array(lines.dropFirst(3))
        if let empty = extensions.firstIndex(where: \.isEmpty) { throw .malformedCheckpoint(line: empty + 4, "an extension line is empty") }
        return Checkpoint(origin: lines[0], size: size, root: root, extensions: extensions)
    }
}
