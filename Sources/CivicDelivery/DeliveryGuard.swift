public import CivicCore
public import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Where notice deliveries may go. An administrator names a webhook or a spool directory; without
/// these checks that is a way to make the server post to its own loopback services, the cloud
/// metadata address or the office network (SSRF), or write files anywhere it may write.
public struct DeliveryGuard: Sendable {
    /// Lets webhooks reach loopback, link-local and private addresses (a gateway on the same host or
    /// office network): off unless the operator says so.
    public var allowPrivateNetworks: Bool
    /// The directory every spool channel must be inside; without one, spool channels are refused.
    public var spoolRoot: String?
    /// Turns a host name into its addresses (as text): the system's resolver, or a stub in tests.
    public var resolver: @Sendable (String) -> [String]

    public init(allowPrivateNetworks: Bool = false, spoolRoot: String? = nil, resolver: @escaping @Sendable (String) -> [String] = DeliveryGuard.resolve) {
        self.allowPrivateNetworks = allowPrivateNetworks
        self.spoolRoot = spoolRoot
        self.resolver = resolver
    }

    /// Whether an IP address (v4 or v6, as text) is loopback, link-local, private, shared, multicast,
    /// unspecified or otherwise not a public unicast address. Not an address at all: nil.
    public static func isInternal(_ text: String) -> Bool? {
        var text = text
        if text.hasPrefix("["), text.hasSuffix("]") { text = String(text.dropFirst().dropLast()) }
        var v4 = in_addr()
        if inet_pton(AF_INET, text, &v4) == 1 {
            return isInternal(v4: withUnsafeBytes(of: v4.s_addr) { Array($0) })
        }
        var v6 = in6_addr()
        if inet_pton(AF_INET6, text, &v6) == 1 {
            return isInternal(v6: withUnsafeBytes(of: v6) { Array($0) })
        }
        return nil
    }

    static func isInternal(v4 b: [UInt8]) -> Bool {
        switch (b[0], b[1]) {
        case (0, _), (10, _), (127, _): return true                      // this network, private, loopback
        case (100, 64...127): return true                                 // shared address space (carrier NAT)
        case (169, 254): return true                                      // link-local, cloud metadata
        case (172, 16...31), (192, 168): return true                      // private
        case (192, 0) where b[2] == 0 || b[2] == 2: return true           // IETF protocol assignments, TEST-NET-1
        case (198, 18...19): return true                                  // benchmarking
        case (198, 51) where b[2] == 100, (203, 0) where b[2] == 113: return true  // TEST-NET-2, -3
        default: return b[0] >= 224                                       // multicast, reserved, broadcast
        }
    }

    static func isInternal(v6 b: [UInt8]) -> Bool {
        if b[0..<15].allSatisfy({ $0 == 0 }) { return true }                                  // :: and ::1
        if b[0..<10].allSatisfy({ $0 == 0 }) && b[10] == 0xFF && b[11] == 0xFF {            // IPv4-mapped
            return isInternal(v4: Array(b[12..<16]))
        }
        if b[0] & 0xFE == 0xFC { return true }                                                // unique local fc00::/7
        if b[0] == 0xFE && b[1] & 0xC0 == 0x80 { return true }                                // link-local fe80::/10
        if b[0] == 0xFF { return true }                                                       // multicast
        if b[0] == 0x20 && b[1] == 0x01 && b[2] == 0x0D && b[3] == 0xB8 { return true }       // documentation
        if b[0] == 0x00 && b[1] == 0x64 && b[2] == 0xFF && b[3] == 0x9B { return isInternal(v4: Array(b[12..<16])) }  // NAT64
        return false
    }

    /// Checks a webhook URL as written: http(s), a host, and not an internal address literal or a
    /// name that always means this machine. Names are resolved at delivery (`resolvedAddresses`).
    public func checkWebhook(_ target: String) throws(CivicError) {
        guard let url = URL(string: target), let scheme = url.scheme?.lowercased(), scheme == "https" || scheme == "http",
              let host = url.host, !host.isEmpty else {
            throw CivicError(.invalidInput, "a webhook channel needs an http:// or https:// URL with a host", at: "target")
        }
        if allowPrivateNetworks { return }
        let name = host.lowercased().trimmingCharacters(in: CharacterSet(charactersIn: "."))
        // An address in a form other than dotted decimal (2130706433, 0x7f.1, 0177.0.0.1) is what resolvers
        // turn into 127.0.0.1; no public gateway needs it.
        let last = name.split(separator: ".").last.map(String.init) ?? name
        let numeric = !last.isEmpty && (last.allSatisfy(\.isNumber) || last.hasPrefix("0x"))
        if numeric && Self.isInternal(host) == nil {
            throw CivicError(.refused, "the webhook host '\(host.prefix(80))' is an address in a non-standard form", at: "target")
        }
        if name == "localhost" || name.hasSuffix(".localhost") || Self.isInternal(host) == true {
            throw CivicError(.refused, "the webhook host '\(host.prefix(80))' is on this machine or a private network; webhooks reach public addresses only unless private networks are allowed explicitly",
                             at: "target")
        }
    }

    /// Resolves a webhook's host and refuses it if any of its addresses is internal, so a public name
    /// that points inside cannot be used to reach it.
    public func checkResolved(host: String) throws(CivicError) {
        _ = try checkedAddresses(host: host)
    }

    /// Resolves a webhook's host once and checks every address it has; the delivery then connects to
    /// one of exactly these (`PinnedHTTPClient`), never resolving again. An address literal is its
    /// own answer. A name with no address is refused.
    public func checkedAddresses(host: String) throws(CivicError) -> [String] {
        var literal = host
        if literal.hasPrefix("["), literal.hasSuffix("]") { literal = String(literal.dropFirst().dropLast()) }
        let addresses = Self.isInternal(literal) != nil ? [literal] : Array(resolver(host).prefix(64))
        guard !addresses.isEmpty else {
            throw CivicError(.notFound, "the webhook host '\(host.prefix(80))' has no address")
        }
        if allowPrivateNetworks { return addresses }
        for address in addresses where Self.isInternal(address) != false {
            throw CivicError(.refused, "the webhook host '\(host.prefix(80))' resolves to an address on this machine or a private network (\(address))")
        }
        return addresses
    }

    @Sendable public static func resolve(_ host: String) -> [String] {
        var hints = addrinfo()
        hints.ai_family = AF_UNSPEC
        #if canImport(Glibc) || canImport(Musl)
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        #else
        hints.ai_socktype = SOCK_STREAM
        #endif
        var list: UnsafeMutablePointer<addrinfo>?
        guard getaddrinfo(host, nil, &hints, &list) == 0, let first = list else { return [] }
        defer { freeaddrinfo(first) }
        var addresses: [String] = []
        var node: UnsafeMutablePointer<addrinfo>? = first
        while let current = node, addresses.count < 64 {
            var buffer = [CChar](repeating: 0, count: Int(NI_MAXHOST))
            if getnameinfo(current.pointee.ai_addr, current.pointee.ai_addrlen, &buffer, socklen_t(buffer.count), nil, 0, NI_NUMERICHOST) == 0 {
                addresses.append(String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self))
            }
            node = current.pointee.ai_next
        }
        return addresses
    }

    /// The spool directory a channel names, if it is an existing directory inside the configured root
    /// once symbolic links and `..` are resolved.
    public func checkSpool(_ target: String) throws(CivicError) -> URL {
        guard let spoolRoot else {
            throw CivicError(.refused, "spool channels need a spool root (--spool-root): the directory every spool channel must be inside",
                             at: "target")
        }
        let root = URL(fileURLWithPath: spoolRoot, isDirectory: true).resolvingSymlinksInPath().standardizedFileURL.path
        let directory = URL(fileURLWithPath: target, isDirectory: true).resolvingSymlinksInPath().standardizedFileURL
        let path = directory.path
        guard target.hasPrefix("/"), path == root || path.hasPrefix(root.hasSuffix("/") ? root : root + "/") else {
            throw CivicError(.refused, "the spool directory '\(target.prefix(120))' is outside the spool root '\(spoolRoot)'", at: "target")
        }
        return directory
    }
}
