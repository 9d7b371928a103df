import CivicAPI
import CivicCore
@testable import CivicPostgres
import CivicTesting
import Foundation
import ServiceLifecycle
import Synchronization
import Testing

/// Where the change notification tests listen.
enum ListeningSettings {
    /// Where to LISTEN for commits to `settings`' schema: the same place, or, behind a transaction pooler,
    /// PostgreSQL itself (CIVIC_TEST_POSTGRES_DIRECT_URL, which scripts/pgbouncer-test sets).
    static func listening(_ settings: PostgresSettings) throws -> PostgresSettings {
        guard settings.pooler != .none else { return settings }
        guard let direct = ProcessInfo.processInfo.environment["CIVIC_TEST_POSTGRES_DIRECT_URL"], !direct.isEmpty else {
            throw CivicError(.notFound, "no CIVIC_TEST_POSTGRES_DIRECT_URL")
        }
        var plain = try PostgresSettings(url: direct)
        plain.searchPath = settings.searchPath
        return plain
    }

    static let canListen: Bool = {
        guard let url = PostgresScratch.url, let settings = try? PostgresSettings(url: url) else { return true }
        return (try? listening(settings)) != nil
    }()
}

/// Another server's commits reach this one by LISTEN/NOTIFY: a commit that may move a standing notifies the
/// listeners of its schema (and no other), and the server's ChangeListener drops its caches when it hears one.
@Suite("Change notifications between servers", .serialized, .enabled(if: PostgresAvailability.isAvailable, "CIVIC_TEST_POSTGRES_URL is not set"),
       .enabled(if: ListeningSettings.canListen, "the test database is reached through a transaction pooler and CIVIC_TEST_POSTGRES_DIRECT_URL does not name PostgreSQL itself"))
struct ChangeNotificationTests {
    /// Waits up to 10 s for `condition`.
    static func eventually(_ condition: () -> Bool) async throws -> Bool {
        for _ in 0..<200 {
            if condition() { return true }
            try await Task.sleep(for: .milliseconds(50))
        }
        return condition()
    }

    @Test func aCommitReachesTheListenersOfItsSchemaOnly() async throws {
        try await ScratchSchemas.with { schemas in
            let settings = try ScratchSchemas.newSettings()
            let store = try await schemas.store(on: settings)
            let elsewhere = try await schemas.newStore()
            let heard = Atomic<Int>(0)
            let up = Atomic<Bool>(false)
            let listening = Task {
                try await PostgresStore.listenForChanges(settings: try ListeningSettings.listening(settings), changed: { heard.add(1, ordering: .relaxed) },
                                                         connected: { up.store($0, ordering: .relaxed) })
            }
            defer { listening.cancel() }
            // Connecting counts as a change: whatever was committed while nobody listened.
            #expect(try await Self.eventually { up.load(ordering: .relaxed) && heard.load(ordering: .relaxed) == 1 })

            // Another schema's commit is not this one's; a commit that moves nothing (a report filed) sends nothing.
            try await elsewhere.commit(changes { $0.jurisdictions = [makeJurisdiction()] })
            try await store.commit(changes { $0.jurisdictions = [makeJurisdiction()]; $0.subjects = [makeSubject()] })
            #expect(try await Self.eventually { heard.load(ordering: .relaxed) == 2 })
            try await Task.sleep(for: .milliseconds(300))
            #expect(heard.load(ordering: .relaxed) == 2, "a commit of another schema was heard")
            var quiet = ChangeSet()
            quiet.deliveryChannels = [DeliveryChannel(id: "spool-1", kind: .spool, target: "/tmp/none")]
            #expect(!quiet.mayMoveStandings)
            try await store.commit(quiet)
            try await store.commit(changes { $0.subjects = [makeSubject(id: "subject-2")] })
            #expect(try await Self.eventually { heard.load(ordering: .relaxed) == 3 })
            try await Task.sleep(for: .milliseconds(300))
            #expect(heard.load(ordering: .relaxed) == 3)
        }
    }

    @Test func aServerDropsItsCachesWhenAnotherCommits() async throws {
        try await ScratchSchemas.with { schemas in
            let settings = try ScratchSchemas.newSettings()
            let mine = try await schemas.store(on: settings)
            let theirs = try await schemas.store(on: settings)
            let services = APIServices(store: mine, access: try await PostgresAccessStore(sharing: mine), clock: FixedDayClock(makeDay("2026-04-01")))
            let listening = try ListeningSettings.listening(settings)
            let listener = ChangeListener(services: services) { changed, connected in
                try await PostgresStore.listenForChanges(settings: listening, changed: changed, connected: connected)
            }
            let running = Task { try await listener.run() }
            defer { running.cancel() }
            #expect(try await Self.eventually { services.observed.standingsGeneration == 2 })
            // Nothing went through this server's store: only the notification can move its count.
            try await theirs.commit(changes { $0.jurisdictions = [makeJurisdiction()] })
            #expect(try await Self.eventually { services.observed.standingsGeneration == 4 })
            #expect(String(decoding: services.metrics.emitToBuffer(), as: UTF8.self).contains("civic_change_listener_connected 1"))
        }
    }

    @Test func aTransactionPoolerCannotListen() async throws {
        // LISTEN through a transaction pooler would hear nothing: refused, naming why.
        var settings = try PostgresSettings(url: "postgres://civic@127.0.0.1:1/civic?sslmode=disable")
        settings.pooler = .transaction
        do {
            try await PostgresStore.listenForChanges(settings: settings, changed: {})
            Issue.record("listened through a transaction pooler")
        } catch let error as CivicError {
            #expect(error.code == .invalidInput)
            #expect(error.message.contains("pooler"))
        }
    }
}
