import Foundation

/// One signature line of a note: `— name base64(key id || signature)`.
public struct NoteSignature: Hashable, Sendable {
    public var name: String
    public var keyID: UInt32
    /// The signature after the key id (for a cosignature: the timestamp and the signature).
    public var bytes: [UInt8]

    public init(name: String, keyID: UInt32, bytes: [UInt8]) {
        self.name = name
        self.keyID = keyID
        self.bytes = bytes
    }

    static let prefix = "\u{2014} "

    /// Reads one line (without its newline).
    public init(line: String, number: Int = 1) throws(NoteError) {
        guard line.hasPrefix(Self.prefix) else { throw .malformedSignature(line: number, "does not start with an em dash and a space") }
        let rest = line.dropFirst(Self.prefix.count)
        let parts = rest.split(separator: " ", omittingEmptySubsequences: false)
        guard parts.count == 2 else { throw .malformedSignature(line: number, "expected a name and a signature separated by one space") }
        let name = String(parts[0])
        do { try NoteKeyFormat.check(name: name) } catch { throw .malformedSignature(line: number, "the signer's name is not valid") }
        guard let data = Data(base64Encoded: String(parts[1])), data.count > 4 else {
            throw .malformedSignature(line: number, "the signature is not base64 of a key id and a signature")
        }
        let bytes = Array(data)
        self.init(name: name, keyID: bytes.prefix(4).reduce(0) { $0 << 8 | UInt32($1) }, bytes: Array(bytes.dropFirst(4)))
    }

    public var line: String {
        let id: [UInt8] = [UInt8(keyID >> 24), UInt8(keyID >> 16 & 0xFF), UInt8(keyID >> 8 & 0xFF), UInt8(keyID & 0xFF)]
        return Self.prefix + name + " " + Data(id + bytes).base64EncodedString()
    }
}

/// A C2SP signed note: UTF-8 text ending in a newline, a blank line, then one or more signature lines.
public struct SignedNote: Hashable, Sendable {
    public static let bytesMax = 1 << 20
    public var text: String
    public var signatures: [NoteSignature]

    public init(text: String, signatures: [NoteSignature]) {
        self.text = text
        self.signatures = signatures
    }

    public static func parse(_ message: String) throws(NoteError) -> SignedNote {
        let bytes = Array(message.utf8)
        guard bytes.count <= bytesMax else { throw .malformedNote("longer than \(bytesMax) bytes") }
        guard bytes.allSatisfy({ $0 >= 0x20 || $0 == 0x0A }), !bytes.contains(0x7F) else {
            throw .malformedNote("contains a control character other than newline")
        }
        guard message.hasSuffix("\n") else { throw .malformedNote("does not end with a newline") }
        guard let split = message.range(of: "\n\n", options: .backwards) else { throw .malformedNote("has no blank line before its signatures") }
        let text = String(message[..<split.lowerBound]) + "\n"
        let lines = message[split.upperBound...].dropLast().split(separator: "\n", omittingEmptySubsequences: false)
        guard !lines.isEmpty, !lines.contains(where: \.isEmpty) else { throw .malformedNote("has no signature lines") }
        var signatures: [NoteSignature] = []
        for (offset, line) in lines.enumerated() {
            signatures.append(try NoteSignature(line: String(line), number: offset + 1))
        }
        guard signatures.count <= 100 else { throw .malformedNote("has more than 100 signatures") }
        return SignedNote(text: text, signatures: signatures)
    }

    public var serialized: String { text + "\n" + signatures.map { $0.line + "\n" }.joined() }

    public func adding(_ signature: NoteSignature) -> SignedNote {
        SignedNote(text: text, signatures: signatures + [signature])
    }

    /// The keys among `verifiers` that signed this note. A signature by a key not listed is
    /// ignored (a note may carry others' signatures); a listed key whose signature fails is an
    /// error; no listed key signing at all is an error.
    public func verify(with verifiers: [NoteVerifier]) throws(NoteError) -> [NoteVerifier] {
        var verified: [NoteVerifier] = []
        for signature in signatures {
            guard let verifier = verifiers.first(where: { $0.name == signature.name && $0.keyID == signature.keyID }) else { continue }
            guard verifier.verifies(signature, of: text) else { throw .signatureInvalid(name: signature.name) }
            if !verified.contains(verifier) { verified.append(verifier) }
        }
        guard !verified.isEmpty else { throw .noVerifiedSignature }
        return verified
    }
}
