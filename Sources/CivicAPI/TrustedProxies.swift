#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// The reverse proxies whose `X-Forwarded-For` header the server believes (`civic serve --trusted-proxy`).
///
/// Behind a proxy every connection comes from the proxy, so the sign-in throttle, the per-address bcrypt
/// bound and the per-address rate limit would see one address for everyone. Only when the connection's
/// peer is inside a trusted range is the header read: the client is the rightmost address in it that is
/// not itself a trusted proxy (addresses to its left were written by the client and prove nothing). A
/// header that does not parse is ignored, and so is the header from every other peer.
public struct TrustedProxies: Sendable {
    /// One range of addresses: the network's bytes (4 or 16) and the prefix length.
    public struct Range: Sendable, Equatable, CustomStringConvertible {
        let network: [UInt8]
        let prefixLength: Int

        /// `192.0.2.0/24`, `2001:db8::/32`, or a single address (a full-length prefix). Nil if it is none.
        public init?(_ text: String) {
            let parts = text.split(separator: "/", omittingEmptySubsequences: false)
            guard parts.count <= 2, let bytes = TrustedProxies.bytes(of: String(parts[0])) else { return nil }
            let bits = bytes.count * 8
            var length = bits
            if parts.count == 2 {
                guard parts[1].allSatisfy({ $0.isASCII && $0.isNumber }), let given = Int(parts[1]), (0...bits).contains(given) else { return nil }
                length = given
            }
            network = Self.masked(bytes, length)
            prefixLength = length
        }

        static func masked(_ bytes: [UInt8], _ length: Int) -> [UInt8] {
            bytes.enumerated().map { index, byte in
                let keep = min(8, max(0, length - index * 8))
                return keep == 8 ? byte : byte & ~(UInt8(0xFF) >> keep)
            }
        }

        func contains(_ bytes: [UInt8]) -> Bool {
            bytes.count == network.count && Self.masked(bytes, prefixLength) == network
        }

        public var description: String { "\(TrustedProxies.text(of: network) ?? "?")/\(prefixLength)" }
    }

    public var ranges: [Range]
    /// Addresses read from the header at most, from the right; past them the peer stands.
    public static let forwardedAddressesMax = 32

    public init(_ ranges: [Range] = []) { self.ranges = ranges }

    /// Whether an address (as text) is a trusted proxy.
    public func isTrusted(_ address: String) -> Bool {
        guard let bytes = Self.bytes(of: address) else { return false }
        return isTrusted(bytes)
    }

    func isTrusted(_ bytes: [UInt8]) -> Bool {
        let forms = [bytes] + (Self.unmapped(bytes).map { [$0] } ?? [])
        return ranges.contains { range in forms.contains(where: range.contains) }
    }

    /// The address a request comes from: the peer's, unless the peer is a trusted proxy and the
    /// `X-Forwarded-For` values (every header line, in order) name a client.
    public func clientAddress(peer: String?, forwardedFor: [String]) -> String? {
        guard let peer, !ranges.isEmpty, isTrusted(peer), !forwardedFor.isEmpty else { return peer }
        let items = forwardedFor.joined(separator: ",").split(separator: ",", omittingEmptySubsequences: false)
        var parsed: [[UInt8]] = []
        for item in items.reversed().prefix(Self.forwardedAddressesMax) {
            guard let bytes = Self.bytes(of: item.trimmingBlanks()) else { return peer }  // malformed: the peer stands
            parsed.append(bytes)
        }
        let client = parsed.first { !isTrusted($0) } ?? (items.count <= Self.forwardedAddressesMax ? parsed.last : nil)
        return client.flatMap(Self.text(of:)) ?? peer
    }

    /// The bytes of an IPv4 or IPv6 address literal, or nil.
    static func bytes(of text: String) -> [UInt8]? {
        guard !text.isEmpty, text.utf8.count <= 45, text.allSatisfy({ $0.isASCII && ($0.isHexDigit || $0 == "." || $0 == ":") }) else {
            return nil
        }
        var v4 = in_addr()
        if inet_pton(AF_INET, text, &v4) == 1 { return withUnsafeBytes(of: v4) { Array($0) } }
        var v6 = in6_addr()
        if inet_pton(AF_INET6, text, &v6) == 1 { return withUnsafeBytes(of: v6) { Array($0) } }
        return nil
    }

    /// The IPv4 address inside an IPv4-mapped IPv6 address (`::ffff:192.0.2.1`), as a socket may report it.
    static func unmapped(_ bytes: [UInt8]) -> [UInt8]? {
        guard bytes.count == 16, bytes[0..<10].allSatisfy({ $0 == 0 }), bytes[10] == 0xFF, bytes[11] == 0xFF else { return nil }
        return Array(bytes[12..<16])
    }

    /// The canonical text of an address (so `2001:DB8::1` and `2001:db8:0::1` count as one).
    static func text(of bytes: [UInt8]) -> String? {
        var buffer = [CChar](repeating: 0, count: 64)
        let family = bytes.count == 4 ? AF_INET : AF_INET6
        let written = bytes.withUnsafeBytes { raw in inet_ntop(family, raw.baseAddress, &buffer, socklen_t(buffer.count)) }
        guard written != nil else { return nil }
        return String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}

extension Substring {
    fileprivate func trimmingBlanks() -> String {
        String(String(drop { $0 == " " || $0 == "\t" }.reversed()).drop { $0 == " " || $0 == "\t" }.reversed())
    }
}
