import CivicAccess
import CivicAPITesting
import CivicCore
import CivicWeb
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import Testing

/// What the committee's pages show and what their decisions leave in the store.
@Suite struct CommitteePageTests {
    /// A pending report with a photo, filed through the assessor's form.
    static func pendingReport(_ web: WebWorld, id: String) async throws -> (report: Report.ID, digest: String) {
        let household = try await AssessorPageTests.firstHousehold(web)
        let rule = try await AssessorPageTests.plainRule(web, for: household)
        try await web.application().test(.router) { client in
            let assessor = try await Self.signedIn(client, web, "demo-assessor")
            let filed = try await AssessorPageTests.postMultipart(
                assessor, "/assessor/reports",
                fields: [("id", id), ("subject", household.id.rawValue), ("rule", rule), ("occurredOn", "2026-03-02"), ("statement", "Swept the square")],
                files: [("photos", "square.png", pngBytes(3, count: 200))], tokenFrom: "/assessor/reports/new")
            #expect(filed.status == .seeOther, "\(filed.text)")
        }
        let record = try #require(try await web.world.store.report(Report.ID(id)))
        let reference = try #require(record.report.evidence.first?.reference)
        return (Report.ID(id), String(reference.dropFirst(7)))
    }

    static func signedIn(_ client: any TestClientProtocol, _ web: WebWorld, _ account: String) async throws -> Browser {
        let browser = Browser(client)
        _ = try await browser.signIn(account, web.world.passwords[account]!)
        return browser
    }

    @Test("the queue lists pending reports with subject, rule, points and reporter, filters by month, and is the reviewers' alone")
    func queue() async throws {
        let web = try await WebWorld.make()
        let (report, _) = try await Self.pendingReport(web, id: "q-report-1")
        try await web.application().test(.router) { client in
            let reviewer = try await Self.signedIn(client, web, "demo-reviewer")
            let page = try await reviewer.get("/committee")
            #expect(page.status == .ok)
            #expect(page.text.contains("/committee/reports/\(report.rawValue)"))
            #expect(page.text.contains("2026-03"))
            let filtered = try await reviewer.get("/committee?month=2025-01")
            #expect(!filtered.text.contains("/committee/reports/\(report.rawValue)"))
            let zh = try await reviewer.get("/committee?lang=zh")
            #expect(zh.text.contains("审核队列"))
            let assessor = try await Self.signedIn(client, web, "demo-assessor")
            #expect(try await assessor.get("/committee").status == .forbidden)
        }
    }

    @Test("a reviewer sees the evidence beside the report, must give a reason, and the decision is stored under their name")
    func decide() async throws {
        let web = try await WebWorld.make()
        let (report, digest) = try await Self.pendingReport(web, id: "d-report-1")
        let reviewerActor = try #require(try await web.world.account(.reviewer).actor)
        try await web.application().test(.router) { client in
            let reviewer = try await Self.signedIn(client, web, "demo-reviewer")
            let uri = "/committee/reports/\(report.rawValue)"
            let page = try await reviewer.get(uri)
            #expect(page.status == .ok)
            #expect(page.text.contains("<img src=\"/committee/evidence/\(digest)\""))
            #expect(page.text.contains("Swept the square"))
            let image = try await reviewer.get("/committee/evidence/\(digest)")
            #expect(image.status == .ok && image.headers[.contentType] == "image/png")
            #expect(try await reviewer.get("/committee/evidence/\(String(repeating: "a", count: 64))").status == .notFound)

            let noReason = try await reviewer.post(uri + "/decision", [("id", "dec-1"), ("outcome", "approve"), ("reason", "  ")], tokenFrom: uri)
            #expect(noReason.status == .unprocessableContent)
            #expect(noReason.text.contains("Give a reason for the decision."))
            let badPoints = try await reviewer.post(uri + "/decision", [("id", "dec-1"), ("outcome", "adjust"), ("points", "lots"), ("reason", "Too much")],
                                                    tokenFrom: uri)
            #expect(badPoints.status == .unprocessableContent)
            #expect(badPoints.text.contains(">Too much</textarea>"))
            #expect(try await web.world.store.report(report)?.decisions.isEmpty == true)

            let done = try await reviewer.post(uri + "/decision", [("id", "dec-1"), ("outcome", "adjust"), ("points", "1"),
                                                                   ("reason", "Only part of the square")], tokenFrom: uri)
            #expect(done.status == .seeOther, "\(done.text)")
            #expect(done.location == uri + "?done=committee.decided")
            let stored = try #require(try await web.world.store.report(report))
            #expect(stored.decisions.count == 1)
            #expect(stored.decisions.first?.reviewer == reviewerActor)
            #expect(stored.decisions.first?.reason == "Only part of the square")
            #expect(stored.decisions.first?.outcome == .adjust(Points(parsing: "1")!))
            let after = try await reviewer.get(done.location!)
            #expect(after.text.contains("The decision is recorded.") && after.text.contains("Only part of the square"))

            // The assessor sees the outcome and the reason on their list.
            let assessor = try await Self.signedIn(client, web, "demo-assessor")
            let mine = try await assessor.get("/assessor/reports")
            #expect(mine.text.contains(report.rawValue) && mine.text.contains("Only part of the square"))
            // An assessor may not decide.
            let refused = try await assessor.post(uri + "/decision", [("id", "dec-2"), ("outcome", "reject"), ("reason", "No")], tokenFrom: "/assessor")
            #expect(refused.status == .forbidden)
        }
    }

    @Test("a reviewer is told they are recused from a report about themself, and the engine's refusal shows if they post anyway")
    func recusal() async throws {
        let web = try await WebWorld.make()
        let actorID = try #require(try await web.world.account(.reviewer).actor)
        let actor = try #require(try await web.world.store.actor(actorID))
        let own = try #require(actor.subject)
        let subject = try #require(try await web.world.store.subject(own))
        // Any assessor who may report on the reviewer files a report about them.
        let handbooks = try await web.world.services.engine.handbooks()
        let lineage = try await web.world.store.jurisdictions().lineage(of: subject.jurisdiction)
        let (scheme, rule) = try #require(handbooks.schemes(for: subject, lineage: lineage).lazy.compactMap { _, scheme in
            scheme.rules.first { $0.reporters.contains(.assessor) && $0.points != nil && $0.minimumDurationDays == nil && $0.evidence == nil }
                .map { (scheme.id, $0.id) }
        }.first)
        var filed = false
        for assessor in try await web.world.store.actors() where assessor.roles.contains(.assessor) && !filed {
            let request = ReportRequest(id: "about-reviewer", subject: own, scheme: scheme, rule: rule, reporter: assessor.id, role: .assessor,
                                        occurredOn: Day(year: 2026, month: 3, day: 2)!, statement: "Helped at the clinic")
            filed = (try? await web.world.services.engine.file(request)) != nil
        }
        #expect(filed)
        try await web.application().test(.router) { client in
            let reviewer = try await Self.signedIn(client, web, "demo-reviewer")
            let uri = "/committee/reports/about-reviewer"
            let page = try await reviewer.get(uri)
            #expect(page.text.contains("id=\"recusal\""))
            #expect(page.text.contains("<fieldset disabled"))
            let posted = try await reviewer.post(uri + "/decision", [("id", "dec-self"), ("outcome", "approve"), ("reason", "Fine")], tokenFrom: uri)
            #expect(posted.status == .conflict, "\(posted.status)")
            #expect(posted.text.contains("role=\"alert\""))
        }
        #expect(try await web.world.store.report("about-reviewer")?.decisions.isEmpty == true)
    }

    @Test("the appeals queue shows deadlines; a decision needs a reason and is stored")
    func appeals() async throws {
        let web = try await WebWorld.make()
        let admin = try #require(try await web.world.account(.administrator).actor)
        let engine = web.world.services.engine
        // An administrator appeals a recent deed on a resident's behalf.
        var appealed: Appeal.ID?
        for entry in try await web.world.store.entries(after: 0, limit: 100_000).reversed() where entry.kind == .deed && appealed == nil {
            let request = AppealRequest(id: Appeal.ID("ap-\(entry.sequence)"), entry: entry.id, by: admin, statement: "The record is wrong")
            if (try? await engine.fileAppeal(request)) != nil { appealed = request.id }
        }
        let id = try #require(appealed)
        try await web.application().test(.router) { client in
            let reviewer = try await Self.signedIn(client, web, "demo-reviewer")
            let list = try await reviewer.get("/committee/appeals")
            #expect(list.status == .ok)
            #expect(list.text.contains("/committee/appeals/\(id.rawValue)"))
            let uri = "/committee/appeals/\(id.rawValue)"
            let page = try await reviewer.get(uri)
            #expect(page.text.contains("The record is wrong"))
            let noReason = try await reviewer.post(uri + "/decision", [("outcome", "dismissed"), ("reason", "")], tokenFrom: uri)
            #expect(noReason.status == .unprocessableContent)
            let badOutcome = try await reviewer.post(uri + "/decision", [("outcome", "maybe"), ("reason", "Hmm")], tokenFrom: uri)
            #expect(badOutcome.status == .unprocessableContent && badOutcome.text.contains("Choose a decision."))
            #expect(try await web.world.store.appeal(id)?.decision == nil)
            let done = try await reviewer.post(uri + "/decision", [("outcome", "dismissed"), ("reason", "The photos confirm it")], tokenFrom: uri)
            if done.status == .seeOther {
                #expect(done.location == uri + "?done=committee.appealDecided")
                let stored = try #require(try await web.world.store.appeal(id)?.decision)
                #expect(stored.outcome == .dismissed && stored.reason == "The photos confirm it")
                #expect(!(try await reviewer.get("/committee/appeals").text.contains(uri)))
            } else {
                // The engine refused on independence grounds: the refusal is shown in the form, nothing stored.
                #expect(done.status == .conflict && done.text.contains("role=\"alert\""))
                #expect(try await web.world.store.appeal(id)?.decision == nil)
            }
            let resident = try await Self.signedIn(client, web, "demo-resident")
            #expect(try await resident.get("/committee/appeals").status == .forbidden)
        }
    }

    @Test("only an administrator closes a cycle: the reviewer sees the status read-only, the administrator closes it and sees the summary")
    func cycle() async throws {
        let web = try await WebWorld.make()
        let before = try await web.world.store.cycles().count
        let jurisdiction = try #require(try await web.world.store.jurisdictions().sorted { $0.id < $1.id }.first)
        try await web.application().test(.router) { client in
            let reviewer = try await Self.signedIn(client, web, "demo-reviewer")
            let view = try await reviewer.get("/committee/cycle")
            #expect(view.status == .ok)
            #expect(view.text.contains("id=\"admin-closes\""))
            #expect(!view.text.contains("action=\"/committee/cycle\""))
            let refused = try await reviewer.post("/committee/cycle", [("jurisdiction", jurisdiction.id.rawValue), ("month", "2026-03")],
                                                  tokenFrom: "/committee/cycle")
            #expect(refused.status == .forbidden)
            #expect(try await web.world.store.cycles().count == before)

            let admin = try await Self.signedIn(client, web, "demo-admin")
            let form = try await admin.get("/committee/cycle")
            #expect(form.text.contains("action=\"/committee/cycle\""))
            let bad = try await admin.post("/committee/cycle", [("jurisdiction", jurisdiction.id.rawValue), ("month", "March")],
                                           tokenFrom: "/committee/cycle")
            #expect(bad.status == .unprocessableContent && bad.text.contains("Enter the month (YYYY-MM)."))
            let future = try await admin.post("/committee/cycle", [("jurisdiction", jurisdiction.id.rawValue), ("month", "2026-09")],
                                              tokenFrom: "/committee/cycle")
            #expect(future.status == .conflict && future.text.contains("has not begun"))
            #expect(try await web.world.store.cycles().count == before)
            let closed = try await admin.post("/committee/cycle", [("jurisdiction", jurisdiction.id.rawValue), ("month", "2026-03")],
                                              tokenFrom: "/committee/cycle")
            #expect(closed.status == .seeOther, "\(closed.text)")
            #expect(try await web.world.store.cycles().contains { $0.jurisdiction == jurisdiction.id && $0.month.description == "2026-03" })
            let summary = try await admin.get(try #require(closed.location))
            #expect(summary.text.contains("The cycle is closed.") && summary.text.contains("Grade falls") && summary.text.contains("Entered"))
        }
    }
}
