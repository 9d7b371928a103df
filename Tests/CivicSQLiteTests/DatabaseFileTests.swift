import CivicAccess
import CivicCore
@testable import CivicSQLite
import Foundation
import Testing

/// The database files hold password and token hashes and personal records (issue 13, item 7).
@Suite("Database file modes")
struct DatabaseFileTests {
    static func mode(_ path: String) throws -> Int {
        let attributes = try FileManager.default.attributesOfItem(atPath: path)
        return (attributes[.posixPermissions] as? NSNumber)?.intValue ?? -1
    }

    static func directory() throws -> String {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("civic-modes-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }

    /// A new ledger and access database, with their WAL and SHM files, are readable by their owner
    /// only, even under a permissive umask.
    @Test func createdOwnerOnly() async throws {
        let directory = try Self.directory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let previous = umask(0o000)
        defer { umask(previous) }
        let ledgerPath = directory + "/civic.db"
        let accessPath = SQLiteAccessStore.path(besideLedger: ledgerPath)
        let store = try SQLiteStore(path: ledgerPath)
        let access = try SQLiteAccessStore(path: accessPath)
        try await SQLiteStoreTests.populated(store)
        try await access.insert(Account(id: "ops", role: .auditor, displayName: "Ops", createdAt: 0))
        var checked = 0
        for path in [ledgerPath, accessPath] {
            for file in [path, path + "-wal", path + "-shm"] where FileManager.default.fileExists(atPath: file) {
                #expect(try Self.mode(file) == 0o600, "\(file)")
                checked += 1
            }
        }
        #expect(checked >= 4)  // both databases and at least their WAL files exist to be checked
        _ = store
    }

    /// A database that group or others may write is refused at start, and so is its WAL file; an
    /// older 0644 database is narrowed to 0600 when opened.
    @Test func refusesWritableByOthers() async throws {
        let directory = try Self.directory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let path = directory + "/civic.db"
        do { _ = try SQLiteStore(path: path) }
        #expect(chmod(path, 0o664) == 0)
        #expect(throws: CivicError.self) { _ = try SQLiteStore(path: path) }
        let accessPath = SQLiteAccessStore.path(besideLedger: path)
        do { _ = try SQLiteAccessStore(path: accessPath) }
        #expect(chmod(accessPath, 0o646) == 0)
        #expect(throws: CivicError.self) { _ = try SQLiteAccessStore(path: accessPath) }
        #expect(chmod(path, 0o644) == 0)
        do { _ = try SQLiteStore(path: path) }
        #expect(try Self.mode(path) == 0o600)
        FileManager.default.createFile(atPath: path + "-wal", contents: nil, attributes: [.posixPermissions: 0o666])
        #expect(chmod(path + "-wal", 0o666) == 0)
        #expect(throws: CivicError.self) { _ = try SQLiteStore(path: path) }
    }
}

/// The access trail is append-only in the database itself, as the ledger is.
@Suite("Access trail")
struct AccessTrailStoreTests {
    @Test func appendOnly() async throws {
        let access = try SQLiteAccessStore.inMemory()
        let first = try await access.recordAccessEvent(AccessEvent(at: 10, kind: .signIn, actor: "a", target: "t-1"))
        let second = try await access.recordAccessEvent(AccessEvent(at: 11, kind: .tokenRevoked, actor: nil, target: "t-1"))
        #expect(second > first)
        #expect(try await access.accessEvents(after: nil, limit: 10).map(\.kind) == [.signIn, .tokenRevoked])
        #expect(try await access.accessEvents(after: first, limit: 10).map(\.sequence) == [second])
        await #expect(throws: (any Error).self) {
            try await access.writer.write { try $0.execute(sql: "UPDATE access_event SET actor = 'someone-else'") }
        }
        await #expect(throws: (any Error).self) {
            try await access.writer.write { try $0.execute(sql: "DELETE FROM access_event") }
        }
        #expect(try await access.accessEvents(after: nil, limit: 10).first?.actor == "a")
    }
}

/// Sign-in failures are forgotten once an address has been quiet past the retention, never while a delay runs.
@Suite("Sign-in throttle purge")
struct SignInThrottlePurgeTests {
    @Test func quietPairsAreForgotten() async throws {
        let access = try SQLiteAccessStore.inMemory()
        let throttle = SignInThrottle(freeFailures: 1, delaySecondsBase: 1_000, delaySecondsMax: 1_000)
        #expect(try await access.beginSignIn("a", from: "198.51.100.1", at: 100, throttle: throttle) == .allowed)  // blocked until 1,100
        #expect(try await access.beginSignIn("a", from: "198.51.100.2", at: 5_000, throttle: throttle) == .allowed)
        #expect(try await access.purgeSignInFailures(lastAttemptBefore: 1_000) == 0)  // the first pair's delay still runs
        #expect(try await access.purgeSignInFailures(lastAttemptBefore: 2_000) == 1)
        #expect(try await access.signInFailures("a", from: "198.51.100.1").failures == 0)
        #expect(try await access.signInFailures("a", from: "198.51.100.2").failures == 1)
    }
}
