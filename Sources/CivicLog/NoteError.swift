/// What is wrong with a signed note, a checkpoint, a key or a signature: said exactly,
/// naming the line or the part, never crashing on any input.
public enum NoteError: Error, Hashable, Sendable, CustomStringConvertible {
    case malformedKey(String)
    case malformedNote(String)
    case malformedSignature(line: Int, String)
    case signatureInvalid(name: String)
    case noVerifiedSignature
    case malformedCheckpoint(line: Int, String)

    public var description: String {
        switch self {
        case .malformedKey(let reason): "malformed key: \(reason)"
        case .malformedNote(let reason): "malformed note: \(reason)"
        case .malformedSignature(let line, let reason): "malformed signature line \(line): \(reason)"
        case .signatureInvalid(let name): "the signature of '\(name)' does not verify"
        case .noVerifiedSignature: "no signature by a known key"
        case .malformedCheckpoint(let line, let reason): "malformed checkpoint, line \(line): \(reason)"
        }
    }
}
