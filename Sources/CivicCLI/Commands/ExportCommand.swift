import ArgumentParser
import CSV
import CivicAccess
import CivicAPI
import CivicCore
import Foundation

struct ExportCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "export",
        abstract: "Export the ledger, standings or subjects as JSON (one object per line) or CSV.",
        discussion: "Entries come in ledger sequence order, standings and subjects in id order, read page by page so any size fits in memory.")
    @OptionGroup var store: StoreOptions
    @OptionGroup var access: AccessOptions
    @Option(help: "What to export: entries, standings or subjects.") var what: String = "entries"
    @Option(help: "json or csv.") var format: String = "json"
    @Option(help: "Output file; standard output when omitted.") var output: String?

    static let pageSize = 5_000

    /// An export is recorded in the access trail like one over the API, by the command line's user
    /// (`cli:<user>`), before anything is written: in the access database beside a SQLite ledger, or in the
    /// PostgreSQL database itself (or the one --access-database names).
    func recordInAccessTrail(ledger: any Store) async throws {
        let trail = try await access.open(store, ledger: ledger)
        try await trail.recordAccessEvent(AccessEvent(at: APIServices.wallClockSeconds(), kind: .export, actor: CommandLineActor.current,
                                                      target: "\(what) (command line)"))
    }

    func run() async throws {
        let engine = try await store.engine()
        guard ["json", "csv"].contains(format) else { throw CivicError(.invalidInput, "--format: '\(format)' is not json or csv") }
        guard ["entries", "standings", "subjects"].contains(what) else { throw CivicError(.invalidInput, "--what: '\(what)' is not entries, standings or subjects") }
        try await recordInAccessTrail(ledger: engine.store)
        let sink = try Sink(path: output)
        var csv: CSVWriter?
        if format == "csv" {
            guard let stream = OutputStream(toFileAtPath: output ?? "/dev/stdout", append: false) else {
                throw CivicError(.storage, "cannot write '\(output ?? "standard output")'")
            }
            csv = try CSVWriter(stream: stream)
        }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        var count = 0
        func emit<T: Encodable>(_ items: [T], csvRow: (T) -> [String]) throws {
            for item in items {
                if let csv {
                    try csv.write(row: csvRow(item))
                } else {
                    sink.write(String(decoding: try encoder.encode(item), as: UTF8.self) + "\n")
                }
                count += 1
            }
        }
        switch what {
        case "entries":
            try csv?.write(row: ["sequence", "id", "kind", "subject", "scheme", "handbook", "rule", "category", "points", "dimension", "stars",
                                "occurred_on", "effective_on", "expires_on", "grade_cap", "report", "decisions", "references", "recorded_on", "recorded_by", "note"])
            var after: Int64 = 0
            while true {
                let page = try await engine.store.entries(after: after, limit: Self.pageSize)
                guard let last = page.last else { break }
                after = last.sequence
                try emit(page) { entry in
                    ["\(entry.sequence)", entry.id.rawValue, entry.kind.rawValue, entry.subject.rawValue, entry.scheme.rawValue,
                     "\(entry.handbookJurisdiction)@\(entry.handbookVersion)", entry.rule?.rawValue ?? "", entry.category ?? "", entry.points.description,
                     entry.dimension?.rawValue ?? "", entry.stars.map(String.init) ?? "", entry.occurredOn?.description ?? "",
                     entry.effectiveOn.description, entry.expiresOn?.description ?? "", entry.gradeCap?.rawValue ?? "", entry.report?.rawValue ?? "",
                     entry.decisions.map(\.rawValue).joined(separator: ";"), entry.references?.rawValue ?? "", entry.recordedOn.description,
                     entry.recordedBy.rawValue, entry.note]
                }
            }
        case "standings":
            try csv?.write(row: ["subject", "scheme", "as_of", "score", "grade", "locked_at", "locked_until", "capped_by", "active_entries", "active_listings"])
            var cursor: StandingKey?
            while true {
                let page = try await engine.store.standings(after: cursor, limit: Self.pageSize)
                guard let last = page.last else { break }
                cursor = StandingKey(subject: last.subject, scheme: last.scheme)
                try emit(page) { standing in
                    [standing.subject.rawValue, standing.scheme.rawValue, standing.asOf.description, standing.score.description,
                     standing.grade?.rawValue ?? "", standing.lock?.grade.rawValue ?? "", standing.lock?.until.description ?? "",
                     standing.cappedBy?.rawValue ?? "", "\(standing.activeEntries)",
                     standing.activeListings.map { "\($0.list.rawValue):\($0.criterion)" }.joined(separator: ";")]
                }
            }
        default:
            try csv?.write(row: ["id", "kind", "name", "jurisdiction", "household", "birth_date", "attributes", "registered_on"])
            var cursor: Subject.ID?
            while true {
                let page = try await engine.store.subjects(after: cursor, limit: Self.pageSize)
                guard let last = page.last else { break }
                cursor = last.id
                try emit(page) { subject in
                    [subject.id.rawValue, subject.kind.rawValue, subject.name, subject.jurisdiction.rawValue, subject.household?.rawValue ?? "",
                     subject.birthDate?.description ?? "", subject.attributes.sorted().joined(separator: ";"), subject.registeredOn.description]
                }
            }
        }
        csv?.stream.close()
        sink.close()
        if output != nil { Terminal.error("exported \(count) \(what) to \(output!)") }
    }

}

/// Standard output or a file, written as it goes.
final class Sink {
    let handle: FileHandle
    let ownsHandle: Bool

    init(path: String?) throws(CivicError) {
        if let path {
            guard FileManager.default.createFile(atPath: path, contents: nil), let handle = FileHandle(forWritingAtPath: path) else {
                throw CivicError(.storage, "cannot write '\(path)'")
            }
            self.handle = handle
            ownsHandle = true
        } else {
            handle = FileHandle.standardOutput
            ownsHandle = false
        }
    }

    func write(_ text: String) { handle.write(Data(text.utf8)) }

    func close() { if ownsHandle { try? handle.close() } }
}
