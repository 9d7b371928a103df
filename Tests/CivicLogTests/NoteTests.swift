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

    // The examples of the specifications themselves: C2SP/C2SP signed-note.md, tlog-checkpoint.md and
    // tlog-cosignature.md at commit 5ba5ee830903e91240fc6f9f3a7a9293d49e69c9.
    static let c2spVkey = "example.com/foo+530d903a+AekyeRrm56hApGFkyQR4ZCbV54Id2LKaANYcrnKv3U2k"
    static let c2spNote = "This is an example message.\n\n"
        + "— example.com/foo Uw2QOkn8srV1yJGh2VYRlL1Tnagv1YEq6TfXppzi2ONncAlTgK7Ztg1ERYNZXsYjOBH3mFXmRKuwHjG1Yu72IneyaQM=\n"
    static let c2spCheckpoint = "example.com/behind-the-sofa\n20852163\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n"
    static let c2spCosigned = c2spCheckpoint + "\n"
        + "— example.com/behind-the-sofa Az3grlgtzPICa5OS8npVmf1Myq/5IZniMp+ZJurmRDeOoRDe4URYN7u5/Zhcyv2q1gGzGku9nTo+zyWE+xeMcTOAYQ8=\n"
        + "— witness.example.com/w1 jWbPPwAAAABkGFDLEZMHwSRaJNiIDoe9DYn/zXcrtPHeolMI5OWXEhZCB9dlrDJsX3b2oyin1nPZqhf5nNo0xUe+mbIUBkBIfZ+qnA==\n"

    @Test func theSpecificationsExamplesReadAsTheySay() throws {
        let note = try SignedNote.parse(Self.c2spNote)
        #expect(note.text == "This is an example message.\n")
        #expect(try note.verify(with: [try NoteVerifier(vkey: Self.c2spVkey)]).map(\.name) == ["example.com/foo"])
        let checkpoint = try Checkpoint.parse(body: Self.c2spCheckpoint)
        #expect(checkpoint.origin == "example.com/behind-the-sofa" && checkpoint.size == 20_852_163)
        #expect(checkpoint.body == Self.c2spCheckpoint)
        // The witness line: key id 8d66cf3f, then the cosignature/v1 time 1679315147 and a 64-byte signature.
        let cosigned = try SignedNote.parse(Self.c2spCosigned)
        #expect(cosigned.text == Self.c2spCheckpoint && cosigned.signatures.count == 2)
        let witness = cosigned.signatures[1]
        #expect(witness.name == "witness.example.com/w1" && witness.keyID == 0x8d66_cf3f && witness.bytes.count == 72)
        #expect(witness.bytes.prefix(8).reduce(UInt64(0)) { $0 << 8 | UInt64($1) } == 1_679_315_147)
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

    @Test func aCheckpointBodyWithAControlCharacterIsRefusedBecauseNoNoteCouldCarryIt() throws {
        // Found by scripts/fuzz log (Fuzz/regressions/log): a NUL in an extension line parsed as a checkpoint,
        // whose body no signed note may hold, so signing it produced a note that does not parse.
        let root = Merkle.root(of: [Merkle.leafHash(Array("leaf".utf8))]).base64
        for body in ["o\n1\n\(root)\next\u{0}ension\n", "o\u{7F}\n1\n\(root)\n", "o\r\n1\n\(root)\n", "o\n1\n\(root)\n\tx\n"] {
            #expect(throws: NoteError.self, "\(body.debugDescription)") { try Checkpoint.parse(body: body) }
        }
        let fine = try Checkpoint.parse(body: "o\n1\n\(root)\nextension — with text\n")
        let signer = try NoteSigner(name: "example.com/log")
        let note = SignedNote(text: fine.body, signatures: [signer.signature(for: fine.body)])
        #expect(try SignedNote.parse(note.serialized).verify(with: [signer.verifier]) == [signer.verifier])
    }
}
