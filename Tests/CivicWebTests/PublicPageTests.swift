import CivicAccess
import CivicAPITesting
import CivicCore
import CivicLog
import CivicWeb
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
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
            #expect(issued.text.contains("href=\"\(WebWorld.publicURL)/verify?c="))
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

/// Links and headers that an attacker's request must not shape.
@Suite struct SecurityPageTests {
    /// Certificate links come from the configured public address only: the request's own host (here the
    /// test client's `localhost`, which a client chooses freely) never reaches the link or the QR code,
    /// and without a public address there is no link at all.
    @Test func certificateLinksIgnoreTheHostHeader() async throws {
        for configured in [true, false] {
            let web = try await WebWorld.make(configuration: WebConfiguration(publicURL: configured ? WebWorld.publicURL : nil))
            try await web.application().test(.router) { client in
                let browser = Browser(client)
                _ = try await browser.signIn("demo-resident", web.world.passwords["demo-resident"]!)
                let form = try await browser.get("/portal/certificate")
                let scheme = try #require(Browser.optionValue(of: "scheme", in: form.text))
                let token = try await browser.formToken("/portal/certificate")
                let body = "scheme=\(Browser.escape(scheme))&validDays=30&csrf=\(token)"
                var headers = HTTPFields()
                headers[.cookie] = browser.cookies.map { "\($0.key)=\($0.value)" }.joined(separator: "; ")
                headers[.contentType] = "application/x-www-form-urlencoded"
                let issued = try await client.execute(uri: "/portal/certificate", method: .post, headers: headers, body: ByteBuffer(string: body))
                #expect(issued.status == .created)
                #expect(!issued.text.contains("evil.example") && !issued.text.contains("localhost/verify"))
                #expect(issued.text.contains("<svg") == configured)
                #expect(issued.text.contains("\(WebWorld.publicURL)/verify?c=") == configured)
                let certificate = try #require(issued.text.firstMatch(of: /CC1\.[A-Za-z0-9_\-]+\.[A-Za-z0-9_\-]+/).map { String($0.output) })
                headers[.contentType] = nil
                let download = try await client.execute(uri: "/portal/certificate/download?c=" + certificate, method: .get, headers: headers)
                #expect(download.status == .ok)
                #expect(!download.text.contains("evil.example"))
                #expect(download.text.contains("/verify?c=") == configured)
            }
        }
    }

    /// Every response carries the security headers, whatever made it: a page, a redirect, a static
    /// file, a problem document, a missing route, the JSON API; HSTS only when asked for; cookies are
    /// Secure whenever the public address is https.
    @Test func securityHeadersOnEveryResponse() async throws {
        let web = try await WebWorld.make(api: { $0.strictTransportSecurity = true })
        try await web.application().test(.router) { client in
            let responses = [
                try await client.execute(uri: "/", method: .get),
                try await client.execute(uri: "/portal", method: .get),  // a redirect to sign in
                try await client.execute(uri: "/static/style.css", method: .get),
                try await client.execute(uri: "/no/such/page", method: .get),
                try await client.execute(uri: "/subjects", method: .get),  // 401 problem document
                try await client.execute(uri: "/jurisdictions", method: .get),
                try await client.execute(uri: "/login", method: .post),  // a form without its token
            ]
            for response in responses {
                let policy = response.headers[HTTPField.Name("Content-Security-Policy")!] ?? ""
                #expect(policy.contains("frame-ancestors 'none'"), "\(response.status): \(policy)")
                #expect(!policy.contains("unsafe-inline"))
                #expect(response.headers[HTTPField.Name("X-Content-Type-Options")!] == "nosniff")
                #expect(response.headers[HTTPField.Name("Referrer-Policy")!] == "same-origin")
                #expect(response.headers[HTTPField.Name("Strict-Transport-Security")!]?.hasPrefix("max-age=") == true)
            }
            #expect(responses[0].headers[HTTPField.Name("Content-Security-Policy")!]?.contains("script-src 'self'") == true)
            #expect(responses[5].headers[HTTPField.Name("Content-Security-Policy")!]?.contains("sandbox") == true)
            let cookies = responses[0].headers[values: .setCookie]
            #expect(!cookies.isEmpty && cookies.allSatisfy { $0.contains("Secure") })
        }
        let plain = try await WebWorld.make(configuration: WebConfiguration(publicURL: "http://127.0.0.1:8080"))
        try await plain.application().test(.router) { client in
            let home = try await client.execute(uri: "/", method: .get)
            #expect(home.headers[HTTPField.Name("Strict-Transport-Security")!] == nil)
            #expect(home.headers[values: .setCookie].allSatisfy { !$0.contains("Secure") })
        }
    }
}

/// Long tables on the board page on, a printed board keeps every row, and an open-ended listing says how it ends.
@Suite struct BoardPagingTests {
    static func rows(_ html: String, section: String) -> Int {
        guard let start = html.range(of: "aria-labelledby=\"\(section)\"") else { return 0 }
        let rest = html[start.upperBound...]
        let end = rest.range(of: "</section>")?.lowerBound ?? rest.endIndex
        return rest[..<end].components(separatedBy: "<tr><td>").count - 1
    }

    @Test func longTablesPageOnAndPrintKeepsEveryRow() async throws {
        var configuration = WebConfiguration(publicURL: WebWorld.publicURL)
        configuration.rowsPerPage = 3
        let web = try await WebWorld.make(configuration: configuration)
        try await web.application().test(.router) { client in
            let browser = Browser(client)
            // The month with the most good deeds on the city's board (the city's board shows its villages too).
            var best = (month: "", count: 0)
            for month in ["2025-12", "2026-01", "2026-02"] {
                let printed = try await browser.get("/board/rongcheng/print?month=\(month)").text
                let count = printed.components(separatedBy: "points-plus").count - 1
                if count > best.count { best = (month, count) }
            }
            #expect(best.count > 3, "the demo has a month with more good deeds than one page holds")
            var seen = 0
            var next: String? = "/board/rongcheng?month=\(best.month)"
            var pages = 0
            while let link = next, pages < 100 {
                let page = try await browser.get(link)
                #expect(page.status == .ok)
                let rows = Self.rows(page.text, section: "deeds")
                #expect(rows <= 3 && rows > 0, "\(link): \(rows) rows")
                #expect(page.text.contains("Rows \(seen + 1)–\(seen + rows) of \(best.count)."), "\(link)")
                seen += rows
                pages += 1
                next = page.text.range(of: "rel=\"next\"").flatMap { _ in
                    page.text.components(separatedBy: "<a href=\"").dropFirst().map { $0.components(separatedBy: "\"")[0] }
                        .first { $0.contains("deeds=\(pages + 1)") }?.replacingOccurrences(of: "&amp;", with: "&")
                }
            }
            #expect(seen == best.count, "the pages together show every deed once")
            #expect(pages == (best.count + 2) / 3)
            let beyond = try await browser.get("/board/rongcheng?month=\(best.month)&deeds=999")
            #expect(beyond.text.contains("of \(best.count)."), "a page past the end shows the last page")
        }
    }

    @Test func anOpenEndedListingSaysHowItEnds() async throws {
        // Before, every listing without an end day read "Ends: when remedied", red-list honours included.
        let web = try await WebWorld.make()
        let handbooks = try await web.world.services.engine.handbooks()
        let store = web.world.store
        // A red-list honour as the city's scheme gives it (grade AAA, while it is earned), stored on one resident's standing:
        // the small test world has nobody at AAA.
        var standing = try #require(try await store.standings(after: nil, limit: 100_000).first { $0.scheme.rawValue == "city-points" })
        standing.listings.append(Listing(list: .red, criterion: ListCriterion.ID("red-list"), since: TestWorld.today, reason: "grade AAA"))
        var changes = ChangeSet()
        changes.standings = [standing]
        try await store.commit(changes)
        let open = try await (store.listings(on: .red, activeOn: TestWorld.today, limit: 10_000)
            + store.listings(on: .black, activeOn: TestWorld.today, limit: 10_000)).filter { $0.listing.endsOn == nil }
        #expect(open.contains { $0.listing.list == .red }, "the honour is listed")
        let words: [ListCriterion.Duration: String] = [.whileTriggered: "as long as the condition holds", .untilRemedied: "until the fault is remedied"]
        try await web.application().test(.router) { client in
            for item in open.prefix(20) {
                let criterion = try #require(handbooks.scheme(item.scheme)?.scheme.lists.first { $0.id == item.listing.criterion })
                let subject = try #require(try await store.subject(item.subject))
                let html = try await Browser(client).get("/board/\(subject.jurisdiction.rawValue)").text
                let expected = try #require(words[criterion.duration])
                #expect(html.contains("<td>\(item.listing.since)</td><td>\(expected)</td>"), "\(criterion.id) of \(subject.maskedName)")
                #expect(!html.contains("when remedied"))
            }
        }
    }
}
