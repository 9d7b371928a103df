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

/// An Ed25519 key pair as C2SP notes write it, for one signature type (0x01 for a log's note
/// signatures, 0x04 for a witness's cosignatures): `PRIVATE+KEY+name+hash+base64(type || seed)`.
/// Crypto's key types are not `Sendable`, so the raw seed is kept and the key rebuilt where used.
struct Ed25519NoteKey: Sendable {
    let name: String
    let type: UInt8
    let seed: [UInt8]

    init(name: String, type: UInt8) throws(NoteError) {
        try NoteKeyFormat.check(name: name)
        self.name = name
        self.type = type
        seed = Array(Curve25519.Signing.PrivateKey().rawRepresentation)
    }

    /// Reads the private key text; the hash must match the key.
    init(skey: String, type: UInt8) throws(NoteError) {
        let parts = try NoteKeyFormat.parse(skey, parts: 5)
        guard parts[0] == "PRIVATE", parts[1] == "KEY" else { throw .malformedKey("a private key starts with PRIVATE+KEY+") }
        let name = String(parts[2])
        try NoteKeyFormat.check(name: name)
        let id = try NoteKeyFormat.hash(parts[3])
        let seed = try NoteKeyFormat.keyBytes(parts[4], type: type)
        guard let key = try? Curve25519.Signing.PrivateKey(rawRepresentation: seed) else { throw .malformedKey("not an Ed25519 key") }
        guard NoteKeyFormat.keyID(name: name, type: type, publicKey: Array(key.publicKey.rawRepresentation)) == id else {
            throw .malformedKey("the key hash does not match the key")
        }
        self.name = name
        self.type = type
        self.seed = seed
    }

    var key: Curve25519.Signing.PrivateKey { try! Curve25519.Signing.PrivateKey(rawRepresentation: seed) }
    var publicKey: Ed25519NotePublicKey { Ed25519NotePublicKey(name: name, type: type, raw: Array(key.publicKey.rawRepresentation)) }
    var skey: String { "PRIVATE+KEY+\(name)+\(NoteKeyFormat.hex8(publicKey.keyID))+" + Data([type] + seed).base64EncodedString() }

    func sign(_ message: [UInt8]) -> [UInt8] { (try? key.signature(for: message)).map(Array.init) ?? [] }
}

/// The public half: `name+hash+base64(type || public key)`.
struct Ed25519NotePublicKey: Hashable, Sendable {
    let name: String
    let type: UInt8
    let raw: [UInt8]
    let keyID: UInt32

    init(name: String, type: UInt8, raw: [UInt8]) {
        self.name = name
        self.type = type
        self.raw = raw
        keyID = NoteKeyFormat.keyID(name: name, type: type, publicKey: raw)
    }

    init(vkey: String, type: UInt8) throws(NoteError) {
        let parts = try NoteKeyFormat.parse(vkey, parts: 3)
        let name = String(parts[0])
        try NoteKeyFormat.check(name: name)
        let id = try NoteKeyFormat.hash(parts[1])
        let raw = try NoteKeyFormat.keyBytes(parts[2], type: type)
        guard (try? Curve25519.Signing.PublicKey(rawRepresentation: raw)) != nil else { throw .malformedKey("not an Ed25519 public key") }
        self.init(name: name, type: type, raw: raw)
        guard keyID == id else { throw .malformedKey("the key hash does not match the key") }
    }

    var vkey: String { "\(name)+\(NoteKeyFormat.hex8(keyID))+" + Data([type] + raw).base64EncodedString() }

    func isValid(_ signature: [UInt8], for message: [UInt8]) -> Bool {
        guard signature.count == 64, let key = try? Curve25519.Signing.PublicKey(rawRepresentation: raw) else { return false }
        return key.isValidSignature(signature, for: message)
    }
}

/// The log's signing key: a name (the log's origin) and an Ed25519 seed. Never printed.
public struct NoteSigner: Sendable {
    let pair: Ed25519NoteKey

    public var name: String { pair.name }

    /// A new random key.
    public init(name: String) throws(NoteError) { pair = try Ed25519NoteKey(name: name, type: NoteKeyFormat.ed25519) }

    /// Reads `PRIVATE+KEY+name+hash+base64(0x01 || seed)`; the hash must match the key.
    public init(skey: String) throws(NoteError) { pair = try Ed25519NoteKey(skey: skey, type: NoteKeyFormat.ed25519) }

    public var skey: String { pair.skey }

    public var verifier: NoteVerifier { NoteVerifier(key: pair.publicKey) }

    /// The signature of a note's text (which ends with a newline).
    public func signature(for text: String) -> NoteSignature {
        NoteSignature(name: name, keyID: pair.publicKey.keyID, bytes: pair.sign(Array(text.utf8)))
    }
}

/// A public key that verifies notes: `name+hash+base64(0x01 || public key)`.
public struct NoteVerifier: Hashable, Sendable {
    let key: Ed25519NotePublicKey

    public var name: String { key.name }
    public var keyID: UInt32 { key.keyID }

    init(key: Ed25519NotePublicKey) { self.key = key }

    public init(vkey: String) throws(NoteError) { key = try Ed25519NotePublicKey(vkey: vkey, type: NoteKeyFormat.ed25519) }

    public var vkey: String { key.vkey }

    public func verifies(_ signature: NoteSignature, of text: String) -> Bool {
        signature.name == name && signature.keyID == keyID && key.isValid(signature.bytes, for: Array(text.utf8))
    }
}
