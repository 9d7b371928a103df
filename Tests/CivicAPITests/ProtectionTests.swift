import CivicAccess
import CivicAPI
import CivicAPITesting
import CivicCore
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Testing

@Suite struct AuthenticationTests {
    @Test("signing in issues a session token; a wrong password and an unknown user answer alike")
    func signIn() async throws {
        let world = try await TestWorld.make()
        try await world.application().test(.router) { client in
            let good = try await client.call(.post, "/sessions", json: #"{"username":"demo-reviewer","password":"\#(world.passwords["demo-reviewer"]!)"}"#)
            #expect(good.status == .created)
            let token = try #require(good.object["token"] as? String)
            let me = try await client.call(.get, "/me", token: token)
            #expect(me.object["id"] as? String == "demo-reviewer")
            let wrong = try await client.call(.post, "/sessions", json: #"{"username":"demo-reviewer","password":"not the password"}"#)
            let unknown = try await client.call(.post, "/sessions", json: #"{"username":"nobody","password":"not the password"}"#)
            #expect(wrong.status == .unauthorized && unknown.status == .unauthorized)
            #expect(wrong.text == unknown.text)
            // Signing out revokes the token at once.
            #expect(try await client.call(.delete, "/sessions/current", token: token).status == .noContent)
            #expect(try await client.call(.get, "/me", token: token).status == .unauthorized)
        }
    }

    @Test("five wrong passwords from one address hold it back: then even the right one is refused until the delay ends")
    func lockout() async throws {
        let world = try await TestWorld.make()
        let password = world.passwords["demo-auditor"]!
        try await world.application().test(.router) { client in
            for _ in 0..<5 {
                #expect(try await client.call(.post, "/sessions", json: #"{"username":"demo-auditor","password":"guess-guess-guess"}"#).status == .unauthorized)
            }
            let locked = try await client.call(.post, "/sessions", json: #"{"username":"demo-auditor","password":"\#(password)"}"#)
            #expect(locked.status == .unauthorized)
            world.clock.advance(world.services.configuration.signInThrottle.delaySecondsBase)
            let later = try await client.call(.post, "/sessions", json: #"{"username":"demo-auditor","password":"\#(password)"}"#)
            #expect(later.status == .created)
        }
    }

    @Test("forged, expired and revoked tokens are refused; a read-only token cannot write; tokens are stored hashed")
    func tokens() async throws {
        let world = try await TestWorld.make()
        try await world.application().test(.router) { client in
            let admin = world.token(.administrator)
            #expect(try await client.call(.get, "/me", token: admin + "x").status == .unauthorized)
            #expect(try await client.call(.get, "/me", token: "civic_abc_def").status == .unauthorized)
            #expect(try await client.call(.get, "/me", token: "not-a-token").status == .unauthorized)

            let issued = try await client.call(.post, "/tokens", token: admin, json: #"{"account":"demo-admin","scopes":["read"],"expiresInDays":1}"#)
            #expect(issued.status == .created)
            let readOnly = try #require(issued.object["token"] as? String)
            let id = try #require(issued.object["id"] as? String)
            let stored = try #require(try await world.access.token(TokenRecord.ID(id)))
            #expect(!stored.secretHash.isEmpty && !readOnly.contains(stored.secretHash))
            #expect(try await client.call(.get, "/subjects?limit=1", token: readOnly).status == .ok)
            let write = try await client.call(.post, "/jurisdictions", token: readOnly, json: #"{"id":"ro-town","name":{"en":"A","zh":"甲"}}"#)
            #expect(write.status == .forbidden)

            #expect(try await client.call(.delete, "/tokens/\(id)", token: admin).status == .noContent)
            #expect(try await client.call(.get, "/me", token: readOnly).status == .unauthorized)

            world.clock.advance(31 * 86_400)  // the demo tokens last 30 days
            #expect(try await client.call(.get, "/me", token: admin).status == .unauthorized)
        }
    }
}

@Suite struct IdempotencyTests {
    @Test("a retry returns the first response byte for byte and writes nothing more; the same key with another body is a 422")
    func replay() async throws {
        let world = try await TestWorld.make()
        try await world.application().test(.router) { client in
            let admin = world.token(.administrator)
            let body = #"{"subjects":[{"id":"idem-1","kind":"person","name":"Li Lei","jurisdiction":"rongcheng","attributes":[],"registeredOn":"2026-03-01"}]}"#
            let first = try await client.call(.post, "/subjects", token: admin, json: body, headers: ["Idempotency-Key": "key-1"])
            #expect(first.status == .ok)
            #expect(first.object["recorded"] as? Int == 1)
            let retry = try await client.call(.post, "/subjects", token: admin, json: body, headers: ["Idempotency-Key": "key-1"])
            #expect(retry.status == first.status)
            #expect(Array(retry.body.readableBytesView) == Array(first.body.readableBytesView))
            #expect(retry.headers[HTTPField.Name("Idempotent-Replayed")!] == "true")
            // Without the key, the engine itself says the second write changed nothing.
            let again = try await client.call(.post, "/subjects", token: admin, json: body)
            #expect(again.object["unchanged"] as? Int == 1)

            let other = body.replacingOccurrences(of: "Li Lei", with: "Han Meimei")
            let misuse = try await client.call(.post, "/subjects", token: admin, json: other, headers: ["Idempotency-Key": "key-1"])
            #expect(misuse.status == .unprocessableContent)
            #expect(misuse.object["code"] as? String == "idempotency-key-reused")
            #expect(try await world.store.subject("idem-1")?.name == "Li Lei")

            // Keys belong to the caller: another account's same key is a fresh request.
            let mine = try await client.call(.post, "/evidence", token: world.token(.assessor), body: pngBytes(9), contentType: "image/png",
                                             headers: ["Idempotency-Key": "key-1"])
            #expect(mine.status == .created)

            let bad = try await client.call(.post, "/subjects", token: admin, json: body, headers: ["Idempotency-Key": String(repeating: "k", count: 300)])
            #expect(bad.status == .badRequest)
        }
    }

    @Test("a retried token issue does not hand out the secret again")
    func tokenIssueIsNotReplayed() async throws {
        let world = try await TestWorld.make()
        try await world.application().test(.router) { client in
            let request = #"{"account":"demo-relying-party","scopes":["read"]}"#
            let first = try await client.call(.post, "/tokens", token: world.token(.administrator), json: request, headers: ["Idempotency-Key": "t-1"])
            #expect(first.status == .created)
            let retry = try await client.call(.post, "/tokens", token: world.token(.administrator), json: request, headers: ["Idempotency-Key": "t-1"])
            #expect(retry.status == .conflict)
            #expect(retry.object["code"] as? String == "token-already-issued")
            #expect(!retry.text.contains(first.object["token"] as! String))
            #expect(retry.text.contains(first.object["id"] as! String))
        }
    }
}

@Suite struct LimitTests {
    @Test("an oversized body is refused with 413 and changes nothing")
    func bodySize() async throws {
        let world = try await TestWorld.make { $0.requestBytesMax = 4_096; $0.evidenceBytesMax = 2_048 }
        try await world.application().test(.router) { client in
            let name = String(repeating: "x", count: 5_000)
            let big = #"{"id":"big-town","name":{"en":"\#(name)","zh":"大"}}"#
            let response = try await client.call(.post, "/jurisdictions", token: world.token(.administrator), json: big)
            #expect(response.status == .contentTooLarge)
            #expect(response.headers[.contentType] == "application/problem+json")
            #expect(try await world.store.jurisdictions().contains { $0.id == "big-town" } == false)
            let upload = try await client.call(.post, "/evidence", token: world.token(.assessor), body: pngBytes(1, count: 3_000), contentType: "image/png")
            #expect(upload.status == .contentTooLarge)
        }
    }

    @Test("page sizes outside 1 to 200 and foreign cursors are refused; pages chain without gaps")
    func pages() async throws {
        let world = try await TestWorld.make()
        try await world.application().test(.router) { client in
            let admin = world.token(.administrator)
            #expect(try await client.call(.get, "/subjects?limit=201", token: admin).status == .badRequest)
            #expect(try await client.call(.get, "/subjects?limit=0", token: admin).status == .badRequest)
            #expect(try await client.call(.get, "/subjects?cursor=garbage", token: admin).status == .badRequest)
            var seen: [String] = []
            var cursor: String?
            repeat {
                let page = try await client.call(.get, "/subjects?limit=7" + (cursor.map { "&cursor=\($0)" } ?? ""), token: admin)
                #expect(page.status == .ok)
                #expect(page.items.count <= 7)
                seen += page.items.compactMap { $0["id"] as? String }
                cursor = page.object["nextCursor"] as? String
            } while cursor != nil && seen.count < 10_000
            let all = try await world.store.subjects(after: nil, limit: 10_000).map(\.id.rawValue)
            #expect(seen == all)
        }
    }

    @Test("a burst past a token's rate gets 429 with Retry-After, and every write that was accepted is there, once")
    func rateLimit() async throws {
        let world = try await TestWorld.make()
        let (_, bearer) = try await world.services.authenticator.issue(for: "demo-admin", scopes: [.read, .write], days: 1, requestsPerSecond: 1)
        try await world.application().test(.router) { client in
            var accepted: [String] = []
            var limited = 0
            for index in 0..<40 {
                let id = "burst-\(index)"
                let response = try await client.call(.post, "/jurisdictions", token: bearer, json: #"{"id":"\#(id)","name":{"en":"B","zh":"乙"},"parent":"rongcheng"}"#)
                if response.status == .created { accepted.append(id) }
                if response.status == .tooManyRequests {
                    limited += 1
                    #expect(Int(response.headers[.retryAfter] ?? "") ?? 0 >= 1)
                }
            }
            #expect(limited > 0 && !accepted.isEmpty)
            #expect(accepted.count + limited == 40)
            let stored = try await world.store.jurisdictions().map(\.id.rawValue).filter { $0.hasPrefix("burst-") }
            #expect(Set(stored) == Set(accepted))
        }
    }

    @Test("a request that runs past the timeout answers 503 with a timeout problem")
    func timeout() async throws {
        let world = try await TestWorld.make { $0.requestTimeoutSeconds = 0.000_001 }
        try await world.application().test(.router) { client in
            let response = try await client.call(.post, "/subjects", token: world.token(.administrator),
                                                 json: #"{"subjects":[{"id":"slow-1","kind":"person","name":"Slow","jurisdiction":"rongcheng","attributes":[],"registeredOn":"2026-03-01"}]}"#)
            #expect(response.status == .serviceUnavailable)
            #expect(response.object["code"] as? String == "timeout")
        }
    }
}

@Suite struct DocumentAndErrorTests {
    @Test("/openapi.yaml serves the bytes of Sources/CivicAPI/openapi.yaml")
    func document() async throws {
        let world = try await TestWorld.make()
        let file = try Data(contentsOf: URL(fileURLWithPath: documentPath))
        try await world.application().test(.router) { client in
            let response = try await client.call(.get, "/openapi.yaml")
            #expect(response.status == .ok)
            #expect(Data(buffer: response.body) == file)
        }
    }

    @Test("errors are problem documents that say what and where")
    func problems() async throws {
        let world = try await TestWorld.make()
        try await world.application().test(.router) { client in
            let route = try await client.call(.get, "/no/such/route")
            #expect(route.status == .notFound)
            #expect(route.headers[.contentType] == "application/problem+json")
            let malformed = try await client.call(.post, "/jurisdictions", token: world.token(.administrator), json: #"{"id":"x","name":{"en":"A"}}"#)
            #expect(malformed.status == .badRequest)
            #expect((malformed.object["location"] as? String)?.contains("zh") == true, "\(malformed.text)")
            let conflict = try await client.call(.post, "/jurisdictions", token: world.token(.administrator),
                                                 json: #"{"id":"rongcheng","name":{"en":"Other","zh":"别"}}"#)
            #expect(conflict.status == .conflict)
            #expect(conflict.object["code"] as? String == "conflict")
            let metrics = try await client.call(.get, "/metrics", token: world.token(.auditor))
            #expect(metrics.status == .ok)
            #expect(metrics.text.contains("civic_eligibility_checks_total"))
        }
    }

    @Test("evidence must be what its type says, is stored by digest, and only its uploader among assessors and residents sees it")
    func evidence() async throws {
        let world = try await TestWorld.make()
        try await world.application().test(.router) { client in
            let fake = try await client.call(.post, "/evidence", token: world.token(.resident), body: Array("<script>".utf8), contentType: "image/png")
            #expect(fake.status == .unsupportedMediaType)
            let html = try await client.call(.post, "/evidence", token: world.token(.resident), body: Array("<html>".utf8), contentType: "text/html")
            #expect(html.status.code == 415)
            let bytes = pngBytes(42)
            let upload = try await client.call(.post, "/evidence", token: world.token(.resident), body: bytes, contentType: "image/png")
            #expect(upload.status == .created)
            let digest = try #require(upload.object["digest"] as? String)
            let again = try await client.call(.post, "/evidence", token: world.token(.resident), body: bytes, contentType: "image/png")
            #expect(again.status == .ok && again.object["digest"] as? String == digest)
            let own = try await client.call(.get, "/evidence/\(digest)", token: world.token(.resident))
            #expect(own.status == .ok && Array(own.body.readableBytesView) == bytes)
            #expect(try await client.call(.get, "/evidence/\(digest)", token: world.token(.assessor)).status == .notFound)
            #expect(try await client.call(.get, "/evidence/\(digest)", token: world.token(.reviewer)).status == .ok)
        }
    }
}

@Suite struct LiveTests {
    @Test("the server answers over a real socket")
    func live() async throws {
        let world = try await TestWorld.make()
        try await world.application().test(.live) { client in
            let probe = try await client.call(.get, "/livez")
            #expect(probe.text == #"{"status":"ok"}"#)
            let check = try await client.call(.post, "/eligibility/no-high-speed-rail/checks", token: world.token(.relyingParty),
                                              json: #"{"subjects":["p-00001"]}"#)
            #expect(check.status == .ok, "\(check.text)")
            let unauthorised = try await client.call(.get, "/subjects")
            #expect(unauthorised.status == .unauthorized)
            #expect(unauthorised.headers[.wwwAuthenticate]?.hasPrefix("Bearer") == true)
        }
    }
}
