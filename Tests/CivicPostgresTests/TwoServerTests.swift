import CivicAccess
import CivicAPI
import CivicAPITesting
import CivicCore
import CivicDemo
@testable import CivicPostgres
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Logging
import Synchronization
import Testing

/// Two servers on one PostgreSQL database, each with its own connection pools, as two `civic serve` processes
/// behind a load balancer would be: an Idempotency-Key has one effect however its requests are spread.
@Suite("Two servers on one PostgreSQL", .serialized, .enabled(if: PostgresAvailability.isAvailable, "CIVIC_TEST_POSTGRES_URL is not set"))
struct TwoServerTests {
    struct Servers {
        let first: APIServices
        let second: APIServices
        let store: PostgresStore
        let tokens: [String: String]
    }

    /// A small demo in one scratch schema, served by two `APIServices` over separate stores and pools.
    static func servers(_ schemas: ScratchSchemas) async throws -> Servers {
        let settings = try ScratchSchemas.newSettings()
        let storeA = try await schemas.store(on: settings)
        _ = try await DemoRun(store: storeA, options: .init(residents: 20, seed: 7, endMonth: TestWorld.endMonth)).run()
        let storeB = try await schemas.store(on: settings)
        var configuration = APIConfiguration()
        configuration.bcryptCost = 4
        configuration.anonymousRequestsPerSecond = 100_000
        let now: @Sendable () -> UnixTime = { 1_773_100_000 }
        let first = APIServices(store: storeA, access: try await PostgresAccessStore(sharing: storeA), clock: FixedDayClock(TestWorld.today),
                                configuration: configuration, now: now)
        let second = APIServices(store: storeB, access: try await PostgresAccessStore(sharing: storeB), clock: FixedDayClock(TestWorld.today),
                                 configuration: configuration, now: now)
        let credentials = try #require(try await DemoAccounts.create(first, requestsPerSecond: 100_000))
        return Servers(first: first, second: second, store: storeA,
                       tokens: Dictionary(uniqueKeysWithValues: credentials.map { ($0.account, $0.token) }))
    }

    static func application(_ services: APIServices) throws -> some ApplicationProtocol {
        var logger = Logger(label: "civic.test")
        logger.logLevel = .warning
        return try buildApplication(services, host: "127.0.0.1", port: 0, logger: logger)
    }

    @Test("30 keys, each sent to both servers at once with different bodies: exactly 30 subjects registered")
    func sameKeyDifferentBodies() async throws {
        try await ScratchSchemas.with { schemas in
            let servers = try await Self.servers(schemas)
            let admin = try #require(servers.tokens["demo-admin"])
            let keys = 30
            @Sendable func body(_ key: Int, _ server: String) -> String {
                #"{"subjects":[{"id":"dup-\#(key)-\#(server)","kind":"person","name":"Li Lei","jurisdiction":"rongcheng","attributes":[],"registeredOn":"2026-03-01"}]}"#
            }
            let statuses = try await Self.application(servers.first).test(.router) { first in
                try await Self.application(servers.second).test(.router) { second in
                    try await withThrowingTaskGroup(of: (Int, String, UInt16).self) { group in
                        for key in 0..<keys {
                            for (name, client) in [("a", first as any TestClientProtocol), ("b", second as any TestClientProtocol)] {
                                group.addTask {
                                    let response = try await client.call(.post, "/subjects", token: admin, json: body(key, name),
                                                                         headers: ["Idempotency-Key": "subjects-\(key)"])
                                    return (key, name, UInt16(response.status.code))
                                }
                            }
                        }
                        var statuses: [(Int, String, UInt16)] = []
                        for try await status in group { statuses.append(status) }
                        return statuses
                    }
                }
            }
            var registered = 0
            for key in 0..<keys {
                let a = try await servers.store.subject(Subject.ID("dup-\(key)-a")) != nil
                let b = try await servers.store.subject(Subject.ID("dup-\(key)-b")) != nil
                #expect(a != b, "key \(key): registered on a: \(a), on b: \(b)")
                registered += (a ? 1 : 0) + (b ? 1 : 0)
            }
            #expect(registered == keys)
            let ok = statuses.filter { $0.2 == 200 }.count
            let refused = statuses.filter { [409, 422].contains($0.2) }.count
            #expect(ok == keys)
            #expect(refused == keys, "the loser of each key is told the key is in use (409) or was used for another request (422)")
            FileHandle.standardError.write(Data("two servers, \(keys) keys x 2 bodies: \(registered) subjects registered; answers: \(ok) x 200, \(statuses.filter { $0.2 == 409 }.count) x 409, \(statuses.filter { $0.2 == 422 }.count) x 422\n".utf8))
        }
    }

    @Test("15 keys x 10 concurrent POST /tokens spread over two servers: exactly 15 tokens issued")
    func tokensOncePerKey() async throws {
        try await ScratchSchemas.with { schemas in
            let servers = try await Self.servers(schemas)
            let admin = try #require(servers.tokens["demo-admin"])
            let before = try await servers.first.access.tokens(of: "demo-relying-party").count
            let keys = 15, sends = 10
            let request = #"{"account":"demo-relying-party","scopes":["read"]}"#
            let statuses = try await Self.application(servers.first).test(.router) { first in
                try await Self.application(servers.second).test(.router) { second in
                    try await withThrowingTaskGroup(of: UInt16.self) { group in
                        for key in 0..<keys {
                            for send in 0..<sends {
                                let client: any TestClientProtocol = send.isMultiple(of: 2) ? first : second
                                group.addTask {
                                    UInt16(try await client.call(.post, "/tokens", token: admin, json: request,
                                                                 headers: ["Idempotency-Key": "tokens-\(key)"]).status.code)
                                }
                            }
                        }
                        var statuses: [UInt16] = []
                        for try await status in group { statuses.append(status) }
                        return statuses
                    }
                }
            }
            let issued = try await servers.second.access.tokens(of: "demo-relying-party").count - before
            #expect(issued == keys)
            #expect(statuses.filter { $0 == 201 }.count == keys)
            #expect(statuses.filter { $0 == 409 }.count == keys * (sends - 1))
            FileHandle.standardError.write(Data("two servers, \(keys) keys x \(sends) POST /tokens: \(issued) tokens issued; answers: \(statuses.filter { $0 == 201 }.count) x 201, \(statuses.filter { $0 == 409 }.count) x 409\n".utf8))
        }
    }
}
