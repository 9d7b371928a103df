import Crypto
public import Foundation

/// One SHA-256 value in the transparency log: a leaf hash, an interior node or a root.
public struct LogHash: Hashable, Sendable, CustomStringConvertible {
    public static let byteCount = 32
    /// Exactly 32 bytes.
    public let bytes: [UInt8]

    /// Nil unless `bytes` holds exactly 32 bytes.
    public init?(bytes: some Collection<UInt8>) {
        guard bytes.count == Self.byteCount else { return nil }
        self.bytes = Array(bytes)
    }

    /// A finished SHA-256, copied once.
    init(digest: SHA256Digest) {
        bytes = digest.withUnsafeBytes { Array($0) }
    }

    /// The SHA-256 of `data`.
    public init(sha256 data: some DataProtocol) {
        bytes = Array(SHA256.hash(data: data))
    }

    /// Standard base64 (RFC 4648, with padding), as C2SP checkpoints write a root hash.
    public var base64: String { Data(bytes).base64EncodedString() }

    public init?(base64: some StringProtocol) {
        guard let data = Data(base64Encoded: String(base64)), data.count == Self.byteCount else { return nil }
        bytes = Array(data)
    }

    /// Lower-case hex, 64 characters.
    public var hex: String {
        let digits = Array("0123456789abcdef".utf8)
        var out = [UInt8]()
        out.reserveCapacity(64)
        for byte in bytes {
            out.append(digits[Int(byte >> 4)])
            out.append(digits[Int(byte & 0x0F)])
        }
        return String(decoding: out, as: UTF8.self)
    }

    public init?(hex: some StringProtocol) {
        let utf8 = Array(hex.utf8)
        guard utf8.count == Self.byteCount * 2 else { return nil }
        var out = [UInt8]()
        out.reserveCapacity(Self.byteCount)
        func value(_ c: UInt8) -> UInt8? {
            switch c {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): c - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): c - UInt8(ascii: "a") + 10
            case UInt8(ascii: "A")...UInt8(ascii: "F"): c - UInt8(ascii: "A") + 10
            default: nil
            }
        }
        var index = 0
        while index < utf8.count {
            guard let high = value(utf8[index]), let low = value(utf8[index + 1]) else { return nil }
            out.append(high << 4 | low)
            index += 2
        }
        bytes = out
    }

    public var description: String { hex }
}
