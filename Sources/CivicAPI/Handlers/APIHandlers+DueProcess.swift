import CivicAccess
import CivicCore
import CivicHandbook
import Foundation
import OpenAPIRuntime

/// Notices, appeals, the path to the next grade, oversight figures and the handbook impact preview.
/// Their bodies are the core's own Codable values, documented in docs/due-process.md.
extension APIHandlers {
    /// A core value as a free-form JSON object, through its Codable form.
    static func object(_ value: some Encodable) throws -> OpenAPIObjectContainer {
        let data = try JSONEncoder().encode(value)
        return try JSONDecoder().decode(OpenAPIObjectContainer.self, from: data)
    }

    func getGradePath(_ input: Operations.GetGradePath.Input) async throws -> Operations.GetGradePath.Output {
        let subject = try await visibility.require(input.path.subjectId)
        let paths = try await engine.path(subject.id, asOf: today())
        return .ok(.init(body: .json(.init(items: try paths.map(Self.object)))))
    }

    func listSubjectNotices(_ input: Operations.ListSubjectNotices.Input) async throws -> Operations.ListSubjectNotices.Output {
        let paging = try Paging(limit: input.query.limit, cursor: input.query.cursor, configuration: services.configuration)
        let subject = try await visibility.require(input.path.subjectId)
        let notices = try await engine.notices(of: subject.id).sorted { $0.notice.id < $1.notice.id }
        let (items, next) = paging.page(notices) { $0.notice.id.rawValue }
        return .ok(.init(body: .json(.init(items: try items.map(Self.object), nextCursor: next))))
    }

    func listSubjectAppeals(_ input: Operations.ListSubjectAppeals.Input) async throws -> Operations.ListSubjectAppeals.Output {
        let paging = try Paging(limit: input.query.limit, cursor: input.query.cursor, configuration: services.configuration)
        let subject = try await visibility.require(input.path.subjectId)
        let appeals = try await engine.appeals(of: subject.id).sorted { $0.appeal.id < $1.appeal.id }
        let (items, next) = paging.page(appeals) { $0.appeal.id.rawValue }
        return .ok(.init(body: .json(.init(items: try items.map(Self.object), nextCursor: next))))
    }

    func listAppeals(_ input: Operations.ListAppeals.Input) async throws -> Operations.ListAppeals.Output {
        let paging = try Paging(limit: input.query.limit, cursor: input.query.cursor, configuration: services.configuration)
        let appeals = try await engine.undecidedAppeals(after: paging.cursor.map { Appeal.ID($0) }, limit: paging.limit + 1)
        let items = Array(appeals.prefix(paging.limit))
        let next = appeals.count > paging.limit ? items.last.map { Paging.encode($0.appeal.id.rawValue) } : nil
        return .ok(.init(body: .json(.init(items: try items.map(Self.object), nextCursor: next))))
    }

    func fileAppeal(_ input: Operations.FileAppeal.Input) async throws -> Operations.FileAppeal.Output {
        guard case .json(let body) = input.body else { throw APIError(.unsupportedMediaType, "send the appeal as application/json") }
        // The entry must be about a subject in the caller's reach; one out of reach answers like a missing entry.
        let notFound = APIError(.notFound, "no entry '\(body.entry.prefix(128))'")
        guard Entry.ID.isValid(body.entry), let entry = try await store.entry(Entry.ID(body.entry)),
              let subject = try await store.subject(entry.subject), try await visibility.canSee(subject) else { throw notFound }
        let request = AppealRequest(
            id: try Identifier(validating: body.id, field: "id"), entry: entry.id,
            disputes: Appeal.Disputed(rawValue: body.disputes?.rawValue ?? "entry") ?? .entry, by: try actingActor(),
            statement: body.statement,
            evidence: (body.evidence ?? []).map { Evidence(kind: Evidence.Kind(rawValue: $0.kind.rawValue) ?? .record, reference: $0.reference) })
        let (result, appeal) = try await engine.fileAppeal(request)
        let object = try Self.object(appeal)
        return result == .recorded ? .created(.init(body: .json(object))) : .ok(.init(body: .json(object)))
    }

    func decideAppeal(_ input: Operations.DecideAppeal.Input) async throws -> Operations.DecideAppeal.Output {
        guard case .json(let body) = input.body else { throw APIError(.unsupportedMediaType, "send the decision as application/json") }
        let id = input.path.appealId
        guard Appeal.ID.isValid(id), try await store.appeal(Appeal.ID(id)) != nil else { throw APIError(.notFound, "no appeal '\(id.prefix(128))'") }
        let reason = body.reason.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !reason.isEmpty else { throw APIError(.badRequest, "give a reason for the decision", at: "body.reason") }
        let outcome: AppealDecision.Outcome = body.outcome == .upheld ? .upheld : .dismissed
        let (result, record) = try await engine.decideAppeal(Appeal.ID(id), outcome: outcome, reason: reason, by: try actingActor())
        let object = try Self.object(record)
        return result == .recorded ? .created(.init(body: .json(object))) : .ok(.init(body: .json(object)))
    }

    func getOversight(_ input: Operations.GetOversight.Input) async throws -> Operations.GetOversight.Output {
        func month(_ text: String?, _ field: String) throws -> Month? {
            guard let text else { return nil }
            guard let month = Month(iso: text), (1900...2999).contains(month.year) else {
                throw APIError(.badRequest, "not a month (YYYY-MM)", at: "query \(field)")
            }
            return month
        }
        let scope: Jurisdiction.ID? = try input.query.jurisdiction.map { text throws(CivicError) in try Identifier(validating: text, field: "jurisdiction") }
        let report = try await engine.oversight(scope: scope, from: try month(input.query.from, "from"), to: try month(input.query.to, "to"))
        return .ok(.init(body: .json(try Self.object(report))))
    }

    func previewHandbook(_ input: Operations.PreviewHandbook.Input) async throws -> Operations.PreviewHandbook.Output {
        guard case .json(let body) = input.body else { throw APIError(.unsupportedMediaType, "send the handbook as application/json") }
        let handbook = try APIServices.validHandbook(body.source)
        let report = try await engine.preview(handbook, asOf: today())
        return .ok(.init(body: .json(try Self.object(report))))
    }
}
