import Crypto
import Foundation

/// A witness's key for C2SP tlog-cosignature/v1: Ed25519, key id over type 0x04. The signed
/// message is "cosignature/v1\ntime <seconds>\n" followed by the checkpoint body; the signature
/// bytes are the 8-byte big-endian time and the 64-byte signature.
public struct CosignatureSigner: Sendable {
    public let name: String
    let seed: [UInt8]

    public init(name: String) throws(NoteError) {
        try NoteKeyFormat.check(name: name)
        self.name = name
        seed = Array(Curve25519.Signing.PrivateKey().rawRepresentation)
    }

    /// Reads `PRIVATE+KEY+name+hash+base64(0x04 || seed)`.
    public init(skey: String) throws(NoteError) {
        let parts = try NoteKeyFormat.parse(skey, parts: 5)
        guard parts[0] == "PRIVATE", parts[1] == "KEY" else { throw .malformedKey("a private key starts with PRIVATE+KEY+") }
        let name = String(parts[2])
        try NoteKeyFormat.check(name: name)
        let id = try NoteKeyFormat.hash(parts[3])
        let seed = try NoteKeyFormat.keyBytes(parts[4], type: NoteKeyFormat.cosignatureV1)
        guard let key = try? Curve25519.Signing.PrivateKey(rawRepresentation: seed) else { throw .malformedKey("not an Ed25519 key") }
        guard NoteKeyFormat.keyID(name: name, type: NoteKeyFormat.cosignatureV1, publicKey: Array(key.publicKey.rawRepresentation)) == id else {
            throw .malformedKey("the key hash does not match the key")
        }
        self.name = name
        self.seed = seed
    }

    var key: Curve25519.Signing.PrivateKey { try! Curve25519.Signing.PrivateKey(rawRepresentation: seed) }

    public var skey: String {
        "PRIVATE+KEY+\(name)+\(NoteKeyFormat.hex8(verifier.keyID))+" + Data([NoteKeyFormat.cosignatureV1] + seed).base64EncodedString()
    }

    public var verifier: CosignatureVerifier { CosignatureVerifier(name: name, publicKey: Array(key.publicKey.rawRepresentation)) }

    public func cosign(_ checkpoint: Checkpoint, at time: UInt64) -> NoteSignature {
        let message = CosignatureVerifier.message(checkpoint, time: time)
        let signature = (try? key.signature(for: message)).map(Array.init) ?? []
        return NoteSignature(name: name, keyID: verifier.keyID, bytes: CosignatureVerifier.bigEndian(time) + signature)
    }
}

/// A witness's public key: `name+hash+base64(0x04 || public key)`.
public struct CosignatureVerifier: Hashable, Sendable {
    public let name: String
    public let keyID: UInt32
    let publicKey: [UInt8]

    init(name: String, publicKey: [UInt8]) {
        self.name = name
        self.publicKey = publicKey
        keyID = NoteKeyFormat.keyID(name: name, type: NoteKeyFormat.cosignatureV1, publicKey: publicKey)
    }

    public init(vkey: String) throws(NoteError) {
        let parts = try NoteKeyFormat.parse(vkey, parts: 3)
        let name = String(parts[0])
        try NoteKeyFormat.check(name: name)
        let id = try NoteKeyFormat.hash(parts[1])
        let publicKey = try NoteKeyFormat.keyBytes(parts[2], type: NoteKeyFormat.cosignatureV1)
        guard (try? Curve25519.Signing.PublicKey(rawRepresentation: publicKey)) != nil else { throw .malformedKey("not an Ed25519 public key") }
        self.init(name: name, publicKey: publicKey)
        guard keyID == id else { throw .malformedKey("the key hash does not match the key") }
    }

    public var vkey: String {
        "\(name)+\(NoteKeyFormat.hex8(keyID))+" + Data([NoteKeyFormat.cosignatureV1] + publicKey).base64EncodedString()
    }

    static func bigEndian(_ value: UInt64) -> [UInt8] { (0..<8).map { UInt8(truncatingIfNeeded: value >> (56 - 8 * $0)) } }

    static func message(_ checkpoint: Checkpoint, time: UInt64) -> [UInt8] {
        Array("cosignature/v1\ntime \(time)\n".utf8) + Array(checkpoint.body.utf8)
    }

    /// The time the witness cosigned at, if `signature` is this witness's cosignature of `checkpoint`.
    public func verify(_ signature: NoteSignature, of checkpoint: Checkpoint) throws(NoteError) -> UInt64 {
        guard signature.name == name, signature.keyID == keyID else { throw .signatureInvalid(name: signature.name) }
        guard signature.bytes.count == 72 else { throw .malformedSignature(line: 1, "a cosignature is 8 bytes of time and 64 of signature") }
        let time = signature.bytes.prefix(8).reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
        guard let key = try? Curve25519.Signing.PublicKey(rawRepresentation: publicKey),
              key.isValidSignature(Array(signature.bytes.dropFirst(8)), for: Self.message(checkpoint, time: time)) else {
            throw .signatureInvalid(name: name)
        }
        return time
    }
}
