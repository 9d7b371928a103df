import CivicCore
@testable import CivicSQLite
import CivicTesting
import Foundation
import GRDB
import Testing

/// A stored value of the wrong kind is reported as a corrupted row naming the table and the
/// column, never read as something else: SQLite's columns take any value unless the schema says
/// otherwise, and its own conversions would turn text into 0.
@Suite("Stored rows of the wrong kind")
struct StoredRowTests {
    static func store() async throws -> SQLiteStore {
        let store = try SQLiteStore.inMemory()
        try await SQLiteStoreTests.populated(store)
        return store
    }

    static func corruption(_ read: () async throws -> Void) async -> CivicError? {
        do { try await read(); return nil } catch let error as CivicError { return error } catch { return nil }
    }

    @Test func textWhereAnIntegerBelongs() async throws {
        let store = try await Self.store()
        try await store.writer.write { try $0.execute(sql: "UPDATE subject SET registered_on = 'soon' WHERE id = 'subject-2'") }
        let error = await Self.corruption { _ = try await store.subjects(after: nil, limit: 10) }
        #expect(error?.code == .corrupted)
        #expect(error?.message == "stored subject row has text where an integer belongs in column 8")
    }

    @Test func bytesWhereTextBelongs() async throws {
        let store = try await Self.store()
        // A TEXT column turns a number into text, but keeps a blob as it is.
        try await store.writer.write { try $0.execute(sql: "UPDATE subject SET name = x'ff' WHERE id = 'subject-2'") }
        let error = await Self.corruption { _ = try await store.subjects([Subject.ID("subject-2")]) }
        #expect(error?.code == .corrupted)
        #expect(error?.message == "stored subject row has bytes that are not UTF-8 text in column 3")
        // UTF-8 bytes stored as a blob still read as their text.
        try await store.writer.write { try $0.execute(sql: "UPDATE subject SET name = CAST('Li Na' AS BLOB) WHERE id = 'subject-2'") }
        #expect(try await store.subjects([Subject.ID("subject-2")]).first?.name == "Li Na")
    }

    @Test func aFractionWhereAnIntegerBelongs() async throws {
        let store = try await Self.store()
        try await store.writer.write { try $0.execute(sql: "UPDATE subject SET birth_date = 1.5 WHERE id = 'subject-2'") }
        let error = await Self.corruption { _ = try await store.subjects(after: nil, limit: 10) }
        #expect(error?.message == "stored subject row has a fraction where an integer belongs in column 6")
        // A whole number stored as a real still reads as that number.
        try await store.writer.write { try $0.execute(sql: "UPDATE subject SET birth_date = 7300.0 WHERE id = 'subject-2'") }
        let subject = try await store.subjects([Subject.ID("subject-2")]).first
        #expect(subject?.birthDate == Day(ordinal: 7300))
    }

    @Test func entriesReadWholeThroughTheCursor() async throws {
        let store = try await Self.store()
        #expect(try await store.entries(subject: makeEntryWithEveryField(sequence: 1).subject) == [makeEntryWithEveryField(sequence: 1)])
        #expect(try await store.entries(after: 0, limit: 10).map(\.sequence) == [1, 2])
    }
}
