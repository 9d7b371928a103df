import CivicAccess
import CivicAPI
import CivicAPITesting
import CivicCore
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Testing

@Suite struct DueProcessAPITests {
    @Test("a resident appeals an entry of their own; another person's entry answers like a missing one; a reviewer sees the queue")
    func appeals() async throws {
        let world = try await TestWorld.make()
        let scenario = try await Scenario.make(world)
        let entered = try await Scenario.enterDeeds(world, about: [(scenario.residentSubject, "own-deed"), (scenario.stranger, "foreign-deed")])
        let own = try #require(entered[0].first)
        let foreign = try #require(entered[1].first)
        try await world.application().test(.router) { client in
            let resident = world.token(.resident)
            let filed = try await client.call(.post, "/appeals", token: resident,
                                              json: #"{"id":"ap-1","entry":"\#(own)","statement":"I was not there that day"}"#)
            #expect(filed.status == .created, "\(filed.text)")
            let strangers = try await client.call(.post, "/appeals", token: resident,
                                                  json: #"{"id":"ap-2","entry":"\#(foreign)","statement":"I was not there that day"}"#)
            let missing = try await client.call(.post, "/appeals", token: resident,
                                                json: #"{"id":"ap-2","entry":"no-such-entry","statement":"I was not there that day"}"#)
            #expect(strangers.status == .notFound)
            #expect(strangers.text == missing.text.replacingOccurrences(of: "no-such-entry", with: foreign.rawValue))
            let queue = try await client.call(.get, "/appeals", token: world.token(.reviewer))
            #expect(queue.items.contains { ($0["appeal"] as? [String: Any])?["id"] as? String == "ap-1" }, "\(queue.text)")
            let mine = try await client.call(.get, "/subjects/\(scenario.residentSubject.id)/appeals", token: resident)
            #expect(mine.items.count == 1)
            let path = try await client.call(.get, "/subjects/\(scenario.residentSubject.id)/path", token: resident)
            #expect(path.status == .ok)
            let notices = try await client.call(.get, "/subjects/\(scenario.residentSubject.id)/notices", token: resident)
            #expect(notices.status == .ok)
        }
    }
}

@Suite struct CertificateAPITests {
    @Test("a resident's certificate verifies publicly; a forged one is rejected; a certificate for someone else is refused like a missing subject")
    func certificates() async throws {
        let world = try await TestWorld.make()
        let scenario = try await Scenario.make(world)
        let scheme = try await world.services.engine.standings(of: scenario.residentSubject.id, asOf: TestWorld.today).first!.scheme
        try await world.application().test(.router) { client in
            let issued = try await client.call(.post, "/subjects/\(scenario.residentSubject.id)/certificates", token: world.token(.resident),
                                               json: #"{"scheme":"\#(scheme)"}"#)
            #expect(issued.status == .created, "\(issued.text)")
            let token = try #require(issued.object["token"] as? String)
            let verified = try await client.call(.post, "/certificates/verify", json: #"{"token":"\#(token)"}"#)
            #expect(verified.object["accepted"] as? Bool == true, "\(verified.text)")
            #expect(verified.object["current"] as? Bool == true)
            var forged = Array(token)
            let index = forged.count - 5
            forged[index] = forged[index] == "A" ? "B" : "A"
            let rejected = try await client.call(.post, "/certificates/verify", json: #"{"token":"\#(String(forged))"}"#)
            #expect(rejected.object["accepted"] as? Bool == false)
            let other = try await client.call(.post, "/subjects/\(scenario.stranger.id)/certificates", token: world.token(.resident), json: "{}")
            #expect(other.status == .notFound)
        }
    }
}

@Suite struct RegistryAPITests {
    @Test("an administrator registers an actor; repeating it changes nothing; other details under the same id are a conflict")
    func actors() async throws {
        let world = try await TestWorld.make()
        try await world.application().test(.router) { client in
            let admin = world.token(.administrator)
            let body = #"{"id":"asr-new","name":"Wang Li","roles":["assessor"],"jurisdiction":"zhaojiashan"}"#
            #expect(try await client.call(.post, "/actors", token: admin, json: body).status == .created)
            #expect(try await client.call(.post, "/actors", token: admin, json: body).status == .ok)
            let other = body.replacingOccurrences(of: "Wang Li", with: "Li Wang")
            #expect(try await client.call(.post, "/actors", token: admin, json: other).status == .conflict)
            #expect(try await world.store.actor("asr-new")?.roles == [.assessor])
            var ids: [String] = []
            var cursor: String?
            repeat {
                let page = try await client.call(.get, "/actors?limit=200" + (cursor.map { "&cursor=\($0)" } ?? ""), token: world.token(.auditor))
                ids += page.items.compactMap { $0["id"] as? String }
                cursor = page.object["nextCursor"] as? String
            } while cursor != nil
            #expect(ids.contains("asr-new"))
        }
    }
}
