import CivicAccess
import CivicCore
import CivicDelivery
import Foundation

/// Remedies, corrections, authority feeds, single notices and appeals, delivery channels, and the
/// standings refresh and verification: the engine's workflow commands over HTTP.
extension APIHandlers {
    // MARK: Remedies and corrections

    func recordRemedy(_ input: Operations.RecordRemedy.Input) async throws -> Operations.RecordRemedy.Output {
        guard case .json(let body) = input.body else { throw APIError(.unsupportedMediaType, "send the remedy as application/json") }
        let targets = [body.entry, body.report, body.sourceRecord].compactMap { $0 }
        guard targets.count == 1 else {
            throw APIError(.badRequest, "name exactly one of entry, report and sourceRecord (got \(targets.count))", at: "body")
        }
        let target: RemedyTarget
        if let entry = body.entry {
            target = .entry(try Identifier(validating: entry, field: "entry"))
        } else if let report = body.report {
            target = .report(try Identifier(validating: report, field: "report"))
        } else {
            let record = body.sourceRecord ?? ""
            guard (1...200).contains(record.count) else { throw APIError(.badRequest, "a source record is 1 to 200 characters", at: "body.sourceRecord") }
            target = .sourceRecord(record)
        }
        let day = try body.on.map { text in try Self.day(text, at: "body.on") }
        let note = body.note.trimmingCharacters(in: .whitespacesAndNewlines)
        guard (1...2000).contains(note.count) else { throw APIError(.badRequest, "say what was done (1 to 2000 characters)", at: "body.note") }
        let id: Entry.ID = try Identifier(validating: body.id, field: "id")
        let (result, entry) = try await engine.remedy(id, target: target, on: day, by: try actingActor(), note: note)
        let mapped = Mapping.entry(entry)
        return result == .recorded ? .created(.init(body: .json(mapped))) : .ok(.init(body: .json(mapped)))
    }

    func correctEntry(_ input: Operations.CorrectEntry.Input) async throws -> Operations.CorrectEntry.Output {
        guard case .json(let body) = input.body else { throw APIError(.unsupportedMediaType, "send the correction as application/json") }
        let target = input.path.entryId
        guard Entry.ID.isValid(target) else { throw APIError(.notFound, "no entry '\(target.prefix(128))'") }
        let reason = body.reason.trimmingCharacters(in: .whitespacesAndNewlines)
        guard (1...2000).contains(reason.count) else { throw APIError(.badRequest, "give a reason for the correction (1 to 2000 characters)", at: "body.reason") }
        let id: Entry.ID = try Identifier(validating: body.id, field: "id")
        let (result, entry) = try await engine.correct(id, entry: Entry.ID(target), reason: reason, by: try actingActor())
        let mapped = Mapping.entry(entry)
        return result == .recorded ? .created(.init(body: .json(mapped))) : .ok(.init(body: .json(mapped)))
    }

    // MARK: Authority feeds

    func importAuthorityRecords(_ input: Operations.ImportAuthorityRecords.Input) async throws -> Operations.ImportAuthorityRecords.Output {
        guard case .json(let body) = input.body else { throw APIError(.unsupportedMediaType, "send the feed as application/json") }
        guard (1...10_000).contains(body.records.count) else { throw APIError(.badRequest, "send 1 to 10000 records", at: "body.records") }
        guard Actor.ID.isValid(body.authority) else { throw APIError(.badRequest, "authority is not valid: \(Actor.ID.syntax)", at: "body.authority") }
        let authority = Actor.ID(body.authority)
        guard try await store.actor(authority) != nil else { throw APIError(.notFound, "no actor '\(authority)'", at: "body.authority") }
        var rows: [AuthorityRecord] = []
        for (index, item) in body.records.enumerated() {
            let at = "body.records[\(index)]"
            do {
                guard Report.ID.isValid(item.id) else { throw APIError(.badRequest, "id is not valid: \(Report.ID.syntax)", at: at + ".id") }
                guard (1...200).contains(item.sourceRecord.count) else {
                    throw APIError(.badRequest, "a source record is 1 to 200 characters", at: at + ".sourceRecord")
                }
                guard item.statement.count <= 2000 else { throw APIError(.badRequest, "at most 2000 characters", at: at + ".statement") }
                rows.append(AuthorityRecord(
                    id: item.id, kind: item.kind == .remedy ? .remedy : .record,
                    subject: try Identifier(validating: item.subject, field: "subject"),
                    rule: try item.rule.map { text throws(CivicError) in try Identifier(validating: text, field: "rule") },
                    scheme: try item.scheme.map { text throws(CivicError) in try Identifier(validating: text, field: "scheme") },
                    sourceRecord: item.sourceRecord, occurredOn: try Self.day(item.occurredOn, at: at + ".occurredOn"), statement: item.statement))
            } catch let error as CivicError {
                throw APIError(.badRequest, error.message, at: at)
            }
        }
        let summary: ImportSummary
        do {
            summary = try await engine.importAuthorityRecords(rows, by: authority)
        } catch let error as CivicError {
            throw Self.inBody(error)
        }
        return .ok(.init(body: .json(.init(recordsFiled: summary.recordsFiled, remediesRecorded: summary.remediesRecorded,
                                           unchanged: summary.unchanged))))
    }

    /// The engine names feed rows from 1 (`row 3`); the problem points at the request body instead (`body.records[2]`).
    static func inBody(_ error: CivicError) -> CivicError {
        guard let location = error.location, location.hasPrefix("row "), let number = Int(location.dropFirst(4).prefix { $0.isNumber }) else {
            return error
        }
        var moved = error
        moved.location = "body.records[\(number - 1)]" + String(location.drop { $0 != "," })
        return moved
    }

    // MARK: One notice, one appeal

    func getNotice(_ input: Operations.GetNotice.Input) async throws -> Operations.GetNotice.Output {
        let id = input.path.noticeId
        // A notice to a subject out of reach answers exactly like a missing notice.
        let notFound = APIError(.notFound, "no notice '\(id.prefix(128))'")
        guard Notice.ID.isValid(id), let notice = try await store.notice(Notice.ID(id)),
              let subject = try await store.subject(notice.subject), try await visibility.canSee(subject) else { throw notFound }
        let (status, attempts) = try await engine.notice(notice.id)
        return .ok(.init(body: .json(.init(
            notice: try Self.object(status.notice),
            deliveries: status.deliveries.map {
                .init(channel: $0.channel.rawValue, status: $0.status.rawValue, attempts: $0.attempts, nextAttemptAt: $0.nextAttemptAt,
                      lastError: $0.lastError, deliveredAt: $0.deliveredAt)
            },
            attempts: attempts.map { .init(channel: $0.channel.rawValue, number: $0.number, at: $0.at, succeeded: $0.succeeded, error: $0.error) }))))
    }

    func getAppeal(_ input: Operations.GetAppeal.Input) async throws -> Operations.GetAppeal.Output {
        let id = input.path.appealId
        // An appeal about a subject out of reach answers exactly like a missing appeal.
        let notFound = APIError(.notFound, "no appeal '\(id.prefix(128))'")
        guard Appeal.ID.isValid(id), let record = try await store.appeal(Appeal.ID(id)),
              let subject = try await store.subject(record.appeal.subject), try await visibility.canSee(subject) else { throw notFound }
        return .ok(.init(body: .json(.init(appeal: try Self.object(record.appeal), decision: try record.decision.map(Self.object)))))
    }

    // MARK: Delivery channels

    func listNoticeChannels(_ input: Operations.ListNoticeChannels.Input) async throws -> Operations.ListNoticeChannels.Output {
        let paging = try Paging(limit: input.query.limit, cursor: input.query.cursor, configuration: services.configuration)
        let channels = try await store.deliveryChannels().sorted { $0.id < $1.id }
        let (items, next) = paging.page(channels) { $0.id.rawValue }
        return .ok(.init(body: .json(.init(items: items.map(Self.channel), nextCursor: next))))
    }

    func addNoticeChannel(_ input: Operations.AddNoticeChannel.Input) async throws -> Operations.AddNoticeChannel.Output {
        guard case .json(let body) = input.body else { throw APIError(.unsupportedMediaType, "send the channel as application/json") }
        guard (1...2000).contains(body.target.count) else { throw APIError(.badRequest, "a target is 1 to 2000 characters", at: "body.target") }
        if let secret = body.secret, !(16...256).contains(secret.count) {
            throw APIError(.badRequest, "a signing secret is 16 to 256 characters", at: "body.secret")
        }
        // A webhook must not point at this machine or a private network, a spool directory must be inside
        // the server's spool root (none configured: no spool channels over the API).
        do {
            if body.kind == .spool { _ = try services.configuration.deliveryGuard.checkSpool(body.target) } else {
                try services.configuration.deliveryGuard.checkWebhook(body.target)
            }
        } catch {
            throw APIError(error.code == .refused ? .unprocessableContent : .badRequest, code: error.code.rawValue, error.message, at: "body.target")
        }
        let channel = DeliveryChannel(
            id: try Identifier(validating: body.id, field: "id"), kind: body.kind == .spool ? .spool : .webhook, target: body.target,
            jurisdiction: try body.jurisdiction.map { text throws(CivicError) in try Identifier(validating: text, field: "jurisdiction") },
            secret: body.secret)
        let result = try await engine.addChannel(channel, by: try actingActor())
        let mapped = Self.channel(channel)
        return result == .recorded ? .created(.init(body: .json(mapped))) : .ok(.init(body: .json(mapped)))
    }

    /// A channel as shown to callers: never its secret, nor the user, password, query or fragment of a webhook URL.
    static func channel(_ channel: DeliveryChannel) -> Components.Schemas.NoticeChannel {
        var target = channel.target
        if channel.kind == .webhook, var components = URLComponents(string: channel.target) {
            components.user = nil
            components.password = nil
            components.query = nil
            components.fragment = nil
            target = components.string ?? ""
        }
        return .init(id: channel.id.rawValue, kind: channel.kind == .spool ? .spool : .webhook, target: target,
                     jurisdiction: channel.jurisdiction?.rawValue, signed: channel.secret != nil)
    }

    // MARK: Standings

    func refreshStandings(_ input: Operations.RefreshStandings.Input) async throws -> Operations.RefreshStandings.Output {
        guard case .json(let body) = input.body else { throw APIError(.unsupportedMediaType, "send the refresh as application/json") }
        let scope: Jurisdiction.ID? = try body.jurisdiction.map { text throws(CivicError) in try Identifier(validating: text, field: "jurisdiction") }
        if let scope, !(try await store.jurisdictions().contains { $0.id == scope }) {
            throw APIError(.notFound, "no jurisdiction '\(scope)'", at: "body.jurisdiction")
        }
        let summary = try await engine.refreshStandings(scope: scope)
        return .ok(.init(body: .json(.init(jurisdiction: scope?.rawValue, asOf: summary.asOf.description,
                                           standingsComputed: summary.standingsComputed, gradeFalls: summary.gradeFalls,
                                           gradeRises: summary.gradeRises))))
    }

    func verifyStandings(_ input: Operations.VerifyStandings.Input) async throws -> Operations.VerifyStandings.Output {
        let report = try await engine.verifyStandings()
        return .ok(.init(body: .json(.init(
            consistent: report.mismatches.isEmpty, standingsChecked: report.standingsChecked, entriesRead: report.entriesRead,
            mismatches: report.mismatches.map {
                .init(subject: $0.subject.rawValue, scheme: $0.scheme.rawValue, asOf: $0.asOf.description, stored: $0.stored, folded: $0.folded)
            }))))
    }

    /// A day in a request, between 1900 and 2999.
    static func day(_ text: String, at location: String) throws -> Day {
        guard let day = Day(iso: text), (1900...2999).contains(day.year) else {
            throw APIError(.badRequest, "not a day (YYYY-MM-DD) between 1900 and 2999", at: location)
        }
        return day
    }
}
