import CivicAccess
import CivicCore
import Foundation
import Hummingbird
import NIOCore

/// The routes written by hand on the Hummingbird router rather than generated: the liveness probe
/// and the two eligibility checks, the hottest paths of the server. openapi.yaml documents them like
/// every other operation, and they pass through the same middleware and the same policy table.
struct EligibilityRoutes {
    let services: APIServices

    static let livenessBody = ByteBuffer(string: #"{"status":"ok"}"#)

    func register(on router: Router<APIRequestContext>) {
        router.get("/livez") { _, context -> Response in
            _ = try Policy.admit(context.caller, to: .getLiveness)
            return Self.json(Self.livenessBody)
        }
        router.get("/eligibility/:measureId/subjects/:subjectId") { request, context -> Response in
            try await check(request: request, context: context)
        }
        router.post("/eligibility/:measureId/checks") { request, context -> Response in
            try await batch(request: request, context: context)
        }
    }

    static func json(_ buffer: ByteBuffer, status: HTTPResponse.Status = .ok) -> Response {
        var headers = HTTPFields()
        headers[.contentType] = "application/json"
        headers[.cacheControl] = "no-store"
        return Response(status: status, headers: headers, body: .init(byteBuffer: buffer))
    }

    /// Admits the caller and checks the measure and the scheme named with it (`?scheme=`, needed where
    /// several schemes define a measure of that id): a relying party asks only about its registered measures.
    private func admit(_ operation: APIOperation, request: Request, context: APIRequestContext) throws -> (Reach, Measure.ID, Scheme.ID?) {
        let reach = try Policy.admit(context.caller, to: operation)
        let text = context.parameters.get("measureId") ?? ""
        guard Measure.ID.isValid(text) else { throw APIError(.badRequest, "measure id is not valid: \(Measure.ID.syntax)", at: "path measureId") }
        let measure = Measure.ID(text)
        var scheme: Scheme.ID?
        if let schemeText = request.uri.queryParameters.get("scheme") {
            guard Scheme.ID.isValid(schemeText) else { throw APIError(.badRequest, "scheme id is not valid: \(Scheme.ID.syntax)", at: "query scheme") }
            scheme = Scheme.ID(schemeText)
        }
        if reach == .registeredMeasures, !(context.caller.account?.measures.contains(measure) ?? false) {
            throw APIError(.forbidden, code: "not-registered", "this relying party is not registered for measure '\(measure)'")
        }
        return (reach, measure, scheme)
    }

    /// The engine's refusal of an unqualified or mismatched scheme names the query parameter; a measure id
    /// several schemes define is refused with every candidate listed, in the caller's language.
    private static func located(_ error: CivicError, _ request: Request) -> any Error {
        if let ambiguity = error.ambiguity {
            return ProblemText.ambiguous(ambiguity, language: ProblemText.Language(acceptLanguage: request.headers[.acceptLanguage]))
        }
        var error = error
        if error.location == "scheme" { error.location = "query scheme" }
        return error
    }

    func check(request: Request, context: APIRequestContext) async throws -> Response {
        let (reach, measure, scheme) = try admit(.checkEligibility, request: request, context: context)
        let subjectText = context.parameters.get("subjectId") ?? ""
        guard Subject.ID.isValid(subjectText) else { throw APIError.noSubject(subjectText) }
        let subject = Subject.ID(subjectText)
        if reach == .ownRecord {
            _ = try await SubjectVisibility(store: services.observed, caller: context.caller, reach: reach).require(subjectText)
        }
        // On the replica when the server has one and it may answer this caller (see ReadReplica).
        let (eligibility, fromReplica) = await services.eligibilityService()
        // A cached answer is a lookup of bytes written once; only computing one is put under the request timeout.
        if let cached = try await eligibility.cachedAnswer(subject: subject, measure: measure, scheme: scheme) {
            services.counters.eligibilityChecks.increment()
            services.recordRead(fromReplica: fromReplica, ledgerPosition: cached.position)
            return Self.json(cached.json)
        }
        let answer: (decision: EligibilityDecision?, position: Int64)
        do {
            answer = try await withDeadline(seconds: services.configuration.requestTimeoutSeconds) {
                try await eligibility.decision(subject: subject, measure: measure, scheme: scheme)
            }
        } catch let error as CivicError {
            throw Self.located(error, request)
        }
        services.recordRead(fromReplica: fromReplica, ledgerPosition: answer.position)
        guard let decision = answer.decision else { throw APIError.noSubject(subjectText) }
        services.counters.eligibilityChecks.increment()
        return Self.json(EligibilityService.json(decision))
    }

    func batch(request: Request, context: APIRequestContext) async throws -> Response {
        let (_, measure, scheme) = try admit(.checkEligibilityBatch, request: request, context: context)
        guard request.headers[.contentType].map({ $0.lowercased().hasPrefix("application/json") }) ?? false else {
            throw APIError(.unsupportedMediaType, "send the subjects as application/json")
        }
        let body = try await request.body.collect(upTo: services.configuration.requestBytesMax)
        let input: BatchInput
        do {
            input = try JSONDecoder().decode(BatchInput.self, from: body)
        } catch let error as DecodingError {
            throw ProblemMiddleware.decodingProblem(error)
        }
        let limit = services.configuration.batchChecksMax
        guard (1...limit).contains(input.subjects.count) else {
            throw APIError(.badRequest, "ask about 1 to \(limit) subjects at once; this batch has \(input.subjects.count)", at: "body.subjects")
        }
        for (index, id) in input.subjects.enumerated() where !Subject.ID.isValid(id) {
            throw APIError(.badRequest, "not a valid subject id: \(Subject.ID.syntax)", at: "body.subjects[\(index)]")
        }
        let ids = input.subjects.map { Subject.ID($0) }
        let (eligibility, fromReplica) = await services.eligibilityService()
        let decisions: [EligibilityDecision?]
        do {
            let answer = try await withDeadline(seconds: services.configuration.requestTimeoutSeconds) {
                try await eligibility.decisions(subjects: ids, measure: measure, scheme: scheme)
            }
            decisions = answer.decisions
            services.recordRead(fromReplica: fromReplica, ledgerPosition: answer.position)
        } catch let error as CivicError {
            throw Self.located(error, request)
        }
        services.counters.eligibilityChecks.increment(by: Int64(ids.count))
        var out = JSONOut(capacity: 64 + ids.count * 72)
        out.batch(measure: measure, scheme: decisions.lazy.compactMap { $0?.scheme }.first ?? scheme, asOf: services.engine.clock.today(),
                  ids: ids, decisions: decisions)
        return Self.json(out.buffer)
    }

    struct BatchInput: Decodable {
        var subjects: [String]
    }
}

/// Writes the eligibility answers as JSON straight into a buffer: the shape is fixed and small, and
/// this is the path that has to keep up with a million checks a second.
struct JSONOut {
    var buffer: ByteBuffer

    init(capacity: Int) { buffer = ByteBufferAllocator().buffer(capacity: capacity) }

    mutating func raw(_ text: StaticString) { buffer.writeStaticString(text) }

    mutating func string(_ text: String) {
        buffer.writeInteger(UInt8(ascii: "\""))
        var plain = true
        for byte in text.utf8 where byte < 0x20 || byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "\\") {
            plain = false
            break
        }
        if plain {
            buffer.writeString(text)
        } else {
            for scalar in text.unicodeScalars {
                switch scalar {
                case "\"": buffer.writeStaticString("\\\"")
                case "\\": buffer.writeStaticString("\\\\")
                case "\n": buffer.writeStaticString("\\n")
                case "\r": buffer.writeStaticString("\\r")
                case "\t": buffer.writeStaticString("\\t")
                case _ where scalar.value < 0x20:
                    let hex = String(scalar.value, radix: 16)
                    buffer.writeString("\\u" + String(repeating: "0", count: 4 - hex.count) + hex)
                default: buffer.writeString(String(scalar))
                }
            }
        }
        buffer.writeInteger(UInt8(ascii: "\""))
    }

    mutating func hint(_ hint: LocalizedText?) {
        guard let hint else { return }
        raw(",\"remedyHint\":{\"en\":")
        string(hint.en)
        raw(",\"zh\":")
        string(hint.zh)
        raw("}")
    }

    /// `,"tier":{...}` for a graduated measure's answer; nothing for a yes/no one, so its bytes stay as they were.
    mutating func tier(_ tier: TierAnswer?) {
        guard let tier else { return }
        raw(",\"tier\":{\"id\":")
        string(tier.id.rawValue)
        raw(",\"title\":{\"en\":")
        string(tier.title.en)
        raw(",\"zh\":")
        string(tier.title.zh)
        switch tier.value {
        case .amount(let amount, let unit):
            raw("},\"value\":{\"kind\":\"amount\",\"amount\":")
            string(amount.description)
            raw(",\"unit\":")
            string(unit.rawValue)
            raw("}}")
        case .level:
            raw("},\"value\":{\"kind\":\"level\"}}")
        }
    }

    mutating func single(_ decision: EligibilityDecision) {
        raw("{\"subject\":")
        string(decision.subject.rawValue)
        raw(",\"measure\":")
        string(decision.measure.rawValue)
        if let scheme = decision.scheme {
            raw(",\"scheme\":")
            string(scheme.rawValue)
        }
        raw(decision.kind == .reward ? ",\"kind\":\"reward\"" : ",\"kind\":\"sanction\"")
        raw(decision.applies ? ",\"applies\":true,\"reason\":" : ",\"applies\":false,\"reason\":")
        string(decision.reason)
        hint(decision.remedyHint)
        raw(",\"asOf\":")
        string(decision.asOf.description)
        tier(decision.tier)
        raw("}")
    }

    mutating func batch(measure: Measure.ID, scheme: Scheme.ID?, asOf: Day, ids: [Subject.ID], decisions: [EligibilityDecision?]) {
        raw("{\"measure\":")
        string(measure.rawValue)
        if let scheme {
            raw(",\"scheme\":")
            string(scheme.rawValue)
        }
        raw(",\"asOf\":")
        string(asOf.description)
        raw(",\"results\":[")
        for (index, id) in ids.enumerated() {
            if index > 0 { raw(",") }
            raw("{\"subject\":")
            string(id.rawValue)
            if let decision = decisions[index] {
                raw(decision.applies ? ",\"found\":true,\"applies\":true,\"reason\":" : ",\"found\":true,\"applies\":false,\"reason\":")
                string(decision.reason)
                hint(decision.remedyHint)
                tier(decision.tier)
                raw("}")
            } else {
                raw(",\"found\":false}")
            }
        }
        raw("]}")
    }
}
