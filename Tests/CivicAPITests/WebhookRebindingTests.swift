import CivicCore
import CivicDelivery
import CivicTesting
import Foundation
import Synchronization
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// DNS rebinding against webhooks: the host is resolved once, every address checked, and the request
/// sent to a checked address; a resolver that answers a public address to the check and loopback
/// afterwards never gets a request onto loopback.
@Suite struct WebhookRebindingTests {
    /// A listening socket on 127.0.0.1 that can answer one request with 204 and say what it received.
    final class LoopbackListener: @unchecked Sendable {
        let descriptor: Int32
        let port: Int

        init() throws {
            let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
            var address = sockaddr_in()
            address.sin_family = sa_family_t(AF_INET)
            address.sin_addr.s_addr = inet_addr("127.0.0.1")
            address.sin_port = 0
            var length = socklen_t(MemoryLayout<sockaddr_in>.size)
            let bound = withUnsafePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(descriptor, $0, length) } }
            guard bound == 0, listen(descriptor, 8) == 0 else { throw CivicError(.storage, "cannot listen on loopback") }
            _ = withUnsafeMutablePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(descriptor, $0, &length) } }
            self.descriptor = descriptor
            port = Int(UInt16(bigEndian: address.sin_port))
        }

        /// Whether a connection is waiting to be accepted (within `milliseconds`).
        func hasConnection(within milliseconds: Int32) -> Bool {
            var entry = pollfd(fd: descriptor, events: Int16(POLLIN), revents: 0)
            return poll(&entry, 1, milliseconds) > 0
        }

        /// Accepts one connection, reads the request head and body, answers 204 and returns the request.
        func answerOne() -> String {
            guard hasConnection(within: 10_000) else { return "(no connection within 10 s)" }
            let connection = accept(descriptor, nil, nil)
            defer { close(connection) }
            var received = [UInt8]()
            var buffer = [UInt8](repeating: 0, count: 4096)
            while received.count < 65_536 {
                let count = read(connection, &buffer, buffer.count)
                if count <= 0 { break }
                received += buffer[0..<count]
                let text = String(decoding: received, as: UTF8.self)
                if let end = text.range(of: "\r\n\r\n"),
                   let line = text[..<end.lowerBound].split(separator: "\r\n").first(where: { $0.lowercased().hasPrefix("content-length:") }),
                   let length = Int(line.split(separator: ":")[1].trimmingCharacters(in: .whitespaces)),
                   text.utf8.count - text[..<end.upperBound].utf8.count >= length {
                    break
                }
            }
            let answer = Array("HTTP/1.1 204 No Content\r\nContent-Length: 0\r\nConnection: close\r\n\r\n".utf8)
            _ = answer.withUnsafeBytes { write(connection, $0.baseAddress, $0.count) }
            return String(decoding: received, as: UTF8.self)
        }

        deinit { close(descriptor) }
    }

    /// Answers `first` to the first question and `later` to every other, counting the questions.
    final class RebindingResolver: Sendable {
        let questions = Atomic<Int>(0)
        let first: String
        let later: String

        init(first: String, later: String) {
            self.first = first
            self.later = later
        }

        func resolve(_ host: String) -> [String] {
            questions.add(1, ordering: .relaxed).oldValue == 0 ? [first] : [later]
        }
    }

    static let notice = Notice(id: "n:rebind", subject: "subject-1", scheme: nil, kind: .warning, tone: .adverse,
                               createdOn: makeDay("2026-04-01"), summary: "w")

    /// Whether a delivery failed with an operating error.
    static func refused(_ adapter: WebhookAdapter, _ channel: DeliveryChannel) async -> Bool {
        do {
            try await adapter.deliver(notice, subject: makeSubject(), through: channel)
            return false
        } catch {
            return error is CivicError
        }
    }

    @Test("a name that answers a public address to the check and 127.0.0.1 afterwards: no request reaches loopback")
    func rebindingNeverReachesLoopback() async throws {
        let listener = try LoopbackListener()
        let resolver = RebindingResolver(first: "93.184.215.14", later: "127.0.0.1")
        let adapter = WebhookAdapter(timeoutSeconds: 2, guard: DeliveryGuard(resolver: { resolver.resolve($0) }))
        let channel = DeliveryChannel(id: "rebind", kind: .webhook, target: "http://rebind.example:\(listener.port)/notices")
        #expect(await Self.refused(adapter, channel))
        #expect(resolver.questions.load(ordering: .relaxed) == 1)
        #expect(!listener.hasConnection(within: 200))
        // The same resolver asked first for loopback is refused before any connection.
        let direct = RebindingResolver(first: "127.0.0.1", later: "127.0.0.1")
        let guarded = WebhookAdapter(timeoutSeconds: 2, guard: DeliveryGuard(resolver: { direct.resolve($0) }))
        #expect(await Self.refused(guarded, channel))
        #expect(!listener.hasConnection(within: 200))
    }

    @Test("the request goes to the checked address with the host name in Host, the body and its signature")
    func deliversToTheCheckedAddress() async throws {
        let listener = try LoopbackListener()
        let resolver = RebindingResolver(first: "127.0.0.1", later: "192.0.2.1")
        let adapter = WebhookAdapter(timeoutSeconds: 5, guard: DeliveryGuard(allowPrivateNetworks: true, resolver: { resolver.resolve($0) }))
        let channel = DeliveryChannel(id: "gateway", kind: .webhook, target: "http://gateway.example:\(listener.port)/notices?x=1", secret: "s3cret-key")
        let request = Task.detached { listener.answerOne() }
        var failure: String?
        do {
            try await adapter.deliver(Self.notice, subject: makeSubject(), through: channel)
        } catch {
            failure = "\(error)"
        }
        let text = await request.value
        #expect(failure == nil, "port \(listener.port)")
        #expect(text.hasPrefix("POST /notices?x=1 HTTP/1.1\r\n"), "\(text)")
        #expect(text.contains("\r\nHost: gateway.example:\(listener.port)\r\n"))
        #expect(text.contains("\r\nIdempotency-Key: n:rebind/gateway\r\n"))
        #expect(text.contains("\r\nX-Civic-Signature: sha256="))
        #expect(text.contains("\"n:rebind\""))
        #expect(resolver.questions.load(ordering: .relaxed) == 1)
    }

    @Test("every resolved address is checked: one private address among public ones, or none at all, is refused")
    func everyAddressIsChecked() {
        let mixed = DeliveryGuard(resolver: { _ in ["93.184.215.14", "10.0.0.5"] })
        #expect(throws: CivicError.self) { try mixed.checkedAddresses(host: "mixed.example") }
        let none = DeliveryGuard(resolver: { _ in [] })
        #expect(throws: CivicError.self) { try none.checkedAddresses(host: "nowhere.example") }
        let fine = DeliveryGuard(resolver: { _ in ["93.184.215.14"] })
        #expect((try? fine.checkedAddresses(host: "gateway.example")) == ["93.184.215.14"])
    }
}
