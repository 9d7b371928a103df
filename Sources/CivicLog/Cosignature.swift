import Foundation

/// A witness's key for C2SP tlog-cosignature/v1: Ed25519, key id over type 0x04. The signed
/// message is "cosignature/v1\ntime <seconds>\n" followed by the checkpoint body; the signature
/// bytes are the 8-byte big-endian time and the 64-byte signature.
public struct CosignatureSigner: Sendable {
    let pair: Ed25519NoteKey

    public var name: String { pair.name }

    public init(name: String) throws(NoteError) { pair = try Ed25519NoteKey(name: name, type: NoteKeyFormat.cosignatureV1) }

    /// Reads `PRIVATE+KEY+name+hash+base64(0x04 || seed)`.
    public init(skey: String) throws(NoteError) { pair = try Ed25519NoteKey(skey: skey, type: NoteKeyFormat.cosignatureV1) }

    public var skey: String { pair.skey }

    public var verifier: CosignatureVerifier { CosignatureVerifier(key: pair.publicKey) }

    public func cosign(_ checkpoint: Checkpoint, at time: UInt64) -> NoteSignature {
        let signature = pair.sign(CosignatureVerifier.message(checkpoint, time: time))
        return NoteSignature(name: name, keyID: pair.publicKey.keyID, bytes: CosignatureVerifier.bigEndian(time) + signature)
    }
}

/// A witness's public key: `name+hash+base64(0x04 || public key)`.
public struct CosignatureVerifier: Hashable, Sendable {
    let key: Ed25519NotePublicKey

    public var name: String { key.name }
    public var keyID: UInt32 { key.keyID }

    init(key: Ed25519NotePublicKey) { self.key = key }

    public init(vkey: String) throws(NoteError) { key = try Ed25519NotePublicKey(vkey: vkey, type: NoteKeyFormat.cosignatureV1) }

    public var vkey: String { key.vkey }

    static func bigEndian(_ value: UInt64) -> [UInt8] { (0..<8).map { UInt8(truncatingIfNeeded: value >> (56 - 8 * $0)) } }

    static func message(_ checkpoint: Checkpoint, time: UInt64) -> [UInt8] {
        Array("cosignature/v1\ntime \(time)\n".utf8) + Array(checkpoint.body.utf8)
    }

    /// The time the witness cosigned at, if `signature` is this witness's cosignature of `checkpoint`.
    public func verify(_ signature: NoteSignature, of checkpoint: Checkpoint) throws(NoteError) -> UInt64 {
        guard signature.name == name, signature.keyID == keyID else { throw .signatureInvalid(name: signature.name) }
        guard signature.bytes.count == 72 else { throw .malformedSignature(line: 1, "a cosignature is 8 bytes of time and 64 of signature") }
        let time = signature.bytes.prefix(8).reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
        guard key.isValid(Array(signature.bytes.dropFirst(8)), for: Self.message(checkpoint, time: time)) else {
            throw .signatureInvalid(name: name)
        }
        return time
    }
}
