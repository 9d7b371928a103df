import CivicAccess
import CivicAPITesting
import CivicCore
import CivicLog
import CivicWeb
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Testing

@Suite struct PublicPageTests {
    /// The board shows the month's good deeds and the lists with masked names only, and says how to get off each list.
    @Test func noticeBoard() async throws {
        let web = try await WebWorld.make()
        let store = web.world.store
        try await web.application().test(.router) { client in
            let browser = Browser(client)
            let page = try await browser.get("/board/zhaojiashan?month=2026-02")
            #expect(page.status == .ok)
            let html = page.text
            #expect(html.contains("Good deeds of 2026-02"))
            #expect(html.contains("How to get off a list"))
            // The village's people are rated by the city's scheme too: its lists are explained on the village board.
            let city = try #require(try await web.world.services.engine.handbooks().current(for: Jurisdiction.ID("rongcheng"))).handbook
            for criterion in city.schemes.flatMap(\.lists) {
                #expect(html.contains(criterion.title.en), "list \(criterion.id) not explained")
            }
            // Every listed subject appears masked, never by full name.
            let listed = try await store.listings(on: .black, activeOn: TestWorld.today, limit: 1_000)
                + store.listings(on: .red, activeOn: TestWorld.today, limit: 1_000)
            let subjects = try await store.subjects(listed.map(\.subject)).filter { $0.jurisdiction.rawValue == "zhaojiashan" }
            for subject in subjects {
                #expect(html.contains(subject.maskedName))
                #expect(!html.contains(">\(subject.name)<"), "full name shown on the board")
            }
            let deeds = try await store.reports(statuses: [.entered], throughCycle: Month(year: 2026, month: 2)!)
                .filter { $0.report.cycle == Month(year: 2026, month: 2)! }
            let named = try await store.subjects(deeds.map(\.report.subject)).filter { $0.jurisdiction.rawValue == "zhaojiashan" }
            #expect(named.isEmpty || html.contains("points-plus"))
            for subject in named { #expect(!html.contains(">\(subject.name)<")) }
        }
    }

    /// The board names the public log's latest signed checkpoint, in both languages, and says so when there is none.
    @Test func boardShowsTheSignedCheckpoint() async throws {
        let web = try await WebWorld.make()
        let log = try #require(web.world.services.log)
        try await web.application().test(.router) { client in
            #expect(try await Browser(client).get("/board/zhaojiashan").text.contains("No checkpoint of the public log has been signed yet."))
            let checkpoint = try await log.checkpoint(signer: try NoteSigner(name: "civiccredit.test/board"), at: 1_775_000_000)
            let english = try await Browser(client).get("/board/zhaojiashan").text
            #expect(english.contains("covers \(checkpoint.size) records; its root is \(checkpoint.root.base64), signed on 2026-03-31"), "\(english)")
            #expect(english.contains("href=\"/log/checkpoint\""))
            let chinese = try await Browser(client, language: "zh-CN").get("/board/zhaojiashan").text
            #expect(chinese.contains("涵盖 \(checkpoint.size) 条记录"))
        }
    }

    /// The board and the handbook speak Chinese with the handbook's own Chinese titles.
    @Test func boardAndHandbookInChinese() async throws {
        let web = try await WebWorld.make()
        let handbook = try #require(try await web.world.services.engine.handbooks().current(for: Jurisdiction.ID("zhaojiashan"))).handbook
        try await web.application().test(.router) { client in
            let browser = Browser(client, language: "zh-CN")
            let board = try await browser.get("/board/zhaojiashan")
            #expect(board.text.contains("公示栏：赵家山村"))
            let rules = try await browser.get("/board/zhaojiashan/handbook")
            #expect(rules.status == .ok)
            for rule in handbook.schemes.flatMap(\.rules).prefix(10) {
                #expect(rules.text.contains(rule.title.zh), "rule \(rule.id) missing its Chinese title")
            }
            #expect(try await browser.get("/board/zhaojiashan/print").text.contains("打印于"))
        }
    }

    /// An unknown jurisdiction and a malformed month are clear errors, not empty boards.
    @Test func badBoardRequests() async throws {
        let web = try await WebWorld.make()
        try await web.application().test(.router) { client in
            let browser = Browser(client)
            let unknown = try await browser.get("/board/atlantis")
            #expect(unknown.status == .notFound)
            #expect(unknown.text.contains("No such jurisdiction"))
            let month = try await browser.get("/board/zhaojiashan?month=2026-13")
            #expect(month.status == .badRequest)
            #expect(month.text.contains("not a month"))
        }
    }

    /// A resident issues a certificate; its QR code and link open the verification page, which accepts it;
    /// a tampered text is rejected.
    @Test func certificateIssueAndVerify() async throws {
        let web = try await WebWorld.make()
        try await web.application().test(.router) { client in
            let browser = Browser(client)
            _ = try await browser.signIn("demo-resident", web.world.passwords["demo-resident"]!)
            let form = try await browser.get("/portal/certificate")
            #expect(form.status == .ok)
            let scheme = try #require(Browser.optionValue(of: "scheme", in: form.text))
            let issued = try await browser.post("/portal/certificate", [("scheme", scheme), ("validDays", "30")], tokenFrom: "/portal/certificate")
            #expect(issued.status == .created)
            #expect(issued.text.contains("<svg"))
            let token = try #require(issued.text.firstMatch(of: /CC1\.[A-Za-z0-9_\-]+\.[A-Za-z0-9_\-]+/).map { String($0.output) })
            let verified = try await Browser(client).get("/verify?c=" + token)
            #expect(verified.text.contains("Genuine"))
            #expect(verified.text.contains("still hold today"))
            var tampered = Array(token)
            let index = tampered.count - 5
            tampered[index] = tampered[index] == "A" ? "B" : "A"
            let rejected = try await Browser(client).get("/verify?c=" + String(tampered))
            #expect(rejected.text.contains("Not accepted"))
            let download = try await browser.get("/portal/certificate/download?c=" + token)
            #expect(download.headers[.contentDisposition]?.contains("attachment") == true)
            #expect(download.text.hasPrefix(token))
            // Another visitor cannot download it through the portal.
            #expect(try await Browser(client).get("/portal/certificate/download?c=" + token).status == .seeOther)
        }
    }

    /// A bad validity is a form error that issues nothing; staff without a subject record cannot issue one.
    @Test func certificateRefusals() async throws {
        let web = try await WebWorld.make()
        try await web.application().test(.router) { client in
            let resident = Browser(client)
            _ = try await resident.signIn("demo-resident", web.world.passwords["demo-resident"]!)
            let bad = try await resident.post("/portal/certificate", [("validDays", "9999")], tokenFrom: "/portal/certificate")
            #expect(bad.status == .badRequest)
            #expect(bad.text.contains("from 1 to 366"))
            let reviewer = Browser(client)
            _ = try await reviewer.signIn("demo-reviewer", web.world.passwords["demo-reviewer"]!)
            #expect(try await reviewer.get("/portal/certificate").status == .forbidden)
        }
    }
}

extension Browser {
    /// The first option value of a select named `name`.
    static func optionValue(of name: String, in html: String) -> String? {
        guard let select = html.range(of: "name=\"\(name)\"") else { return nil }
        let rest = html[select.upperBound...]
        guard let option = rest.range(of: "<option value=\"") else { return nil }
        let after = rest[option.upperBound...]
        return after.firstIndex(of: "\"").map { String(after[..<$0]) }
    }
}

extension HTTPField.Name {
    static let contentDisposition = HTTPField.Name("Content-Disposition")!
}
