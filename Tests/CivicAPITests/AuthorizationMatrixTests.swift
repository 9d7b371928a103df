import CivicAccess
import CivicAPI
import CivicAPITesting
import CivicCore
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Testing

/// Every route, called by every role and by the public, for a subject the caller owns and one it does
/// not, against what the policy table says.
@Suite struct AuthorizationMatrixTests {
    /// Who owns what in a call: the subject (or report) named is the caller's own, or somebody else's.
    enum Target { case owned, foreign }

    struct Call {
        var method: HTTPRequest.Method
        var path: String
        var json: String?
        var body: [UInt8]?
        var contentType: String?
        /// The route names a subject (in the path, the body or through a report) that reach applies to.
        var subjectScoped = false
        /// The id in the path that names something about the foreign subject (a notice), replaced to make a missing one.
        var foreign: String? = nil
    }

    @Test("the document, the APIOperation enum and the policy table name the same operations")
    func everyDocumentedOperationHasAPolicyRow() throws {
        let yaml = try String(contentsOfFile: documentPath, encoding: .utf8)
        let documented = Set(yaml.split(separator: "\n").compactMap { line -> String? in
            let trimmed = line.trimmingCharacters(in: .whitespaces)
            guard trimmed.hasPrefix("operationId:") else { return nil }
            return trimmed.dropFirst("operationId:".count).trimmingCharacters(in: .whitespaces)
        })
        #expect(documented.count >= 35)
        #expect(documented == Set(APIOperation.allCases.map(\.rawValue)))
        for operation in APIOperation.allCases {
            let rule = Policy.rule(for: operation)
            #expect(rule.isPublic || !rule.roles.isEmpty, "\(operation) names no role and is not public")
        }
    }

    @Test("every route answers every role as the policy table says, owned and foreign subjects alike")
    func matrix() async throws {
        let world = try await TestWorld.make()
        let scenario = try await Scenario.make(world)
        let app = try world.application()
        try await app.test(.router) { client in
            var counter = 0
            for operation in APIOperation.allCases {
                let rule = Policy.rule(for: operation)
                for role in [AccessRole?.none] + AccessRole.allCases.map(Optional.some) {
                    for target in [Target.owned, .foreign] {
                        counter += 1
                        var token = role.map { world.token($0) }
                        if operation == .deleteCurrentSession, let role {
                            // Signing out revokes the token used: use a throwaway one.
                            token = try await world.services.authenticator.issue(
                                for: Account.ID(TestWorld.account(role)), scopes: [.read, .write], days: 1, requestsPerSecond: nil).bearer
                        }
                        let call = try await Self.call(for: operation, role: role, target: target, scenario: scenario, world: world, n: counter)
                        let response = try await client.call(call.method, call.path, token: token, json: call.json, body: call.body,
                                                             contentType: call.contentType)
                        let label = "\(operation.rawValue) as \(role?.rawValue ?? "public") (\(target))"
                        let status = response.status.code
                        #expect(status < 500, "\(label): \(status) \(response.text)")
                        if rule.isPublic {
                            #expect(status != 401 && status != 403, "\(label) is public but answered \(status): \(response.text)")
                            continue
                        }
                        guard let role else {
                            #expect(status == 401, "\(label) needs a token but answered \(status)")
                            continue
                        }
                        guard let reach = rule.roles[role] else {
                            #expect(status == 403, "\(label) is not in the table for this role but answered \(status): \(response.text)")
                            continue
                        }
                        #expect(status != 401 && status != 403, "\(label) is allowed but answered \(status): \(response.text)")
                        guard call.subjectScoped else { continue }
                        let outOfReach = target == .foreign && (reach == .ownRecord || reach == .assignedHouseholds)
                        let detail = response.object["detail"] as? String ?? ""
                        if outOfReach {
                            #expect(status == 404, "\(label) reached a subject out of reach: \(status) \(response.text)")
                            // Exactly like a subject that does not exist.
                            let missing = try await client.call(call.method, Self.missingPath(call.path, scenario: scenario, foreign: call.foreign), token: token,
                                                                json: call.json.map { Self.missingBody($0, scenario: scenario) }, contentType: call.contentType)
                            #expect(missing.status.code == 404)
                            let expected = missing.text.replacingOccurrences(of: "nobody-here", with: Self.foreignName(call, scenario: scenario))
                            #expect(response.text == expected, "\(label): \(response.text) differs from \(missing.text)")
                        } else {
                            #expect(!(status == 404 && (detail.hasPrefix("no subject") || detail.hasPrefix("no report"))),
                                    "\(label) could not see a subject in reach: \(response.text)")
                        }
                    }
                }
            }
        }
    }

    static func foreignName(_ call: Call, scenario: Scenario) -> String {
        call.foreign ?? (call.path.contains("/reports/") ? scenario.reportAboutStranger.rawValue : scenario.stranger.id.rawValue)
    }

    static func missingPath(_ path: String, scenario: Scenario, foreign: String? = nil) -> String {
        var path = path
        if let foreign { path = path.replacingOccurrences(of: foreign, with: "nobody-here") }
        return path.replacingOccurrences(of: scenario.stranger.id.rawValue, with: "nobody-here")
            .replacingOccurrences(of: scenario.reportAboutStranger.rawValue, with: "nobody-here")
    }

    static func missingBody(_ json: String, scenario: Scenario) -> String {
        json.replacingOccurrences(of: "\"\(scenario.stranger.id.rawValue)\"", with: "\"nobody-here\"")
    }

    /// The request that exercises `operation` for this caller and target.
    static func call(for operation: APIOperation, role: AccessRole?, target: Target, scenario: Scenario, world: TestWorld, n: Int) async throws -> Call {
        // The subject the caller owns: their own record, or a member of an assigned household; staff use the resident's.
        let owned: Subject = role == .assessor ? scenario.assessorMember : scenario.residentSubject
        let subject = target == .owned ? owned : scenario.stranger
        let household = target == .owned ? (role == .assessor ? scenario.assessorHousehold : scenario.residentHousehold) : scenario.stranger.household!
        let report = target == .foreign ? scenario.reportAboutStranger
            : (role == .assessor ? scenario.reportAboutAssessorMember : scenario.reportAboutResident)
        switch operation {
        case .getLiveness: return Call(method: .get, path: "/livez")
        case .getOpenAPIDocument: return Call(method: .get, path: "/openapi.yaml")
        case .getMetrics: return Call(method: .get, path: "/metrics")
        case .createSession:
            return Call(method: .post, path: "/sessions", json: #"{"username":"demo-auditor","password":"\#(world.passwords["demo-auditor"]!)"}"#)
        case .deleteCurrentSession: return Call(method: .delete, path: "/sessions/current")
        case .getCurrentPrincipal: return Call(method: .get, path: "/me")
        case .listAccounts: return Call(method: .get, path: "/accounts")
        case .createAccount: return Call(method: .post, path: "/accounts", json: #"{"id":"matrix-\#(n)","role":"auditor","displayName":"Matrix \#(n)"}"#)
        case .assignHouseholds:
            let assessor = try await world.account(.assessor)
            let list = assessor.households.map { "\"\($0.rawValue)\"" }.joined(separator: ",")
            return Call(method: .put, path: "/accounts/demo-assessor/households", json: #"{"households":[\#(list)]}"#)
        case .issueToken: return Call(method: .post, path: "/tokens", json: #"{"account":"demo-relying-party","scopes":["read"]}"#)
        case .revokeToken:
            let (token, _) = try await world.services.authenticator.issue(for: "demo-auditor", scopes: [.read], days: 1, requestsPerSecond: nil)
            return Call(method: .delete, path: "/tokens/\(token.id.rawValue)")
        case .listAccessEvents: return Call(method: .get, path: "/access-events?limit=5")
        case .listJurisdictions: return Call(method: .get, path: "/jurisdictions")
        case .createJurisdiction:
            return Call(method: .post, path: "/jurisdictions", json: #"{"id":"matrix-town-\#(n)","name":{"en":"Town","zh":"镇"},"parent":"rongcheng"}"#)
        case .getCurrentHandbook: return Call(method: .get, path: "/jurisdictions/rongcheng/handbook")
        case .listActors: return Call(method: .get, path: "/actors")
        case .createActor:
            return Call(method: .post, path: "/actors", json: #"{"id":"matrix-actor-\#(n)","name":"Matrix","roles":["assessor"],"jurisdiction":"rongcheng"}"#)
        case .publishHandbook, .lintHandbook:
            let source = try await world.services.engine.handbooks().current(for: "yangqiao")!.source
            let body = String(data: try JSONEncoder().encode(["source": source]), encoding: .utf8)!
            return Call(method: .post, path: operation == .publishHandbook ? "/handbooks" : "/handbooks/lint", json: body)
        case .listSubjects: return Call(method: .get, path: "/subjects")
        case .createSubjects:
            return Call(method: .post, path: "/subjects",
                        json: #"{"subjects":[{"id":"matrix-p-\#(n)","kind":"person","name":"Matrix","jurisdiction":"rongcheng","attributes":[],"registeredOn":"2026-03-01"}]}"#)
        case .getSubject: return Call(method: .get, path: "/subjects/\(subject.id.rawValue)", subjectScoped: true)
        case .listHouseholdMembers: return Call(method: .get, path: "/subjects/\(household.rawValue)/members", subjectScoped: true)
        case .explainScore: return Call(method: .get, path: "/subjects/\(subject.id.rawValue)/score", subjectScoped: true)
        case .listSubjectEntries: return Call(method: .get, path: "/subjects/\(subject.id.rawValue)/entries", subjectScoped: true)
        case .listSubjectReports: return Call(method: .get, path: "/subjects/\(subject.id.rawValue)/reports", subjectScoped: true)
        case .listReports: return Call(method: .get, path: "/reports?status=pending")
        case .fileReport:
            let reporterRole: ReporterRole = role == .resident ? .`self` : .assessor
            let rule = try await Scenario.rule(for: subject, role: reporterRole, world: world)
            return Call(method: .post, path: "/reports",
                        json: #"{"id":"matrix-r-\#(n)","subject":"\#(subject.id.rawValue)","rule":"\#(rule.rawValue)","occurredOn":"2026-03-08","statement":"Helped","evidence":\#(Scenario.evidenceJSON)}"#,
                        subjectScoped: true)
        case .getReport: return Call(method: .get, path: "/reports/\(report.rawValue)", subjectScoped: true)
        case .decideReport:
            return Call(method: .post, path: "/reports/\(report.rawValue)/decisions",
                        json: #"{"id":"matrix-d-\#(n)","outcome":"reject","reason":"not enough evidence"}"#)
        case .uploadEvidence: return Call(method: .post, path: "/evidence", body: pngBytes(UInt8(n % 250)), contentType: "image/png")
        case .getEvidence:
            let digest = String(repeating: "ab", count: 32)
            return Call(method: .get, path: "/evidence/\(digest)")
        case .listCycles: return Call(method: .get, path: "/cycles")
        case .closeCycle: return Call(method: .post, path: "/cycles", json: #"{"jurisdiction":"yangqiao","month":"2026-02"}"#)
        case .listPublicList: return Call(method: .get, path: "/lists/black")
        case .listMeasures: return Call(method: .get, path: "/measures")
        case .checkEligibility:
            let measure = role == .relyingParty || role == nil ? try await world.account(.relyingParty).measures.first!.rawValue : "no-high-speed-rail"
            return Call(method: .get, path: "/eligibility/\(measure)/subjects/\(subject.id.rawValue)", subjectScoped: true)
        case .checkEligibilityBatch:
            return Call(method: .post, path: "/eligibility/no-high-speed-rail/checks", json: #"{"subjects":["\#(subject.id.rawValue)"]}"#)
        case .exportEntries: return Call(method: .get, path: "/exports/entries")
        case .getGradePath: return Call(method: .get, path: "/subjects/\(subject.id.rawValue)/path", subjectScoped: true)
        case .listSubjectNotices: return Call(method: .get, path: "/subjects/\(subject.id.rawValue)/notices", subjectScoped: true)
        case .listSubjectAppeals: return Call(method: .get, path: "/subjects/\(subject.id.rawValue)/appeals", subjectScoped: true)
        case .listAppeals: return Call(method: .get, path: "/appeals")
        case .fileAppeal:
            let entry = try await world.store.entries(subject: subject.id).first?.id.rawValue ?? "no-entry"
            return Call(method: .post, path: "/appeals", json: #"{"id":"matrix-a-\#(n)","entry":"\#(entry)","statement":"This is wrong"}"#)
        case .decideAppeal:
            return Call(method: .post, path: "/appeals/no-such-appeal/decision", json: #"{"outcome":"dismissed","reason":"stands"}"#)
        case .getOversight: return Call(method: .get, path: "/oversight")
        case .issueCertificate:
            let scheme = try await world.services.engine.standings(of: subject.id, asOf: TestWorld.today).first!.scheme.rawValue
            return Call(method: .post, path: "/subjects/\(subject.id.rawValue)/certificates", json: #"{"scheme":"\#(scheme)"}"#, subjectScoped: true)
        case .verifyCertificate: return Call(method: .post, path: "/certificates/verify", json: #"{"token":"CC1.forged"}"#)
        case .previewHandbook:
            let source = try await world.services.engine.handbooks().current(for: "yangqiao")!.source
            return Call(method: .post, path: "/handbooks/preview", json: String(data: try JSONEncoder().encode(["source": source]), encoding: .utf8)!)
        case .recordRemedy:
            return Call(method: .post, path: "/remedies", json: #"{"id":"matrix-rm-\#(n)","entry":"no-such-entry","note":"Debt paid"}"#)
        case .correctEntry:
            return Call(method: .post, path: "/entries/no-such-entry/corrections", json: #"{"id":"matrix-co-\#(n)","reason":"Wrong person"}"#)
        case .importAuthorityRecords:
            return Call(method: .post, path: "/authority-records",
                        json: #"{"authority":"no-such-actor","records":[{"id":"matrix-f-\#(n)","kind":"remedy","subject":"\#(subject.id.rawValue)","sourceRecord":"X-\#(n)","occurredOn":"2026-03-01","statement":"Paid"}]}"#)
        case .getNotice:
            guard let notice = try await world.store.notices(subject: subject.id).first else {
                return Call(method: .get, path: "/notices/no-such-notice")
            }
            return Call(method: .get, path: "/notices/\(notice.id.rawValue)", subjectScoped: true, foreign: target == .foreign ? notice.id.rawValue : nil)
        case .getAppeal: return Call(method: .get, path: "/appeals/no-such-appeal")
        case .listNoticeChannels: return Call(method: .get, path: "/notice-channels")
        case .addNoticeChannel:
            return Call(method: .post, path: "/notice-channels", json: #"{"id":"matrix-ch-\#(n)","kind":"webhook","target":"https://gateway.example/matrix-\#(n)"}"#)
        case .refreshStandings: return Call(method: .post, path: "/standings/refresh", json: "{}")
        case .verifyStandings: return Call(method: .get, path: "/standings/verification")
        case .getLogCheckpoint: return Call(method: .get, path: "/log/checkpoint")
        case .getLogKey: return Call(method: .get, path: "/log/key")
        case .getLogTile: return Call(method: .get, path: "/log/tile/0/000.p/1")
        case .getLogEntryProof: return Call(method: .get, path: "/log/entries/no-such-entry/proof")
        case .getLogRecordProof: return Call(method: .get, path: "/log/records/report/\(report.rawValue)/proof")
        case .getLogConsistency: return Call(method: .get, path: "/log/consistency?from=1&to=2")
        case .addLogCosignature: return Call(method: .post, path: "/log/cosignatures", body: Array("— nobody AAAAAAAA\n".utf8), contentType: "text/plain")
        }
    }
}

/// The OpenAPI document in the source tree.
let documentPath: String = {
    var url = URL(fileURLWithPath: #filePath)
    while url.path != "/" && !FileManager.default.fileExists(atPath: url.appendingPathComponent("Package.swift").path) {
        url.deleteLastPathComponent()
    }
    return url.appendingPathComponent("Sources/CivicAPI/openapi.yaml").path
}()
