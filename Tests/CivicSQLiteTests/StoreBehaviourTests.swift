import CivicCore
import CivicSQLite
import CivicTesting
import Foundation
import Testing

/// The shared store behaviour suite, run against the reference store and both SQLite setups.
@Suite("Store behaviour")
struct StoreBehaviourTests {
    /// Proves the suite itself agrees with the reference implementation.
    @Test("InMemoryStore (reference)", arguments: StoreBehaviour.checks)
    func reference(_ check: StoreBehaviourCheck) async throws {
        try await check.run { InMemoryStore() }
    }

    /// Proves SQLite in memory (a DatabaseQueue) behaves like the reference.
    @Test("SQLite in memory", arguments: StoreBehaviour.checks)
    func sqliteInMemory(_ check: StoreBehaviourCheck) async throws {
        try await check.run { try SQLiteStore.inMemory() }
    }

    /// Proves SQLite on disk (a WAL DatabasePool) behaves like the reference.
    @Test("SQLite on disk", arguments: StoreBehaviour.checks)
    func sqliteOnDisk(_ check: StoreBehaviourCheck) async throws {
        let directory = try TemporaryDirectory()
        try await check.run { try SQLiteStore(path: directory.newDatabasePath()) }
    }
}

/// A directory under the system's temporary directory, removed with its
/// contents when the value is released.
final class TemporaryDirectory: Sendable {
    let url: URL

    init() throws {
        url = FileManager.default.temporaryDirectory.appendingPathComponent("civic-sqlite-tests-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }

    /// A fresh database file name in the directory.
    func newDatabasePath() -> String {
        url.appendingPathComponent("\(UUID().uuidString).sqlite").path
    }

    deinit {
        try? FileManager.default.removeItem(at: url)
    }
}
