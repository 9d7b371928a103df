import CivicAPI
import CivicAccess
import CivicCore
import CivicLog
import Foundation
import HTTPTypes
import Hummingbird
import NIOCore

/// The auditor's own pages: figures counted straight from the store, the integrity verification (storage,
/// the transparency log against its checkpoints, every standing against a fresh fold) with its result,
/// the access trail, the oversight figures of every reporter and reviewer, and the ledger's export.
/// Administrators may read them too; nobody changes anything here except by starting a verification.
extension WebServices {
    func registerAudit(on router: Router<APIRequestContext>) {
        get(router, "/audit") { page in
            try page.requireStaff()
            _ = try page.admit(.getOversight)
            return try await self.auditHome(page)
        }
        get(router, "/audit/verification") { page in
            try page.requireStaff()
            _ = try page.admit(.verifyStandings)
            return try await self.verificationPage(page, status: .ok)
        }
        post(router, "/audit/verification") { page in
            try page.requireStaff()
            _ = try page.admit(.verifyStandings)
            _ = try await page.form()
            let account = try page.account
            _ = await self.verification.start(services: self.api, by: account.id.rawValue)
            return page.redirect("/audit/verification")
        }
        get(router, "/audit/access") { page in
            try page.requireStaff()
            _ = try page.admit(.listAccessEvents)
            return try await self.accessTrailPage(page)
        }
        get(router, "/audit/ledger.jsonl") { page in
            try page.requireStaff()
            _ = try page.admit(.exportEntries)
            try await self.api.audit(.export, target: "ledger (audit page)")
            return self.ledgerExport(page)
        }
    }

    /// The figures an auditor checks first, each counted from the store itself (every jurisdiction, every cycle).
    func auditHome(_ page: Page) async throws -> Response {
        let store = page.store
        let today = page.today
        let pending = try await store.reports(statuses: [.pending], throughCycle: Month.last).count
        let (undecided, overdue) = try await AdminDashboard.undecidedAppeals(store, on: today) { _ in true }
        let oversight = try await page.engine.oversight()
        func row(_ figures: ActorFigures) -> [String: Any] {
            [
                "actor": figures.actor.rawValue, "name": figures.name, "volume": figures.volume,
                "approvalShare": figures.approvalShare.map { "\($0)%" } ?? "-",
                "selfClaimShare": "\(figures.selfClaimShare)%", "ownHouseholdShare": "\(figures.ownHouseholdShare)%",
                "flags": figures.flags.map { ["metric": $0.metric, "reason": $0.reason] }, "flagged": !figures.flags.isEmpty,
            ]
        }
        var model: [String: Any] = [
            "subjects": try await store.subjectCount(), "ledgerHead": try await store.ledgerHead(),
            "pendingReports": pending, "undecidedAppeals": undecided, "overdueAppeals": overdue,
            "from": oversight.from.description, "to": oversight.to.description,
            "reporters": oversight.reporters.map(row), "reviewers": oversight.reviewers.map(row),
            "hasReporters": !oversight.reporters.isEmpty, "hasReviewers": !oversight.reviewers.isEmpty,
            "verification": AuditVerification.model(await verification.snapshot(), page: page),
        ]
        if let log = api.log, let checkpoint = try await log.store.latestCheckpoint() {
            model["checkpoint"] = ["size": checkpoint.size, "at": page.time(checkpoint.signedAt)]
        }
        return page.render("audit/home", title: page.text("audit.homeTitle"), model: model)
    }

    func verificationPage(_ page: Page, status: HTTPResponse.Status) async throws -> Response {
        var model = AuditVerification.model(await verification.snapshot(), page: page)
        model["canStart"] = !(model["running"] as? Bool ?? false)
        return page.render("audit/verification", title: page.text("audit.verificationTitle"), model: model, status: status)
    }

    /// The access trail, newest first, a page at a time (`?before=SEQUENCE`).
    func accessTrailPage(_ page: Page) async throws -> Response {
        let limit = configuration.rowsPerPage
        let before = page.query("before").flatMap { Int64($0) }
        // The trail reads forward from a sequence; the page shows the newest first, so it reads the window before `before`.
        let end = before ?? Int64.max
        var events: [AccessEvent] = []
        var cursor: Int64?
        if let before {
            cursor = max(0, before - Int64(limit) - 1)
            events = try await api.access.accessEvents(after: cursor, limit: limit).filter { $0.sequence < end }
        } else {
            // Find the newest by reading pages forward; the trail grows by one row per sign-in, so this reads it once.
            var window: [AccessEvent] = []
            while true {
                let batch = try await api.access.accessEvents(after: cursor, limit: 1000)
                window = Array((window + batch).suffix(limit))
                guard batch.count == 1000, let last = batch.last else { break }
                cursor = last.sequence
            }
            events = window
        }
        let rows: [[String: Any]] = events.reversed().map { event in
            let key = "audit.event" + event.kind.rawValue.split(separator: "-").map { $0.prefix(1).uppercased() + $0.dropFirst() }.joined()
            return [
                "sequence": event.sequence, "at": page.time(event.at),
                "kind": page.catalog.keys.contains(key) ? page.text(key) : event.kind.rawValue,
                "actor": event.actor?.rawValue ?? page.text("audit.noActor"), "target": event.target ?? "", "address": event.address ?? "",
            ]
        }
        var model: [String: Any] = ["events": rows, "hasEvents": !rows.isEmpty]
        if let oldest = events.first, oldest.sequence > 1 { model["older"] = "/audit/access?before=\(oldest.sequence)" }
        return page.render("audit/access", title: page.text("audit.accessTitle"), model: model)
    }

    /// Every ledger entry as one JSON object per line, in sequence order, streamed a thousand at a time.
    func ledgerExport(_ page: Page) -> Response {
        let store = page.store
        var headers: HTTPFields = [.contentType: "application/x-ndjson; charset=utf-8", .cacheControl: "no-store"]
        headers[HTTPField.Name("Content-Disposition")!] = "attachment; filename=\"civic-ledger-\(page.today).jsonl\""
        headers[.xContentTypeOptions] = "nosniff"
        let body = ResponseBody { writer in
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
            var after: Int64 = 0
            while true {
                let entries = try await store.entries(after: after, limit: 1000)
                var buffer = ByteBuffer()
                for entry in entries {
                    buffer.writeBytes(try encoder.encode(entry))
                    buffer.writeInteger(UInt8(ascii: "\n"))
                }
                if buffer.readableBytes > 0 { try await writer.write(buffer) }
                guard entries.count == 1000, let last = entries.last else { break }
                after = last.sequence
            }
            try await writer.finish(nil)
        }
        return Response(status: .ok, headers: headers, body: body)
    }
}

extension Month {
    /// The last month there is: "every cycle" in a query by cycle.
    static let last = Month(year: 9999, month: 12)!
}

/// The integrity verification an auditor starts from the page. It runs in the background (on a large
/// registry it takes minutes, longer than a request may), one at a time per server, and keeps the last
/// result in memory: a restarted server shows none until one is run again.
actor AuditVerification {
    struct Result: Sendable {
        var by: String
        var startedAt: UnixTime
        var finishedAt: UnixTime
        /// Nil when the store has no integrity check of its own (the in-memory reference store).
        var storageProblems: [String]?
        var log: LogAudit?
        var standings: VerificationReport?
        /// Set when the verification could not finish (the store failed underneath).
        var failure: String?

        var passed: Bool {
            failure == nil && (storageProblems ?? []).isEmpty && (log?.problems ?? []).isEmpty && (standings?.mismatches ?? []).isEmpty
        }
    }

    private var running: (by: String, startedAt: UnixTime)?
    private var last: Result?

    /// Starts a verification unless one is running; false if one was.
    func start(services: APIServices, by account: String) -> Bool {
        guard running == nil else { return false }
        let startedAt = services.now()
        running = (account, startedAt)
        Task { [weak self] in
            let result = await Self.run(services: services, by: account, startedAt: startedAt)
            await self?.finish(result)
        }
        return true
    }

    private func finish(_ result: Result) {
        last = result
        running = nil
    }

    private static func run(services: APIServices, by account: String, startedAt: UnixTime) async -> Result {
        var result = Result(by: account, startedAt: startedAt, finishedAt: startedAt)
        do {
            if let checking = services.observed.base as? any IntegrityChecking {
                result.storageProblems = try await checking.integrityCheck()
            }
            if let log = services.log {
                result.log = try await LogAuditor(store: log.store, verifier: services.logKey?.verifier).audit()
            }
            result.standings = try await services.engine.verifyStandings()
        } catch {
            result.failure = (error as? CivicError)?.code.rawValue ?? "storage"
        }
        result.finishedAt = services.now()
        return result
    }

    struct Snapshot: Sendable {
        var running: (by: String, startedAt: UnixTime)?
        var last: Result?
    }

    func snapshot() -> Snapshot { Snapshot(running: running, last: last) }

    /// The state and the last result, for the pages.
    nonisolated static func model(_ snapshot: Snapshot, page: Page) -> [String: Any] {
        let running = snapshot.running, last = snapshot.last
        var model: [String: Any] = ["running": running != nil]
        if let running {
            model["runningText"] = page.text("audit.running", ["by": running.by, "at": page.time(running.startedAt)])
        }
        guard let last else { return model }
        var result: [String: Any] = [
            "passed": last.passed, "by": last.by, "startedAt": page.time(last.startedAt),
            "seconds": String(last.finishedAt - last.startedAt),
        ]
        if let failure = last.failure { result["failure"] = page.text("audit.failed", ["code": failure]) }
        if let problems = last.storageProblems {
            result["storage"] = ["ok": problems.isEmpty, "count": problems.count, "problems": problems.prefix(50).map { ["text": $0] }]
        } else {
            result["storageUnavailable"] = true
        }
        if let log = last.log {
            result["log"] = [
                "ok": log.problems.isEmpty, "leaves": log.leaves, "root": log.root, "checkpoints": log.checkpointsChecked,
                "signaturesUnchecked": log.signaturesUnchecked, "count": log.problems.count,
                "problems": log.problems.prefix(50).map { ["text": $0.description] },
            ]
        } else {
            result["logUnavailable"] = true
        }
        if let standings = last.standings {
            result["standings"] = [
                "ok": standings.mismatches.isEmpty, "checked": standings.standingsChecked, "entries": standings.entriesRead,
                "count": standings.mismatches.count,
                "mismatches": standings.mismatches.prefix(50).map {
                    ["subject": $0.subject.rawValue, "scheme": $0.scheme.rawValue, "asOf": $0.asOf.description, "stored": $0.stored, "folded": $0.folded]
                },
            ]
        }
        model["result"] = result
        return model
    }
}
