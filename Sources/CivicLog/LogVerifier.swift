import CivicCore

/// Checks a log's new checkpoint against one saved earlier, trusting nothing the
/// log's server says beyond what its signature and a consistency proof establish:
/// what an auditor's `civic log verify` and a witness do before cosigning.
public enum LogVerifier {
    /// Why a new checkpoint is not accepted, said exactly.
    public enum Divergence: Error, Hashable, Sendable, CustomStringConvertible {
        case unsigned(String)
        case otherLog(expected: String, found: String)
        case shrank(saved: UInt64, now: UInt64)
        case forked(size: UInt64, saved: LogHash, now: LogHash)
        case inconsistent(saved: UInt64, now: UInt64, reason: String)

        public var description: String {
            switch self {
            case .unsigned(let reason): "the checkpoint is not validly signed by the log's key: \(reason)"
            case .otherLog(let expected, let found): "the checkpoint is for the log '\(found)', not '\(expected)'"
            case .shrank(let saved, let now): "the log shrank: it once had \(saved) leaves and now claims \(now); history was cut off"
            case .forked(let size, let saved, let now):
                "two different trees were signed at size \(size): root \(saved.base64) before, \(now.base64) now; the log forked"
            case .inconsistent(let saved, let now, let reason):
                "the tree of \(now) leaves does not extend the saved tree of \(saved) leaves (\(reason)); history was rewritten"
            }
        }
    }

    /// Parses and checks the signature of a checkpoint note signed by `key` (extra signatures, such as cosignatures, are allowed).
    public static func open(_ note: String, key: NoteVerifier) throws(Divergence) -> (Checkpoint, SignedNote) {
        let signed: SignedNote
        let checkpoint: Checkpoint
        do {
            signed = try SignedNote.parse(note)
            _ = try signed.verify(with: [key])
            checkpoint = try Checkpoint.parse(body: signed.text)
        } catch {
            throw .unsigned("\(error)")
        }
        guard checkpoint.origin == key.name else { throw .otherLog(expected: key.name, found: checkpoint.origin) }
        return (checkpoint, signed)
    }

    /// Checks that `new` extends `saved`, by the consistency proof from `saved.size` to `new.size`.
    public static func check(saved: Checkpoint, new: Checkpoint, proof: [LogHash]) throws(Divergence) {
        guard saved.origin == new.origin else { throw .otherLog(expected: saved.origin, found: new.origin) }
        guard new.size >= saved.size else { throw .shrank(saved: saved.size, now: new.size) }
        if saved.size == 0 {
            guard saved.root == Merkle.emptyRoot else { throw .forked(size: 0, saved: saved.root, now: Merkle.emptyRoot) }
            return
        }
        if new.size == saved.size {
            guard new.root == saved.root else { throw .forked(size: saved.size, saved: saved.root, now: new.root) }
            return
        }
        do {
            try Merkle.verifyConsistency(oldSize: saved.size, newSize: new.size, oldRoot: saved.root, newRoot: new.root, proof: proof)
        } catch {
            throw .inconsistent(saved: saved.size, now: new.size, reason: "\(error)")
        }
    }
}
