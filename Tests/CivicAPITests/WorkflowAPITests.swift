import CivicAccess
import CivicAPI
import CivicAPITesting
import CivicCore
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Testing

/// Remedies, corrections, authority feeds, single notices and appeals, delivery channels and standings over HTTP.
@Suite struct WorkflowAPITests {
    /// An adverse deed in the demo ledger, not yet remedied, about a subject the administrator's actor is not recused from.
    static func adverseDeed(_ world: TestWorld) async throws -> Entry {
        let admin = try await world.store.actor(try await world.account(.administrator).actor!)!
        let own: Subject? = if let id = admin.subject { try await world.store.subject(id) } else { nil }
        let entries = try await world.store.entries(after: 0, limit: 100_000)
        let remedied = Set(entries.filter { $0.kind == .remedy }.compactMap(\.references))
        for entry in entries where entry.kind == .deed && entry.isAdverse && !remedied.contains(entry.id) {
            let subject = try await world.store.subject(entry.subject)!
            if Recusal.conflict(actor: admin, actorSubject: own, subject: subject) == nil { return entry }
        }
        throw CivicError(.notFound, "the demo has no adverse deed to remedy")
    }

    @Test("an administrator records a remedy: the entry lands, a notice follows, a retry changes nothing, a second remedy is refused")
    func remedy() async throws {
        let world = try await TestWorld.make()
        let deed = try await Self.adverseDeed(world)
        try await world.application().test(.router) { client in
            let admin = world.token(.administrator)
            let body = #"{"id":"rem-1","entry":"\#(deed.id)","note":"Debt paid in full"}"#
            let first = try await client.call(.post, "/remedies", token: admin, json: body, headers: ["Idempotency-Key": "remedy-1"])
            #expect(first.status == .created, "\(first.text)")
            #expect(first.object["kind"] as? String == "remedy")
            #expect(first.object["references"] as? String == deed.id.rawValue)
            let stored = try #require(try await world.store.entry("rem-1"))
            #expect(stored.kind == .remedy && stored.references == deed.id && stored.subject == deed.subject)
            let replay = try await client.call(.post, "/remedies", token: admin, json: body, headers: ["Idempotency-Key": "remedy-1"])
            #expect(replay.headers[HTTPField.Name("Idempotent-Replayed")!] == "true")
            #expect(replay.text == first.text)
            #expect(try await client.call(.post, "/remedies", token: admin, json: body).status == .ok)
            let other = body.replacingOccurrences(of: "Debt paid in full", with: "Something else")
            #expect(try await client.call(.post, "/remedies", token: admin, json: other).status == .conflict)
            let again = try await client.call(.post, "/remedies", token: admin, json: #"{"id":"rem-2","entry":"\#(deed.id)","note":"Paid again"}"#)
            #expect(again.status == .unprocessableContent, "\(again.text)")
            #expect(try await world.store.entry("rem-2") == nil)
            let neither = try await client.call(.post, "/remedies", token: admin, json: #"{"id":"rem-3","note":"Paid"}"#)
            #expect(neither.status == .badRequest)
            #expect(neither.object["location"] as? String == "body")
            let both = try await client.call(.post, "/remedies", token: admin,
                                             json: #"{"id":"rem-3","entry":"\#(deed.id)","sourceRecord":"X-1","note":"Paid"}"#)
            #expect(both.status == .badRequest)
            let missing = try await client.call(.post, "/remedies", token: admin, json: #"{"id":"rem-4","entry":"no-such-entry","note":"Paid"}"#)
            #expect(missing.status == .notFound)
            let future = try await client.call(.post, "/remedies", token: admin, json: #"{"id":"rem-5","entry":"\#(deed.id)","on":"2026-04-01","note":"Paid"}"#)
            #expect(future.status == .badRequest || future.status == .unprocessableContent, "\(future.text)")
            #expect(try await world.store.entry("rem-5") == nil)

            // The subject was sent a notice of the remedy; one notice answers with its deliveries.
            let notice = try #require(try await world.store.notices(subject: deed.subject).first { $0.entry == "rem-1" })
            let shown = try await client.call(.get, "/notices/\(notice.id)", token: world.token(.auditor))
            #expect(shown.status == .ok, "\(shown.text)")
            #expect((shown.object["notice"] as? [String: Any])?["entry"] as? String == "rem-1")
            #expect(shown.object["deliveries"] is [Any] && shown.object["attempts"] is [Any])
        }
    }

    @Test("a remedy can name the authority's own record id; an unknown record id is a 404")
    func remedyBySourceRecord() async throws {
        let world = try await TestWorld.make()
        let admin = try await world.store.actor(try await world.account(.administrator).actor!)!
        let own: Subject? = if let id = admin.subject { try await world.store.subject(id) } else { nil }
        let entries = try await world.store.entries(after: 0, limit: 100_000)
        let remedied = Set(entries.filter { $0.kind == .remedy }.compactMap(\.references))
        var found: (entry: Entry, record: String)?
        for entry in entries where found == nil && entry.kind == .deed && entry.isAdverse && !remedied.contains(entry.id) {
            guard let reportID = entry.report, let record = try await world.store.report(reportID)?.report.sourceRecord,
                  Recusal.conflict(actor: admin, actorSubject: own, subject: try await world.store.subject(entry.subject)!) == nil else { continue }
            found = (entry, record)
        }
        let (deed, record) = try #require(found, "the demo has an authority's record in the ledger that is not remedied")
        try await world.application().test(.router) { client in
            let token = world.token(.administrator)
            let body = try JSONSerialization.data(withJSONObject: ["id": "rem-src", "sourceRecord": record, "note": "Judgment complied with"])
            let recorded = try await client.call(.post, "/remedies", token: token, json: String(decoding: body, as: UTF8.self))
            #expect(recorded.status == .created, "\(recorded.text)")
            #expect(recorded.object["references"] as? String == deed.id.rawValue)
            #expect(try await world.store.entry("rem-src")?.references == deed.id)
            let unknown = try await client.call(.post, "/remedies", token: token, json: #"{"id":"rem-x","sourceRecord":"(1999)none","note":"Paid"}"#)
            #expect(unknown.status == .notFound, "\(unknown.text)")
        }
    }

    @Test("a correction cancels an entry with the opposite points; a second correction of the same entry is refused")
    func correction() async throws {
        let world = try await TestWorld.make()
        let scenario = try await Scenario.make(world)
        let entered = try await Scenario.enterDeeds(world, about: [(scenario.stranger, "to-correct")])
        let target = try #require(entered[0].first)
        let original = try #require(try await world.store.entry(target))
        try await world.application().test(.router) { client in
            let admin = world.token(.administrator)
            let body = #"{"id":"cor-1","reason":"Recorded against the wrong person"}"#
            let first = try await client.call(.post, "/entries/\(target)/corrections", token: admin, json: body)
            #expect(first.status == .created, "\(first.text)")
            let stored = try #require(try await world.store.entry("cor-1"))
            #expect(stored.kind == .correction && stored.references == target && stored.points == -original.points)
            #expect(first.object["points"] as? String == (-original.points).description)
            #expect(try await client.call(.post, "/entries/\(target)/corrections", token: admin, json: body).status == .ok)
            let twice = try await client.call(.post, "/entries/\(target)/corrections", token: admin, json: #"{"id":"cor-2","reason":"Again"}"#)
            #expect(twice.status == .unprocessableContent, "\(twice.text)")
            #expect(try await world.store.entry("cor-2") == nil)
            let missing = try await client.call(.post, "/entries/no-such-entry/corrections", token: admin, json: #"{"id":"cor-3","reason":"Wrong"}"#)
            #expect(missing.status == .notFound)
            let blank = try await client.call(.post, "/entries/\(target)/corrections", token: admin, json: #"{"id":"cor-4","reason":"   "}"#)
            #expect(blank.status == .badRequest)
            #expect(blank.object["location"] as? String == "body.reason")
        }
    }

    @Test("an authority feed files records for review in one transaction; a bad row writes nothing and is named")
    func authorityFeed() async throws {
        let world = try await TestWorld.make()
        let scenario = try await Scenario.make(world)
        let subject = scenario.stranger
        let court = try #require(try await world.store.actors().first { $0.roles.contains(.authority) })
        let handbooks = try await world.services.engine.handbooks()
        let lineage = try await world.store.jurisdictions().lineage(of: subject.jurisdiction)
        let rules = handbooks.schemes(for: subject, lineage: lineage).flatMap(\.scheme.rules)
            .filter { $0.reporters.contains(.authority) && $0.minimumDurationDays == nil && !$0.isRating
                && ($0.evidence?.isSatisfied(by: [Evidence(kind: .record, reference: "x")]) ?? true) }
        let counts = Dictionary(grouping: rules, by: \.id).mapValues(\.count)
        let rule = try #require(rules.first { counts[$0.id] == 1 }).id
        @Sendable func row(_ id: String, subject: String, record: String) -> String {
            #"{"id":"\#(id)","kind":"record","subject":"\#(subject)","rule":"\#(rule)","sourceRecord":"\#(record)","occurredOn":"2026-03-05","statement":"Judgment not complied with"}"#
        }
        try await world.application().test(.router) { client in
            let admin = world.token(.administrator)
            let body = #"{"authority":"\#(court.id)","records":[\#(row("feed-1", subject: subject.id.rawValue, record: "(2026)R-1"))]}"#
            let first = try await client.call(.post, "/authority-records", token: admin, json: body)
            #expect(first.status == .ok, "\(first.text)")
            #expect(first.object["recordsFiled"] as? Int == 1)
            let report = try #require(try await world.store.report("feed-1"))
            #expect(report.report.reporter == court.id && report.report.subject == subject.id)
            #expect(try await world.store.reportID(sourceRecord: "(2026)R-1") == "feed-1")
            let again = try await client.call(.post, "/authority-records", token: admin, json: body)
            #expect(again.object["unchanged"] as? Int == 1 && again.object["recordsFiled"] as? Int == 0, "\(again.text)")
            let bad = #"{"authority":"\#(court.id)","records":[\#(row("feed-2", subject: subject.id.rawValue, record: "(2026)R-2")),\#(row("feed-3", subject: "nobody-here", record: "(2026)R-3"))]}"#
            let refused = try await client.call(.post, "/authority-records", token: admin, json: bad)
            #expect(refused.status.code >= 400 && refused.status.code < 500, "\(refused.text)")
            #expect((refused.object["location"] as? String)?.hasPrefix("body.records[1]") == true, "\(refused.text)")
            #expect(try await world.store.report("feed-2") == nil)
            let notAuthority = try await client.call(.post, "/authority-records", token: admin,
                                                     json: body.replacingOccurrences(of: "\"\(court.id)\"", with: "\"\(try await world.account(.administrator).actor!)\""))
            #expect(notAuthority.status == .unprocessableContent, "\(notAuthority.text)")
        }
    }

    @Test("one appeal and one notice: the subject and staff see them; for anyone else they answer like missing ones")
    func noticeAndAppeal() async throws {
        let world = try await TestWorld.make()
        let scenario = try await Scenario.make(world)
        let entered = try await Scenario.enterDeeds(world, about: [(scenario.residentSubject, "own-deed"), (scenario.stranger, "foreign-deed")])
        let own = try #require(entered[0].first)
        let strangersNotice = try #require(try await world.store.notices(subject: scenario.stranger.id).first)
        let assessor = try await world.account(.assessor)
        try await world.application().test(.router) { client in
            let resident = world.token(.resident)
            let filed = try await client.call(.post, "/appeals", token: resident,
                                              json: #"{"id":"ap-1","entry":"\#(own)","statement":"I was not there that day"}"#)
            #expect(filed.status == .created, "\(filed.text)")
            let mine = try await client.call(.get, "/appeals/ap-1", token: resident)
            #expect(mine.status == .ok, "\(mine.text)")
            #expect((mine.object["appeal"] as? [String: Any])?["entry"] as? String == own.rawValue)
            #expect(mine.object["decision"] == nil)
            #expect(try await client.call(.get, "/appeals/ap-1", token: world.token(.reviewer)).status == .ok)
            if !assessor.households.contains(scenario.residentHousehold) {
                let hidden = try await client.call(.get, "/appeals/ap-1", token: world.token(.assessor))
                let missing = try await client.call(.get, "/appeals/no-such", token: world.token(.assessor))
                #expect(hidden.status == .notFound)
                #expect(hidden.text == missing.text.replacingOccurrences(of: "no-such", with: "ap-1"))
            }
            let decided = try await client.call(.post, "/appeals/ap-1/decision", token: world.token(.reviewer),
                                                json: #"{"outcome":"dismissed","reason":"The record stands"}"#)
            if decided.status == .created {
                let after = try await client.call(.get, "/appeals/ap-1", token: resident)
                #expect((after.object["decision"] as? [String: Any]) != nil, "\(after.text)")
            }

            let foreign = try await client.call(.get, "/notices/\(strangersNotice.id)", token: resident)
            let missing = try await client.call(.get, "/notices/no-such-notice", token: resident)
            #expect(foreign.status == .notFound)
            #expect(foreign.text == missing.text.replacingOccurrences(of: "no-such-notice", with: strangersNotice.id.rawValue))
            let staff = try await client.call(.get, "/notices/\(strangersNotice.id)", token: world.token(.reviewer))
            #expect((staff.object["notice"] as? [String: Any])?["id"] as? String == strangersNotice.id.rawValue, "\(staff.text)")
        }
    }

    @Test("delivery channels: an administrator adds one; listing never shows its secret or URL credentials")
    func channels() async throws {
        let world = try await TestWorld.make()
        try await world.application().test(.router) { client in
            let admin = world.token(.administrator)
            let body = #"{"id":"sms-gateway","kind":"webhook","target":"https://ops:hunter2@sms.example/hook?key=topsecret","secret":"0123456789abcdef-signing"}"#
            let added = try await client.call(.post, "/notice-channels", token: admin, json: body)
            #expect(added.status == .created, "\(added.text)")
            #expect(added.object["target"] as? String == "https://sms.example/hook")
            #expect(added.object["signed"] as? Bool == true)
            #expect(try await world.store.deliveryChannels().first { $0.id == "sms-gateway" }?.secret == "0123456789abcdef-signing")
            #expect(try await client.call(.post, "/notice-channels", token: admin, json: body).status == .ok)
            let changed = body.replacingOccurrences(of: "sms.example", with: "other.example")
            #expect(try await client.call(.post, "/notice-channels", token: admin, json: changed).status == .conflict)
            let relative = try await client.call(.post, "/notice-channels", token: admin, json: #"{"id":"spool-1","kind":"spool","target":"spool/here"}"#)
            #expect(relative.status == .unprocessableContent)  // no spool root configured: no spool channels over the API
            let listed = try await client.call(.get, "/notice-channels", token: world.token(.auditor))
            #expect(listed.items.map { $0["id"] as? String } == ["sms-gateway"], "\(listed.text)")
            for secret in ["0123456789abcdef", "hunter2", "topsecret"] { #expect(!listed.text.contains(secret)) }
        }
    }

    @Test("verification finds a stored standing that differs from the ledger; a refresh puts it right")
    func standings() async throws {
        let world = try await TestWorld.make()
        try await world.application().test(.router) { client in
            let auditor = world.token(.auditor)
            let clean = try await client.call(.get, "/standings/verification", token: auditor)
            #expect(clean.status == .ok, "\(clean.text)")
            #expect(clean.object["consistent"] as? Bool == true, "\(clean.text)")
            #expect((clean.object["standingsChecked"] as? Int ?? 0) > 0)

            var altered = try #require(try await world.store.standings(after: nil, limit: 1).first)
            altered.activeEntries += 7
            var changes = ChangeSet()
            changes.standings = [altered]
            try await world.store.commit(changes)
            let dirty = try await client.call(.get, "/standings/verification", token: auditor)
            #expect(dirty.object["consistent"] as? Bool == false)
            let mismatches = dirty.object["mismatches"] as? [[String: Any]] ?? []
            #expect(mismatches.contains { $0["subject"] as? String == altered.subject.rawValue }, "\(dirty.text)")

            let refreshed = try await client.call(.post, "/standings/refresh", token: world.token(.administrator), json: "{}")
            #expect(refreshed.status == .ok, "\(refreshed.text)")
            #expect((refreshed.object["standingsComputed"] as? Int ?? 0) > 0)
            let after = try await client.call(.get, "/standings/verification", token: auditor)
            #expect(after.object["consistent"] as? Bool == true, "\(after.text)")
            let unknown = try await client.call(.post, "/standings/refresh", token: world.token(.administrator), json: #"{"jurisdiction":"atlantis"}"#)
            #expect(unknown.status == .notFound)
        }
    }
}
