import CivicAccess
import CivicCore
@testable import CivicSQLite
import Foundation
import Testing

/// The database files hold password and token hashes and personal records.
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
        #expect(FileManager.default.createFile(atPath: path + "-wal", contents: nil, attributes: [.posixPermissions: 0o666]))
        #expect(chmod(path + "-wal", 0o666) == 0)
        #expect(throws: CivicError.self) { _ = try SQLiteStore(path: path) }
    }
}
