import CivicAPI
import CivicAPITesting
import CivicCore
import CivicSQLite
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Testing

/// A store that cannot write answers 503 with a problem that says so, changes nothing, and
/// works again on the same server when it can write again. The failure is SQLite's own (a page limit at the database's
/// present size makes a write fail with SQLITE_FULL); scripts/fault-test does the same on a full tmpfs.
struct StorageFailureTests {
    /// The disk is full at the database's present size: SQLite clamps `max_page_count` to the pages in use, so a
    /// write that needs one more page fails with SQLITE_FULL ("database or disk is full"), as on a full filesystem.
    static func setDiskFull(_ store: SQLiteStore, _ full: Bool) async throws {
        try await store.writer.writeWithoutTransaction { db in try db.execute(sql: "PRAGMA max_page_count = \(full ? 1 : 1_073_741_823)") }
    }

    @Test("a write the store cannot make answers 503 storage, stores nothing, and the same key succeeds once it can")
    func writeFailsCleanlyAndRecovers() async throws {
        let world = try await TestWorld.make(residents: 20)
        // 300 subjects: more than the pages in use can hold, so the write needs new pages.
        let subjects = (1...300).map { #"{"id":"sf-\#($0)","kind":"person","name":"Storage Failure \#($0)","jurisdiction":"rongcheng","attributes":[],"registeredOn":"2026-01-01"}"# }
        let body = #"{"subjects":["# + subjects.joined(separator: ",") + "]}"
        try await world.application().test(.router) { client in
            let admin = world.token(.administrator)
            let headers: HTTPFields = [.authorization: "Bearer \(admin)", .contentType: "application/json", HTTPField.Name("Idempotency-Key")!: "sf-key-1"]
            try await Self.setDiskFull(world.store, true)
            let failed = try await client.execute(uri: "/subjects", method: .post, headers: headers, body: ByteBuffer(string: body))
            #expect(failed.status == .serviceUnavailable)
            let problem = try JSONSerialization.jsonObject(with: Data(buffer: failed.body)) as? [String: Any]
            #expect(problem?["code"] as? String == "storage", "\(String(buffer: failed.body))")
            #expect((problem?["detail"] as? String)?.contains("full") == true, "\(String(buffer: failed.body))")
            #expect(try await world.store.subject("sf-1") == nil)
            #expect(try await world.store.subject("sf-300") == nil)
            #expect(try await world.access.idempotencyRecord(principal: world.account(.administrator).id, key: "sf-key-1") == nil,
                    "a failed write must not be stored for replay")

            try await Self.setDiskFull(world.store, false)
            let retried = try await client.execute(uri: "/subjects", method: .post, headers: headers, body: ByteBuffer(string: body))
            #expect(retried.status == .ok, "\(String(buffer: retried.body))")
            #expect(retried.headers[HTTPField.Name("Idempotent-Replayed")!] == nil)
            #expect(try await world.store.subject("sf-1") != nil)
            #expect(try await world.store.subject("sf-300") != nil)
        }
    }
}
