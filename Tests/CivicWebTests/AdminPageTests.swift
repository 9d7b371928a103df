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

@Suite struct AdminPageTests {
    static func signedIn(_ client: any TestClientProtocol, _ web: WebWorld, _ account: String = "demo-admin") async throws -> Browser {
        let browser = Browser(client)
        let answer = try await browser.signIn(account, web.world.passwords[account]!)
        #expect(answer.status == .seeOther)
        return browser
    }

    /// The dashboard's grade counts are those the engine gives each subject today, and the list,
    /// report and appeal counts are those the store holds.
    @Test func dashboardMatchesTheStore() async throws {
        let web = try await WebWorld.make()
        let store = web.world.store
        let engine = web.world.services.engine
        let today = TestWorld.today
        let handbooks = try await engine.handbooks()
        let jurisdictions = try await store.jurisdictions()
        let first = try #require(jurisdictions.filter { handbooks.current(for: $0.id) != nil }.map(\.id).min())
        let schemes = try #require(handbooks.current(for: first)).handbook.schemes
        var grades: [Scheme.ID: [Grade: Int]] = [:]
        var rated: [Scheme.ID: Int] = [:]
        for subject in try await store.subjects(after: nil, limit: 100_000)
        where jurisdictions.lineage(of: subject.jurisdiction).contains(first) && subject.registeredOn <= today {
            for standing in try await engine.standings(of: subject.id, asOf: today) where schemes.contains(where: { $0.id == standing.scheme }) {
                rated[standing.scheme, default: 0] += 1
                if let grade = standing.grade { grades[standing.scheme, default: [:]][grade, default: 0] += 1 }
            }
        }
        #expect(!grades.isEmpty)
        let expectedGrades = grades, expectedRated = rated
        let ids = Set(schemes.map(\.id))
        let red = Set(try await store.listings(on: .red, activeOn: today, limit: 100_000).filter { ids.contains($0.scheme) }.map(\.subject)).count
        let pending = try await store.reports(statuses: [.pending], throughCycle: today.month).filter { ids.contains($0.report.scheme) }.count

        try await web.application().test(.router) { client in
            let browser = try await Self.signedIn(client, web)
            let page = try await browser.get("/admin")
            #expect(page.status == .ok)
            let html = page.text
            for scheme in schemes {
                #expect(html.contains("id=\"scheme-\(scheme.id.rawValue)\" data-subjects=\"\(expectedRated[scheme.id] ?? 0)\""))
                for band in scheme.grades?.bands ?? [] {
                    let count = expectedGrades[scheme.id]?[band.grade] ?? 0
                    #expect(html.contains("data-grade=\"\(band.grade.rawValue)\" data-count=\"\(count)\""), "grade \(band.grade.rawValue)")
                }
            }
            #expect(html.contains("id=\"stat-red\">\(red)<"))
            #expect(html.contains("id=\"stat-pending\">\(pending)<"))
            #expect(html.contains("<svg class=\"bars\""))
            #expect(html.components(separatedBy: "<h1>").count == 2)
            // Another jurisdiction by its select; an unknown one is not found.
            #expect(try await browser.get("/admin?jurisdiction=yangqiao").text.contains("value=\"yangqiao\" selected"))
            #expect(try await browser.get("/admin?jurisdiction=nowhere").status == .notFound)
        }
    }

    /// A broken handbook: lint lists the error with its line and marks that line; publishing it is
    /// refused and the store keeps the published version. A good edit is published after confirmation.
    @Test func handbookLintAndPublish() async throws {
        let web = try await WebWorld.make(residents: 20)
        let engine = web.world.services.engine
        let current = try #require(try await engine.handbooks().current(for: Jurisdiction.ID("rongcheng")))
        let lines = current.source.components(separatedBy: "\n")
        let badLine = try #require(lines.firstIndex { $0.contains("type: points") }) + 1
        let broken = current.source.replacingOccurrences(of: "type: points", with: "type: pointz")
        try await web.application().test(.router) { client in
            let browser = try await Self.signedIn(client, web)
            let editor = try await browser.get("/admin/handbook?jurisdiction=rongcheng")
            #expect(editor.status == .ok)
            #expect(editor.text.contains("jurisdiction: rongcheng"))

            let lint = try await browser.post("/admin/handbook/lint", [("jurisdiction", "rongcheng"), ("source", broken)], tokenFrom: "/admin/handbook")
            #expect(lint.status == .unprocessableContent)
            #expect(lint.text.contains("href=\"#line-\(badLine)\""))
            #expect(lint.text.contains("id=\"line-\(badLine)\" value=\"\(badLine)\" class=\"line-error\""))
            #expect(lint.text.contains("pointz"))
            // The source is listed once, with the
            // problem beside its line.
            #expect(lint.text.components(separatedBy: "<li id=\"line-").count - 1 == lines.count)
            #expect(lint.text.components(separatedBy: "id=\"line-1\"").count == 2)
            let marked = try #require(lint.text.components(separatedBy: "id=\"line-\(badLine)\"").dropFirst().first?.components(separatedBy: "</li>").first)
            #expect(marked.contains("class=\"line-problem problem-error\""))
            #expect(marked.contains("pointz"))
            #expect(lint.text.utf8.count < current.source.utf8.count * 8)

            let refused = try await browser.post("/admin/handbook/publish", [("jurisdiction", "rongcheng"), ("source", broken), ("confirm", "yes")],
                                                 tokenFrom: "/admin/handbook")
            #expect(refused.status == .unprocessableContent)
            #expect(try await engine.handbooks().current(for: Jurisdiction.ID("rongcheng"))?.handbook.version == current.handbook.version)

            let next = current.handbook.version + 1
            let good = current.source.replacingOccurrences(of: "version: \(current.handbook.version)\n", with: "version: \(next)\n")
                .replacingOccurrences(of: "en: Rongcheng City Social Credit Handbook", with: "en: Rongcheng City Social Credit Handbook (revised)")
            let preview = try await browser.post("/admin/handbook/preview", [("jurisdiction", "rongcheng"), ("source", good)], tokenFrom: "/admin/handbook")
            #expect(preview.status == .ok)
            #expect(preview.text.contains("id=\"preview\""))
            #expect(preview.text.contains("id=\"diff\""))

            let unconfirmed = try await browser.post("/admin/handbook/publish", [("jurisdiction", "rongcheng"), ("source", good)], tokenFrom: "/admin/handbook")
            #expect(unconfirmed.status == .unprocessableContent)
            #expect(unconfirmed.text.contains("id=\"confirm-error\""))
            #expect(try await engine.handbooks().current(for: Jurisdiction.ID("rongcheng"))?.handbook.version == current.handbook.version)

            let published = try await browser.post("/admin/handbook/publish", [("jurisdiction", "rongcheng"), ("source", good), ("confirm", "yes")],
                                                   tokenFrom: "/admin/handbook")
            #expect(published.status == .seeOther)
            let now = try #require(try await engine.handbooks().current(for: Jurisdiction.ID("rongcheng")))
            #expect(now.handbook.version == next)
            #expect(now.source == good)
            #expect(now.handbook.title.en.hasSuffix("(revised)"))
        }
    }

    /// Search by name finds the subject; its page shows the full name, the standings and the entries.
    @Test func subjectsSearchAndDetail() async throws {
        let web = try await WebWorld.make(residents: 20)
        let subjects = try await web.world.store.subjects(after: nil, limit: 1_000)
        let person = try #require(subjects.first { $0.kind == .person && $0.household != nil })
        try await web.application().test(.router) { client in
            let browser = try await Self.signedIn(client, web)
            let found = try await browser.get("/admin/subjects?q=" + Browser.escape(person.name))
            #expect(found.text.contains(person.name))
            #expect(found.text.contains("/admin/subjects/\(person.id.rawValue)"))
            let households = try await browser.get("/admin/subjects?kind=household")
            #expect(!households.text.contains(">\(person.id.rawValue)<"))
            let none = try await browser.get("/admin/subjects?q=no-such-name-at-all")
            #expect(none.text.contains("No subject matches"))
            let detail = try await browser.get("/admin/subjects/\(person.id.rawValue)")
            #expect(detail.status == .ok)
            #expect(detail.text.contains(person.name))
            #expect(detail.text.contains("/admin/subjects/\(person.household!.rawValue)"))
            #expect(try await browser.get("/admin/subjects/nobody-here").status == .notFound)
        }
    }

    /// A relying party is created with measures; a token is shown once, works on the API, and stops after revoking.
    @Test func relyingPartyAndToken() async throws {
        let web = try await WebWorld.make(residents: 20)
        let measure = try #require(try await web.world.services.engine.handbooks().published.first?.handbook.schemes.flatMap(\.measures).first)
        try await web.application().test(.router) { client in
            let browser = try await Self.signedIn(client, web)
            let bad = try await browser.post("/admin/parties", [("id", "rail-office"), ("displayName", "Rail"), ("measures", "no-such-measure")],
                                             tokenFrom: "/admin/parties")
            #expect(bad.status == .unprocessableContent)
            #expect(bad.text.contains("measures-error"))
            #expect(try await web.world.access.account(Account.ID("rail-office")) == nil)

            let created = try await browser.post("/admin/parties", [("id", "rail-office"), ("displayName", "Rail office"), ("measures", measure.id.rawValue)],
                                                 tokenFrom: "/admin/parties")
            #expect(created.status == .seeOther)
            let account = try #require(try await web.world.access.account(Account.ID("rail-office")))
            #expect(account.role == .relyingParty && account.measures == [measure.id])

            let issued = try await browser.post("/admin/parties/rail-office/tokens", [("scopes", "read"), ("days", "30")], tokenFrom: "/admin/parties/rail-office")
            #expect(issued.status == .created)
            let bearer = try #require(Self.bearer(in: issued.text))
            let me = try await client.execute(uri: "/me", method: .get, headers: [.authorization: "Bearer " + bearer], body: nil)
            #expect(me.status == .ok)
            #expect(me.text.contains("rail-office"))
            // Never shown again.
            let again = try await browser.get("/admin/parties/rail-office")
            #expect(!again.text.contains(bearer))
            let token = try #require(try await web.world.access.tokens(of: account.id).first { $0.kind == .api })
            #expect(again.text.contains(token.id.rawValue))

            let revoked = try await browser.post("/admin/parties/rail-office/tokens/\(token.id.rawValue)/revoke", [], tokenFrom: "/admin/parties/rail-office")
            #expect(revoked.status == .seeOther)
            let after = try await client.execute(uri: "/me", method: .get, headers: [.authorization: "Bearer " + bearer], body: nil)
            #expect(after.status == .unauthorized)
        }
    }

    /// The token form refuses a token acting as another person (a reviewer, an assessor): the
    /// administrator would otherwise decide as them. The page says why, and no token is made.
    @Test func noTokenActingAsAnotherPerson() async throws {
        let web = try await WebWorld.make(residents: 20)
        try await web.application().test(.router) { client in
            let browser = try await Self.signedIn(client, web)
            for person in ["demo-reviewer", "demo-assessor"] {
                let before = try await web.world.access.tokens(of: Account.ID(person)).count
                let refused = try await browser.post("/admin/parties/\(person)/tokens", [("scopes", "read"), ("scopes", "write"), ("days", "30")],
                                                     tokenFrom: "/admin/parties/\(person)")
                #expect(refused.status == .forbidden)
                #expect(refused.text.contains("only that person may hold a token"))
                #expect(try await web.world.access.tokens(of: Account.ID(person)).count == before)
            }
        }
    }

    /// The auditor reads every page with the forms hidden and is refused every change; a resident is refused the pages.
    @Test func auditorReadsOnlyAndResidentIsRefused() async throws {
        let web = try await WebWorld.make(residents: 20)
        let before = try await web.world.services.engine.handbooks().current(for: Jurisdiction.ID("rongcheng"))
        try await web.application().test(.router) { client in
            let auditor = try await Self.signedIn(client, web, "demo-auditor")
            #expect(try await auditor.get("/admin").status == .ok)
            let editor = try await auditor.get("/admin/handbook")
            #expect(editor.status == .ok)
            #expect(editor.text.contains("You can read this page but not change anything."))
            #expect(!editor.text.contains("formaction=\"/admin/handbook/publish\""))
            let parties = try await auditor.get("/admin/parties")
            #expect(parties.status == .ok)
            #expect(!parties.text.contains("action=\"/admin/parties\""))
            let publish = try await auditor.post("/admin/handbook/publish", [("jurisdiction", "rongcheng"), ("source", before!.source), ("confirm", "yes")],
                                                 tokenFrom: "/admin/handbook")
            #expect(publish.status == .forbidden)
            let create = try await auditor.post("/admin/parties", [("id", "sneaky"), ("displayName", "Sneaky")], tokenFrom: "/admin/parties")
            #expect(create.status == .forbidden)
            #expect(try await web.world.access.account(Account.ID("sneaky")) == nil)
            let issue = try await auditor.post("/admin/parties/demo-relying-party/tokens", [("scopes", "read")], tokenFrom: "/admin/parties")
            #expect(issue.status == .forbidden)

            let resident = try await Self.signedIn(client, web, "demo-resident")
            for path in ["/admin", "/admin/handbook", "/admin/subjects", "/admin/parties"] {
                #expect(try await resident.get(path).status == .forbidden, "\(path)")
            }
        }
    }

    static func bearer(in html: String) -> String? {
        guard let range = html.range(of: "id=\"bearer\" class=\"bearer\" readonly value=\"") else { return nil }
        let rest = html[range.upperBound...]
        return rest.firstIndex(of: "\"").map { String(rest[..<$0]) }
    }

    /// Administrators manage people's accounts and an assessor's households in the browser,
    /// with field errors in the page's language; the auditor reads; a new reviewer can sign in at once.
    @Test func accountsAreManagedInTheBrowser() async throws {
        let web = try await WebWorld.make(residents: 20)
        let actors = try await web.world.store.actors()
        let linked = Set(try await web.world.access.accounts(after: nil, limit: 100).compactMap(\.actor))
        let reviewer = try #require(actors.first { $0.roles.contains(.reviewer) && !linked.contains($0.id) })
        let assessorOnly = try #require(actors.first { $0.roles == [.assessor] })
        let households = Array(try await web.world.account(.assessor).households.prefix(2))
        try await web.application().test(.router) { client in
            let admin = try await Self.signedIn(client, web)
            let page = try await admin.get("/admin/accounts")
            #expect(page.status == .ok)
            #expect(page.text.contains("demo-reviewer-2") && page.text.contains("action=\"/admin/accounts\""))
            #expect(try await admin.get("/admin").text.contains("href=\"/admin/accounts\""))
            let good = [("role", "reviewer"), ("actor", reviewer.id.rawValue), ("id", "village-reviewer"), ("displayName", "Village reviewer")]
            let short = try await admin.post("/admin/accounts", good + [("password", "short")], tokenFrom: "/admin/accounts")
            #expect(short.status == .unprocessableContent && short.text.contains("id=\"password-error\"") && short.text.contains("at least 12 characters"))
            #expect(short.text.contains("value=\"Village reviewer\""))
            let wrongActor = try await admin.post("/admin/accounts", [("role", "reviewer"), ("actor", assessorOnly.id.rawValue), ("id", "x-reviewer"),
                                                                      ("displayName", "X"), ("password", "a-long-enough-password")], tokenFrom: "/admin/accounts")
            #expect(wrongActor.status == .unprocessableContent && wrongActor.text.contains("id=\"actor-error\""))
            let zh = Browser(client, language: "zh")
            zh.cookies = admin.cookies
            let zhError = try await zh.post("/admin/accounts", good + [("password", "short")], tokenFrom: "/admin/accounts")
            #expect(zhError.text.contains("密码至少 12 个字符"))
            // A common password (ASVS V2.1.7) is refused at the field, in the page's language.
            let common = try await admin.post("/admin/accounts", good + [("password", "1qaz2wsx3edc")], tokenFrom: "/admin/accounts")
            #expect(common.status == .unprocessableContent && common.text.contains("id=\"password-error\"")
                    && common.text.contains("among the most common passwords"))
            let zhCommon = try await zh.post("/admin/accounts", good + [("password", "Q1W2E3R4T5Y6")], tokenFrom: "/admin/accounts")
            #expect(zhCommon.text.contains("该密码属于最常见的密码"))
            #expect(try await web.world.access.account(Account.ID("village-reviewer")) == nil)

            let created = try await admin.post("/admin/accounts", good + [("password", "a-long-enough-password")], tokenFrom: "/admin/accounts")
            #expect(created.status == .seeOther)
            #expect(created.location == "/admin/accounts/village-reviewer?done=admin.accountCreated")
            let account = try #require(try await web.world.access.account(Account.ID("village-reviewer")))
            #expect(account.role == .reviewer && account.actor == reviewer.id)
            let person = Browser(client)
            #expect(try await person.signIn("village-reviewer", "a-long-enough-password").location == "/committee")
            let again = try await admin.post("/admin/accounts", good + [("password", "a-long-enough-password")], tokenFrom: "/admin/accounts")
            #expect(again.status == .conflict && again.text.contains("already exists"))

            let uri = "/admin/accounts/demo-assessor"
            let bad = try await admin.post(uri + "/households", [("households", "nope-1")], tokenFrom: uri)
            #expect(bad.status == .unprocessableContent && bad.text.contains("id=\"households-error\""))
            let assigned = try await admin.post(uri + "/households", [("households", households.map(\.rawValue).joined(separator: "\n"))], tokenFrom: uri)
            #expect(assigned.status == .seeOther)
            #expect(Set(try await web.world.access.account(Account.ID("demo-assessor"))?.households ?? []) == Set(households))

            let auditor = try await Self.signedIn(client, web, "demo-auditor")
            let read = try await auditor.get("/admin/accounts")
            #expect(read.status == .ok && !read.text.contains("action=\"/admin/accounts\""))
            let refused = try await auditor.post("/admin/accounts", good + [("id", "other"), ("password", "a-long-enough-password")], tokenFrom: "/admin/accounts")
            #expect(refused.status == .forbidden)
            let reviewerBrowser = try await Self.signedIn(client, web, "demo-reviewer")
            #expect(try await reviewerBrowser.get("/admin/accounts").status == .forbidden)
        }
    }
}
