import CivicAccess
import CivicAPI
import CivicAPITesting
import CivicCore
import CivicLog
import CivicWeb
import Crypto
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import Testing

@Suite struct PortalPageTests {
    static let png: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0, 0, 0, 13] + Array("IHDR portal test".utf8)

    /// The demo resident's subject, as the account names it.
    static func subject(_ web: WebWorld) async throws -> Subject {
        let account = try await web.world.account(.resident)
        let id = try #require(account.subject)
        return try #require(try await web.world.store.subject(id))
    }

    static func resident(_ client: any TestClientProtocol, _ web: WebWorld, language: String? = nil) async throws -> Browser {
        let browser = Browser(client, language: language)
        let signIn = try await browser.signIn("demo-resident", web.world.passwords["demo-resident"]!)
        #expect(signIn.location == "/portal")
        return browser
    }

    /// An adverse entry on the resident that may still be appealed: reported by the demo assessor and approved
    /// by the demo reviewer today, so its notice gives an appeal deadline in the future.
    static func adverseEntry(_ web: WebWorld, _ subject: Subject, evidence: [Evidence]? = nil) async throws -> Entry {
        let engine = web.world.services.engine
        let explanations = try await engine.explain(subject.id)
        func fits(_ rule: Rule) -> Bool { rule.isAdverse && rule.points != nil && rule.reporters.contains(.assessor) && rule.approvalsRequired <= 1 && (rule.graceDays ?? 0) == 0 }
        let scheme = try #require(explanations.map(\.scheme).first { $0.rules.contains(where: fits) })
        let rule = try #require(scheme.rules.first { fits($0) && $0.evidence == nil } ?? scheme.rules.first(where: fits))
        let assessor = try #require(try await web.world.account(.assessor).actor)
        let reviewer = try #require(try await web.world.account(.reviewer).actor)
        let id = Report.ID("portal-test-adverse")
        let evidence = evidence ?? [Evidence(kind: .photo, reference: "photo:site-visit-1"), Evidence(kind: .document, reference: "doc:minutes-1"),
                                    Evidence(kind: .record, reference: "record:1")]
        _ = try await engine.file(ReportRequest(id: id, subject: subject.id, scheme: scheme.id, rule: rule.id, reporter: assessor, role: .assessor,
                                                occurredOn: engine.clock.today().adding(days: -2), statement: "Seen at the site", evidence: evidence))
        for index in 0..<max(1, rule.approvalsRequired) {
            _ = try await engine.decide(Decision(id: Decision.ID("portal-test-decision-\(index)"), report: id, reviewer: reviewer, outcome: .approve,
                                                 reason: "Confirmed by the record", decidedOn: engine.clock.today()))
        }
        // Approved reports become entries when the cycle closes.
        let admin = try #require(try await web.world.account(.administrator).actor)
        let owner = try #require(try await engine.handbooks().owner(of: scheme.id))
        _ = try await engine.closeCycle(owner, month: engine.clock.today().month, by: admin)
        let entries = try await web.world.store.entries(subject: subject.id)
        return try #require(entries.first { $0.report == id && $0.kind == .deed })
    }

    /// A resident appeals an adverse entry from its page: the appeal is stored with their grounds, a resubmitted
    /// form files it once, empty grounds are a form error that stores nothing, and another subject's entry is 404.
    @Test func fileAnAppealFromTheEntryPage() async throws {
        let web = try await WebWorld.make()
        let subject = try await Self.subject(web)
        let entry = try await Self.adverseEntry(web, subject)
        try await web.application().test(.router) { client in
            let browser = try await Self.resident(client, web)
            let uri = "/portal/entries/" + entry.id.rawValue
            let page = try await browser.get(uri)
            #expect(page.status == .ok)
            let appealID = try #require(Browser.value(of: "appealId", in: page.text))
            #expect(Reference.isValid(appealID, kind: .appeal), "\(appealID) is a readable, checked reference")

            let empty = try await browser.post("/portal/appeals", [("entry", entry.id.rawValue), ("appealId", appealID), ("statement", "  ")], tokenFrom: uri)
            #expect(empty.status == .unprocessableContent)
            #expect(empty.text.contains("role=\"alert\"") || empty.text.contains("field-error"))
            #expect(try await web.world.store.appeals(subject: subject.id).isEmpty)

            let fields = [("entry", entry.id.rawValue), ("appealId", appealID), ("statement", "I was not there that day")]
            let filed = try await browser.post("/portal/appeals", fields, tokenFrom: uri)
            #expect(filed.status == .seeOther)
            #expect(filed.location?.hasPrefix("/portal/appeals/\(appealID)") == true)
            let again = try await browser.post("/portal/appeals", fields, tokenFrom: uri)
            #expect(again.status == .seeOther)
            let appeals = try await web.world.store.appeals(subject: subject.id)
            #expect(appeals.count == 1)
            #expect(appeals.first?.appeal.entry == entry.id && appeals.first?.appeal.statement == "I was not there that day")
            let follow = try await browser.get("/portal/appeals/\(appealID)")
            #expect(follow.status == .ok && follow.text.contains("I was not there that day"))

            let other = try #require(try await web.world.store.entries(after: 0, limit: 10_000).first { $0.subject != subject.id && $0.kind == .deed })
            let foreign = try await browser.post("/portal/appeals", [("entry", other.id.rawValue), ("appealId", "web-foreign-1"),
                                                                      ("statement", "Not mine")], tokenFrom: uri)
            #expect(foreign.status == .notFound)
            #expect(try await web.world.store.appeals(subject: other.subject).allSatisfy { $0.appeal.id.rawValue != "web-foreign-1" })
        }
    }

    static func multipart(_ fields: [(String, String)], file: (name: String, filename: String, type: String, bytes: [UInt8])?) -> (ByteBuffer, String) {
        multipart(fields, files: file.map { [$0] } ?? [])
    }

    static func multipart(_ fields: [(String, String)], files: [(name: String, filename: String, type: String, bytes: [UInt8])]) -> (ByteBuffer, String) {
        let boundary = "portal-test-boundary-7f3a"
        var body = ByteBuffer()
        for (name, value) in fields {
            body.writeString("--\(boundary)\r\nContent-Disposition: form-data; name=\"\(name)\"\r\n\r\n\(value)\r\n")
        }
        for file in files {
            body.writeString("--\(boundary)\r\nContent-Disposition: form-data; name=\"\(file.name)\"; filename=\"\(file.filename)\"\r\nContent-Type: \(file.type)\r\n\r\n")
            body.writeBytes(file.bytes)
            body.writeString("\r\n")
        }
        body.writeString("--\(boundary)--\r\n")
        return (body, "multipart/form-data; boundary=\(boundary)")
    }

    // MARK: Home

    /// The home page shows each scheme's score and grade as the engine folds them, the household's masked
    /// names, the history table with links to the entries, and links to the other pages; it is never cached.
    @Test func homeShowsStandingHouseholdAndHistory() async throws {
        let web = try await WebWorld.make()
        let subject = try await Self.subject(web)
        try await web.application().test(.router) { client in
            let browser = try await Self.resident(client, web)
            let page = try await browser.get("/portal")
            #expect(page.status == .ok)
            #expect(page.headers[.cacheControl] == "no-store")
            let standings = try await web.world.services.engine.standings(of: subject.id)
            #expect(!standings.isEmpty)
            for standing in standings {
                #expect(page.text.contains("<span class=\"stat\">\(standing.score.description)</span>"))
                if let grade = standing.grade { #expect(page.text.contains("<span class=\"grade\">\(grade.rawValue)</span>")) }
            }
            if let household = subject.household {
                for member in try await web.world.store.members(of: household) {
                    #expect(page.text.contains(member.maskedName))
                    #expect(member.name == member.maskedName || !page.text.contains(">\(member.name)<"))
                }
            }
            let changes = try await web.world.store.entries(subject: subject.id).filter { $0.kind == .deed && $0.points != .zero }
            if let entry = changes.first {
                #expect(page.text.contains("href=\"/portal/entries/\(entry.id.rawValue)\""))
            }
            for link in ["/portal/entries", "/portal/notices", "/portal/appeals", "/portal/claim", "/portal/path", "/portal/export"] {
                #expect(page.text.contains("href=\"\(link)\""))
            }
            #expect(page.text.components(separatedBy: "<h1").count == 2)
            let chinese = try await browser.get("/portal?lang=zh")
            #expect(chinese.text.contains("<html lang=\"zh-Hans\">"))
            #expect(chinese.text.contains("我的记录"))
        }
    }

    /// Staff are refused with a 403 page that points to their own pages; a visitor is sent to sign in.
    @Test func staffAndVisitorsAreRefused() async throws {
        let web = try await WebWorld.make()
        try await web.application().test(.router) { client in
            for account in ["demo-reviewer", "demo-admin", "demo-assessor", "demo-auditor"] {
                let browser = Browser(client)
                _ = try await browser.signIn(account, web.world.passwords[account]!)
                for path in ["/portal", "/portal/entries", "/portal/claim", "/portal/export", "/portal/path"] {
                    let page = try await browser.get(path)
                    #expect(page.status == .forbidden, "\(account) \(path)")
                }
                #expect(try await browser.get("/portal").text.contains("These pages are for residents"))
                let claim = try await browser.post("/portal/claim", [("rule", "x"), ("statement", "x"), ("occurredOn", "2026-03-01"), ("claimId", "web-x")])
                #expect(claim.status == .forbidden)
            }
            let visitor = Browser(client)
            let page = try await visitor.get("/portal/entries")
            #expect(page.status == .seeOther)
            #expect(page.location == "/login?next=/portal/entries")
        }
    }

    // MARK: Entries


    /// One entry shows its rule with the handbook version, the report with its statement and evidence
    /// references, the named decision and its reason, and the notice; another subject's entry is not found.
    @Test func entryShowsReportDecisionAndNotice() async throws {
        let web = try await WebWorld.make()
        let subject = try await Self.subject(web)
        let entry = try #require(try await web.world.store.entries(subject: subject.id).first)
        try await web.application().test(.router) { client in
            let browser = try await Self.resident(client, web)
            let page = try await browser.get("/portal/entries/\(entry.id.rawValue)")
            #expect(page.status == .ok)
            #expect(page.text.contains("version \(entry.handbookVersion)"))
            if let reportID = entry.report, let record = try await web.world.store.report(reportID) {
                #expect(page.text.contains(reportID.rawValue))
                for decision in record.decisions { #expect(page.text.contains(decision.reason)) }
            }

            let foreign = try #require(try await web.world.store.entries(after: 0, limit: 100_000).first { $0.subject != subject.id && $0.subject != subject.household })
            #expect(try await browser.get("/portal/entries/\(foreign.id.rawValue)").status == .notFound)
            #expect(try await browser.get("/portal/entries/no-such-entry").status == .notFound)
        }
    }

    /// The score card shows the grade scale as a credit report does: every band of the scheme, highest first,
    /// with its points, the grade held marked (and only that one), the score's place, and how far the next
    /// grade is when points alone can reach it.
    @Test func scoreCardShowsTheGradeScale() async throws {
        let web = try await WebWorld.make()
        let subject = try await Self.subject(web)
        let graded = try await web.world.services.engine.explain(subject.id).first { $0.scheme.grades != nil }
        let item = try #require(graded)
        let bands = try #require(item.scheme.grades).bands
        let held = try #require(item.explanation.standing.grade)
        try await web.application().test(.router) { client in
            let browser = try await Self.resident(client, web)
            let page = try await browser.get("/portal")
            #expect(page.status == .ok)
            let scale = try #require(page.text.components(separatedBy: "<ol class=\"grade-scale\">").dropFirst().first?
                .components(separatedBy: "</ol>").first)
            let shown = scale.components(separatedBy: "<strong>").dropFirst().compactMap { $0.components(separatedBy: "</strong>").first }
            #expect(shown == bands.map(\.grade.rawValue), "every band, highest first")
            #expect(scale.components(separatedBy: "aria-current=\"true\"").count == 2, "one band is marked")
            #expect(scale.contains("aria-current=\"true\"><strong>\(held.rawValue)</strong>"))
            #expect(scale.contains("\(bands[0].minimum) and above"))
            #expect(page.text.contains("Your score of \(item.explanation.standing.score) gives grade \(held.rawValue)."))
            if let index = bands.firstIndex(where: { $0.grade == held }), index > 0, bands[index - 1].minimum > item.explanation.standing.score {
                let gap = bands[index - 1].minimum - item.explanation.standing.score
                #expect(page.text.contains("\(gap) points more would reach \(bands[index - 1].grade.rawValue)"))
            }
        }
    }

    /// A warning says what to put right and by when, names whom to tell (the reporter, who records the cure),
    /// and after the cure says that nothing will be deducted.
    @Test func aWarningSaysWhatToDoByWhenAndWhomToTell() async throws {
        let web = try await WebWorld.make()
        let subject = try await Self.subject(web)
        let engine = web.world.services.engine
        func fits(_ rule: Rule) -> Bool { rule.isAdverse && rule.points != nil && rule.reporters.contains(.assessor) && rule.approvalsRequired <= 1 && (rule.graceDays ?? 0) > 0 }
        let scheme = try #require(try await engine.explain(subject.id).map(\.scheme).first { $0.rules.contains(where: fits) })
        let rule = try #require(scheme.rules.first(where: fits))
        let assessor = try #require(try await web.world.account(.assessor).actor)
        let assessorName = try #require(try await web.world.store.actor(assessor)).name
        let reviewer = try #require(try await web.world.account(.reviewer).actor)
        let today = engine.clock.today()
        let id = Report.ID("portal-test-warning")
        _ = try await engine.file(ReportRequest(id: id, subject: subject.id, scheme: scheme.id, rule: rule.id, reporter: assessor, role: .assessor,
                                                occurredOn: today, statement: "Rubbish left by the gate",
                                                evidence: [Evidence(kind: .photo, reference: "photo:gate-1"), Evidence(kind: .photo, reference: "photo:gate-2"),
                                                           Evidence(kind: .video, reference: "video:gate-1"), Evidence(kind: .document, reference: "doc:gate-1")]))
        _ = try await engine.decide(Decision(id: Decision.ID("portal-test-warning-decision"), report: id, reviewer: reviewer, outcome: .approve,
                                             reason: "Seen on the visit", decidedOn: today))
        let admin = try #require(try await web.world.account(.administrator).actor)
        let owner = try #require(try await engine.handbooks().owner(of: scheme.id))
        _ = try await engine.closeCycle(owner, month: today.month, by: admin)
        let warning = try #require(try await web.world.store.notices(subject: subject.id).first { $0.kind == .warning && $0.report == id })
        let cureBy = try #require(warning.cureBy)
        try await web.application().test(.router) { client in
            let browser = try await Self.resident(client, web)
            let page = try await browser.get("/portal/notices/\(warning.id.rawValue)")
            #expect(page.status == .ok)
            #expect(page.text.contains("What to do"))
            #expect(page.text.contains("by \(cureBy)"))
            #expect(page.text.contains("Then tell \(assessorName), who reported it"))
            #expect(!page.text.contains("Put right in time"))

            _ = try await engine.remedy(Entry.ID("portal-test-cure"), target: .report(id), by: assessor, note: "Cleared")
            let cured = try await browser.get("/portal/notices/\(warning.id.rawValue)")
            #expect(cured.text.contains("Put right in time: nothing will be deducted."))

            let chinese = Browser(client, language: "zh")
            _ = try await chinese.signIn("demo-resident", web.world.passwords["demo-resident"]!)
            let zh = try await chinese.get("/portal/notices/\(warning.id.rawValue)")
            #expect(zh.text.contains("怎么办") && zh.text.contains("已按期整改"))
        }
    }

    /// Notices of one day are listed in the order they happened (newest first): the appeal's decision, then
    /// the appeal, then the entry it disputes, although their ids sort the other way round.
    @Test func noticesOfOneDayAreInTheOrderTheyHappened() async throws {
        let web = try await WebWorld.make()
        let subject = try await Self.subject(web)
        let entry = try await Self.adverseEntry(web, subject)
        let engine = web.world.services.engine
        let resident = try #require(try await web.world.account(.resident).actor)
        let (_, appeal) = try await engine.fileAppeal(AppealRequest(id: Appeal.ID("portal-test-order"), entry: entry.id, by: resident,
                                                                    statement: "Not me"))
        // Not the reviewer who approved the report behind the entry: that one is recused from its appeal.
        let second = try #require(try await web.world.access.account(Account.ID("demo-reviewer-2"))?.actor)
        _ = try await engine.decideAppeal(appeal.id, outcome: .dismissed, reason: "The record stands", by: second)
        let notices = try await web.world.store.notices(subject: subject.id).filter { $0.createdOn == engine.clock.today() }
        let recorded = try #require(notices.first { $0.entry == entry.id && $0.kind == .entryRecorded })
        let filed = try #require(notices.first { $0.appeal == appeal.id && $0.kind == .appealFiled })
        let decided = try #require(notices.first { $0.appeal == appeal.id && $0.kind == .appealDecided })
        #expect(recorded.id > filed.id && filed.id > decided.id, "the ids sort against the order of events, so the test can fail")
        try await web.application().test(.router) { client in
            let browser = try await Self.resident(client, web)
            let page = try await browser.get("/portal/notices")
            func place(_ notice: Notice) throws -> String.Index {
                try #require(page.text.range(of: "/portal/notices/" + Page.escapeQuery(notice.id.rawValue))).lowerBound
            }
            #expect(try place(decided) < place(filed))
            #expect(try place(filed) < place(recorded))
        }
    }

    // MARK: Appeals

    /// A photo the assessor attached to a report about the resident is the resident's to see from the entry
    /// (named, not shown as a digest), whoever uploaded it; a photo behind a report about someone else is not.
    @Test func residentSeesTheEvidenceBehindAnEntryAboutThem() async throws {
        let web = try await WebWorld.make()
        let subject = try await Self.subject(web)
        let assessor = Account.ID("demo-assessor")
        let photo = Self.png + Array("assessor's photo".utf8)
        let digest = SHA256.hash(data: photo).map { String(format: "%02x", $0) }.joined()
        _ = try await web.world.access.storeBlob(EvidenceBlob(digest: digest, mediaType: "image/png", bytes: photo, uploadedBy: assessor, uploadedAt: 1))
        let elsewhere = Self.png + Array("someone else's photo".utf8)
        let elsewhereDigest = SHA256.hash(data: elsewhere).map { String(format: "%02x", $0) }.joined()
        _ = try await web.world.access.storeBlob(EvidenceBlob(digest: elsewhereDigest, mediaType: "image/png", bytes: elsewhere, uploadedBy: assessor, uploadedAt: 1))
        let entry = try await Self.adverseEntry(web, subject, evidence: [Evidence(kind: .photo, reference: "sha256:\(digest)")])
        try await web.application().test(.router) { client in
            let browser = try await Self.resident(client, web)
            let page = try await browser.get("/portal/entries/\(entry.id.rawValue)")
            #expect(page.status == .ok)
            #expect(page.text.contains("href=\"/portal/evidence/\(digest)\""))
            #expect(page.text.contains("photo 1") || page.text.contains("Photo 1"), "the evidence is named, not shown as a digest")
            #expect(page.text.contains("attached by whoever filed the report"))
            let fetched = try await browser.get("/portal/evidence/\(digest)")
            #expect(fetched.status == .ok)
            #expect(Array(buffer: fetched.body) == photo)
            // Stored, but behind nothing about this resident: out of reach, like a file that does not exist.
            #expect(try await browser.get("/portal/evidence/\(elsewhereDigest)").status == .notFound)
        }
    }

    /// An appeal carries the resident's evidence: the files are stored as their uploads and referenced by the
    /// appeal, which shows them; a file that is not a photo, video or PDF sends the form back (in the page's
    /// language) with the grounds kept, and nothing is filed.
    @Test func anAppealCarriesEvidence() async throws {
        let web = try await WebWorld.make()
        let subject = try await Self.subject(web)
        let entry = try await Self.adverseEntry(web, subject)
        try await web.application().test(.router) { client in
            let browser = try await Self.resident(client, web, language: "zh")
            let uri = "/portal/entries/" + entry.id.rawValue
            let page = try await browser.get(uri)
            #expect(page.text.contains("action=\"/portal/appeals\" enctype=\"multipart/form-data\""))
            let appealID = try #require(Browser.value(of: "appealId", in: page.text))
            let token = try #require(Browser.value(of: "csrf", in: page.text))
            let fields = [("csrf", token), ("entry", entry.id.rawValue), ("appealId", appealID), ("statement", "那天我不在村里")]

            let (bad, badType) = Self.multipart(fields, file: ("evidence", "notes.txt", "text/plain", Array("not a photo".utf8)))
            let refused = try await browser.send(.post, "/portal/appeals", body: bad, contentType: badType)
            #expect(refused.status == .unprocessableContent)
            #expect(refused.text.contains("notes.txt 不是 JPEG 或 PNG 照片"))
            #expect(refused.text.contains("那天我不在村里"), "the grounds typed are kept")
            #expect(try await web.world.store.appeals(subject: subject.id).isEmpty)

            let (body, type) = Self.multipart(fields, file: ("evidence", "ticket.png", "image/png", Self.png))
            let filed = try await browser.send(.post, "/portal/appeals", body: body, contentType: type)
            #expect(filed.status == .seeOther)
            let digest = SHA256.hash(data: Self.png).map { String(format: "%02x", $0) }.joined()
            let appeal = try #require(try await web.world.store.appeals(subject: subject.id).first)
            #expect(appeal.appeal.evidence == [Evidence(kind: .photo, reference: "sha256:\(digest)")])
            #expect(try await web.world.access.blob(digest: digest)?.uploadedBy == Account.ID("demo-resident"))
            let shown = try await browser.get("/portal/appeals/\(appealID)")
            #expect(shown.text.contains("申诉所附证据"))
            #expect(shown.text.contains("href=\"/portal/evidence/\(digest)\""))
        }
    }


    // MARK: Claims

    /// A claim with a photo stores the photo under its SHA-256 digest as the resident's upload and files a
    /// self-claim report that references it; the same form sent twice files one report.
    @Test func claimWithPhotoIsFiledOnce() async throws {
        let web = try await WebWorld.make()
        let subject = try await Self.subject(web)
        try await web.application().test(.router) { client in
            let browser = try await Self.resident(client, web)
            let form = try await browser.get("/portal/claim")
            #expect(form.status == .ok)
            #expect(form.text.contains("enctype=\"multipart/form-data\""))
            #expect(form.text.contains("name=\"evidence\" type=\"file\" multiple"))
            let claimID = try #require(Browser.value(of: "claimId", in: form.text))
            let claimable = try await web.world.services.engine.explain(subject.id).flatMap { item in
                item.scheme.rules.filter { $0.reporters.contains(.`self`) && !$0.isAdverse && !$0.isRating
                    && ($0.evidence == nil || $0.evidence!.anyOf.contains { $0 == [.photo: 1] }) }.map { "\(item.scheme.id.rawValue)|\($0.id.rawValue)" } }
            let option = try #require(claimable.first)
            #expect(form.text.contains("value=\"\(option)\""))
            let token = try #require(Browser.value(of: "csrf", in: form.text))
            let fields = [("csrf", token), ("claimId", claimID), ("rule", option), ("occurredOn", "2026-03-08"), ("statement", "Helped clear the drain")]
            let (body, type) = Self.multipart(fields, file: ("evidence", "drain.png", "image/png", Self.png))
            let filed = try await browser.send(.post, "/portal/claim", body: body, contentType: type)
            #expect(filed.status == .seeOther, "\(filed.text.components(separatedBy: "role=\"alert\"").dropFirst().first?.prefix(300) ?? "")")
            #expect(filed.location == "/portal/claim?done=portal.claimFiled")
            _ = try await browser.send(.post, "/portal/claim", body: body, contentType: type)

            let digest = SHA256.hash(data: Self.png).map { String(format: "%02x", $0) }.joined()
            let report = try #require(try await web.world.store.report(Report.ID(claimID)))
            #expect(report.report.isSelfClaim)
            #expect(report.report.subject == subject.id)
            #expect(report.report.evidence.map(\.reference) == ["sha256:\(digest)"])
            #expect(try await web.world.store.reports(subject: subject.id).filter { $0.report.statement == "Helped clear the drain" }.count == 1)
            let blob = try #require(try await web.world.access.blob(digest: digest))
            #expect(blob.uploadedBy == Account.ID("demo-resident"))
            #expect(blob.mediaType == "image/png")

            let list = try await browser.get("/portal/claim?done=portal.claimFiled")
            #expect(list.text.contains("Your claim is filed"))
            #expect(list.text.contains("waiting for a decision"))
            let photo = try await browser.get("/portal/evidence/\(digest)")
            #expect(photo.status == .ok)
            #expect(Array(buffer: photo.body) == Self.png)

            let other = Browser(client)
            _ = try await other.signIn("demo-reviewer", web.world.passwords["demo-reviewer"]!)
            #expect(try await other.get("/portal/evidence/\(digest)").status == .forbidden)
        }
    }

    /// A deed that needs two photos or a video: the form says so before sending, in the
    /// page's language, and takes several files; one photo is refused in that language with the typed text
    /// and the stored photo kept, and sending the kept photo with a second one files the claim with both.
    @Test func claimTakesSeveralPhotosAndSaysWhatTheDeedNeeds() async throws {
        let web = try await WebWorld.make()
        let subject = try await Self.subject(web)
        let option = try #require(try await web.world.services.engine.explain(subject.id).flatMap { item in
            item.scheme.rules.filter { $0.reporters.contains(.`self`) && !$0.isAdverse && !$0.isRating
                && $0.minimumDurationDays == nil && $0.evidence?.anyOf.contains { $0 == [.photo: 2] } == true }.map { "\(item.scheme.id.rawValue)|\($0.id.rawValue)" } }.first)
        let second = Self.png + Array("second photo".utf8)
        try await web.application().test(.router) { client in
            let browser = try await Self.resident(client, web, language: "zh")
            let form = try await browser.get("/portal/claim")
            #expect(form.text.contains("需要2 张照片或1 段视频"))
            // A deed that must last says so, and the form asks for the days.
            #expect(form.text.contains("且持续至少 183 天") && form.text.contains("name=\"durationDays\""))
            #expect(form.text.contains("multiple accept=\"image/jpeg,image/png,video/mp4,application/pdf\""))
            let claimID = try #require(Browser.value(of: "claimId", in: form.text))
            let token = try #require(Browser.value(of: "csrf", in: form.text))
            let fields = [("csrf", token), ("claimId", claimID), ("rule", option), ("occurredOn", "2026-03-08"), ("statement", "帮邻居清理水沟")]
            let (one, type) = Self.multipart(fields, files: [("evidence", "a.png", "image/png", Self.png)])
            let refused = try await browser.send(.post, "/portal/claim", body: one, contentType: type)
            #expect(refused.status == .unprocessableContent)
            #expect(refused.text.contains("id=\"evidence-error\""))
            #expect(refused.text.contains("该项好人好事需要2 张照片或1 段视频；您附上了1 张照片。"))
            #expect(!refused.text.contains("2 photo or 1 video"))
            #expect(refused.text.contains("帮邻居清理水沟"))
            #expect(refused.text.contains("value=\"\(option)\" selected"))
            #expect(try await web.world.store.report(Report.ID(claimID)) == nil)
            let digest = SHA256.hash(data: Self.png).map { String(format: "%02x", $0) }.joined()
            #expect(refused.text.contains("name=\"kept\" value=\"photo|sha256:\(digest)\""))

            // A kept reference to a file someone else uploaded is ignored: it counts for nothing.
            let foreign = try await web.world.services.storeEvidence(Self.png + [1, 2, 3], mediaType: "image/png", uploadedBy: Account.ID("demo-assessor"))
            let (forged, _) = Self.multipart(fields + [("kept", "photo|sha256:\(digest)"), ("kept", "photo|\(foreign.reference)")], files: [])
            let stillOne = try await browser.send(.post, "/portal/claim", body: forged, contentType: type)
            #expect(stillOne.status == .unprocessableContent)
            #expect(stillOne.text.contains("您附上了1 张照片"))

            let (both, _) = Self.multipart(fields + [("kept", "photo|sha256:\(digest)")], files: [("evidence", "b.png", "image/png", second)])
            let filed = try await browser.send(.post, "/portal/claim", body: both, contentType: type)
            #expect(filed.status == .seeOther)
            let report = try #require(try await web.world.store.report(Report.ID(claimID)))
            #expect(report.report.evidence.map(\.kind) == [.photo, .photo])
            #expect(Set(report.report.evidence.map(\.reference)).count == 2)
            let list = try await browser.get("/portal/claim")
            #expect(list.text.contains("<td>2 张照片</td>"))
        }
    }

    /// Bad claims re-render the form with the reason next to the field and file nothing: an adverse or
    /// unknown rule, a day in the future or malformed, no statement, a file that is not a photo.
    @Test func badClaimsFileNothing() async throws {
        let web = try await WebWorld.make()
        let subject = try await Self.subject(web)
        let before = try await web.world.store.reports(subject: subject.id).count
        let adverse = try #require(try await web.world.services.engine.explain(subject.id).flatMap { item in
            item.scheme.rules.filter(\.isAdverse).map { "\(item.scheme.id.rawValue)|\($0.id.rawValue)" } }.first)
        try await web.application().test(.router) { client in
            let browser = try await Self.resident(client, web)
            let form = try await browser.get("/portal/claim")
            #expect(!form.text.contains("value=\"\(adverse)\""))
            let good = try #require(form.text.components(separatedBy: "<option value=\"").dropFirst(2).first?.components(separatedBy: "\"").first)
            let token = try #require(Browser.value(of: "csrf", in: form.text))
            let claimID = try #require(Browser.value(of: "claimId", in: form.text))
            #expect(Reference.isValid(claimID, kind: .claim), "\(claimID) is a readable, checked reference")
            let cases: [(fields: [(String, String)], file: [UInt8]?, field: String, message: String)] = [
                ([("rule", adverse), ("occurredOn", "2026-03-08"), ("statement", "x")], nil, "rule-error", "Choose one of the good deeds"),
                ([("rule", "nope|nope"), ("occurredOn", "2026-03-08"), ("statement", "x")], nil, "rule-error", "Choose one of the good deeds"),
                ([("rule", good), ("occurredOn", "2027-01-01"), ("statement", "x")], nil, "occurredOn-error", "cannot be in the future"),
                ([("rule", good), ("occurredOn", "8 March"), ("statement", "x")], nil, "occurredOn-error", "YYYY-MM-DD"),
                ([("rule", good), ("occurredOn", "2026-03-08"), ("statement", " ")], nil, "statement-error", "Say what you did"),
                ([("rule", good), ("occurredOn", "2026-03-08"), ("statement", "x")], Array("<script>alert(1)</script>".utf8), "evidence-error", "not a JPEG or PNG"),
            ]
            for item in cases {
                let fields = item.fields + [("csrf", token), ("claimId", claimID)]
                let (body, type) = Self.multipart(fields, file: item.file.map { ("evidence", "x.png", "image/png", $0) })
                let page = try await browser.send(.post, "/portal/claim", body: body, contentType: type)
                #expect(page.status == .unprocessableContent, "\(item.field)")
                #expect(page.text.contains("id=\"\(item.field)\""))
                #expect(page.text.contains(item.message))
            }
            #expect(try await web.world.store.reports(subject: subject.id).count == before)
            #expect(try await web.world.store.report(Report.ID(claimID)) == nil)
            let digest = SHA256.hash(data: Array("<script>alert(1)</script>".utf8)).map { String(format: "%02x", $0) }.joined()
            #expect(try await web.world.access.blob(digest: digest) == nil)
        }
    }

    // MARK: Notices, path, export

    /// Notices are listed newest first with their rule, effect and appeal deadline; one opens on its own
    /// page; another subject's notice is not found.
    @Test func noticesListAndOpen() async throws {
        let web = try await WebWorld.make()
        let subject = try await Self.subject(web)
        let notice = try #require(try await web.world.store.notices(subject: subject.id).first)
        try await web.application().test(.router) { client in
            let browser = try await Self.resident(client, web)
            let list = try await browser.get("/portal/notices")
            #expect(list.status == .ok)
            #expect(list.text.contains("href=\"/portal/notices/\(notice.id.rawValue)\""))
            if let day = notice.appealBy { #expect(list.text.contains(day.description)) }
            let one = try await browser.get("/portal/notices/\(notice.id.rawValue)")
            #expect(one.status == .ok)
            // The notice is a record of the public log, with a proof once a checkpoint covers it.
            let leaf = try #require(try await web.world.services.log?.store.logLeaf(kind: .notice, key: notice.id.rawValue))
            #expect(one.text.contains("This notice is record \(leaf.index) of the public transparency log; the next signed checkpoint will cover it."))
            let checkpoint = try await web.world.services.log!.checkpoint(signer: try NoteSigner(name: "civiccredit.test/portal"), at: 1)
            let covered = try await browser.get("/portal/notices/\(notice.id.rawValue)").text
            #expect(covered.contains("The latest signed checkpoint covers \(checkpoint.size) records (root \(checkpoint.root.base64))."))
            #expect(covered.contains("href=\"/log/records/notice/\(notice.id.rawValue)/proof\""))
            if let entry = notice.entry { #expect(one.text.contains("href=\"/portal/entries/\(entry.rawValue)\"")) }
            let foreign = try #require(try await web.world.store.notices(after: nil, limit: 2000).first { $0.subject != subject.id })
            #expect(try await browser.get("/portal/notices/\(foreign.id.rawValue)").status == .notFound)
        }
    }

    /// The path page states, per scheme, the next grade and the points it needs, as the engine computes them.
    @Test func pathStatesWhatIsNeeded() async throws {
        let web = try await WebWorld.make()
        let subject = try await Self.subject(web)
        let paths = try await web.world.services.engine.path(subject.id)
        try await web.application().test(.router) { client in
            let browser = try await Self.resident(client, web)
            let page = try await browser.get("/portal/path")
            #expect(page.status == .ok)
            for path in paths {
                if let next = path.nextGrade, let needed = path.pointsNeeded, needed.isPositive {
                    #expect(page.text.contains("You need \(needed.description) more points to reach grade \(next.rawValue)"))
                }
            }
            #expect(try await Browser(client, language: "zh").get("/portal/path").status == .seeOther)
        }
    }

    /// The export is an attachment holding the subject and every entry, report, notice and appeal about them.
    @Test func exportIsEverythingAsAttachment() async throws {
        let web = try await WebWorld.make()
        let subject = try await Self.subject(web)
        try await web.application().test(.router) { client in
            let browser = try await Self.resident(client, web)
            let response = try await browser.get("/portal/export")
            #expect(response.status == .ok)
            #expect(response.headers[.contentType]?.hasPrefix("application/json") == true)
            #expect(response.headers[HTTPField.Name("Content-Disposition")!] == "attachment; filename=\"civic-record-\(subject.id.rawValue).json\"")
            #expect(response.headers[.cacheControl] == "no-store")
            let object = try #require(try JSONSerialization.jsonObject(with: Data(Array(buffer: response.body))) as? [String: Any])
            #expect((object["subject"] as? [String: Any])?["id"] as? String == subject.id.rawValue)
            #expect((object["entries"] as? [Any])?.count == (try await web.world.store.entries(subject: subject.id)).count)
            #expect((object["reports"] as? [Any])?.count == (try await web.world.store.reports(subject: subject.id)).count)
            #expect((object["notices"] as? [Any])?.count == (try await web.world.store.notices(subject: subject.id)).count)
            #expect((object["standings"] as? [Any])?.isEmpty == false)
        }
    }
}
