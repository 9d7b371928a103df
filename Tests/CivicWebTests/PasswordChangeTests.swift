import CivicAccess
import CivicAPI
import CivicCore
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Testing

/// A person changes their own password in the browser (ASVS V2.1.5, V2.1.6): the current one is checked,
/// the new one follows the policy, every other session ends (V3.3.3), and the trail records it.
@Suite(.serialized)
struct PasswordChangeTests {
    static let new = "a river runs past the old mill"

    @Test func aResidentChangesTheirPasswordAndTheirOtherSessionEnds() async throws {
        let web = try await WebWorld.make(residents: 20)
        let old = web.world.passwords["demo-resident"]!
        try await web.application().test(.router) { client in
            let phone = Browser(client)
            #expect(try await phone.signIn("demo-resident", old).status == .seeOther)
            let desk = Browser(client)
            #expect(try await desk.signIn("demo-resident", old).status == .seeOther)
            #expect(try await desk.get("/portal").text.contains("href=\"/account/password\""), "the header offers the change")

            // Wrong current password, new ones that differ, a common one, the same one: refused, nothing changes.
            let cases: [([(String, String)], String, String)] = [
                ([("current", "not the password at all"), ("password", Self.new), ("repeat", Self.new)], "current-error", "The current password is wrong"),
                ([("current", old), ("password", Self.new), ("repeat", Self.new + "!")], "repeat-error", "The two new passwords differ."),
                ([("current", old), ("password", "password1234"), ("repeat", "password1234")], "password-error", "among the most common"),
                ([("current", old), ("password", "short"), ("repeat", "short")], "password-error", "12 to 128 characters"),
                ([("current", old), ("password", old), ("repeat", old)], "password-error", "The new password is the current one."),
            ]
            for (fields, field, message) in cases {
                let refused = try await desk.post("/account/password", fields, tokenFrom: "/account/password")
                #expect(refused.status == .unprocessableContent, "\(field)")
                #expect(refused.text.contains("id=\"\(field)\"") && refused.text.contains(message), "\(field): \(message)")
            }
            #expect(try await Browser(client).signIn("demo-resident", old).status == .seeOther, "the old password still works")

            let changed = try await desk.post("/account/password", [("current", old), ("password", Self.new), ("repeat", Self.new)], tokenFrom: "/account/password")
            #expect(changed.status == .seeOther)
            #expect(changed.location == "/account/password?done=account.changedOthersEnded")
            #expect(try await desk.get("/portal").status == .ok, "the session that changed it goes on")
            #expect(try await phone.get("/portal").status == .seeOther, "the other session is signed out")
            #expect(try await Browser(client).signIn("demo-resident", old).status == .unauthorized, "the old password no longer works")
            #expect(try await Browser(client).signIn("demo-resident", Self.new).status == .seeOther, "the new one does")

            let events = try await web.world.access.accessEvents(after: nil, limit: 10_000)
            let event = try #require(events.last { $0.kind == .passwordChanged })
            #expect(event.actor == Account.ID("demo-resident") && event.target == "demo-resident")
            let trail = events.map { "\($0.target ?? "") \($0.address ?? "")" }.joined(separator: "\n")
            #expect(!trail.contains(Self.new) && !trail.contains(old), "no password in the trail")
        }
    }

    @Test func theFormSpeaksChineseAndNeedsASignIn() async throws {
        let web = try await WebWorld.make(residents: 20)
        try await web.application().test(.router) { client in
            #expect(try await Browser(client).get("/account/password").status == .seeOther, "a visitor is sent to sign in")
            let reviewer = Browser(client, language: "zh")
            #expect(try await reviewer.signIn("demo-reviewer", web.world.passwords["demo-reviewer"]!).status == .seeOther)
            let page = try await reviewer.get("/account/password")
            #expect(page.status == .ok && page.text.contains("修改密码"))
            let refused = try await reviewer.post("/account/password", [("current", "wrong wrong wrong"), ("password", Self.new), ("repeat", Self.new)],
                                                  tokenFrom: "/account/password")
            #expect(refused.text.contains("当前密码错误"))
        }
    }
}
