import Crypto
import Foundation

/// The C2SP signed-note key names and ids: a name is non-empty UTF-8 without spaces, "+" or
/// control characters; a key id is the first four bytes of SHA-256(name || "\n" || type || public key).
enum NoteKeyFormat {
    static let ed25519: UInt8 = 0x01
    static let cosignatureV1: UInt8 = 0x04

    static func check(name: String) throws(NoteError) {
        guard !name.isEmpty else { throw .malformedKey("the name is empty") }
        guard name.unicodeScalars.allSatisfy({ $0 != "+" && !$0.properties.isWhitespace && $0.value >= 0x20 && $0.value != 0x7F }) else {
            throw .malformedKey("the name '\(name.prefix(64))' contains a space, a '+' or a control character")
        }
    }

    static func keyID(name: String, type: UInt8, publicKey: [UInt8]) -> UInt32 {
        var data = Array(name.utf8)
        data.append(0x0A)
        data.append(type)
        data += publicKey
        return Array(SHA256.hash(data: data).prefix(4)).reduce(0) { $0 << 8 | UInt32($1) }
    }

    static func hex8(_ id: UInt32) -> String {
        let text = String(id, radix: 16)
        return String(repeating: "0", count: 8 - text.count) + text
    }

    /// Splits `name+hash+base64`, checking the name, the hash's form and the base64.
    static func parse(_ text: String, parts expected: Int) throws(NoteError) -> [Substring] {
        let parts = text.split(separator: "+", maxSplits: expected - 1, omittingEmptySubsequences: false)
        guard parts.count == expected else { throw .malformedKey("expected \(expected) parts separated by '+', found \(parts.count)") }
        return parts
    }

    static func keyBytes(_ base64: Substring, type: UInt8) throws(NoteError) -> [UInt8] {
        guard let data = Data(base64Encoded: String(base64)) else { throw .malformedKey("the key is not base64") }
        guard data.count == 33 else { throw .malformedKey("the key is \(data.count) bytes, not 33") }
        guard data.first == type else { throw .malformedKey("the key type is \(data.first ?? 0), not \(type)") }
        return Array(data.dropFirst())
    }

    static func hash(_ text: Substring) throws(NoteError) -> UInt32 {
        guard text.count == 8, text.utf8.allSatisfy({ (0x30...0x39).contains($0) || (0x61...0x66).contains($0) }), let id = UInt32(text, radix: 16) else {
            throw .malformedKey("the key hash '\(text.prefix(16))' is not 8 lower-case hex digits")
        }
        return id
    }
}

/// The log's signing key: a name (the log's origin) and an Ed25519 seed. Crypto's key types
/// are not `Sendable`, so the raw seed is kept and the key rebuilt where used. Never printed.
public struct NoteSigner: Sendable {
    public let name: String
    let seed: [UInt8]

    /// A new random key.
    public init(name: String) throws(NoteError) {
        try NoteKeyFormat.check(name: name)
        self.name = name
        seed = Array(Curve25519.Signing.PrivateKey().rawRepresentation)
    }

    /// Reads `PRIVATE+KEY+name+hash+base64(0x01 || seed)`; the hash must match the key.
    public init(skey: String) throws(NoteError) {
        let parts = try NoteKeyFormat.parse(skey, parts: 5)
        guard parts[0] == "PRIVATE", parts[1] == "KEY" else { throw .malformedKey("a private key starts with PRIVATE+KEY+") }
        let name = String(parts[2])
        try NoteKeyFormat.check(name: name)
        let id = try NoteKeyFormat.hash(parts[3])
        let seed = try NoteKeyFormat.keyBytes(parts[4], type: NoteKeyFormat.ed25519)
        guard let key = try? Curve25519.Signing.PrivateKey(rawRepresentation: seed) else { throw .malformedKey("not an Ed25519 key") }
        guard NoteKeyFormat.keyID(name: name, type: NoteKeyFormat.ed25519, publicKey: Array(key.publicKey.rawRepresentation)) == id else {
            throw .malformedKey("the key hash does not match the key")
        }
        self.name = name
        self.seed = seed
    }

    var key: Curve25519.Signing.PrivateKey { try! Curve25519.Signing.PrivateKey(rawRepresentation: seed) }

    public var skey: String {
        "PRIVATE+KEY+\(name)+\(NoteKeyFormat.hex8(verifier.keyID))+" + Data([NoteKeyFormat.ed25519] + seed).base64EncodedString()
    }

    public var verifier: NoteVerifier { NoteVerifier(name: name, publicKey: Array(key.publicKey.rawRepresentation)) }

    /// The signature of a note's text (which ends with a newline).
    public func signature(for text: String) -> NoteSignature {
        let signature = (try? key.signature(for: Array(text.utf8))).map(Array.init) ?? []
        return NoteSignature(name: name, keyID: verifier.keyID, bytes: signature)
    }
}

/// A public key that verifies notes: `name+hash+base64(0x01 || public key)`.
public struct NoteVerifier: Hashable, Sendable {
    public let name: String
    public let keyID: UInt32
    let publicKey: [UInt8]

    init(name: String, publicKey: [UInt8]) {
        self.name = name
        self.publicKey = publicKey
        keyID = NoteKeyFormat.keyID(name: name, type: NoteKeyFormat.ed25519, publicKey: publicKey)
    }

    public init(vkey: String) throws(NoteError) {
        let parts = try NoteKeyFormat.parse(vkey, parts: 3)
        let name = String(parts[0])
        try NoteKeyFormat.check(name: name)
        let id = try NoteKeyFormat.hash(parts[1])
        let publicKey = try NoteKeyFormat.keyBytes(parts[2], type: NoteKeyFormat.ed25519)
        guard (try? Curve25519.Signing.PublicKey(rawRepresentation: publicKey)) != nil else { throw .malformedKey("not an Ed25519 public key") }
        self.init(name: name, publicKey: publicKey)
        guard keyID == id else { throw .malformedKey("the key hash does not match the key") }
    }

    public var vkey: String {
        "\(name)+\(NoteKeyFormat.hex8(keyID))+" + Data([NoteKeyFormat.ed25519] + publicKey).base64EncodedString()
    }

    public func verifies(_ signature: NoteSignature, of text: String) -> Bool {
        guard signature.name == name, signature.keyID == keyID, signature.bytes.count == 64,
              let key = try? Curve25519.Signing.PublicKey(rawRepresentation: publicKey) else { return false }
        return key.isValidSignature(signature.bytes, for: Array(text.utf8))
    }
}
