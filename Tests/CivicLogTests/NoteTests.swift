import CivicLog
import Foundation
import Testing

/// C2SP signed notes, checkpoints and cosignatures: what a witness, a court or a journalist reads.
struct NoteTests {
    // The example key and note of the Go reference implementation, golang.org/x/mod/sumdb/note
    // (package documentation of note.go): Ed25519 is deterministic, so our signature must match byte for byte.
    static let goSkey = "PRIVATE+KEY+PeterNeumann+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz"
    static let goVkey = "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW"
    static let goText = "If you think cryptography is the answer to your problem,\nthen you don't know what your problem is.\n"
    static let goNote = goText + "\n— PeterNeumann x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n"

    @Test func theReferenceNoteIsReproducedByteForByte() throws {
        let signer = try NoteSigner(skey: Self.goSkey)
        #expect(signer.skey == Self.goSkey)
        #expect(signer.verifier.vkey == Self.goVkey)
        #expect(signer.verifier.keyID == 0xc74f20a3)
        let note = SignedNote(text: Self.goText, signatures: [signer.signature(for: Self.goText)])
        #expect(note.serialized == Self.goNote)
        let parsed = try SignedNote.parse(Self.goNote)
        #expect(parsed == note)
        #expect(try parsed.verify(with: [try NoteVerifier(vkey: Self.goVkey)]).map(\.name) == ["PeterNeumann"])
    }

    @Test func everyChangeToTheNoteOrItsSignatureIsRefused() throws {
        let verifier = try NoteVerifier(vkey: Self.goVkey)
        let bytes = Array(Self.goNote.utf8)
        var refused = 0
        for position in bytes.indices {
            var changed = bytes
            changed[position] ^= 0x01
            let text = String(decoding: changed, as: UTF8.self)
            guard text != Self.goNote else { continue }
            #expect(throws: NoteError.self, "byte \(position)") { _ = try SignedNote.parse(text).verify(with: [verifier]) }
            refused += 1
        }
        #expect(refused == bytes.count)
    }

    @Test func malformedNotesSayWhatIsWrong() {
        let cases: [(String, NoteError)] = [
            ("no newline", .malformedNote("does not end with a newline")),
            ("text\n— a AAAAAAA=\n", .malformedNote("has no blank line before its signatures")),
            ("text\n\n", .malformedNote("has no signature lines")),
            ("text\n\nnot a signature\n", .malformedSignature(line: 1, "does not start with an em dash and a space")),
            ("text\n\n— a !!!\n", .malformedSignature(line: 1, "the signature is not base64 of a key id and a signature")),
            ("text\n\n— a  AAAAAAA=\n", .malformedSignature(line: 1, "expected a name and a signature separated by one space")),
            ("te\u{7}xt\n\n— a AAAAAAA=\n", .malformedNote("contains a control character other than newline")),
            ("text\r\n\n— a AAAAAAA=\n", .malformedNote("contains a control character other than newline")),
        ]
        for (message, expected) in cases {
            #expect(throws: expected, "\(message.debugDescription)") { _ = try SignedNote.parse(message) }
        }
        #expect(throws: NoteError.malformedNote("longer than \(SignedNote.bytesMax) bytes")) {
            _ = try SignedNote.parse(String(repeating: "a", count: SignedNote.bytesMax) + "\n\n— a AAAAAAA=\n")
        }
    }

    @Test func keysRefuseEveryMangling() throws {
        // Every proper substring and every single-byte change of a key is refused, never accepted as another key.
        for key in [Self.goSkey, Self.goVkey] {
            let bytes = Array(key.utf8)
            for position in bytes.indices {
                var changed = bytes
                changed[position] &+= 1
                let text = String(decoding: changed, as: UTF8.self)
                if key == Self.goSkey {
                    #expect(throws: NoteError.self, "\(text)") { _ = try NoteSigner(skey: text) }
                } else {
                    #expect(throws: NoteError.self, "\(text)") { _ = try NoteVerifier(vkey: text) }
                }
            }
            for end in 1..<bytes.count {
                let text = String(decoding: bytes[..<end], as: UTF8.self)
                #expect(throws: NoteError.self) { _ = try NoteVerifier(vkey: text) }
                #expect(throws: NoteError.self) { _ = try NoteSigner(skey: text) }
            }
        }
        #expect(throws: NoteError.self) { _ = try NoteSigner(name: "has space") }
        #expect(throws: NoteError.self) { _ = try NoteSigner(name: "a+b") }
        #expect(throws: NoteError.self) { _ = try NoteSigner(name: "") }
    }

    @Test func aSignatureByAnotherKeyOfTheSameNameIsRefused() throws {
        let log = try NoteSigner(name: "civiccredit.test/log")
        let impostor = try NoteSigner(name: "civiccredit.test/log")
        let note = SignedNote(text: "x\n", signatures: [impostor.signature(for: "x\n")])
        // Same name, different key id: not a signature by the log, so nothing verifies.
        #expect(throws: NoteError.noVerifiedSignature) { _ = try note.verify(with: [log.verifier]) }
        // Same name and key id but a forged signature: refused loudly.
        var forged = log.signature(for: "x\n")
        forged.bytes[0] ^= 1
        #expect(throws: NoteError.signatureInvalid(name: "civiccredit.test/log")) {
            _ = try SignedNote(text: "x\n", signatures: [forged]).verify(with: [log.verifier])
        }
        // Others' signatures are ignored when the log's own verifies.
        let both = SignedNote(text: "x\n", signatures: [impostor.signature(for: "x\n"), log.signature(for: "x\n")])
        #expect(try both.verify(with: [log.verifier]) == [log.verifier])
    }

    @Test func checkpointsParseStrictly() throws {
        let root = LogHash(sha256: Array("root".utf8))
        let checkpoint = Checkpoint(origin: "civiccredit.test/log", size: 42, root: root, extensions: ["ext one"])
        #expect(checkpoint.body == "civiccredit.test/log\n42\n\(root.base64)\next one\n")
        #expect(try Checkpoint.parse(body: checkpoint.body) == checkpoint)
        let bad: [(String, Int)] = [
            ("civiccredit.test/log\n42\n", 3), ("\n42\n\(root.base64)\n", 1), ("o\n042\n\(root.base64)\n", 2), ("o\n-1\n\(root.base64)\n", 2),
            ("o\n18446744073709551616\n\(root.base64)\n", 2), ("o\n1\n\(Data(root.bytes.dropLast()).base64EncodedString())\n", 3),
            ("o\n1\nnot base64\n", 3), ("o\n1\n\(root.base64)\n\n", 4), ("o\n 1\n\(root.base64)\n", 2),
        ]
        for (body, line) in bad {
            #expect(throws: NoteError.self, "\(body.debugDescription)") { _ = try Checkpoint.parse(body: body) }
            do { _ = try Checkpoint.parse(body: body) } catch { if case .malformedCheckpoint(let found, _) = error { #expect(found == line, "\(body.debugDescription)") } }
        }
    }

    @Test func cosignaturesBindTheCheckpointAndTheTime() throws {
        let witness = try CosignatureSigner(name: "witness.test")
        #expect(try CosignatureSigner(skey: witness.skey).verifier == witness.verifier)
        #expect(try CosignatureVerifier(vkey: witness.verifier.vkey) == witness.verifier)
        // A witness key is not a log key, nor the other way round: the key ids are over different types.
        #expect(throws: NoteError.self) { _ = try NoteVerifier(vkey: witness.verifier.vkey) }
        let checkpoint = Checkpoint(origin: "civiccredit.test/log", size: 7, root: LogHash(sha256: Array("r".utf8)))
        let signature = witness.cosign(checkpoint, at: 1_775_000_000)
        #expect(signature.bytes.count == 72)
        #expect(try witness.verifier.verify(signature, of: checkpoint) == 1_775_000_000)
        #expect(try NoteSignature(line: signature.line) == signature)
        var other = checkpoint
        other.size = 8
        #expect(throws: NoteError.self) { _ = try witness.verifier.verify(signature, of: other) }
        var retimed = signature
        retimed.bytes[7] ^= 1
        #expect(throws: NoteError.self) { _ = try witness.verifier.verify(retimed, of: checkpoint) }
    }

    @Test func theVerifierTellsForksRollbacksAndRewritesApart() throws {
        let leaves = (0..<20).map { Merkle.leafHash(Array("leaf \($0)".utf8)) }
        let old = Checkpoint(origin: "o", size: 10, root: Merkle.root(of: Array(leaves.prefix(10))))
        let new = Checkpoint(origin: "o", size: 20, root: Merkle.root(of: leaves))
        let proof = try Merkle.consistencyProof(oldSize: 10, leafHashes: leaves)
        try LogVerifier.check(saved: old, new: new, proof: proof)
        try LogVerifier.check(saved: old, new: old, proof: [])
        #expect(throws: LogVerifier.Divergence.shrank(saved: 20, now: 10)) { try LogVerifier.check(saved: new, new: old, proof: []) }
        let forkRoot = Merkle.root(of: Array(leaves.prefix(9)) + [Merkle.leafHash(Array("other".utf8))])
        let fork = Checkpoint(origin: "o", size: 10, root: forkRoot)
        #expect(throws: LogVerifier.Divergence.forked(size: 10, saved: old.root, now: forkRoot)) { try LogVerifier.check(saved: old, new: fork, proof: []) }
        var rewritten = leaves
        rewritten[3] = Merkle.leafHash(Array("rewritten".utf8))
        let rewrittenNew = Checkpoint(origin: "o", size: 20, root: Merkle.root(of: rewritten))
        let rewrittenProof = try Merkle.consistencyProof(oldSize: 10, leafHashes: rewritten)
        #expect(throws: LogVerifier.Divergence.self) { try LogVerifier.check(saved: old, new: rewrittenNew, proof: rewrittenProof) }
        #expect(throws: LogVerifier.Divergence.otherLog(expected: "o", found: "p")) {
            try LogVerifier.check(saved: old, new: Checkpoint(origin: "p", size: 20, root: new.root), proof: proof)
        }
    }
}
