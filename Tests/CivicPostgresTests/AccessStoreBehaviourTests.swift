import CivicAccess
import CivicCore
@testable import CivicPostgres
@testable import CivicSQLite
import CivicTesting
import Foundation
import Testing

/// The access store behaviour suite, check for check against SQLite (in memory and on disk) and PostgreSQL:
/// one suite, so that the two stores cannot drift apart.
@Suite("Access store behaviour")
struct AccessStoreBehaviourTests {
    /// Proves the SQLite access store in memory passes every check.
    @Test("SQLite in memory", arguments: AccessStoreBehaviour.checks)
    func sqliteInMemory(_ check: AccessStoreBehaviourCheck) async throws {
        try await check.run {
            let store = try SQLiteAccessStore.inMemory()
            return AccessStoreUnderTest(store: store, execute: { try await store.execute($0) })
        }
    }

    /// Proves the SQLite access store on disk (a WAL pool, as `civic serve` opens it) passes every check.
    @Test("SQLite on disk", arguments: AccessStoreBehaviour.checks)
    func sqliteOnDisk(_ check: AccessStoreBehaviourCheck) async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("civic-access-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        try await check.run {
            let store = try SQLiteAccessStore(path: directory.appendingPathComponent("\(UUID().uuidString).db").path)
            return AccessStoreUnderTest(store: store, execute: { try await store.execute($0) })
        }
    }

    /// Proves the PostgreSQL access store passes every check, each on a scratch schema of its own.
    @Test("PostgreSQL", .enabled(if: PostgresAvailability.isAvailable, "CIVIC_TEST_POSTGRES_URL is not set"),
          arguments: AccessStoreBehaviour.checks)
    func postgres(_ check: AccessStoreBehaviourCheck) async throws {
        try await ScratchSchemas.with { schemas in
            try await check.run {
                let store = try await schemas.newAccessStore()
                return AccessStoreUnderTest(store: store, execute: { try await store.execute($0) })
            }
        }
    }
}
