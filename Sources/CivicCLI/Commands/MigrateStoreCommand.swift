import ArgumentParser
import CivicAccess
import CivicCore
import CivicLog
import Crypto
import Foundation

struct MigrateStoreCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "migrate-store",
        abstract: "Copy a whole deployment from one database to another (SQLite to PostgreSQL, or back) and verify the copy.",
        discussion: """
            Stop every writer first (the command checks that the source did not move while it copied).
            Copies jurisdictions, actors, handbooks, delivery channels, subjects, reports with their decisions
            and statuses, notices with their deliveries and attempts, the ledger (in sequence order), standings
            with their listings, closed cycles, appeals with their decisions, and the transparency log leaf for leaf
            with its signed checkpoints and cosignatures, page by page; then the access data (accounts, tokens and
            sessions, the access trail, evidence) from the access store that goes with each database: the SQLite file
            beside a SQLite ledger (civic.db -> civic-access.db), or the PostgreSQL database itself.
            Then reads both sides back and compares record counts, every record, and a SHA-256 checksum
            over the canonical bytes of every entry, and audits the copied log (the same root, every record under its leaf).
            The target must be empty: a second run is refused.
            Example: civic migrate-store --from sqlite:civic.db --to postgres://civic:secret@db:5432/civic
            """)

    @Option(help: ArgumentHelp("The database to copy (a SQLite path, sqlite:PATH or postgres://...).", valueName: "database"))
    var from: String
    @Option(help: ArgumentHelp("The empty database to copy into.", valueName: "database"))
    var to: String
    @Option(name: .customLong("page-size"), help: "Records per read and per commit.") var pageSize: Int = 5_000
    @OptionGroup var output: OutputOptions

    func run() async throws {
        guard (1...50_000).contains(pageSize) else { throw CivicError(.invalidInput, "--page-size must be from 1 to 50,000") }
        let sourceLocation = try StoreLocation(from)
        let targetLocation = try StoreLocation(to)
        guard sourceLocation.description != targetLocation.description else {
            throw CivicError(.invalidInput, "--from and --to name the same database")
        }
        let source = try await sourceLocation.open()
        let target = try await targetLocation.open(creating: true)
        guard try await isEmpty(target) else {
            throw CivicError(.conflict, "\(targetLocation) already holds data: it was migrated before or is in use; migrate-store only fills an empty database")
        }
        let sourceAccess = try await sourceLocation.defaultAccessStore(ledger: source, creating: false)
        let targetAccess = try await targetLocation.defaultAccessStore(ledger: target, creating: sourceAccess != nil)
        if let targetAccess, try await holdsAccessData(targetAccess) {
            throw CivicError(.conflict, "\(targetLocation) already holds access data (accounts or an access trail); migrate-store only fills an empty database")
        }
        let started = Date()
        let copier = StoreCopier(source: source, target: target, pageSize: pageSize)
        var copied = try await copier.copy(progress: Terminal.progress("copy"))
        Terminal.endProgress()
        let verification = try await copier.verify(progress: Terminal.progress("verify"))
        Terminal.endProgress()
        if let sourceAccess, let targetAccess {
            let accessCopier = AccessCopier(source: sourceAccess, target: targetAccess, pageSize: pageSize)
            copied.merge(try await accessCopier.copy()) { $1 }
            try await accessCopier.verify()
            Terminal.error("note: \(AccessCopier.left)")
        } else {
            Terminal.error("note: no access database beside \(sourceLocation): only the ledger's records were copied")
        }
        let seconds = Date().timeIntervalSince(started)

        if output.json {
            struct Result: Encodable {
                var from: String, to: String, counts: [String: Int], entryChecksum: String, seconds: Double
            }
            try Terminal.printJSON(Result(from: sourceLocation.description, to: targetLocation.description, counts: copied,
                                          entryChecksum: verification.entryChecksum, seconds: seconds))
        } else {
            print("migrated \(sourceLocation) -> \(targetLocation) in \(String(format: "%.1f", seconds)) s")
            for (kind, count) in copied.sorted(by: { $0.key < $1.key }) { print("  \(kind.padding(toLength: 18, withPad: " ", startingAt: 0)) \(count)") }
            print("verified: the same counts and records on both sides; entries checksum sha256:\(verification.entryChecksum) on both")
        }
    }
}

/// Copies every record from one store into an empty one through the `Store`
/// protocol, in pages, then checks the copy record by record.
struct StoreCopier {
    let source: any Store
    let target: any Store
    let pageSize: Int

    /// Bounds every paging loop: more pages than this means a store that never ends a listing.
    static let pagesMax = 10_000_000

    struct Verification { var entryChecksum: String }

    static let endOfTime = Month(year: 9999, month: 12)!

    /// Copies everything; returns how many records of each kind were written.
    func copy(progress: ProgressHandler?) async throws -> [String: Int] {
        var counts: [String: Int] = [:]
        let headBefore = try await source.ledgerHead()

        var registry = ChangeSet.copied()
        registry.jurisdictions = try await source.jurisdictions()
        registry.actors = try await source.actors()
        registry.handbooks = try await source.handbooks()
        registry.deliveryChannels = try await source.deliveryChannels()
        try await target.commit(registry)
        counts["jurisdictions"] = registry.jurisdictions.count
        counts["actors"] = registry.actors.count
        counts["handbooks"] = registry.handbooks.count
        counts["delivery channels"] = registry.deliveryChannels.count

        var subjectCursor: Subject.ID?
        counts["subjects"] = 0
        for _ in 0..<StoreCopier.pagesMax {
            let page = try await source.subjects(after: subjectCursor, limit: pageSize)
            guard let last = page.last else { break }
            var changes = ChangeSet.copied()
            changes.subjects = page
            try await target.commit(changes)
            subjectCursor = last.id
            counts["subjects", default: 0] += page.count
            progress?(Progress(phase: "subjects", done: counts["subjects"]!, total: nil))
        }

        let records = try await source.reports(statuses: Set(ReportStatus.allCases), throughCycle: StoreCopier.endOfTime)
        counts["reports"] = records.count
        counts["decisions"] = 0
        var start = 0
        while start < records.count {
            let page = records[start..<min(start + pageSize, records.count)]
            var changes = ChangeSet.copied()
            changes.reports = page.map(\.report)
            changes.decisions = page.flatMap(\.decisions)
            changes.reportStatuses = Dictionary(uniqueKeysWithValues: page.map { ($0.report.id, $0.status) })
            try await target.commit(changes)
            counts["decisions", default: 0] += changes.decisions.count
            start += page.count
            progress?(Progress(phase: "reports", done: start, total: records.count))
        }

        // Notices before entries: the target refuses an adverse entry whose notice is not there yet.
        var noticeCursor: Notice.ID?
        counts["notices"] = 0
        counts["deliveries"] = 0
        counts["delivery attempts"] = 0
        for _ in 0..<StoreCopier.pagesMax {
            let page = try await source.notices(after: noticeCursor, limit: pageSize)
            guard let last = page.last else { break }
            var changes = ChangeSet.copied()
            changes.notices = page
            for notice in page {
                changes.deliveries += try await source.deliveries(notice: notice.id)
                changes.deliveryAttempts += try await source.deliveryAttempts(notice: notice.id)
            }
            try await target.commit(changes)
            noticeCursor = last.id
            counts["notices", default: 0] += page.count
            counts["deliveries", default: 0] += changes.deliveries.count
            counts["delivery attempts", default: 0] += changes.deliveryAttempts.count
            progress?(Progress(phase: "notices", done: counts["notices"]!, total: nil))
        }

        var head: Int64 = 0
        counts["entries"] = 0
        for _ in 0..<StoreCopier.pagesMax {
            let page = try await source.entries(after: head, limit: pageSize)
            guard let last = page.last else { break }
            var changes = ChangeSet.copied(expectedLedgerHead: head)
            changes.entries = page
            try await target.commit(changes)
            head = last.sequence
            counts["entries", default: 0] += page.count
            progress?(Progress(phase: "entries", done: Int(head), total: Int(headBefore)))
        }

        var standingCursor: StandingKey?
        counts["standings"] = 0
        for _ in 0..<StoreCopier.pagesMax {
            let page = try await source.standings(after: standingCursor, limit: pageSize)
            guard let last = page.last else { break }
            var changes = ChangeSet.copied()
            changes.standings = page
            try await target.commit(changes)
            standingCursor = StandingKey(subject: last.subject, scheme: last.scheme)
            counts["standings", default: 0] += page.count
            progress?(Progress(phase: "standings", done: counts["standings"]!, total: nil))
        }

        var cycles = ChangeSet.copied()
        cycles.cycles = try await source.cycles()
        try await target.commit(cycles)
        counts["cycles"] = cycles.cycles.count

        // Appeals after the entries they dispute, subject by subject (the store reads appeals per subject).
        subjectCursor = nil
        counts["appeals"] = 0
        counts["appeal decisions"] = 0
        for _ in 0..<StoreCopier.pagesMax {
            let page = try await source.subjects(after: subjectCursor, limit: pageSize)
            guard let last = page.last else { break }
            var changes = ChangeSet.copied()
            for subject in page {
                for record in try await source.appeals(subject: subject.id) {
                    changes.appeals.append(record.appeal)
                    if let decision = record.decision { changes.appealDecisions.append(decision) }
                }
            }
            if !changes.isEmpty { try await target.commit(changes) }
            subjectCursor = last.id
            counts["appeals", default: 0] += changes.appeals.count
            counts["appeal decisions", default: 0] += changes.appealDecisions.count
        }

        counts["log leaves"] = try await copyLog(progress: progress)

        guard try await source.ledgerHead() == headBefore, head == headBefore else {
            throw CivicError(.concurrentWrite, "the source ledger moved during the copy (from \(headBefore) to \(try await source.ledgerHead())): stop every writer, empty the target and run again")
        }
        return counts
    }

    /// The source's transparency log, leaf for leaf (the target's tiles grow as for a commit), then its
    /// checkpoints and cosignatures verbatim; returns the number of leaves.
    func copyLog(progress: ProgressHandler?) async throws -> Int {
        guard let from = source as? any TransparencyLogStore, let to = target as? any TransparencyLogStore else {
            throw CivicError(.storage, "both stores must keep a transparency log")
        }
        let size = try await from.logSize()
        var index: UInt64 = 0
        while index < size {
            let page = try await from.logLeaves(from: index, limit: pageSize)
            guard let last = page.last else { break }
            try await to.importLog(page)
            index = last.index + 1
            progress?(Progress(phase: "log", done: Int(index), total: Int(size)))
        }
        for checkpoint in try await from.checkpoints() {
            let copied = try await to.appendCheckpoint(size: checkpoint.size, root: checkpoint.root, note: checkpoint.note,
                                                       signedAt: checkpoint.signedAt)
            for cosignature in try await from.cosignatures(checkpoint: checkpoint.id) {
                var moved = cosignature
                moved.checkpoint = copied.id
                try await to.addCosignature(moved)
            }
        }
        return Int(size)
    }

    /// Reads both stores back and compares them: every record equal, the same
    /// counts, and the same SHA-256 over the canonical bytes of every entry.
    func verify(progress: ProgressHandler?) async throws -> Verification {
        func mismatch(_ what: String) -> CivicError {
            CivicError(.corrupted, "the copy differs from the source in its \(what); the target is not to be used: empty it and run again")
        }
        guard try await source.jurisdictions() == target.jurisdictions() else { throw mismatch("jurisdictions") }
        guard try await source.actors() == target.actors() else { throw mismatch("actors") }
        guard try await source.handbooks() == target.handbooks() else { throw mismatch("handbooks") }
        guard try await source.cycles() == target.cycles() else { throw mismatch("closed cycles") }
        guard try await source.subjectCount() == target.subjectCount() else { throw mismatch("subject count") }
        let allReports = Set(ReportStatus.allCases)
        guard try await source.reports(statuses: allReports, throughCycle: StoreCopier.endOfTime)
            == target.reports(statuses: allReports, throughCycle: StoreCopier.endOfTime) else { throw mismatch("reports or decisions") }

        guard try await source.deliveryChannels() == target.deliveryChannels() else { throw mismatch("delivery channels") }

        var subjectCursor: Subject.ID?
        for _ in 0..<StoreCopier.pagesMax {
            let page = try await source.subjects(after: subjectCursor, limit: pageSize)
            guard try await page == target.subjects(after: subjectCursor, limit: pageSize) else { throw mismatch("subjects") }
            guard let last = page.last else { break }
            for subject in page {
                guard try await source.appeals(subject: subject.id) == target.appeals(subject: subject.id) else { throw mismatch("appeals") }
            }
            subjectCursor = last.id
            progress?(Progress(phase: "subjects and appeals", done: 0, total: nil))
        }

        var noticeCursor: Notice.ID?
        for _ in 0..<StoreCopier.pagesMax {
            let page = try await source.notices(after: noticeCursor, limit: pageSize)
            guard try await page == target.notices(after: noticeCursor, limit: pageSize) else { throw mismatch("notices") }
            guard let last = page.last else { break }
            for notice in page {
                guard try await source.deliveries(notice: notice.id) == target.deliveries(notice: notice.id),
                      try await source.deliveryAttempts(notice: notice.id) == target.deliveryAttempts(notice: notice.id) else {
                    throw mismatch("notice deliveries")
                }
            }
            noticeCursor = last.id
        }

        var sourceHash = SHA256(), targetHash = SHA256()
        var head: Int64 = 0
        let total = try await source.ledgerHead()
        guard try await target.ledgerHead() == total else { throw mismatch("ledger head") }
        for _ in 0..<StoreCopier.pagesMax {
            let sourcePage = try await source.entries(after: head, limit: pageSize)
            let targetPage = try await target.entries(after: head, limit: pageSize)
            guard sourcePage.count == targetPage.count else { throw mismatch("entry count") }
            guard let last = sourcePage.last else { break }
            for entry in sourcePage { sourceHash.update(data: entry.canonicalBytes) }
            for entry in targetPage { targetHash.update(data: entry.canonicalBytes) }
            head = last.sequence
            progress?(Progress(phase: "entries", done: Int(head), total: Int(total)))
        }
        let sourceDigest = StoreCopier.hex(sourceHash.finalize()), targetDigest = StoreCopier.hex(targetHash.finalize())
        guard sourceDigest == targetDigest else { throw mismatch("entries (checksum \(sourceDigest) against \(targetDigest))") }

        var standingCursor: StandingKey?
        for _ in 0..<StoreCopier.pagesMax {
            let page = try await source.standings(after: standingCursor, limit: pageSize)
            guard try await page == target.standings(after: standingCursor, limit: pageSize) else { throw mismatch("standings or listings") }
            guard let last = page.last else { break }
            standingCursor = StandingKey(subject: last.subject, scheme: last.scheme)
        }
        // The log: the same leaves (so the same root) and checkpoints, and the copy passes its own audit.
        guard let from = source as? any TransparencyLogStore, let to = target as? any TransparencyLogStore else {
            throw CivicError(.storage, "both stores must keep a transparency log")
        }
        let size = try await from.logSize()
        guard try await to.logSize() == size else { throw mismatch("transparency log size") }
        var index: UInt64 = 0
        while index < size {
            let page = try await from.logLeaves(from: index, limit: pageSize)
            guard let last = page.last, try await page == to.logLeaves(from: index, limit: pageSize) else { throw mismatch("transparency log leaves") }
            index = last.index + 1
        }
        guard try await from.checkpoints().map(\.note) == to.checkpoints().map(\.note) else { throw mismatch("log checkpoints") }
        let audit = try await LogAuditor(store: to, verifier: nil).audit(progress: progress)
        guard audit.problems.isEmpty else { throw mismatch("transparency log (\(audit.problems.first!))") }
        return Verification(entryChecksum: sourceDigest)
    }

    static func hex(_ digest: SHA256.Digest) -> String {
        digest.map { String(format: "%02x", $0) }.joined()
    }
}

extension ChangeSet {
    /// A change set of records copied from another store: its records reach the log when the source's log is copied.
    static func copied(expectedLedgerHead: Int64? = nil) -> ChangeSet {
        var changes = ChangeSet(expectedLedgerHead: expectedLedgerHead)
        changes.appendsToLog = false
        return changes
    }
}

/// Whether an access store holds any account or access event.
func holdsAccessData(_ access: any AccessStore) async throws -> Bool {
    if try await access.accountCount() > 0 { return true }
    return try await !access.accessEvents(after: nil, limit: 1).isEmpty
}
