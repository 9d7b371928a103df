import CivicAccess
import CivicAPI
import CivicAPITesting
import CivicCore
import Foundation
import Hummingbird
import HummingbirdTesting
import Logging
import Synchronization
import Testing

/// Keeps every log line a server writes, at trace level, rendered as a log handler would print it.
final class CapturedLog: Sendable {
    let lines = Mutex<[String]>([])

    struct Handler: LogHandler {
        let sink: CapturedLog
        var metadata: Logger.Metadata = [:]
        var logLevel: Logger.Level = .trace

        subscript(metadataKey key: String) -> Logger.Metadata.Value? {
            get { metadata[key] }
            set { metadata[key] = newValue }
        }

        func log(event: LogEvent) {
            let all = metadata.merging(event.metadata ?? [:]) { $1 }
            let rendered = "\(event.level) \(event.source) \(event.message) \(event.error.map { "\($0)" } ?? "") " + all.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " ")
            sink.lines.withLock { $0.append(rendered) }
        }
    }

    var logger: Logger {
        var logger = Logger(label: "civic.canary") { _ in Handler(sink: self) }
        logger.logLevel = .trace
        return logger
    }
}

/// No password, token, key or personal name reaches the logs or the problem documents. The server runs with a logger that keeps every line at trace level; the scenario sends
/// canaries through every path that handles them, good and bad, and then searches every line.
@Suite struct SecretsCanaryTests {
    @Test("no canary secret or name appears in any log line at trace level, nor in any problem document")
    func canaries() async throws {
        let world = try await TestWorld.make()
        let log = CapturedLog()
        let application = try buildApplication(world.services, host: "127.0.0.1", port: 0, logger: log.logger)
        let name = "Canary Personname-\(UUID().uuidString.prefix(8))"
        let statement = "Canary statement about a neighbour \(UUID().uuidString.prefix(8))"
        let wrongPassword = "canary-wrong-password-\(UUID().uuidString.prefix(8))"
        let known = Array(world.passwords.values) + Array(world.tokens.values) + [name, statement, wrongPassword]
        let (handled, problems) = try await application.test(.router) { client -> ([String], [String]) in
            var canaries: [String] = []
            var problems: [String] = []
            let admin = world.token(.administrator)
            let session = try await client.call(.post, "/sessions", json: #"{"username":"demo-reviewer","password":"\#(world.passwords["demo-reviewer"]!)"}"#)
            let bearer = try #require(session.object["token"] as? String)
            canaries.append(bearer)
            problems.append(try await client.call(.post, "/sessions", json: #"{"username":"demo-resident","password":"\#(wrongPassword)"}"#).text)
            problems.append(try await client.call(.post, "/sessions", json: #"{"username":"\#(wrongPassword)","password":"\#(wrongPassword)"}"#).text)
            problems.append(try await client.call(.get, "/me", token: bearer + "tampered").text)
            problems.append(try await client.call(.get, "/me", token: "civic_abc_" + wrongPassword).text)
            let issued = try await client.call(.post, "/tokens", token: admin, json: #"{"account":"demo-relying-party","scopes":["read"]}"#)
            canaries.append(try #require(issued.object["token"] as? String))
            let subject = #"{"subjects":[{"id":"canary-1","kind":"person","name":"\#(name)","jurisdiction":"rongcheng","attributes":[],"registeredOn":"2026-03-01"}]}"#
            #expect(try await client.call(.post, "/subjects", token: admin, json: subject).status == .ok)
            problems.append(try await client.call(.post, "/subjects", token: admin, json: subject.replacingOccurrences(of: "rongcheng", with: "nowhere")).text)
            problems.append(try await client.call(.post, "/subjects", token: admin,
                                                  json: subject.replacingOccurrences(of: "\"name\"", with: "\"nickname\":\"\(name)\",\"name\"")).text)
            problems.append(try await client.call(.post, "/subjects", token: admin,
                                                  json: subject.replacingOccurrences(of: name, with: name + "\\u0000")).text)
            let report = #"{"id":"canary-r","subject":"canary-1","rule":"no-such-rule","occurredOn":"2026-03-08","statement":"\#(statement)","evidence":[]}"#
            problems.append(try await client.call(.post, "/reports", token: world.token(.assessor), json: report).text)
            problems.append(try await client.call(.post, "/reports", token: admin, json: report).text)
            #expect(try await client.call(.get, "/subjects/canary-1", token: admin).text.contains(name))  // the name itself is served where asked for
            problems.append(try await client.call(.get, "/metrics", token: admin).text)
            return (canaries, problems)
        }
        let canaries = known + handled
        let lines = log.lines.withLock { $0 }
        // The search can find something: every request left its line.
        #expect(lines.filter { $0.contains("request") }.count >= 12, "\(lines.count) lines")
        for canary in canaries {
            let found = lines.filter { $0.contains(canary) }
            #expect(found.isEmpty, "a canary reached the log: \(found.first?.prefix(160) ?? "")")
            let leaked = problems.filter { $0.contains(canary) }
            #expect(leaked.isEmpty, "a canary reached a problem document: \(leaked.first?.prefix(160) ?? "")")
        }
        // The metrics text (the last answer kept) names no account, subject or token either: it was searched above.
        #expect(problems.count == 10)
    }
}
