public import CivicAccess
public import CivicAPI
import CivicCertificates
public import CivicCore
import CivicDemo
public import CivicSQLite
import Foundation
public import HTTPTypes
public import Hummingbird
public import HummingbirdTesting
import Logging
import NIOCore
public import Synchronization

/// A small demo world behind a server, with one account per role: the fixture of every API and page test.
public struct TestWorld: Sendable {
    public static let today = Day(year: 2026, month: 3, day: 10)!
    public static let endMonth = Month(year: 2026, month: 2)!

    public let services: APIServices
    public let store: SQLiteStore
    public let access: SQLiteAccessStore
    /// Bearer tokens by account id ("demo-admin", "demo-assessor", ...).
    public let tokens: [String: String]
    public let passwords: [String: String]
    /// Seconds since 1970 as the server sees them; tests move it to expire tokens and locks.
    public let clock: TestClock

    public final class TestClock: Sendable {
        public let seconds = Atomic<Int64>(1_773_100_000)
        public func now() -> UnixTime { seconds.load(ordering: .relaxed) }
        public func advance(_ delta: Int64) { seconds.add(delta, ordering: .relaxed) }
    }

    public static func make(residents: Int = 60, seed: UInt64 = 7, configure: (inout APIConfiguration) -> Void = { _ in }) async throws -> TestWorld {
        let store = try SQLiteStore.inMemory()
        _ = try await DemoRun(store: store, options: .init(residents: residents, seed: seed, endMonth: endMonth)).run()
        let access = try SQLiteAccessStore.inMemory()
        var configuration = APIConfiguration()
        configuration.bcryptCost = 4
        configuration.anonymousRequestsPerSecond = 100_000
        configure(&configuration)
        let clock = TestClock()
        let services = APIServices(store: store, access: access, clock: FixedDayClock(today), configuration: configuration,
                                   now: { clock.now() }, certificateKey: CertificateSigningKey())
        guard let credentials = try await DemoAccounts.create(services, requestsPerSecond: 100_000) else { fatalError("accounts existed") }
        return TestWorld(
            services: services, store: store, access: access,
            tokens: Dictionary(uniqueKeysWithValues: credentials.map { ($0.account, $0.token) }),
            passwords: Dictionary(uniqueKeysWithValues: credentials.compactMap { c in c.password.map { (c.account, $0) } }),
            clock: clock)
    }

    public func application(additionalRoutes: (Router<APIRequestContext>) throws -> Void = { _ in }) throws -> some ApplicationProtocol {
        var logger = Logger(label: "civic.test")
        logger.logLevel = .warning
        return try buildApplication(services, host: "127.0.0.1", port: 0, logger: logger, additionalRoutes: additionalRoutes)
    }

    public func token(_ role: AccessRole) -> String { tokens[Self.account(role)]! }

    public static func account(_ role: AccessRole) -> String {
        switch role {
        case .administrator: "demo-admin"
        case .assessor: "demo-assessor"
        case .reviewer: "demo-reviewer"
        case .resident: "demo-resident"
        case .auditor: "demo-auditor"
        case .relyingParty: "demo-relying-party"
        }
    }

    public func account(_ role: AccessRole) async throws -> Account {
        try await access.account(Account.ID(Self.account(role)))!
    }
}

/// Request helpers.
extension TestClientProtocol {
    @discardableResult
    public func call(_ method: HTTPRequest.Method, _ uri: String, token: String? = nil, json: String? = nil, body: [UInt8]? = nil,
              contentType: String? = nil, headers extra: [String: String] = [:]) async throws -> TestResponse {
        var headers = HTTPFields()
        if let token { headers[.authorization] = "Bearer \(token)" }
        if json != nil { headers[.contentType] = "application/json" }
        if let contentType { headers[.contentType] = contentType }
        for (name, value) in extra { headers[HTTPField.Name(name)!] = value }
        let buffer: ByteBuffer? = json.map { ByteBuffer(string: $0) } ?? body.map { ByteBuffer(bytes: $0) }
        return try await execute(uri: uri, method: method, headers: headers, body: buffer)
    }
}

extension TestResponse {
    public var text: String { String(buffer: body) }

    public var object: [String: Any] {
        (try? JSONSerialization.jsonObject(with: Data(buffer: body)) as? [String: Any]) ?? [:]
    }

    public var items: [[String: Any]] { object["items"] as? [[String: Any]] ?? [] }
}

/// A valid PNG header followed by some bytes: enough to pass the type check.
public func pngBytes(_ seed: UInt8, count: Int = 64) -> [UInt8] {
    [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A] + (0..<count).map { UInt8(truncatingIfNeeded: Int($0) &* 31 &+ Int(seed)) }
}
