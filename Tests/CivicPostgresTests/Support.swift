import CivicCore
@testable import CivicPostgres
import Foundation
import Testing

/// Whether the PostgreSQL tests can run; when they cannot, say why once, loudly.
enum PostgresAvailability {
    static let isAvailable: Bool = {
        if PostgresScratch.url == nil {
            FileHandle.standardError.write(Data("\n*** \(PostgresScratch.unavailableReason) ***\n\n".utf8))
            return false
        }
        return true
    }()
}

/// Scratch schemas opened by one test, dropped when it ends.
actor ScratchSchemas {
    private var opened: [(PostgresStore, PostgresSettings)] = []
    private var openedAccess: [(PostgresAccessStore, PostgresSettings)] = []

    /// An access store with a pool of its own on a new, empty schema.
    func newAccessStore() async throws -> PostgresAccessStore {
        let settings = try ScratchSchemas.newSettings()
        let store = try await PostgresAccessStore(settings: settings)
        openedAccess.append((store, settings))
        return store
    }

    /// A store on a new, empty schema.
    func newStore() async throws -> PostgresStore {
        try await store(on: try ScratchSchemas.newSettings())
    }

    /// Settings for a new schema, with a small pool: many tests run at once against one server.
    static func newSettings() throws -> PostgresSettings {
        var settings = try PostgresScratch.settings()
        settings.connectionsMax = 4
        return settings
    }

    /// A store on `settings` (a schema made by `newStore` or a new one); closed and dropped at the end.
    func store(on settings: PostgresSettings) async throws -> PostgresStore {
        let store = try await PostgresStore(settings: settings)
        opened.append((store, settings))
        return store
    }

    func dropAll() async {
        for (store, _) in opened { await store.close() }
        for (store, _) in openedAccess { await store.close() }
        var dropped: Set<String> = []
        for settings in opened.map(\.1) + openedAccess.map(\.1) where dropped.insert(settings.searchPath ?? "").inserted {
            do { try await PostgresScratch.drop(settings) } catch { Issue.record("could not drop scratch schema: \(error)") }
        }
        opened = []
        openedAccess = []
    }

    /// Runs `body` with a fresh set of scratch schemas, dropped afterwards whatever happens.
    static func with<T>(_ body: (ScratchSchemas) async throws -> T) async throws -> T {
        let schemas = ScratchSchemas()
        do {
            let result = try await body(schemas)
            await schemas.dropAll()
            return result
        } catch {
            await schemas.dropAll()
            throw error
        }
    }
}

/// A change set built in place.
func changes(head: Int64? = nil, _ build: (inout ChangeSet) -> Void) -> ChangeSet {
    var set = ChangeSet(expectedLedgerHead: head)
    build(&set)
    set.announceAdverseEntries()
    return set
}
