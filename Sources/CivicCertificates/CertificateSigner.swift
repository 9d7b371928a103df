public import CivicCore
import Crypto
import Foundation

/// An issuer's Ed25519 signing key, as the product keeps it: 32 raw bytes, written to a
/// file in the text form `civic-ed25519-private-key:<base64url>` so an operator can
/// back it up. Never logged, never printed.
public struct CertificateSigningKey: Sendable {
    static let filePrefix = "civic-ed25519-private-key:"
    /// The raw key; Crypto's key types are not `Sendable`, so a key is rebuilt from these bytes where used.
    let raw: [UInt8]
    var key: Curve25519.Signing.PrivateKey { try! Curve25519.Signing.PrivateKey(rawRepresentation: raw) }

    /// A new random key.
    public init() { raw = Array(Curve25519.Signing.PrivateKey().rawRepresentation) }

    /// Reads a key file's text; a wrong or damaged file is `invalidInput`, without echoing the content.
    public init(fileText: String) throws(CivicError) {
        let text = fileText.trimmingCharacters(in: .whitespacesAndNewlines)
        guard text.hasPrefix(Self.filePrefix), let raw = Base64URL.decode(text.dropFirst(Self.filePrefix.count)) else {
            throw CivicError(.invalidInput, "not a CivicCredit certificate key file (expected '\(Self.filePrefix)<base64url>')")
        }
        guard (try? Curve25519.Signing.PrivateKey(rawRepresentation: raw)) != nil else {
            throw CivicError(.invalidInput, "the certificate key file holds no valid Ed25519 key")
        }
        self.raw = raw
    }

    /// The text written to the key file.
    public var fileText: String { Self.filePrefix + Base64URL.encode(raw) + "\n" }

    public var publicKey: CertificatePublicKey { CertificatePublicKey(key.publicKey) }

    /// Signs a certificate whose `keyID` is this key's; returns the compact token.
    public func sign(_ certificate: Certificate) throws(CivicError) -> CertificateToken {
        guard certificate.keyID == publicKey.id else {
            throw CivicError(.invalidInput, "the certificate names key '\(certificate.keyID)', not this key ('\(publicKey.id)')")
        }
        let payload = certificate.canonicalBytes
        let signature: Data
        do {
            signature = try key.signature(for: payload)
        } catch {
            throw CivicError(.storage, "signing failed")
        }
        return CertificateToken(payload: payload, signature: Array(signature))
    }
}

/// A public key that verifies certificates, with its id: the first 16 hex digits of the
/// SHA-256 of its 32 raw bytes. Its text form is `ed25519:<base64url>`.
public struct CertificatePublicKey: Hashable, Sendable {
    static let textPrefix = "ed25519:"
    let raw: [UInt8]
    public let id: String
    var key: Curve25519.Signing.PublicKey { try! Curve25519.Signing.PublicKey(rawRepresentation: raw) }

    init(_ key: Curve25519.Signing.PublicKey) {
        raw = Array(key.rawRepresentation)
        id = SHA256.hash(data: raw).prefix(8).map { byte in
            let digits = Array("0123456789abcdef")
            return String([digits[Int(byte >> 4)], digits[Int(byte & 0x0F)]])
        }.joined()
    }

    /// Reads `ed25519:<base64url>` (the form `text` prints).
    public init(text: String) throws(CivicError) {
        let trimmed = text.trimmingCharacters(in: .whitespacesAndNewlines)
        guard trimmed.hasPrefix(Self.textPrefix), let raw = Base64URL.decode(trimmed.dropFirst(Self.textPrefix.count)) else {
            throw CivicError(.invalidInput, "a public key is written 'ed25519:<base64url>'")
        }
        do {
            self.init(try Curve25519.Signing.PublicKey(rawRepresentation: raw))
        } catch {
            throw CivicError(.invalidInput, "not a valid Ed25519 public key")
        }
    }

    public var text: String { Self.textPrefix + Base64URL.encode(raw) }

    public static func == (lhs: CertificatePublicKey, rhs: CertificatePublicKey) -> Bool { lhs.text == rhs.text }
    public func hash(into hasher: inout Hasher) { hasher.combine(text) }

    public func isValidSignature(_ signature: [UInt8], for payload: [UInt8]) -> Bool {
        key.isValidSignature(signature, for: payload)
    }
}

/// Verifies certificate tokens against a set of trusted issuer keys.
public struct CertificateVerifier: Sendable {
    public let trusted: [String: CertificatePublicKey]

    public init(trusting keys: [CertificatePublicKey]) {
        trusted = Dictionary(keys.map { ($0.id, $0) }, uniquingKeysWith: { first, _ in first })
    }

    /// Readable, signed by a trusted key, unaltered and valid on `day`; otherwise the reason.
    public func verify(_ text: String, on day: Day) -> CertificateVerification {
        CertificateToken.verify(text, on: day) { keyID, payload, signature in
            trusted[keyID].map { $0.isValidSignature(signature, for: payload) }
        }
    }
}
