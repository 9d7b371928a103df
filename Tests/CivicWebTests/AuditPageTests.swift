import CivicAccess
import CivicAPI
import CivicAPITesting
import CivicCore
import CivicWeb
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Testing

/// The auditor's own pages: counts that are the store's, a verification that finds an altered standing,
/// the access trail newest first, the ledger to take away; nobody else below an administrator gets in.
@Suite(.serialized)
struct AuditPageTests {
    static func signedIn(_ client: any TestClientProtocol, _ web: WebWorld, _ account: String, language: String? = nil) async throws -> Browser {
        let browser = Browser(client, language: language)
        let answer = try await browser.signIn(account, web.world.passwords[account]!)
        #expect(answer.status == .seeOther)
        return browser
    }

    static func number(_ id: String, in html: String) -> Int? {
        guard let range = html.range(of: "id=\"\(id)\">") else { return nil }
        return Int(html[range.upperBound...].prefix { $0.isNumber })
    }

    @Test func theAuditorLandsOnFiguresCountedFromTheStore() async throws {
        let web = try await WebWorld.make(residents: 20)
        let store = web.world.store
        try await web.application().test(.router) { client in
            let auditor = Browser(client)
            let answer = try await auditor.signIn("demo-auditor", web.world.passwords["demo-auditor"]!)
            #expect(answer.location == "/audit", "the auditor's home is their own page")
            let page = try await auditor.get("/audit")
            #expect(page.status == .ok)
            #expect(Self.number("audit-subjects", in: page.text) == (try await store.subjectCount()))
            #expect(Self.number("audit-ledger", in: page.text) == Int(try await store.ledgerHead()))
            let pending = try await store.reports(statuses: [.pending], throughCycle: Month(year: 9999, month: 12)!).count
            #expect(Self.number("audit-pending", in: page.text) == pending)
            var undecided = 0
            var cursor: Appeal.ID?
            while true {
                let batch = try await store.undecidedAppeals(after: cursor, limit: 100)
                undecided += batch.count
                guard batch.count == 100, let last = batch.last else { break }
                cursor = last.appeal.id
            }
            #expect(Self.number("audit-appeals", in: page.text) == undecided)
            #expect(page.text.contains("id=\"audit-reporters\""), "the oversight table lists the demo's reporters")
            for link in ["href=\"/audit\"", "href=\"/audit/verification\"", "href=\"/audit/access\""] {
                #expect(page.text.contains(link), "navigation: \(link)")
            }
        }
    }

    /// Polls the verification page until no verification is running (at most a minute).
    static func settled(_ browser: Browser) async throws -> TestResponse {
        for _ in 0..<600 {
            let page = try await browser.get("/audit/verification")
            if !page.text.contains("id=\"verification-running\"") { return page }
            try await Task.sleep(for: .milliseconds(100))
        }
        throw TestFailure("the verification did not finish within a minute")
    }

    @Test func verificationPassesThenFindsAnAlteredStanding() async throws {
        let web = try await WebWorld.make(residents: 20)
        try await web.application().test(.router) { client in
            let auditor = try await Self.signedIn(client, web, "demo-auditor")
            let before = try await auditor.get("/audit/verification")
            #expect(before.text.contains("No verification has run on this server since it started."))
            let started = try await auditor.post("/audit/verification", [], tokenFrom: "/audit/verification")
            #expect(started.status == .seeOther)
            let clean = try await Self.settled(auditor)
            #expect(clean.text.contains("id=\"verification-result\""))
            #expect(clean.text.contains("Passed"), "\(clean.text)")
            #expect(clean.text.contains("The integrity check found nothing wrong"))
            let checked = try await web.world.store.standings(after: nil, limit: 1_000_000).count
            #expect(clean.text.contains("Standings checked: <strong>\(checked)</strong>"), "every stored standing is checked")

            var altered = try #require(try await web.world.store.standings(after: nil, limit: 1).first)
            altered.activeEntries += 7
            var changes = ChangeSet()
            changes.standings = [altered]
            try await web.world.store.commit(changes)
            _ = try await auditor.post("/audit/verification", [], tokenFrom: "/audit/verification")
            let dirty = try await Self.settled(auditor)
            #expect(dirty.text.contains("Problems found"))
            #expect(dirty.text.contains("id=\"verification-mismatches\""))
            #expect(dirty.text.contains("<td>\(altered.subject.rawValue)</td>"), "the altered subject is named")

            let chinese = try await Self.signedIn(client, web, "demo-auditor", language: "zh")
            let zh = try await chinese.get("/audit/verification")
            #expect(zh.text.contains("发现问题") && zh.text.contains("完整性核验"))
        }
    }

    @Test func theAccessTrailShowsTheNewestFirstAndTheLedgerExportIsRecorded() async throws {
        let web = try await WebWorld.make(residents: 20)
        try await web.application().test(.router) { client in
            _ = try await Self.signedIn(client, web, "demo-resident")
            let auditor = try await Self.signedIn(client, web, "demo-auditor")
            let trail = try await auditor.get("/audit/access")
            #expect(trail.status == .ok)
            let auditorRow = try #require(trail.text.range(of: "<td>demo-auditor</td>"))
            let residentRow = try #require(trail.text.range(of: "<td>demo-resident</td>"))
            #expect(auditorRow.lowerBound < residentRow.lowerBound, "newest first: the auditor signed in after the resident")
            #expect(trail.text.contains("<td>Signed in</td>"))

            let export = try await auditor.get("/audit/ledger.jsonl")
            #expect(export.status == .ok)
            #expect(export.headers[.contentType] == "application/x-ndjson; charset=utf-8")
            let lines = export.text.split(separator: "\n")
            #expect(lines.count == Int(try await web.world.store.ledgerHead()), "every entry, once")
            let first = try JSONSerialization.jsonObject(with: Data(lines[0].utf8)) as? [String: Any]
            #expect(first?["sequence"] as? Int == 1)
            let events = try await web.world.access.accessEvents(after: nil, limit: 10_000)
            #expect(events.contains { $0.kind == .export && $0.actor == Account.ID("demo-auditor") }, "the export is in the trail")

            let zh = try await Self.signedIn(client, web, "demo-auditor", language: "zh").get("/audit/access")
            #expect(zh.text.contains("<td>登录</td>"))
        }
    }

    @Test func onlyAuditorsAndAdministratorsGetIn() async throws {
        let web = try await WebWorld.make(residents: 20)
        try await web.application().test(.router) { client in
            for account in ["demo-resident", "demo-assessor", "demo-reviewer"] {
                let browser = try await Self.signedIn(client, web, account)
                for path in ["/audit", "/audit/verification", "/audit/access", "/audit/ledger.jsonl"] {
                    #expect(try await browser.get(path).status == .forbidden, "\(account) \(path)")
                }
                let start = try await browser.post("/audit/verification", [])
                #expect(start.status == .forbidden, "\(account) starts a verification")
            }
            let visitor = Browser(client)
            #expect(try await visitor.get("/audit").status == .seeOther, "a visitor is sent to sign in")
            let admin = try await Self.signedIn(client, web, "demo-admin")
            #expect(try await admin.get("/audit").status == .ok)
        }
    }
}
