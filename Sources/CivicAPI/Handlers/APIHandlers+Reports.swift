import CivicAccess
import CivicCore
import Crypto
import OpenAPIRuntime

extension APIHandlers {
    func listReports(_ input: Operations.ListReports.Input) async throws -> Operations.ListReports.Output {
        let paging = try Paging(limit: input.query.limit, cursor: input.query.cursor, configuration: services.configuration)
        let status = input.query.status.flatMap { ReportStatus(rawValue: $0.rawValue) } ?? .pending
        let far = Month(year: 2999, month: 12)!
        let records = try await store.reports(statuses: [status], throughCycle: far)
        let (items, next) = paging.page(records) { "\($0.report.cycle.description)|\($0.report.id.rawValue)" }
        return .ok(.init(body: .json(.init(items: items.map(Mapping.report), nextCursor: next))))
    }

    func fileReport(_ input: Operations.FileReport.Input) async throws -> Operations.FileReport.Output {
        guard case .json(let body) = input.body else { throw APIError(.unsupportedMediaType, "send the report as application/json") }
        guard let account = caller.account else { throw APIError.unauthorized }
        if let days = body.durationDays, !(0...Limits.durationDaysMax).contains(days) {
            throw APIError(.badRequest, "durationDays must be from 0 to \(Limits.durationDaysMax)", at: "body.durationDays")
        }
        // The subject must be within the caller's reach; one out of reach answers like one that does not exist.
        let subject = try await visibility.require(body.subject)
        guard let occurredOn = Day(iso: body.occurredOn), (1900...2999).contains(occurredOn.year) else {
            throw APIError(.badRequest, "not a day (YYYY-MM-DD)", at: "body.occurredOn")
        }
        let evidence = (body.evidence ?? []).map { Evidence(kind: Evidence.Kind(rawValue: $0.kind.rawValue) ?? .record, reference: $0.reference) }
        let request = ReportRequest(
            id: try Identifier(validating: body.id, field: "id"), subject: subject.id,
            scheme: try body.scheme.map { text throws(CivicError) in try Identifier(validating: text, field: "scheme") },
            rule: try Identifier(validating: body.rule, field: "rule"), reporter: try actingActor(),
            role: account.role == .resident ? .`self` : .assessor, occurredOn: occurredOn, statement: body.statement,
            evidence: evidence, durationDays: body.durationDays, stars: body.stars)
        let result = try await engine.file(request)
        guard let record = try await store.report(request.id) else { throw APIError.noReport(body.id) }
        let mapped = Mapping.report(record)
        return result == .recorded ? .created(.init(body: .json(mapped))) : .ok(.init(body: .json(mapped)))
    }

    /// A report, if the caller may see the subject it is about; otherwise the same not-found as a missing report.
    func visibleReport(_ id: String) async throws -> ReportRecord {
        guard Report.ID.isValid(id), let record = try await store.report(Report.ID(id)) else { throw APIError.noReport(id) }
        let visibility = try visibility
        guard let subject = try await store.subject(record.report.subject), try await visibility.canSee(subject) else {
            throw APIError.noReport(id)
        }
        return record
    }

    func getReport(_ input: Operations.GetReport.Input) async throws -> Operations.GetReport.Output {
        .ok(.init(body: .json(Mapping.report(try await visibleReport(input.path.reportId)))))
    }

    func decideReport(_ input: Operations.DecideReport.Input) async throws -> Operations.DecideReport.Output {
        guard case .json(let body) = input.body else { throw APIError(.unsupportedMediaType, "send the decision as application/json") }
        let record = try await visibleReport(input.path.reportId)
        let outcome: Decision.Outcome
        switch body.outcome {
        case .approve: outcome = .approve
        case .reject: outcome = .reject
        case .adjust:
            guard let text = body.points, let points = Points(parsing: text) else {
                throw APIError(.badRequest, "an adjustment needs the points, like \"-3\" or \"0.5\"", at: "body.points")
            }
            outcome = .adjust(points)
        }
        if body.outcome != .adjust, body.points != nil {
            throw APIError(.badRequest, "points go only with an adjustment", at: "body.points")
        }
        let reason = body.reason.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !reason.isEmpty else { throw APIError(.badRequest, "give a reason for the decision", at: "body.reason") }
        let decision = Decision(id: try Identifier(validating: body.id, field: "id"), report: record.report.id, reviewer: try actingActor(),
                                outcome: outcome, reason: reason, decidedOn: today())
        let (result, _) = try await engine.decide(decision)
        guard let updated = try await store.report(record.report.id) else { throw APIError.noReport(input.path.reportId) }
        let mapped = Mapping.report(updated)
        return result == .recorded ? .created(.init(body: .json(mapped))) : .ok(.init(body: .json(mapped)))
    }

    // MARK: Evidence

    func uploadEvidence(_ input: Operations.UploadEvidence.Input) async throws -> Operations.UploadEvidence.Output {
        guard let account = caller.account else { throw APIError.unauthorized }
        let (mediaType, body): (String, HTTPBody) = switch input.body {
        case .jpeg(let body): ("image/jpeg", body)
        case .png(let body): ("image/png", body)
        case .videoMp4(let body): ("video/mp4", body)
        case .pdf(let body): ("application/pdf", body)
        }
        let limit = services.configuration.evidenceBytesMax
        let bytes: [UInt8]
        do {
            bytes = try await [UInt8](collecting: body, upTo: limit)
        } catch {
            throw APIError(.contentTooLarge, "evidence may be at most \(limit) bytes")
        }
        let upload = try await services.storeEvidence(bytes, mediaType: mediaType, uploadedBy: account.id)
        let stored = Components.Schemas.StoredEvidence(reference: upload.reference, digest: upload.digest, size: upload.size, mediaType: mediaType)
        return upload.isNew ? .created(.init(body: .json(stored))) : .ok(.init(body: .json(stored)))
    }

    func getEvidence(_ input: Operations.GetEvidence.Input) async throws -> Operations.GetEvidence.Output {
        let digest = input.path.digest
        let notFound = APIError(.notFound, "no evidence '\(digest.prefix(64))'")
        guard let blob = try await services.visibleEvidence(digest: digest, reach: try reach, caller: caller) else { throw notFound }
        return .ok(.init(body: .binary(HTTPBody(blob.bytes))))
    }

    // MARK: Cycles

    func listCycles(_ input: Operations.ListCycles.Input) async throws -> Operations.ListCycles.Output {
        let paging = try Paging(limit: input.query.limit, cursor: input.query.cursor, configuration: services.configuration)
        let cycles = try await store.cycles().sorted { ($0.month, $0.jurisdiction) < ($1.month, $1.jurisdiction) }
        let (items, next) = paging.page(cycles) { "\($0.month.description)|\($0.jurisdiction.rawValue)" }
        return .ok(.init(body: .json(.init(items: items.map(Mapping.cycle), nextCursor: next))))
    }

    func closeCycle(_ input: Operations.CloseCycle.Input) async throws -> Operations.CloseCycle.Output {
        guard case .json(let body) = input.body else { throw APIError(.unsupportedMediaType, "send the cycle as application/json") }
        let jurisdiction: Jurisdiction.ID = try Identifier(validating: body.jurisdiction, field: "jurisdiction")
        guard let month = Month(iso: body.month), (1900...2999).contains(month.year) else {
            throw APIError(.badRequest, "not a month (YYYY-MM)", at: "body.month")
        }
        let summary = try await engine.closeCycle(jurisdiction, month: month, by: try actingActor())
        // Every cycle close is followed by a signed checkpoint of the log that now holds it.
        try await services.signCheckpointIfMoved()
        return .ok(.init(body: .json(.init(
            jurisdiction: jurisdiction.rawValue, month: month.description, asOf: summary.asOf.description,
            result: summary.result == .recorded ? .recorded : .unchanged, entered: summary.entered, capped: summary.capped,
            cured: summary.cured, awaitingGrace: summary.awaitingGrace, carriedOver: summary.carriedOver,
            standingsComputed: summary.standingsComputed, gradeFalls: summary.gradeFalls, gradeRises: summary.gradeRises))))
    }

    // MARK: Public

    func listPublicList(_ input: Operations.ListPublicList.Input) async throws -> Operations.ListPublicList.Output {
        let paging = try Paging(limit: input.query.limit, cursor: input.query.cursor, configuration: services.configuration)
        let list: ListKind = input.path.list == .red ? .red : .black
        let day = today()
        // The board may be read on a replica; the ledger head read first is a position the answer reflects at least.
        let (store, fromReplica) = await services.readStore()
        let position = try await store.ledgerHead()
        let listed = try await store.listings(on: list, activeOn: day, limit: Limits.pageSizeMax)
        let (page, next) = paging.page(Array(listed.enumerated())) { String(format: "%08d", $0.offset) }
        let subjects = Dictionary(uniqueKeysWithValues: try await store.subjects(page.map(\.element.subject)).map { ($0.id, $0) })
        services.recordRead(fromReplica: fromReplica, ledgerPosition: position)
        let items: [Components.Schemas.PublicListing] = page.compactMap { _, listed in
            guard let subject = subjects[listed.subject] else { return nil }
            return .init(maskedName: subject.maskedName, jurisdiction: subject.jurisdiction.rawValue, scheme: listed.scheme.rawValue,
                         list: list == .red ? .red : .black, since: listed.listing.since.description,
                         endsOn: listed.listing.endsOn?.description, reason: listed.listing.reason)
        }
        return .ok(.init(body: .json(.init(asOf: day.description, items: items, nextCursor: next))))
    }

    func listMeasures(_ input: Operations.ListMeasures.Input) async throws -> Operations.ListMeasures.Output {
        let paging = try Paging(limit: input.query.limit, cursor: input.query.cursor, configuration: services.configuration)
        let handbooks = try await engine.handbooks()
        var measures: [Components.Schemas.MeasureInfo] = []
        for jurisdiction in Set(handbooks.published.map(\.handbook.jurisdiction)) {
            guard let current = handbooks.current(for: jurisdiction) else { continue }
            for scheme in current.handbook.schemes {
                for measure in scheme.measures {
                    measures.append(.init(id: measure.id.rawValue, scheme: scheme.id.rawValue, jurisdiction: jurisdiction.rawValue,
                                          title: Mapping.text(measure.title), kind: measure.kind == .reward ? .reward : .sanction,
                                          domain: measure.domain.rawValue, legalBasis: measure.legalBasis,
                                          remedyHint: measure.remedyHint.map(Mapping.text), tiers: measure.tiers.map { $0.map(Mapping.tier) }))
                }
            }
        }
        let (items, next) = paging.page(measures.sorted { ($0.id, $0.scheme) < ($1.id, $1.scheme) }) { "\($0.id)|\($0.scheme)" }
        return .ok(.init(body: .json(.init(items: items, nextCursor: next))))
    }

    // MARK: Exports

    func exportEntries(_ input: Operations.ExportEntries.Input) async throws -> Operations.ExportEntries.Output {
        let paging = try Paging(limit: input.query.limit, cursor: input.query.cursor, configuration: services.configuration)
        let after = try paging.cursor.map { text -> Int64 in
            guard let value = Int64(text) else { throw APIError(.badRequest, "cursor is not one this server issued", at: "query cursor") }
            return value
        } ?? 0
        let (store, fromReplica) = await services.readStore()
        let position = try await store.ledgerHead()
        let entries = try await store.entries(after: after, limit: paging.limit + 1)
        services.recordRead(fromReplica: fromReplica, ledgerPosition: position)
        let items = Array(entries.prefix(paging.limit))
        try await services.audit(.export, target: "entries after \(after)")
        let next = entries.count > paging.limit ? items.last.map { Paging.encode(String($0.sequence)) } : nil
        return .ok(.init(body: .json(.init(items: items.map(Mapping.entry), nextCursor: next))))
    }
}

/// The first bytes each accepted evidence type must start with, so a script cannot pass as a photo.
package enum EvidenceSignature {
    package static func matches(_ bytes: [UInt8], mediaType: String) -> Bool {
        func starts(_ prefix: [UInt8], at offset: Int = 0) -> Bool {
            bytes.count >= offset + prefix.count && Array(bytes[offset..<offset + prefix.count]) == prefix
        }
        switch mediaType {
        case "image/jpeg": return starts([0xFF, 0xD8, 0xFF])
        case "image/png": return starts([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A])
        case "application/pdf": return starts(Array("%PDF-".utf8))
        case "video/mp4": return starts(Array("ftyp".utf8), at: 4)
        default: return false
        }
    }
}
