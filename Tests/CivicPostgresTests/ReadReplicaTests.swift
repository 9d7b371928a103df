import CivicAccess
import CivicAPI
import CivicAPITesting
import CivicCore
import CivicDemo
import CivicTesting
@testable import CivicPostgres
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Logging
import Testing

/// A server with a read store (`--read-database`): reads that may lag go to it and say so, a write says where
/// it landed, and a read that names a write the read store has not replayed goes to the primary. The read store
/// here is a replica store opened on the primary's own database (always caught up); a real streaming replica,
/// with real lag, is driven by scripts/multinode-test.
@Suite("Read replica routing", .serialized, .enabled(if: PostgresAvailability.isAvailable, "CIVIC_TEST_POSTGRES_URL is not set"))
struct ReadReplicaTests {
    static let positionHeader = HTTPField.Name("Civic-Ledger-Position")!
    static let fromHeader = HTTPField.Name("Civic-Read-From")!
    static let writeHeader = HTTPField.Name("Civic-Write-Position")!

    static func services(_ schemas: ScratchSchemas, replica: Bool) async throws -> (APIServices, PostgresStore, [String: String]) {
        let settings = try ScratchSchemas.newSettings()
        let primary = try await schemas.store(on: settings)
        _ = try await DemoRun(store: primary, options: .init(residents: 20, seed: 7, endMonth: TestWorld.endMonth)).run()
        var configuration = APIConfiguration()
        configuration.bcryptCost = 4
        configuration.anonymousRequestsPerSecond = 100_000
        let readStore = replica ? try await PostgresStore.replica(settings: settings) : nil
        let services = APIServices(store: primary, access: try await PostgresAccessStore(sharing: primary), clock: FixedDayClock(TestWorld.today),
                                   configuration: configuration, now: { 1_773_100_000 }, readStore: readStore)
        let credentials = try #require(try await DemoAccounts.create(services, requestsPerSecond: 100_000))
        return (services, primary, Dictionary(uniqueKeysWithValues: credentials.map { ($0.account, $0.token) }))
    }

    static func application(_ services: APIServices) throws -> some ApplicationProtocol {
        var logger = Logger(label: "civic.test")
        logger.logLevel = .warning
        return try buildApplication(services, host: "127.0.0.1", port: 0, logger: logger)
    }

    @Test func readsGoToTheReplicaUnlessTheyMustSeeAWriteItLacks() async throws {
        try await ScratchSchemas.with { schemas in
            let (services, primary, tokens) = try await Self.services(schemas, replica: true)
            let replica = try #require(services.readReplica)
            await replica.refresh()
            let head = try await primary.ledgerHead()
            #expect(head > 0)
            let party = try #require(tokens["demo-relying-party"])
            let admin = try #require(tokens["demo-admin"])
            let subject = try #require(try await primary.subjects(after: nil, limit: 1).first).id
            // A measure only one scheme defines, so the check needs no ?scheme=.
            let measureIDs = try await services.engine.handbooks().published.flatMap { $0.handbook.schemes.flatMap { $0.measures.map(\.id.rawValue) } }
            let measure = try #require(measureIDs.first { id in measureIDs.filter { $0 == id }.count == 1 })
            try await Self.application(services).test(.router) { client in
                // The board and an eligibility check: answered by the replica, at the ledger's head.
                let board = try await client.call(.get, "/lists/black")
                #expect(board.status == .ok)
                #expect(board.headers[Self.fromHeader] == "replica")
                #expect(board.headers[Self.positionHeader] == String(head))
                let check = try await client.call(.get, "/eligibility/\(measure)/subjects/\(subject)", token: party)
                #expect(check.status == .ok)
                #expect(check.headers[Self.fromHeader] == "replica")
                #expect(check.headers[Self.positionHeader] == String(head))
                let export = try await client.call(.get, "/exports/entries?limit=5", token: tokens["demo-auditor"])
                #expect(export.status == .ok && export.headers[Self.fromHeader] == "replica")

                // A write says where it landed, as a header and a cookie; sent back, a position the replica holds reads there.
                let body = #"{"subjects":[{"id":"ryw-1","kind":"person","name":"Li Lei","jurisdiction":"rongcheng","attributes":[],"registeredOn":"2026-03-01"}]}"#
                let write = try await client.call(.post, "/subjects", token: admin, json: body)
                #expect(write.status == .ok)
                let written = try #require(write.headers[Self.writeHeader].flatMap { WritePosition($0) })
                #expect(write.headers[values: .setCookie].contains { $0.hasPrefix("civic_read_after=\(written);") && $0.contains("HttpOnly") })
                let caughtUp = try await client.call(.get, "/lists/black", headers: ["Civic-Read-After": written.description])
                #expect(caughtUp.headers[Self.fromHeader] == "replica")

                // A position the replica has not reached (by header or by cookie): the primary answers.
                let ahead = WritePosition(written.value + (1 << 40)).description
                let behind = try await client.call(.get, "/eligibility/\(measure)/subjects/\(subject)", token: party, headers: ["Civic-Read-After": ahead])
                #expect(behind.status == .ok)
                #expect(behind.headers[Self.fromHeader] == "primary")
                let byCookie = try await client.call(.get, "/lists/red", headers: ["Cookie": "civic_read_after=\(ahead)"])
                #expect(byCookie.headers[Self.fromHeader] == "primary")

                // A header that is not a position is refused, naming the header.
                let bad = try await client.call(.get, "/lists/red", headers: ["Civic-Read-After": "yesterday"])
                #expect(bad.status == .badRequest)
                #expect(String(buffer: bad.body).contains("Civic-Read-After"))

                // The lag is published.
                let metrics = String(buffer: try await client.call(.get, "/metrics", token: admin).body)
                #expect(metrics.contains("civic_replica_lag_seconds 0"))
                #expect(metrics.contains("civic_replica_available 1"))
                #expect(metrics.contains("civic_replica_reads_sent_to_primary_total 2"))
            }
        }
    }

    @Test func withoutAReplicaTheHeadersSayPrimaryAndWritesSetNoCookie() async throws {
        try await ScratchSchemas.with { schemas in
            let (services, primary, tokens) = try await Self.services(schemas, replica: false)
            #expect(services.readReplica == nil)
            try await Self.application(services).test(.router) { client in
                let board = try await client.call(.get, "/lists/black")
                #expect(board.headers[Self.fromHeader] == "primary")
                #expect(board.headers[Self.positionHeader] == String(try await primary.ledgerHead()))
                let body = #"{"subjects":[{"id":"ryw-2","kind":"person","name":"Li Lei","jurisdiction":"rongcheng","attributes":[],"registeredOn":"2026-03-01"}]}"#
                let write = try await client.call(.post, "/subjects", token: tokens["demo-admin"], json: body)
                #expect(write.status == .ok)
                #expect(write.headers[Self.writeHeader] == nil)
                #expect(!write.headers[values: .setCookie].contains { $0.hasPrefix("civic_read_after") })
            }
        }
    }

    @Test func aReplicaStoreTakesNoWritesAndNeedsTheSchema() async throws {
        try await ScratchSchemas.with { schemas in
            let settings = try ScratchSchemas.newSettings()
            // An empty database: no tables to read, said plainly.
            try await PostgresScratch.execute(["CREATE SCHEMA \(settings.searchPath!)"], on: { var plain = settings; plain.searchPath = nil; return plain }())
            do {
                _ = try await PostgresStore.replica(settings: settings)
                Issue.record("a replica store opened on a schema with no tables")
            } catch let error as CivicError {
                #expect(error.code == .notFound)
                #expect(error.message.contains("--read-database"))
            }
            _ = try await schemas.store(on: settings)
            let replica = try await PostgresStore.replica(settings: settings)
            defer { Task { await replica.close() } }
            do {
                try await replica.commit(changes { $0.jurisdictions = [makeJurisdiction()] })
                Issue.record("the replica store took a write")
            } catch let error as CivicError {
                #expect(error.code == .refused)
            }
            #expect(try await replica.jurisdictions().isEmpty)
            let state = try await replica.replayState()
            #expect(state.lagSeconds == 0)
            #expect(try await replica.writePosition() >= state.position)
        }
    }
}

/// Write positions read and print as PostgreSQL writes them.
struct WritePositionTests {
    @Test func readsAndPrintsLikePostgreSQL() {
        #expect(WritePosition("16/B374D848")?.value == 0x16_B374_D848)
        #expect(WritePosition("16/B374D848")?.description == "16/B374D848")
        #expect(WritePosition("0/0")?.value == 0)
        #expect(WritePosition("0/1")! < WritePosition("1/0")!)
        for bad in ["", "16", "16/", "/1", "G/1", "1/2/3", "123456789/0", "-1/0", "1 /0"] { #expect(WritePosition(bad) == nil, "\(bad)") }
    }
}
