// The HTTP API's JSON request bodies, read as the server reads them: the body limit middleware's strict
// pass (duplicate keys, control characters, nesting), the request contract (fields the operation's schema
// does not name), then the generated type's decoder and, for a decoding error, the problem it becomes.
// The input's first byte picks the operation; the rest is the body.
//
// Properties: nothing traps; each stage refuses with its own typed error (APIError from the strict pass
// and the contract, DecodingError from the decoder); a body that decodes encodes to JSON that passes the
// strict pass and the contract and decodes to the same value.
@testable import CivicAPI
@testable import CivicCore
import Foundation
import FuzzSupport
import HTTPTypes

struct Operation: Sendable {
    var method: HTTPRequest.Method
    var path: String
    var check: @Sendable (Data) throws -> Data?
}

/// Decodes `T`, re-encodes it, and returns the encoding after checking it decodes to the same value.
func body<T: Codable & Hashable>(_ type: T.Type) -> @Sendable (Data) throws -> Data? {
    { json in
        let value = try decoder.decode(T.self, from: json)
        let encoded: Data
        do { encoded = try encoder.encode(value) } catch { fail("\(T.self) \(value) does not encode: \(error)") }
        do {
            let again = try decoder.decode(T.self, from: encoded)
            expect(again == value, "\(T.self) \(value) -> \(String(decoding: encoded, as: UTF8.self)) -> \(again)")
        } catch {
            fail("\(T.self) encodes as \(String(decoding: encoded, as: UTF8.self)), which does not decode: \(error)")
        }
        return encoded
    }
}

// As OpenAPIRuntime's converter configures them: ISO 8601 dates.
let decoder: JSONDecoder = { let d = JSONDecoder(); d.dateDecodingStrategy = .iso8601; return d }()
let encoder: JSONEncoder = { let e = JSONEncoder(); e.dateEncodingStrategy = .iso8601; e.outputFormatting = [.sortedKeys]; return e }()

typealias S = Components.Schemas
let operations: [Operation] = [
    Operation(method: .post, path: "/sessions", check: body(S.Credentials.self)),
    Operation(method: .post, path: "/accounts", check: body(S.AccountInput.self)),
    Operation(method: .put, path: "/accounts/acc-1/households", check: body(S.HouseholdAssignment.self)),
    Operation(method: .post, path: "/tokens", check: body(S.TokenInput.self)),
    Operation(method: .post, path: "/jurisdictions", check: body(S.Jurisdiction.self)),
    Operation(method: .post, path: "/actors", check: body(S.Actor.self)),
    Operation(method: .post, path: "/handbooks", check: body(S.HandbookSource.self)),
    Operation(method: .post, path: "/subjects", check: body(S.SubjectBatch.self)),
    Operation(method: .post, path: "/reports", check: body(S.ReportInput.self)),
    Operation(method: .post, path: "/reports/r-1/decisions", check: body(S.DecisionInput.self)),
    Operation(method: .post, path: "/cycles", check: body(S.CycleInput.self)),
    // Read by its own route (a plain JSONDecoder), not the generated code.
    Operation(method: .post, path: "/eligibility/m-1/checks", check: { json in
        _ = try JSONDecoder().decode(EligibilityRoutes.BatchInput.self, from: json)
        return nil
    }),
    Operation(method: .post, path: "/appeals", check: body(S.AppealInput.self)),
    Operation(method: .post, path: "/appeals/ap-1/decision", check: body(S.AppealDecisionInput.self)),
    Operation(method: .post, path: "/subjects/p-1/certificates", check: body(S.CertificateRequest.self)),
    Operation(method: .post, path: "/certificates/verify", check: body(Operations.VerifyCertificate.Input.Body.JsonPayload.self)),
    Operation(method: .post, path: "/remedies", check: body(S.RemedyInput.self)),
    Operation(method: .post, path: "/entries/e-1/corrections", check: body(S.CorrectionInput.self)),
    Operation(method: .post, path: "/authority-records", check: body(S.AuthorityFeedInput.self)),
    Operation(method: .post, path: "/notice-channels", check: body(S.NoticeChannelInput.self)),
    Operation(method: .post, path: "/standings/refresh", check: body(S.StandingsRefreshInput.self)),
]
let contract = RequestContract.served

@main
enum FuzzAPIBody {
    static func main() { runFuzzer(fuzzAPIBody) }
}

/// One input, 0 when every property holds. Also exported as LLVMFuzzerTestOneInput, which libFuzzer's
/// runtime library references even when its own `main` is not the one that runs.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzAPIBody(_ data: UnsafePointer<UInt8>?, _ count: Int) -> CInt {
    let input = bytes(data, count)
    guard let selector = input.first else { return 0 }
    let operation = operations[Int(selector) % operations.count]
    let json = Array(input.dropFirst())
    do {
        try StrictJSON.check(json)
        try contract.check(operation.method, path: operation.path, query: nil, json: json)
    } catch let error as APIError {
        _ = error.status
        return 0
    } catch {
        fail("the strict pass or the contract threw \(type(of: error)): \(error)")
    }
    let encoded: Data?
    do {
        encoded = try operation.check(Data(json))
    } catch let error as DecodingError {
        _ = ProblemMiddleware.decodingProblem(error)
        return 0
    } catch {
        fail("decoding \(operation.path) threw \(type(of: error)): \(error)")
    }
    if let encoded {
        do {
            try StrictJSON.check(Array(encoded))
            try contract.check(operation.method, path: operation.path, query: nil, json: Array(encoded))
        } catch {
            fail("\(operation.path): a decoded body re-encoded as \(String(decoding: encoded, as: UTF8.self)) is refused: \(error)")
        }
    }
    return 0
}
