// The transparency log's text and path formats, as they come from another server or a witness: signed
// notes and checkpoints (`civic log verify --log URL`, `civic log witness`), cosignature lines
// (POST /log/cosignatures) and tile paths (GET /tile/...).
//
// Properties: nothing traps; refusals are typed (NoteError, MerkleError); a checkpoint that parses is in
// its one canonical text (its body is the text it was read from); a note, a signature line and a tile path
// that parse print as text that parses to the same value (a tile path exactly as read); a checkpoint that
// parses, signed and cosigned here, verifies, and does not with one bit of the signature or root changed.
@testable import CivicLog
import FuzzSupport

let signer = try! NoteSigner(name: "fuzz.example/log")
let witness = try! CosignatureSigner(name: "fuzz.example/witness")

@main
enum FuzzLog {
    static func main() { runFuzzer(fuzzLog) }
}

/// One input, 0 when every property holds. Also exported as LLVMFuzzerTestOneInput, which libFuzzer's
/// runtime library references even when its own `main` is not the one that runs.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzLog(_ data: UnsafePointer<UInt8>?, _ count: Int) -> CInt {
    let text = FuzzSupport.text(data, count)

    do throws(NoteError) {
        let note = try SignedNote.parse(text)
        expect((try? SignedNote.parse(note.serialized)) == note, "note does not parse back from \(note.serialized.debugDescription)")
        if let checkpoint = try? Checkpoint.parse(body: note.text) { check(checkpoint, body: note.text) }
    } catch {
        _ = error.description
    }
    if let checkpoint = try? Checkpoint.parse(body: text) { check(checkpoint, body: text) }

    for line in text.split(separator: "\n").prefix(8) {
        if let signature = try? NoteSignature(line: String(line)) {
            expect((try? NoteSignature(line: signature.line)) == signature, "signature line \(line.debugDescription) does not read back")
        }
    }
    do throws(MerkleError) {
        let key = try TileKey(path: text)
        expect(key.path == text, "tile path \(text.debugDescription) prints as \(key.path)")
    } catch {
        _ = "\(error)"
    }
    return 0
}

func check(_ checkpoint: Checkpoint, body: String) {
    expect(checkpoint.body == body, "checkpoint \(body.debugDescription) is not canonical: \(checkpoint.body.debugDescription)")
    let signed = SignedNote(text: checkpoint.body, signatures: [signer.signature(for: checkpoint.body)])
    guard let again = try? SignedNote.parse(signed.serialized) else { fail("own note does not parse: \(signed.serialized.debugDescription)") }
    expect((try? again.verify(with: [signer.verifier])) == [signer.verifier], "own signature does not verify")
    var forged = again
    forged.signatures[0].bytes[checkpoint.origin.utf8.count % forged.signatures[0].bytes.count] ^= 0x01
    expect((try? forged.verify(with: [signer.verifier])) == nil, "a changed signature verifies")

    let cosignature = witness.cosign(checkpoint, at: 1_764_000_000)
    expect((try? witness.verifier.verify(cosignature, of: checkpoint)) == 1_764_000_000, "own cosignature does not verify")
    var moved = checkpoint
    moved.size &+= 1
    expect((try? witness.verifier.verify(cosignature, of: moved)) == nil, "a cosignature verifies for another tree size")
}
