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

/// What an assessor's pages show and what their forms leave in the store.
@Suite struct AssessorPageTests {
    /// A rule the demo assessor may report under for `subject` that needs neither duration, stars nor evidence.
    static func plainRule(_ web: WebWorld, for subject: Subject) async throws -> String {
        let engine = web.world.services.engine
        let handbooks = try await engine.handbooks()
        let lineage = try await web.world.store.jurisdictions().lineage(of: subject.jurisdiction)
        for (_, scheme) in handbooks.schemes(for: subject, lineage: lineage) {
            for rule in scheme.rules where rule.reporters.contains(.assessor) && rule.points != nil
                && rule.minimumDurationDays == nil && rule.evidence == nil && rule.cap == nil {
                return "\(scheme.id.rawValue)|\(rule.id.rawValue)"
            }
        }
        throw TestFailure("no plain rule for \(subject.id)")
    }

    /// The first covered subject (a household or a member) with a plain rule to report under.
    static func firstHousehold(_ web: WebWorld) async throws -> Subject {
        let account = try await web.world.account(.assessor)
        for id in account.households.sorted() {
            let household = try #require(try await web.world.store.subject(id))
            for subject in [household] + (try await web.world.store.members(of: id)).sorted(by: { $0.id < $1.id }) {
                if (try? await plainRule(web, for: subject)) != nil { return subject }
            }
        }
        throw TestFailure("no covered subject with a plain rule")
    }

    /// Posts a multipart form with fields and PNG files, as a phone's browser sends a report with photos.
    static func postMultipart(_ browser: Browser, _ uri: String, fields: [(String, String)], files: [(String, String, [UInt8])],
                              tokenFrom: String) async throws -> TestResponse {
        let boundary = "----civicboundary\(UInt32.random(in: 0...UInt32.max))"
        var body = ByteBuffer()
        let csrf = try await browser.formToken(tokenFrom)
        for (name, value) in fields + [("csrf", csrf)] {
            body.writeString("--\(boundary)\r\nContent-Disposition: form-data; name=\"\(name)\"\r\n\r\n\(value)\r\n")
        }
        for (name, filename, bytes) in files {
            body.writeString("--\(boundary)\r\nContent-Disposition: form-data; name=\"\(name)\"; filename=\"\(filename)\"\r\nContent-Type: image/png\r\n\r\n")
            body.writeBytes(bytes)
            body.writeString("\r\n")
        }
        body.writeString("--\(boundary)--\r\n")
        return try await browser.send(.post, uri, body: body, contentType: "multipart/form-data; boundary=\(boundary)")
    }

    @Test("the households page lists the assigned households with their members and standings, searches and refuses other roles")
    func households() async throws {
        let web = try await WebWorld.make()
        let account = try await web.world.account(.assessor)
        try await web.application().test(.router) { client in
            let browser = Browser(client)
            _ = try await browser.signIn("demo-assessor", web.world.passwords["demo-assessor"]!)
            let page = try await browser.get("/assessor")
            #expect(page.status == .ok)
            #expect(page.headers[.cacheControl] == "no-store")
            #expect(page.text.components(separatedBy: "<h1>").count == 2)
            let households = try await web.world.store.subjects(account.households)
            #expect(households.count > 1)
            let first = households.sorted { $0.id < $1.id }[0]
            #expect(page.text.contains(first.name))
            let members = try await web.world.store.members(of: first.id)
            for member in members { #expect(page.text.contains(member.id.rawValue)) }
            #expect(page.text.contains("/assessor/reports/new?subject=\(first.id.rawValue)"))

            let found = try await browser.get("/assessor?q=\(first.id.rawValue)")
            #expect(found.text.contains(first.id.rawValue))
            let other = households.sorted { $0.id < $1.id }.last!
            #expect(!found.text.contains(">\(other.name) <small>"))
            let none = try await browser.get("/assessor?q=zz-no-such-name")
            #expect(none.text.contains("No household matches."))

            let zh = try await browser.get("/assessor?lang=zh")
            #expect(zh.text.contains("<html lang=\"zh-Hans\">") && zh.text.contains("我负责的户"))

            let resident = Browser(client)
            _ = try await resident.signIn("demo-resident", web.world.passwords["demo-resident"]!)
            #expect(try await resident.get("/assessor").status == .forbidden)
            #expect(try await Browser(client).get("/assessor").location?.hasPrefix("/login") == true)
        }
    }

    @Test("filing a report with a photo stores the evidence by digest and the report once, even when the form is sent twice")
    func fileWithPhoto() async throws {
        let web = try await WebWorld.make()
        let household = try await Self.firstHousehold(web)
        let rule = try await Self.plainRule(web, for: household)
        try await web.application().test(.router) { client in
            let browser = Browser(client)
            _ = try await browser.signIn("demo-assessor", web.world.passwords["demo-assessor"]!)
            let form = try await browser.get("/assessor/reports/new?subject=\(household.id.rawValue)")
            #expect(form.status == .ok)
            #expect(form.text.contains("capture=\"environment\"") && form.text.contains("accept=\"image/*\"") && form.text.contains("multiple"))
            #expect(form.text.contains("enctype=\"multipart/form-data\""))
            #expect(form.text.contains("value=\"\(household.id.rawValue)\" selected"))
            #expect(form.text.contains("value=\"\(rule)\""))
            let id = try #require(Browser.value(of: "id", in: form.text))
            let photo = pngBytes(9, count: 300)
            let fields = [("id", id), ("subject", household.id.rawValue), ("rule", rule), ("occurredOn", "2026-03-08"),
                          ("statement", "Cleared the drain on the lane for everyone")]
            let filed = try await Self.postMultipart(browser, "/assessor/reports", fields: fields, files: [("photos", "drain.png", photo)],
                                                     tokenFrom: "/assessor/reports/new")
            #expect(filed.status == .seeOther, "\(filed.text)")
            #expect(filed.location == "/assessor/reports/\(id)?done=assessor.filed")
            let record = try #require(try await web.world.store.report(Report.ID(id)))
            #expect(record.report.subject == household.id)
            let reference = try #require(record.report.evidence.first?.reference)
            #expect(record.report.evidence.map(\.kind) == [.photo] && reference.hasPrefix("sha256:"))
            let digest = String(reference.dropFirst(7))
            #expect(digest.count == 64 && digest.allSatisfy { $0.isHexDigit && !$0.isUppercase })
            #expect(record.status == .pending)
            let blob = try #require(try await web.world.access.blob(digest: digest))
            #expect(blob.bytes == photo && blob.mediaType == "image/png")

            // The same form sent again (a double tap) files nothing new.
            let again = try await Self.postMultipart(browser, "/assessor/reports", fields: fields, files: [("photos", "drain.png", photo)],
                                                     tokenFrom: "/assessor/reports/new")
            #expect(again.status == .seeOther)
            let reports = try await web.world.store.reports(subject: household.id).filter { $0.report.statement.hasPrefix("Cleared the drain") }
            #expect(reports.count == 1)

            let shown = try await browser.get(filed.location!)
            #expect(shown.text.contains("The report is filed"))
            #expect(shown.text.contains("Pending review"))
            #expect(shown.text.contains("/assessor/evidence/\(digest)"))
            let image = try await browser.get("/assessor/evidence/\(digest)")
            #expect(image.status == .ok && image.headers[.contentType] == "image/png")
            let list = try await browser.get("/assessor/reports")
            #expect(list.text.contains(id) && list.text.contains("Pending review"))

            // Evidence is served only to those the API's policy admits: a resident did not upload it.
            let resident = Browser(client)
            _ = try await resident.signIn("demo-resident", web.world.passwords["demo-resident"]!)
            #expect(try await resident.get("/assessor/evidence/\(digest)").status == .notFound)
        }
    }

    @Test("bad input re-renders the form with the reasons and the typed values, and files nothing")
    func badInput() async throws {
        let web = try await WebWorld.make()
        let household = try await Self.firstHousehold(web)
        let rule = try await Self.plainRule(web, for: household)
        let before = try await web.world.store.reports(subject: household.id).count
        try await web.application().test(.router) { client in
            let browser = Browser(client)
            _ = try await browser.signIn("demo-assessor", web.world.passwords["demo-assessor"]!)
            // No statement, a future day, and a "photo" that is a script.
            let bad = try await Self.postMultipart(browser, "/assessor/reports",
                                                   fields: [("id", "r-bad-1"), ("subject", household.id.rawValue), ("rule", rule),
                                                            ("occurredOn", "2099-01-01"), ("statement", "")],
                                                   files: [("photos", "evil.png", Array("#!/bin/sh\necho hi".utf8))], tokenFrom: "/assessor/reports/new")
            #expect(bad.status == .unprocessableContent)
            #expect(bad.text.contains("Say what happened."))
            #expect(bad.text.contains("The day cannot be in the future."))
            #expect(bad.text.contains("evil.png is not a JPEG or PNG photo."))
            #expect(bad.text.contains("value=\"2099-01-01\""))
            #expect(bad.text.contains("value=\"\(rule)\" selected"))
            #expect(bad.text.contains("aria-describedby=\"statement-error\""))

            // A subject outside the assessor's reach is refused like one that does not exist.
            let account = try await web.world.account(.assessor)
            let outside = try #require(try await web.world.store.subjects(after: nil, limit: 500)
                .first { $0.kind == .household && !account.households.contains($0.id) })
            let far = try await browser.post("/assessor/reports", [("id", "r-bad-2"), ("subject", outside.id.rawValue), ("rule", rule),
                                                                   ("occurredOn", "2026-03-01"), ("statement", "Something")],
                                             tokenFrom: "/assessor/reports/new")
            #expect(far.status == .unprocessableContent)
            #expect(far.text.contains("is not a household or member you cover"))

            // A rule the handbook does not have: the engine's refusal is shown in the form.
            let unknown = try await browser.post("/assessor/reports", [("id", "r-bad-3"), ("subject", household.id.rawValue),
                                                                       ("rule", rule.split(separator: "|")[0] + "|no-such-rule"),
                                                                       ("occurredOn", "2026-03-01"), ("statement", "Something")],
                                                 tokenFrom: "/assessor/reports/new")
            #expect([.notFound, .unprocessableContent, .conflict].contains(unknown.status), "\(unknown.status)")
            #expect(unknown.text.contains("role=\"alert\"") && unknown.text.contains("no-such-rule"))
            #expect(unknown.text.contains(">Something</textarea>"))

            // Without the form token nothing is filed either.
            let forged = try await browser.post("/assessor/reports", [("id", "r-bad-4"), ("subject", household.id.rawValue), ("rule", rule),
                                                                      ("occurredOn", "2026-03-01"), ("statement", "Something")],
                                                csrf: String(repeating: "0", count: 64))
            #expect(forged.status == .forbidden)
        }
        #expect(try await web.world.store.reports(subject: household.id).count == before)
        for id in ["r-bad-1", "r-bad-2", "r-bad-3", "r-bad-4"] { #expect(try await web.world.store.report(Report.ID(id)) == nil) }
    }

    @Test("a reviewer cannot file reports and an assessor cannot open another subject's report")
    func refusals() async throws {
        let web = try await WebWorld.make()
        let account = try await web.world.account(.assessor)
        var foreign: ReportRecord?
        for record in try await web.world.store.reports(statuses: Set(ReportStatus.allCases), throughCycle: Month(year: 2999, month: 12)!) {
            let subject = try #require(try await web.world.store.subject(record.report.subject))
            if !account.households.contains(subject.id), !(subject.household.map(account.households.contains) ?? false) {
                foreign = record
                break
            }
        }
        let other = try #require(foreign)
        try await web.application().test(.router) { client in
            let reviewer = Browser(client)
            _ = try await reviewer.signIn("demo-reviewer", web.world.passwords["demo-reviewer"]!)
            #expect(try await reviewer.get("/assessor/reports/new").status == .forbidden)
            let assessor = Browser(client)
            _ = try await assessor.signIn("demo-assessor", web.world.passwords["demo-assessor"]!)
            #expect(try await assessor.get("/assessor/reports/\(other.report.id.rawValue)").status == .notFound)
            #expect(try await assessor.get("/assessor/reports/no-such-report").status == .notFound)
        }
    }
}
