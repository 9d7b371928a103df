/// The compact text form of a signed certificate: `CC1.<content>.<signature>`, both parts
/// base64url without padding, so it fits a QR code, a URL path and a text message.
///
/// The content is the certificate's canonical bytes; the signature is Ed25519 over them.
public struct CertificateToken: Hashable, Sendable {
    public static let prefix = "CC1"
    /// Bounds on what a verifier reads, so a hostile token cannot make it work hard.
    public static let payloadBytesMax = 2_048
    public static let textLengthMax = 4_096
    public static let signatureBytes = 64

    public var payload: [UInt8]
    public var signature: [UInt8]

    public init(payload: [UInt8], signature: [UInt8]) {
        self.payload = payload
        self.signature = signature
    }

    public var text: String { "\(CertificateToken.prefix).\(Base64URL.encode(payload)).\(Base64URL.encode(signature))" }

    /// Reads a token; surrounding whitespace is ignored, anything else wrong is `malformed` with the reason.
    public init(parsing raw: String) throws(CertificateRejection) {
        let text = raw.trimmingWhitespace()
        guard text.utf8.count <= CertificateToken.textLengthMax else { throw .malformed("the token is longer than \(CertificateToken.textLengthMax) characters") }
        let parts = text.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 3, parts[0] == CertificateToken.prefix else {
            throw .malformed("a certificate token has three parts, '\(CertificateToken.prefix).<content>.<signature>'")
        }
        guard let payload = Base64URL.decode(parts[1]) else { throw .malformed("the content part is not base64url") }
        guard let signature = Base64URL.decode(parts[2]) else { throw .malformed("the signature part is not base64url") }
        guard signature.count == CertificateToken.signatureBytes else {
            throw .malformed("the signature has \(signature.count) bytes; an Ed25519 signature has \(CertificateToken.signatureBytes)")
        }
        self.init(payload: payload, signature: signature)
    }
}

/// What verifying a certificate found.
public struct CertificateVerification: Sendable {
    /// The certificate as read, when the content could be read at all.
    public var certificate: Certificate?
    /// `nil` when the certificate is accepted.
    public var rejection: CertificateRejection?

    public var isAccepted: Bool { rejection == nil }
}

extension CertificateToken {
    /// Checks a token in the order a relying party needs: readable, signed by a trusted key,
    /// unaltered, and valid on `day`. `signatureIsValid` is the cryptography: given the key id,
    /// the signed bytes and the signature, it answers `nil` for a key it does not trust.
    public static func verify(
        _ text: String, on day: Day, signatureIsValid: (_ keyID: String, _ payload: [UInt8], _ signature: [UInt8]) -> Bool?
    ) -> CertificateVerification {
        let token: CertificateToken
        let certificate: Certificate
        do {
            token = try CertificateToken(parsing: text)
            certificate = try Certificate(canonicalBytes: token.payload)
        } catch {
            return CertificateVerification(certificate: nil, rejection: error)
        }
        guard let valid = signatureIsValid(certificate.keyID, token.payload, token.signature) else {
            return CertificateVerification(certificate: certificate, rejection: .unknownKey(certificate.keyID))
        }
        guard valid else { return CertificateVerification(certificate: certificate, rejection: .badSignature) }
        if day < certificate.asOf { return CertificateVerification(certificate: certificate, rejection: .notYetValid(asOf: certificate.asOf, checkedOn: day)) }
        if day > certificate.validUntil {
            return CertificateVerification(certificate: certificate, rejection: .expired(validUntil: certificate.validUntil, checkedOn: day))
        }
        return CertificateVerification(certificate: certificate, rejection: nil)
    }
}

/// Base64url (RFC 4648 section 5) without padding; the core keeps to the standard library.
public enum Base64URL {
    static let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_".utf8)

    public static func encode(_ bytes: [UInt8]) -> String {
        var out: [UInt8] = []
        out.reserveCapacity((bytes.count * 4 + 2) / 3)
        var index = 0
        while index < bytes.count {
            let chunk = bytes[index..<min(index + 3, bytes.count)]
            let value = chunk.enumerated().reduce(UInt32(0)) { $0 | UInt32($1.element) << (16 - 8 * UInt32($1.offset)) }
            for position in 0..<(chunk.count + 1) { out.append(alphabet[Int((value >> (18 - 6 * UInt32(position))) & 0x3F)]) }
            index += 3
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// The bytes, or `nil` for a character outside the alphabet, padding, or an impossible length.
    public static func decode<S: StringProtocol>(_ text: S) -> [UInt8]? {
        var values: [UInt32] = []
        values.reserveCapacity(text.utf8.count)
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "A")...UInt8(ascii: "Z"): values.append(UInt32(byte - UInt8(ascii: "A")))
            case UInt8(ascii: "a")...UInt8(ascii: "z"): values.append(UInt32(byte - UInt8(ascii: "a")) + 26)
            case UInt8(ascii: "0")...UInt8(ascii: "9"): values.append(UInt32(byte - UInt8(ascii: "0")) + 52)
            case UInt8(ascii: "-"): values.append(62)
            case UInt8(ascii: "_"): values.append(63)
            default: return nil
            }
        }
        guard values.count % 4 != 1 else { return nil }
        var out: [UInt8] = []
        var index = 0
        while index < values.count {
            let chunk = values[index..<min(index + 4, values.count)]
            let value = chunk.enumerated().reduce(UInt32(0)) { $0 | $1.element << (18 - 6 * UInt32($1.offset)) }
            let produced = chunk.count - 1
            for position in 0..<produced { out.append(UInt8((value >> (16 - 8 * UInt32(position))) & 0xFF)) }
            // Bits beyond the last byte must be zero, so every byte string has exactly one text.
            let unused = value & ((1 << UInt32(24 - 8 * produced)) - 1)
            guard unused == 0 else { return nil }
            index += 4
        }
        return out
    }
}
