import CivicAPITesting
import CivicCore
import CivicSQLite
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Testing

/// A page whose write the store cannot make answers 503 in the
/// reader's language from the catalogs, says nothing was changed, never shows the store's own English text, and the
/// same form works once the store can write again. A page limit at the database's present size makes SQLite itself answer SQLITE_FULL.
struct StorageFailurePageTests {
    /// The disk is full at the database's present size: SQLite clamps `max_page_count` to the pages in use, so a
    /// write that needs one more page fails with SQLITE_FULL ("database or disk is full"), as on a full filesystem.
    static func setDiskFull(_ store: SQLiteStore, _ full: Bool) async throws {
        try await store.writer.writeWithoutTransaction { db in try db.execute(sql: "PRAGMA max_page_count = \(full ? 1 : 1_073_741_823)") }
    }

    @Test func publishingOnAStoreThatCannotWriteSaysSoInEnglishAndChinese() async throws {
        let web = try await WebWorld.make(residents: 20)
        let engine = web.world.services.engine
        let current = try #require(try await engine.handbooks().current(for: Jurisdiction.ID("rongcheng")))
        let next = current.handbook.version + 1
        let good = current.source.replacingOccurrences(of: "version: \(current.handbook.version)\n", with: "version: \(next)\n")
        let fields = [("jurisdiction", "rongcheng"), ("source", good), ("confirm", "yes")]
        try await web.application().test(.router) { client in
            for (language, heading, detail) in [("en", "Temporarily unavailable", "Nothing was changed"), ("zh", "暂时无法使用", "本次操作未作任何更改")] {
                let browser = Browser(client, language: language)
                #expect(try await browser.signIn("demo-admin", web.world.passwords["demo-admin"]!).status == .seeOther)
                let token = try await browser.formToken("/admin/handbook")
                try await Self.setDiskFull(web.world.store, true)
                let refused = try await browser.post("/admin/handbook/publish", fields, csrf: token)
                try await Self.setDiskFull(web.world.store, false)
                #expect(refused.status == .serviceUnavailable, "\(language): \(refused.status)")
                #expect(refused.text.contains(heading) && refused.text.contains(detail), "\(language): \(refused.text.prefix(3000))")
                #expect(!refused.text.contains("SQLite") && !refused.text.contains("database or disk is full"), "\(language): the store's own text leaked")
                #expect(try await engine.handbooks().current(for: Jurisdiction.ID("rongcheng"))?.handbook.version == current.handbook.version)
            }
            let browser = Browser(client)
            #expect(try await browser.signIn("demo-admin", web.world.passwords["demo-admin"]!).status == .seeOther)
            let published = try await browser.post("/admin/handbook/publish", fields, tokenFrom: "/admin/handbook")
            #expect(published.status == .seeOther, "\(published.text.prefix(2000))")
            #expect(try await engine.handbooks().current(for: Jurisdiction.ID("rongcheng"))?.handbook.version == next)
        }
    }
}
