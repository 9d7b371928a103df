import CivicCore
import CivicLog
@testable import CivicPostgres
import CivicSQLite
import CivicTesting
import Foundation

/// The store a simulation runs on.
enum StoreKind: String, CaseIterable, Sendable {
    case reference, sqliteMemory = "sqlite-memory", sqliteFile = "sqlite-file", postgres

    /// Whether a crash can throw away memory and reopen from what is durable. The in-memory stores
    /// keep nothing outside the process: a crash there loses everything, so it is not simulated on them.
    var reopens: Bool { self == .sqliteFile || self == .postgres }
}

/// One simulation's store, and how to crash it and reopen it from what is durable.
final class Backend: @unchecked Sendable {
    let kind: StoreKind
    private(set) var store: any Store
    private let path: String?
    private let settings: PostgresSettings?

    private init(kind: StoreKind, store: any Store, path: String? = nil, settings: PostgresSettings? = nil) {
        self.kind = kind
        self.store = store
        self.path = path
        self.settings = settings
    }

    static func open(_ kind: StoreKind, seed: UInt64) async throws -> Backend {
        switch kind {
        case .reference:
            return Backend(kind: kind, store: InMemoryStore())
        case .sqliteMemory:
            return Backend(kind: kind, store: try SQLiteStore.inMemory())
        case .sqliteFile:
            let directory = FileManager.default.temporaryDirectory.appendingPathComponent("civic-sim-\(ProcessInfo.processInfo.processIdentifier)-\(seed)")
            try? FileManager.default.removeItem(at: directory)
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
            let path = directory.appendingPathComponent("civic.sqlite").path
            return Backend(kind: kind, store: try SQLiteStore(path: path), path: path)
        case .postgres:
            var settings = try PostgresScratch.settings(schema: PostgresScratch.newSchema("sim"))
            settings.connectionsMax = 2
            return Backend(kind: kind, store: try await PostgresStore(settings: settings), settings: settings)
        }
    }

    /// The log, on stores that keep one.
    var log: (any TransparencyLogStore)? { store as? any TransparencyLogStore }

    /// Drops the store and everything it held in memory, and opens it again from its file or database.
    func crashAndReopen() async throws {
        switch kind {
        case .reference, .sqliteMemory:
            return
        case .sqliteFile:
            store = try SQLiteStore(path: path!)
        case .postgres:
            await (store as? PostgresStore)?.close()
            store = try await PostgresStore(settings: settings!)
        }
    }

    /// Closes and removes what this simulation created.
    func dispose() async {
        if let store = store as? PostgresStore { await store.close() }
        if let settings { try? await PostgresScratch.drop(settings) }
        if let path { try? FileManager.default.removeItem(atPath: (path as NSString).deletingLastPathComponent) }
    }
}
