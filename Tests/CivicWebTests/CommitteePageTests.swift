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
            // The form is hidden from a reviewer who may not decide, with the reason.
            #expect(!page.text.contains("action=\"\(uri)/decision\""))
            #expect(page.text.contains("You filed this report") || page.text.contains("about you or your household"))
            #expect(page.text.contains("id=\"deciders\""))
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

    /// The four-eyes report of the tests: a rule of the resident's schemes that needs two approvals, filed by an
    /// assessor with the evidence it asks for. Returns the report id.
    static func fourEyesReport(_ web: WebWorld, id: String) async throws -> (report: Report.ID, subject: Subject) {
        let engine = web.world.services.engine
        let account = try await web.world.account(.resident)
        let subjectID = try #require(account.subject)
        let subject = try #require(try await web.world.store.subject(subjectID))
        let handbooks = try await engine.handbooks()
        let lineage = try await web.world.store.jurisdictions().lineage(of: subject.jurisdiction)
        let (scheme, rule) = try #require(handbooks.schemes(for: subject, lineage: lineage).lazy.compactMap { _, scheme in
            scheme.rules.first { $0.approvalsRequired == 2 && $0.reporters.contains(.assessor) && $0.points != nil && $0.minimumDurationDays == nil
                && ($0.graceDays ?? 0) == 0 && $0.cap == nil }.map { (scheme.id, $0) }
        }.first)
        var evidence: [Evidence] = []
        for (kind, count) in rule.evidence?.anyOf.first ?? [:] {
            for index in 0..<count { evidence.append(Evidence(kind: kind, reference: "\(kind.rawValue):four-eyes-\(index)")) }
        }
        for assessor in try await web.world.store.actors() where assessor.roles.contains(.assessor) {
            let request = ReportRequest(id: Report.ID(id), subject: subject.id, scheme: scheme, rule: rule.id, reporter: assessor.id, role: .assessor,
                                        occurredOn: Day(year: 2026, month: 3, day: 2)!, statement: "Seen by the assessor", evidence: evidence)
            if (try? await engine.file(request)) != nil { return (Report.ID(id), subject) }
        }
        throw TestFailure("no assessor could file the four-eyes report")
    }

    @Test("four eyes and recusal in the pages: the first approver is shown why they may not decide again and who may, the second approves; the appeal against the entry hides its form from the reviewers of the report")
    func fourEyesAndRecusal() async throws {
        let web = try await WebWorld.make()
        let (report, subject) = try await Self.fourEyesReport(web, id: "four-eyes-1")
        let secondID = try #require(try await web.world.access.account(Account.ID("demo-reviewer-2"))?.actor)
        let second = try #require(try await web.world.store.actor(secondID))
        try await web.application().test(.router) { client in
            let first = try await Self.signedIn(client, web, "demo-reviewer")
            let uri = "/committee/reports/\(report.rawValue)"
            let page = try await first.get(uri)
            #expect(page.text.contains("id=\"deciders\"") && page.text.contains(second.name))
            #expect(page.text.contains("approved by 0 of the 2 different reviewers"))
            let approved = try await first.post(uri + "/decision", [("id", "d-four-eyes-1"), ("outcome", "approve"), ("reason", "The photos show it")],
                                                tokenFrom: uri)
            #expect(approved.status == .seeOther)
            let again = try await first.get(uri)
            #expect(!again.text.contains("action=\"\(uri)/decision\""))
            #expect(again.text.contains("id=\"recusal\"") && again.text.contains("You approved this report. It needs 2 different reviewers"))
            #expect(again.text.contains("approved by 1 of the 2 different reviewers"))
            #expect(again.text.contains(second.name))

            let other = try await Self.signedIn(client, web, "demo-reviewer-2")
            let form = try await other.get(uri)
            #expect(form.text.contains("action=\"\(uri)/decision\""))
            let done = try await other.post(uri + "/decision", [("id", "d-four-eyes-2"), ("outcome", "approve"), ("reason", "Agreed")], tokenFrom: uri)
            #expect(done.status == .seeOther)
            #expect(try await web.world.store.report(report)?.status == .approved)

            // The entry, and an appeal against it: the two reviewers of the report are recused, the third decides.
            let engine = web.world.services.engine
            let admin = try #require(try await web.world.account(.administrator).actor)
            _ = try await engine.closeCycle(Jurisdiction.ID("rongcheng"), month: Month(year: 2026, month: 3)!, by: admin)
            let entry = try #require(try await web.world.store.entries(subject: subject.id).first { $0.report == report })
            _ = try await engine.fileAppeal(AppealRequest(id: Appeal.ID("ap-four-eyes"), entry: entry.id, by: admin, statement: "Not there"))
            let appealURI = "/committee/appeals/ap-four-eyes"
            for browser in [first, other] {
                let barred = try await browser.get(appealURI)
                #expect(barred.status == .ok)
                #expect(!barred.text.contains("action=\"\(appealURI)/decision\""))
                #expect(barred.text.contains("You decided the report behind this entry"))
            }
            let third = try await Self.signedIn(client, web, "demo-reviewer-3")
            let open = try await third.get(appealURI)
            #expect(open.text.contains("action=\"\(appealURI)/decision\""))
            let zh = try await third.get(appealURI + "?lang=zh")
            #expect(zh.text.contains("谁可以决定"))
        }
    }

    @Test("the cycle close: in the administrator's menu, the next closable month filled in, a preview that writes nothing and matches the close, confirmation, a warning for a month that has not ended, and a summary with names and the reasons reports were carried over")
    func cycle() async throws {
        let web = try await WebWorld.make()
        let before = try await web.world.store.cycles().count
        let jurisdiction = try #require(try await web.world.store.jurisdictions().sorted { $0.id < $1.id }.first)
        let name = jurisdiction.name.en
        // One approved report to enter, one waiting for its first review.
        let (approved, _) = try await Self.pendingReport(web, id: "cycle-approved")
        for (index, account) in ["demo-reviewer", "demo-reviewer-2"].enumerated() where try await web.world.store.report(approved)?.status == .pending {
            let reviewer = try #require(try await web.world.access.account(Account.ID(account))?.actor)
            _ = try await web.world.services.engine.decide(Decision(id: Decision.ID("d-cycle-approved-\(index)"), report: approved, reviewer: reviewer,
                                                                    outcome: .approve, reason: "Seen", decidedOn: Day(year: 2026, month: 3, day: 10)!))
        }
        #expect(try await web.world.store.report(approved)?.status == .approved)
        _ = try await Self.pendingReport(web, id: "cycle-waiting")
        let closedMonths = try await web.world.store.cycles().filter { $0.jurisdiction == jurisdiction.id }.map(\.month)
        var expected = closedMonths.max()?.next ?? Month(year: 2026, month: 2)!
        while closedMonths.contains(expected) { expected = expected.next }
        let expectedMonth = expected
        try await web.application().test(.router) { client in
            let reviewerBrowser = try await Self.signedIn(client, web, "demo-reviewer")
            let view = try await reviewerBrowser.get("/committee/cycle")
            #expect(view.status == .ok)
            #expect(view.text.contains("id=\"admin-closes\""))
            #expect(!view.text.contains("action=\"/committee/cycle"))
            let refused = try await reviewerBrowser.post("/committee/cycle", [("jurisdiction", jurisdiction.id.rawValue), ("month", "2026-03"),
                                                                              ("confirm", "yes"), ("early", "yes")], tokenFrom: "/committee/cycle")
            #expect(refused.status == .forbidden)
            #expect(try await reviewerBrowser.get("/committee/cycle/preview?jurisdiction=\(jurisdiction.id.rawValue)&month=2026-03").status == .forbidden)

            let admin = try await Self.signedIn(client, web, "demo-admin")
            #expect(try await admin.get("/admin").text.contains("href=\"/committee/cycle\""))
            let form = try await admin.get("/committee/cycle")
            #expect(form.text.contains("action=\"/committee/cycle/preview\""))
            #expect(form.text.contains("name=\"month\" type=\"month\" required value=\"\(expectedMonth.description)\""))
            let bad = try await admin.get("/committee/cycle/preview?jurisdiction=\(jurisdiction.id.rawValue)&month=March")
            #expect(bad.status == .unprocessableContent && bad.text.contains("Enter the month (YYYY-MM)."))
            let future = try await admin.get("/committee/cycle/preview?jurisdiction=\(jurisdiction.id.rawValue)&month=2026-09")
            #expect(future.status == .unprocessableContent && future.text.contains("has not begun"))

            let head = try await web.world.store.ledgerHead()
            let preview = try await admin.get("/committee/cycle/preview?jurisdiction=\(jurisdiction.id.rawValue)&month=2026-03")
            #expect(preview.status == .ok)
            #expect(preview.text.contains("id=\"preview\"") && preview.text.contains("id=\"not-ended\"") && preview.text.contains("name=\"early\""))
            #expect(preview.text.contains("waiting for a first review"))
            #expect(preview.text.contains("Entries to be made") && preview.text.contains("Notices to be sent"))
            #expect(try await web.world.store.cycles().count == before)
            #expect(try await web.world.store.ledgerHead() == head)
            #expect(try await web.world.store.report(approved)?.status == .approved)
            let entered = try #require(preview.text.components(separatedBy: "<dt>Entered</dt><dd>").dropFirst().first?.prefix { $0.isNumber })

            let fields = [("jurisdiction", jurisdiction.id.rawValue), ("month", "2026-03")]
            let unconfirmed = try await admin.post("/committee/cycle", fields, tokenFrom: "/committee/cycle")
            #expect(unconfirmed.status == .unprocessableContent && unconfirmed.text.contains("id=\"confirm-error\""))
            let notEarly = try await admin.post("/committee/cycle", fields + [("confirm", "yes")], tokenFrom: "/committee/cycle")
            #expect(notEarly.status == .unprocessableContent && notEarly.text.contains("id=\"early-error\""))
            #expect(try await web.world.store.cycles().count == before)
            let closed = try await admin.post("/committee/cycle", fields + [("confirm", "yes"), ("early", "yes")], tokenFrom: "/committee/cycle")
            #expect(closed.status == .seeOther, "\(closed.text)")
            #expect(try await web.world.store.cycles().contains { $0.jurisdiction == jurisdiction.id && $0.month.description == "2026-03" })
            let location = try #require(closed.location)
            #expect(location.contains("entered=\(entered)&"))
            #expect(try await web.world.store.report(approved)?.status != .approved)
            let summary = try await admin.get(location)
            #expect(summary.text.contains("The cycle is closed.") && summary.text.contains("Grade falls") && summary.text.contains("Entered"))
            #expect(summary.text.contains("\(name), 2026-03"))
            #expect(summary.text.contains("id=\"carried\"") && summary.text.contains("waiting for a first review"))
        }
    }
}
