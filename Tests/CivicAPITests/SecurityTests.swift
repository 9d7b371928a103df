import CivicAccess
@testable import CivicAPI
import CivicAPITesting
import CivicCore
import CivicDelivery
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Logging
import NIOCore
import NIOEmbedded
import Testing

/// Sign-in throttling and bcrypt bounds. Every assertion is on counts
/// (password checks made, decoy checks made, failures recorded), never on elapsed time.
@Suite struct SignInThrottleTests {
    static func wide(_ configuration: inout APIConfiguration) {
        configuration.passwordChecksPerAddressMax = 100
        configuration.passwordChecksQueuedMax = 100
    }

    static func signIn(_ client: some TestClientProtocol, _ account: String, _ password: String) async throws -> TestResponse {
        try await client.call(.post, "/sessions", json: #"{"username":"\#(account)","password":"\#(password)"}"#)
    }

    @Test("wrong passwords sent at once are counted before bcrypt: no more are checked than one by one, and every one is recorded")
    func concurrentGuessesAreCountedFirst() async throws {
        let world = try await TestWorld.make(configure: Self.wide)
        let hasher = world.services.authenticator.hasher
        let free = world.services.configuration.signInThrottle.freeFailures
        let checksBefore = hasher.checkCount
        let decoysBefore = hasher.decoyCheckCount
        try await world.application().test(.router) { client in
            let statuses = try await withThrowingTaskGroup(of: HTTPResponse.Status.self) { group in
                for attempt in 0..<16 {
                    group.addTask { try await Self.signIn(client, "demo-auditor", "wrong-password-\(attempt)").status }
                }
                return try await group.reduce(into: []) { $0.append($1) }
            }
            #expect(statuses.allSatisfy { $0 == .unauthorized })
            // Exactly `free` passwords were checked against the account; every other attempt cost a decoy check.
            #expect(hasher.checkCount - checksBefore == free)
            #expect(hasher.decoyCheckCount - decoysBefore == 16 - free)
            let recorded = try await world.access.signInFailures("demo-auditor", from: "unknown")
            #expect(recorded.failures == free)
            #expect(recorded.blockedUntil == world.clock.now() + world.services.configuration.signInThrottle.delaySecondsBase)
            // The right password now waits out the delay like any other attempt: refused, with a decoy check.
            let password = world.passwords["demo-auditor"]!
            #expect(try await Self.signIn(client, "demo-auditor", password).status == .unauthorized)
            #expect(hasher.decoyCheckCount - decoysBefore == 17 - free)
            world.clock.advance(world.services.configuration.signInThrottle.delaySecondsBase)
            #expect(try await Self.signIn(client, "demo-auditor", password).status == .created)
            #expect(try await world.access.signInFailures("demo-auditor", from: "unknown").failures == 0)
        }
    }

    @Test("the throttle is per account and address and its delay doubles; another address is not locked out")
    func throttlePerAddressWithGrowingDelays() async throws {
        let world = try await TestWorld.make()
        let authenticator = world.services.authenticator
        let throttle = world.services.configuration.signInThrottle
        let password = world.passwords["demo-reviewer"]!
        func attempt(_ password: String, from address: String) async -> Bool {
            (try? await authenticator.signIn(username: "demo-reviewer", password: password, address: address)) != nil
        }
        for _ in 0..<throttle.freeFailures { #expect(await attempt("wrong-password-x", from: "198.51.100.7") == false) }
        // Guessing from one address does not lock the person out from theirs.
        #expect(await attempt(password, from: "203.0.113.5"))
        #expect(await attempt(password, from: "198.51.100.7") == false)
        // After the first delay one more failure doubles it.
        world.clock.advance(throttle.delaySecondsBase)
        #expect(await attempt("wrong-password-y", from: "198.51.100.7") == false)
        #expect(try await world.access.signInFailures("demo-reviewer", from: "198.51.100.7").blockedUntil
                == world.clock.now() + 2 * throttle.delaySecondsBase)
        world.clock.advance(throttle.delaySecondsBase)
        #expect(await attempt(password, from: "198.51.100.7") == false)
        world.clock.advance(throttle.delaySecondsBase)
        #expect(await attempt(password, from: "198.51.100.7"))
        #expect(throttle.delaySeconds(afterFailures: 1_000) == throttle.delaySecondsMax)
    }

    @Test("unknown, disabled-looking and throttled accounts cost the same bcrypt check as a wrong password, and answer the same bytes")
    func uniformWork() async throws {
        let world = try await TestWorld.make(configure: Self.wide)
        let hasher = world.services.authenticator.hasher
        try await world.application().test(.router) { client in
            func work() -> Int { hasher.checkCount + hasher.decoyCheckCount }
            var before = work()
            let wrong = try await Self.signIn(client, "demo-resident", "wrong-password-1")
            #expect(work() - before == 1)
            before = work()
            let unknown = try await Self.signIn(client, "nobody-here", "wrong-password-1")
            #expect(work() - before == 1)
            before = work()
            let service = try await Self.signIn(client, "demo-relying-party", "wrong-password-1")  // no password at all
            #expect(work() - before == 1)
            for _ in 0..<5 { _ = try await Self.signIn(client, "demo-resident", "wrong-password-2") }
            before = work()
            let throttled = try await Self.signIn(client, "demo-resident", "wrong-password-3")
            #expect(work() - before == 1)
            #expect(Set([wrong.text, unknown.text, service.text, throttled.text]).count == 1)
        }
    }

    @Test("past the bcrypt bounds a sign-in is answered 429 at once and counts nothing, while eligibility checks go on")
    func hashingIsBounded() async throws {
        let world = try await TestWorld.make { configuration in
            configuration.passwordChecksConcurrentMax = 1
            configuration.passwordChecksQueuedMax = 0
            configuration.passwordChecksPerAddressMax = 1
        }
        let hasher = world.services.authenticator.hasher
        let (held, holding) = AsyncStream.makeStream(of: Void.self)
        let (release, releasing) = AsyncStream.makeStream(of: Void.self)
        let holder = Task {
            try await hasher.withPlace(address: "198.51.100.9") {
                holding.yield()
                for await _ in release { break }
            }
        }
        for await _ in held { break }
        try await world.application().test(.router) { client in
            let busy = try await Self.signIn(client, "demo-auditor", world.passwords["demo-auditor"]!)
            #expect(busy.status == .tooManyRequests)
            #expect(busy.headers[.retryAfter] == "1")
            #expect(try await world.access.signInFailures("demo-auditor", from: "unknown").failures == 0)
            let check = try await client.call(.get, "/eligibility/no-high-speed-rail/subjects/p-00001", token: world.token(.relyingParty))
            #expect(check.status == .ok)
            releasing.yield()
            try await holder.value
            #expect(try await Self.signIn(client, "demo-auditor", world.passwords["demo-auditor"]!).status == .created)
        }
        // One address may not hold more than its share even when the pool has room.
        let shared = PasswordHasher(concurrencyMax: 4, queueMax: 4, perAddressMax: 1)
        let (inside, entered) = AsyncStream.makeStream(of: Void.self)
        let (stop, stopping) = AsyncStream.makeStream(of: Void.self)
        let first = Task {
            try await shared.withPlace(address: "a") {
                entered.yield()
                for await _ in stop { break }
            }
        }
        for await _ in inside { break }
        await #expect(throws: APIError.self) { try await shared.withPlace(address: "a") {} }
        try await shared.withPlace(address: "b") {}
        stopping.yield()
        try await first.value
        try await shared.withPlace(address: "a") {}
    }
}

/// Who may hold a token acting as whom.
@Suite struct TokenIssuerTests {
    @Test("an administrator cannot issue a token acting as another person; service tokens and their own carry the issuer")
    func noImpersonation() async throws {
        let world = try await TestWorld.make()
        try await world.application().test(.router) { client in
            let admin = world.token(.administrator)
            for person in ["demo-reviewer", "demo-assessor", "demo-resident", "demo-auditor"] {
                let refused = try await client.call(.post, "/tokens", token: admin, json: #"{"account":"\#(person)","scopes":["read","write"]}"#)
                #expect(refused.status == .forbidden, "\(person): \(refused.text)")
                #expect(refused.object["code"] as? String == "token-for-another-person")
                #expect(refused.object["location"] as? String == "body.account")
                #expect(try await world.access.tokens(of: Account.ID(person)).filter { $0.kind == .api }.count == 1)  // the demo's own
            }
            let service = try await client.call(.post, "/tokens", token: admin, json: #"{"account":"demo-relying-party","scopes":["read"]}"#)
            #expect(service.status == .created)
            let serviceID = try #require(service.object["id"] as? String)
            #expect(try await world.access.token(TokenRecord.ID(serviceID))?.issuedBy == "demo-admin")
            let own = try await client.call(.post, "/tokens", token: admin, json: #"{"account":"demo-admin","scopes":["read"]}"#)
            #expect(own.status == .created)
            let ownID = try #require(own.object["id"] as? String)
            #expect(try await world.access.token(TokenRecord.ID(ownID))?.issuedBy == "demo-admin")
            // A session is issued to the person who signed in, and says so.
            let session = try await client.call(.post, "/sessions", json: #"{"username":"demo-reviewer","password":"\#(world.passwords["demo-reviewer"]!)"}"#)
            let sessionID = try #require(session.object["id"] as? String)
            #expect(try await world.access.token(TokenRecord.ID(sessionID))?.issuedBy == "demo-reviewer")
        }
    }
}

/// Input that decoders and stores let pass.
@Suite struct StrictInputTests {
    @Test("NUL and other control characters are refused with a 400 naming the field, and nothing is stored")
    func controlCharacters() async throws {
        let world = try await TestWorld.make()
        try await world.application().test(.router) { client in
            let admin = world.token(.administrator)
            for (name, escaped) in [("nul", "\\u0000Hidden"), ("escape", "A\\u001b[2JB"), ("carriage-return", "A\\rB"), ("delete", "A\\u007fB")] {
                let body = #"{"subjects":[{"id":"ctl-\#(name)","kind":"person","name":"\#(escaped)","jurisdiction":"rongcheng","attributes":[],"registeredOn":"2026-03-01"}]}"#
                let response = try await client.call(.post, "/subjects", token: admin, json: body)
                #expect(response.status == .badRequest, "\(name): \(response.text)")
                #expect(response.object["location"] as? String == "body.subjects[0].name")
                #expect(try await world.store.subject(Subject.ID("ctl-\(name)")) == nil)
            }
            // A line break is refused in a name (the engine's own check, which the CLI and pages share) but allowed in a statement.
            let newline = #"{"subjects":[{"id":"ctl-newline","kind":"person","name":"A\nB","jurisdiction":"rongcheng","attributes":[],"registeredOn":"2026-03-01"}]}"#
            let refused = try await client.call(.post, "/subjects", token: admin, json: newline)
            #expect(refused.status == .badRequest)
            #expect((refused.object["detail"] as? String)?.contains("U+000A") == true)
            #expect(try await world.store.subject("ctl-newline") == nil)
        }
        // The engine refuses the same for every interface (the CLI and the pages call it directly).
        await #expect(throws: CivicError.self) {
            try await world.services.engine.addSubjects([Subject(id: "ctl-core", kind: .person, name: "\u{0}Hidden", jurisdiction: "rongcheng",
                                                                 registeredOn: TestWorld.today)])
        }
        #expect(Text.forbiddenCharacter(in: "line one\nline two\ttab", lineBreaks: true) == nil)
        #expect(Text.forbiddenCharacter(in: "evil\u{202E}txt.exe", lineBreaks: true)?.position == 5)
    }

    @Test("a key given twice is refused with its place; a negative duration is refused at its field")
    func duplicateKeysAndNegativeDurations() async throws {
        let world = try await TestWorld.make()
        try await world.application().test(.router) { client in
            let admin = world.token(.administrator)
            let twice = #"{"subjects":[{"id":"dup-1","kind":"person","name":"A","name":"B","jurisdiction":"rongcheng","attributes":[],"registeredOn":"2026-03-01"}]}"#
            let duplicate = try await client.call(.post, "/subjects", token: admin, json: twice)
            #expect(duplicate.status == .badRequest)
            #expect(duplicate.object["code"] as? String == "duplicate-field")
            #expect(duplicate.object["location"] as? String == "body.subjects[0].name")
            #expect(try await world.store.subject("dup-1") == nil)
            let topLevel = try await client.call(.post, "/jurisdictions", token: admin, json: #"{"id":"dup-town","id":"other","name":{"en":"A","zh":"甲"}}"#)
            #expect(topLevel.status == .badRequest && topLevel.object["location"] as? String == "body.id")

            let subject = try await Scenario.make(world).assessorMember
            let rule = try await Scenario.rule(for: subject, role: .assessor, world: world)
            let report = #"{"id":"neg-dur","subject":"\#(subject.id.rawValue)","rule":"\#(rule.rawValue)","occurredOn":"2026-03-08","statement":"Helped","durationDays":-1,"evidence":\#(Scenario.evidenceJSON)}"#
            let negative = try await client.call(.post, "/reports", token: world.token(.assessor), json: report)
            #expect(negative.status == .badRequest, "\(negative.text)")
            #expect(negative.object["location"] as? String == "body.durationDays")
            #expect(try await world.store.report("neg-dur") == nil)
        }
    }

    @Test("a query parameter of the wrong type is named as a query parameter, not as the body")
    func queryParameterErrors() async throws {
        let world = try await TestWorld.make()
        try await world.application().test(.router) { client in
            let admin = world.token(.administrator)
            let limit = try await client.call(.get, "/subjects?limit=abc", token: admin)
            #expect(limit.status == .badRequest)
            #expect(limit.object["location"] as? String == "query limit")
            let status = try await client.call(.get, "/reports?status=bogus", token: admin)
            #expect(status.status == .badRequest)
            #expect(status.object["location"] as? String == "query status")
        }
    }

    @Test("a field the operation does not know is refused with its place, in a nested object and at the top")
    func unknownFields() async throws {
        let world = try await TestWorld.make()
        try await world.application().test(.router) { client in
            let admin = world.token(.administrator)
            let nested = #"{"subjects":[{"id":"unk-1","kind":"person","name":"A","nickname":"B","jurisdiction":"rongcheng","attributes":[],"registeredOn":"2026-03-01"}]}"#
            let refused = try await client.call(.post, "/subjects", token: admin, json: nested)
            #expect(refused.status == .badRequest)
            #expect(refused.object["code"] as? String == "unknown-field")
            #expect(refused.object["location"] as? String == "body.subjects[0].nickname")
            #expect(try await world.store.subject("unk-1") == nil)
            let top = try await client.call(.post, "/jurisdictions", token: admin, json: #"{"id":"unk-town","name":{"en":"A","zh":"甲"},"admin":true}"#)
            #expect(top.status == .badRequest && top.object["location"] as? String == "body.admin")
            #expect(try await world.store.jurisdictions().contains { $0.id == "unk-town" } == false)
            // The same bodies without the extra field are accepted: the check is not refusing everything.
            let good = try await client.call(.post, "/jurisdictions", token: admin, json: #"{"id":"unk-town","name":{"en":"A","zh":"甲"}}"#)
            #expect(good.status == .created)
        }
        // Every operation of the document with a JSON body has its fields known to the check.
        let contract = RequestContract.served
        #expect(contract.operations.count > 40)
        #expect(contract.operation(.post, path: "/subjects")?.body != nil)
        #expect(contract.operation(.get, path: "/subjects/p-00001/entries")?.query["limit"]?.maximum == 200)
    }

    @Test("a chunked body past the limit answers 413, not 500, and changes nothing")
    func chunkedBodyPastTheLimit() async throws {
        let world = try await TestWorld.make { $0.requestBytesMax = 4_096 }
        let responder = try buildRouter(world.services).buildResponder()
        let (stream, source) = AsyncStream.makeStream(of: ByteBuffer.self)
        source.yield(ByteBuffer(string: #"{"id":"chunked-town","name":{"en":""#))
        for _ in 0..<10 { source.yield(ByteBuffer(repeating: UInt8(ascii: "x"), count: 1_000)) }
        source.yield(ByteBuffer(string: #"","zh":"大"}}"#))
        source.finish()
        var headers = HTTPFields()
        headers[.contentType] = "application/json"
        headers[.authorization] = "Bearer \(world.token(.administrator))"
        headers[.transferEncoding] = "chunked"
        let request = Request(head: .init(method: .post, scheme: "http", authority: "localhost", path: "/jurisdictions", headerFields: headers),
                              body: RequestBody(asyncSequence: stream))
        let context = APIRequestContext(source: .init(channel: EmbeddedChannel(), logger: Logger(label: "civic.test")))
        let response = try await responder.respond(to: request, context: context)
        #expect(response.status == .contentTooLarge)
        #expect(try await world.store.jurisdictions().contains { $0.id == "chunked-town" } == false)
    }
}

/// Evidence bytes are never a page of this site.
@Suite struct EvidenceHeaderTests {
    @Test("evidence over the API comes with nosniff and a sandboxing Content-Security-Policy")
    func evidenceIsSandboxed() async throws {
        let world = try await TestWorld.make()
        try await world.application().test(.router) { client in
            let upload = try await client.call(.post, "/evidence", token: world.token(.resident), body: pngBytes(9), contentType: "image/png")
            let digest = try #require(upload.object["digest"] as? String)
            let evidence = try await client.call(.get, "/evidence/\(digest)", token: world.token(.resident))
            #expect(evidence.status == .ok)
            #expect(evidence.headers[HTTPField.Name("X-Content-Type-Options")!] == "nosniff")
            let policy = try #require(evidence.headers[HTTPField.Name("Content-Security-Policy")!])
            #expect(policy.contains("default-src 'none'") && policy.contains("sandbox"))
        }
    }
}

/// Where notices may be delivered.
@Suite struct DeliveryGuardTests {
    @Test("internal addresses are recognised in every spelling; public ones are not")
    func addresses() {
        for address in ["127.0.0.1", "10.1.2.3", "172.16.0.1", "172.31.255.255", "192.168.1.1", "169.254.169.254", "100.64.0.1", "0.0.0.0",
                         "::1", "::", "[::1]", "fe80::1", "fd00::1", "::ffff:127.0.0.1", "::ffff:169.254.169.254", "224.0.0.1", "255.255.255.255"] {
            #expect(DeliveryGuard.isInternal(address) == true, "\(address)")
        }
        for external in ["93.184.216.34", "8.8.8.8", "172.32.0.1", "2606:4700::1111", "1.1.1.1"] {
            #expect(DeliveryGuard.isInternal(external) == false, "\(external)")
        }
        #expect(DeliveryGuard.isInternal("gateway.example") == nil)
    }

    @Test("webhooks to this machine or a private network are refused unless allowed; a name that resolves inside is refused at delivery")
    func webhooks() throws {
        let strict = DeliveryGuard()
        for target in ["http://127.0.0.1:8080/hook", "http://localhost/hook", "https://[::1]/x", "http://169.254.169.254/latest/meta-data",
                       "http://10.0.0.5/notices", "http://2130706433/", "http://0x7f.1/", "http://017700000001/"] {
            #expect(throws: CivicError.self, "\(target)") { try strict.checkWebhook(target) }
        }
        try strict.checkWebhook("https://gateway.example/notices")
        #expect(throws: CivicError.self) { try strict.checkResolved(host: "localhost") }
        let open = DeliveryGuard(allowPrivateNetworks: true)
        try open.checkWebhook("http://127.0.0.1:8080/hook")
        try open.checkResolved(host: "localhost")
    }

    @Test("a spool directory must be inside the root, symbolic links and .. resolved; the API refuses others with their place")
    func spool() async throws {
        let base = FileManager.default.temporaryDirectory.appendingPathComponent("civic-spool-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: base) }
        try FileManager.default.createDirectory(atPath: base + "/root/letters", withIntermediateDirectories: true)
        try FileManager.default.createDirectory(atPath: base + "/elsewhere", withIntermediateDirectories: true)
        try FileManager.default.createSymbolicLink(atPath: base + "/root/escape", withDestinationPath: base + "/elsewhere")
        let confined = DeliveryGuard(spoolRoot: base + "/root")
        #expect(try confined.checkSpool(base + "/root/letters").path.hasSuffix("/root/letters"))
        for outside in [base + "/elsewhere", base + "/root/../elsewhere", base + "/root/escape", base + "/rootless", "relative/path"] {
            #expect(throws: CivicError.self, "\(outside)") { try confined.checkSpool(outside) }
        }
        #expect(throws: CivicError.self) { try DeliveryGuard().checkSpool(base + "/root/letters") }

        let world = try await TestWorld.make { $0.deliveryGuard = DeliveryGuard(spoolRoot: base + "/root") }
        try await world.application().test(.router) { client in
            let admin = world.token(.administrator)
            let inside = try await client.call(.post, "/notice-channels", token: admin, json: #"{"id":"letters","kind":"spool","target":"\#(base)/root/letters"}"#)
            #expect(inside.status == .created, "\(inside.text)")
            let escape = try await client.call(.post, "/notice-channels", token: admin, json: #"{"id":"escape","kind":"spool","target":"\#(base)/root/../elsewhere"}"#)
            #expect(escape.status == .unprocessableContent && escape.object["location"] as? String == "body.target")
            let metadata = try await client.call(.post, "/notice-channels", token: admin,
                                                 json: #"{"id":"meta","kind":"webhook","target":"http://169.254.169.254/latest/meta-data"}"#)
            #expect(metadata.status == .unprocessableContent && metadata.object["location"] as? String == "body.target")
            #expect(try await world.store.deliveryChannels().map(\.id) == ["letters"])
        }
    }
}

/// The access trail.
@Suite struct AccessTrailTests {
    @Test("sign-ins, refusals, sign-outs, tokens, accounts, households and exports are recorded with who, never a secret; an auditor reads them, a resident may not")
    func trail() async throws {
        let world = try await TestWorld.make()
        let password = world.passwords["demo-reviewer"]!
        let before = try await world.access.accessEvents(after: nil, limit: 10_000).last?.sequence ?? 0
        try await world.application().test(.router) { client in
            var secrets: [String] = [password, "wrong-password-canary"]
            let admin = world.token(.administrator)
            _ = try await client.call(.post, "/sessions", json: #"{"username":"demo-reviewer","password":"wrong-password-canary"}"#)
            let session = try await client.call(.post, "/sessions", json: #"{"username":"demo-reviewer","password":"\#(password)"}"#)
            let bearer = try #require(session.object["token"] as? String)
            secrets.append(bearer)
            #expect(try await client.call(.delete, "/sessions/current", token: bearer).status == .noContent)
            let issued = try await client.call(.post, "/tokens", token: admin, json: #"{"account":"demo-relying-party","scopes":["read"]}"#)
            let tokenID = try #require(issued.object["id"] as? String)
            secrets.append(try #require(issued.object["token"] as? String))
            #expect(try await client.call(.delete, "/tokens/\(tokenID)", token: admin).status == .noContent)
            #expect(try await client.call(.post, "/accounts", token: admin, json: #"{"id":"trail-auditor","role":"auditor","displayName":"Trail"}"#).status == .created)
            #expect(try await client.call(.get, "/exports/entries?limit=1", token: world.token(.auditor)).status == .ok)

            let page = try await client.call(.get, "/access-events?limit=200", token: world.token(.auditor))
            #expect(page.status == .ok, "\(page.text)")
            let events = page.items.filter { ($0["sequence"] as? Int).map { Int64($0) > before } ?? false }
            let kinds = events.compactMap { $0["kind"] as? String }
            #expect(kinds == ["sign-in-refused", "sign-in", "sign-out", "token-issued", "token-revoked", "account-created", "export"], "\(kinds)")
            #expect(events[0]["target"] as? String == "demo-reviewer" && events[0]["actor"] == nil)
            #expect(events[1]["actor"] as? String == "demo-reviewer")
            #expect(events[2]["actor"] as? String == "demo-reviewer")
            #expect(events[3]["actor"] as? String == "demo-admin" && events[3]["target"] as? String == tokenID)
            #expect(events[4]["actor"] as? String == "demo-admin")
            #expect(events[6]["actor"] as? String == "demo-auditor")
            for secret in secrets { #expect(!page.text.contains(secret)) }
            #expect(try await client.call(.get, "/access-events", token: world.token(.resident)).status == .forbidden)
            #expect(try await client.call(.get, "/access-events").status == .unauthorized)
        }
    }
}

/// `X-Forwarded-For` from a trusted proxy only (`civic serve --trusted-proxy`): the client address the
/// sign-in throttle, the bcrypt bound and the per-address rate limit key on.
@Suite struct TrustedProxyTests {
    static func signIn(_ client: some TestClientProtocol, _ password: String, forwardedFor: String) async throws -> TestResponse {
        try await client.call(.post, "/sessions", json: #"{"username":"demo-reviewer","password":"\#(password)"}"#,
                              headers: ["X-Forwarded-For": forwardedFor])
    }

    @Test("a header from a peer that is not a trusted proxy changes nothing: failures count against the peer's address")
    func spoofedHeaderIsIgnored() async throws {
        let world = try await TestWorld.make()
        let free = world.services.configuration.signInThrottle.freeFailures
        try await world.application().test(.live) { client in
            for attempt in 0..<free {
                // A guesser names a new address every time, hoping for a fresh throttle each time.
                let guess = try await Self.signIn(client, "wrong-password-\(attempt)", forwardedFor: "198.51.100.\(attempt + 1)")
                #expect(guess.status == .unauthorized)
            }
            let peer = try await world.access.signInFailures("demo-reviewer", from: "127.0.0.1")
            let named = try await world.access.signInFailures("demo-reviewer", from: "198.51.100.1")
            #expect(peer.failures == free)
            #expect(named.failures == 0)
            // So the right password now waits like any other attempt from this peer.
            let right = try await Self.signIn(client, world.passwords["demo-reviewer"]!, forwardedFor: "203.0.113.9")
            #expect(right.status == .unauthorized)
        }
    }

    @Test("behind a trusted proxy two clients are throttled apart: one guesser does not hold back the person")
    func trustedProxySeparatesClients() async throws {
        let world = try await TestWorld.make { $0.trustedProxies = TrustedProxies([TrustedProxies.Range("127.0.0.0/8")!, TrustedProxies.Range("::1")!]) }
        let free = world.services.configuration.signInThrottle.freeFailures
        try await world.application().test(.live) { client in
            for attempt in 0..<free {
                // The guesser writes its own header too; the proxy appends the address it saw.
                let status = try await Self.signIn(client, "wrong-password-\(attempt)", forwardedFor: "203.0.113.9, 198.51.100.7").status
                #expect(status == .unauthorized)
            }
            let guesser = try await world.access.signInFailures("demo-reviewer", from: "198.51.100.7")
            let written = try await world.access.signInFailures("demo-reviewer", from: "203.0.113.9")
            let proxy = try await world.access.signInFailures("demo-reviewer", from: "127.0.0.1")
            #expect(guesser.failures == free)
            #expect(written.failures == 0)
            #expect(proxy.failures == 0)
            let password = world.passwords["demo-reviewer"]!
            let held = try await Self.signIn(client, password, forwardedFor: "198.51.100.7")
            let person = try await Self.signIn(client, password, forwardedFor: "203.0.113.5")
            #expect(held.status == .unauthorized)
            #expect(person.status == .created)
        }
    }

    @Test("the rightmost untrusted address is the client; malformed headers and untrusted peers leave the peer")
    func choosingTheAddress() {
        let proxies = TrustedProxies([TrustedProxies.Range("10.0.0.0/8")!, TrustedProxies.Range("2001:db8:1::/48")!])
        #expect(proxies.clientAddress(peer: "10.1.2.3", forwardedFor: ["192.0.2.1, 198.51.100.2, 10.9.9.9"]) == "198.51.100.2")
        #expect(proxies.clientAddress(peer: "10.1.2.3", forwardedFor: ["192.0.2.1", "2001:DB8:2::0:1"]) == "2001:db8:2::1")
        #expect(proxies.clientAddress(peer: "2001:db8:1::5", forwardedFor: ["198.51.100.2"]) == "198.51.100.2")
        #expect(proxies.clientAddress(peer: "::ffff:10.0.0.1", forwardedFor: ["198.51.100.2"]) == "198.51.100.2")
        #expect(proxies.clientAddress(peer: "10.1.2.3", forwardedFor: ["10.0.0.7, 10.0.0.8"]) == "10.0.0.7")
        #expect(proxies.clientAddress(peer: "10.1.2.3", forwardedFor: ["198.51.100.2, not-an-address"]) == "10.1.2.3")
        #expect(proxies.clientAddress(peer: "10.1.2.3", forwardedFor: ["198.51.100.2:443"]) == "10.1.2.3")
        #expect(proxies.clientAddress(peer: "10.1.2.3", forwardedFor: [""]) == "10.1.2.3")
        #expect(proxies.clientAddress(peer: "10.1.2.3", forwardedFor: []) == "10.1.2.3")
        #expect(proxies.clientAddress(peer: "192.0.2.50", forwardedFor: ["198.51.100.2"]) == "192.0.2.50")
        #expect(TrustedProxies().clientAddress(peer: "10.1.2.3", forwardedFor: ["198.51.100.2"]) == "10.1.2.3")
        #expect(TrustedProxies.Range("10.0.0.0/33") == nil)
        #expect(TrustedProxies.Range("10.0.0/8") == nil)
        #expect(TrustedProxies.Range("fe80::/129") == nil)
        #expect(TrustedProxies.Range("10.0.0.0/+8") == nil)
        #expect(TrustedProxies.Range("10.1.2.3/8")?.description == "10.0.0.0/8")
    }
}

/// New passwords (ASVS V2.1.1-V2.1.9): 12 to 128 characters of any kind, never cut short, and not
/// among the most common passwords.
@Suite struct PasswordPolicyTests {
    static func create(_ client: some TestClientProtocol, _ world: TestWorld, id: String, password: String) async throws -> TestResponse {
        let body = try JSONSerialization.data(withJSONObject: ["id": id, "role": "auditor", "displayName": "Password test", "password": password])
        return try await client.call(.post, "/accounts", token: world.token(.administrator), json: String(decoding: body, as: UTF8.self))
    }

    @Test("a common password is refused in any case with a 400 naming the field, and no account is made")
    func commonPasswordsAreRefused() async throws {
        let world = try await TestWorld.make()
        #expect(CommonPasswords.count >= 10_000)
        try await world.application().test(.router) { client in
            for (n, password) in ["1qaz2wsx3edc", "Q1W2E3R4T5Y6", "password1234"].enumerated() {
                let refused = try await Self.create(client, world, id: "common-\(n)", password: password)
                #expect(refused.status == .badRequest, "\(refused.text)")
                #expect(refused.object["code"] as? String == "common-password")
                #expect(refused.object["location"] as? String == "password")
                let account = try await world.access.account(Account.ID("common-\(n)"))
                #expect(account == nil)
            }
        }
    }

    @Test("12 to 128 characters of any script, spaces included, no composition rules; longer than 72 bytes is not cut short")
    func lengthsAndUnicode() async throws {
        let world = try await TestWorld.make()
        try await world.application().test(.router) { client in
            let chinese = String(repeating: "社会信用制度需要正当程序", count: 6) + "保障权利"    // 76 characters, 228 bytes
            let refusals: [(String, String)] = [
                (String(repeating: "k", count: 11), "password-length"), (String(repeating: "k", count: 129), "password-length"),
                ("twelve chars\thidden", "password-control-characters"),   // NUL is refused earlier, at the API's edge
            ]
            for (n, (password, code)) in refusals.enumerated() {
                let refused = try await Self.create(client, world, id: "refused-\(n)", password: password)
                #expect(refused.status == .badRequest && refused.object["code"] as? String == code, "\(refused.text)")
            }
            for (n, password) in ["correct horse battery staple", chinese, String(repeating: "z", count: 128), "🔑 with an emoji key"].enumerated() {
                let created = try await Self.create(client, world, id: "accepted-\(n)", password: password)
                #expect(created.status == .created, "\(created.text)")
                let signedIn = try await client.call(.post, "/sessions", json: String(
                    decoding: try JSONSerialization.data(withJSONObject: ["username": "accepted-\(n)", "password": password]), as: UTF8.self))
                #expect(signedIn.status == .created, "\(signedIn.text)")
            }
            // The same first 72 bytes with a different end is another password.
            let imitation = String(chinese.dropLast()) + "益"
            let refused = try await client.call(.post, "/sessions", json: String(
                decoding: try JSONSerialization.data(withJSONObject: ["username": "accepted-1", "password": imitation]), as: UTF8.self))
            #expect(refused.status == .unauthorized)
        }
        #expect(PasswordHasher.bcryptInput(String(repeating: "a", count: 72)) == String(repeating: "a", count: 72))
        #expect(PasswordHasher.bcryptInput(String(repeating: "a", count: 73)).utf8.count <= 72)
    }

    @Test("account ids that look like command-line actors are refused")
    func commandLineNamesAreKept() async throws {
        let world = try await TestWorld.make()
        try await world.application().test(.router) { client in
            let refused = try await Self.create(client, world, id: "cli:root", password: "a-long-enough-password")
            #expect(refused.status == .badRequest && refused.object["code"] as? String == "account-id-reserved" && refused.object["location"] as? String == "id")
        }
    }
}
