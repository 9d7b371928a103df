public import CivicAccess
import Crypto

/// Bearer tokens: `civic_<id>_<secret>`. The id finds the stored record; only the SHA-256 of the
/// secret is stored, and compared in constant time. The secret has 256 random bits, so a fast hash
/// is right here (unlike passwords, which get bcrypt).
public enum TokenSecret {
    static let alphabet = Array("abcdefghijklmnopqrstuvwxyz0123456789".utf8)

    package static func random(_ count: Int) -> String {
        var generator = SystemRandomNumberGenerator()
        return String(decoding: (0..<count).map { _ in alphabet[Int(generator.next(upperBound: UInt32(alphabet.count)))] }, as: UTF8.self)
    }

    /// A new token: its id, the full bearer text to hand out once, and the hash to store.
    public static func make() -> (id: TokenRecord.ID, bearer: String, hash: String) {
        let id = random(16)
        let secret = random(50)  // log2(36^50) > 258 bits
        return (TokenRecord.ID(id), "civic_\(id)_\(secret)", hash(secret))
    }

    public static func hash(_ secret: some StringProtocol) -> String {
        let digest = SHA256.hash(data: Array(secret.utf8))
        return hex(digest)
    }

    package static func hex(_ digest: some Sequence<UInt8>) -> String {
        let digits = Array("0123456789abcdef".utf8)
        var out: [UInt8] = []
        out.reserveCapacity(64)
        for byte in digest {
            out.append(digits[Int(byte >> 4)])
            out.append(digits[Int(byte & 0x0f)])
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// Splits a bearer text into id and secret, or nil if it is not shaped like a token.
    static func parse(_ bearer: Substring) -> (id: Substring, secret: Substring)? {
        guard bearer.hasPrefix("civic_"), bearer.utf8.count <= 200 else { return nil }
        let rest = bearer.dropFirst(6)
        guard let split = rest.firstIndex(of: "_") else { return nil }
        let id = rest[..<split]
        let secret = rest[rest.index(after: split)...]
        guard !id.isEmpty, !secret.isEmpty, id.utf8.allSatisfy({ alphabet.contains($0) }) else { return nil }
        return (id, secret)
    }

    /// Equal strings in time that depends only on their lengths.
    package static func constantTimeEqual(_ a: String, _ b: String) -> Bool {
        let x = Array(a.utf8), y = Array(b.utf8)
        guard x.count == y.count else { return false }
        var difference: UInt8 = 0
        for index in x.indices { difference |= x[index] ^ y[index] }
        return difference == 0
    }
}
