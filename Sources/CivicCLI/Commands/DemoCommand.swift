import ArgumentParser
import CivicCore
import CivicDemo
import Foundation

struct DemoCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "demo",
        abstract: "Create a demo database: a city, two villages, their schemes, a few thousand residents and twelve monthly cycles.",
        discussion: "The same --seed always builds the same data. Afterwards try `civic score SUBJECT --explain`, `civic list black`, `civic check SUBJECT MEASURE`.")

    @OptionGroup var store: StoreOptions
    @Option(help: "Number of residents (persons); households and companies scale with it.") var residents: Int = 3_000
    @Option(help: "Seed for the generator.") var seed: UInt64 = 2026
    @Option(name: .customLong("end-month"), help: "Last month to close (YYYY-MM); defaults to the month before today.") var endMonth: String?
    @Flag(help: "Replace an existing SQLite database file (a PostgreSQL database must be empty).") var force = false

    func run() async throws {
        guard (60...2_000_000).contains(residents) else { throw CivicError(.invalidInput, "--residents must be from 60 to 2,000,000") }
        let manager = FileManager.default
        let location = try store.location
        if case .sqlite(let path) = location, manager.fileExists(atPath: path) {
            guard force else { throw CivicError(.conflict, "'\(path)' already exists; pass --force to replace it") }
            for suffix in ["", "-wal", "-shm"] where manager.fileExists(atPath: path + suffix) {
                try manager.removeItem(atPath: path + suffix)
            }
        }
        let end = try endMonth.map { text throws(CivicError) in try parseMonth(text, field: "--end-month") } ?? store.today().month.previous
        let engine = try await store.engine(creating: true)
        if case .postgres = location, try await !isEmpty(engine.store) {
            // An append-only ledger is never erased by this program, --force or not.
            throw CivicError(.conflict, "\(location) already holds data; run the demo on an empty database or schema (search_path=...)")
        }
        let started = Date()
        let result = try await DemoRun(store: engine.store, options: .init(residents: residents, seed: seed, endMonth: end))
            .run(progress: Terminal.progress("demo"))
        Terminal.endProgress()
        let seconds = Date().timeIntervalSince(started)
        print(try await DemoSummary.render(result, engine: Engine(store: engine.store, clock: FixedDayClock(result.lastClosedOn)), seconds: seconds, database: location.description))
    }
}

/// The readable account of a demo run: grades, lists, the month's best, one explained score.
enum DemoSummary {
    static func render(_ result: DemoRun.Result, engine: Engine, seconds: Double, database: String) async throws -> String {
        var lines: [String] = []
        let world = result.world
        let people = world.subjects.filter { $0.kind == .person }.count
        let households = world.subjects.filter { $0.kind == .household }.count
        let companies = world.subjects.filter { $0.kind == .organisation }.count
        let entries = try await engine.store.ledgerHead()
        lines.append("CivicCredit demo in \(database) (\(String(format: "%.1f", seconds)) s)")
        lines.append("  \(world.jurisdictions.count) jurisdictions: " + world.jurisdictions.map { "\($0.name.en) \($0.name.zh)" }.joined(separator: ", "))
        lines.append("  \(people) residents in \(households) households, \(companies) companies, \(world.actors.count) actors")
        lines.append("  \(result.cycles.count) monthly cycles \(result.cycles.first?.month?.description ?? "") .. \(result.cycles.last?.month?.description ?? ""): \(result.reportsFiled) reports, \(result.decisions) decisions, \(result.cures) cured in grace, \(result.remedies) remedies, \(entries) ledger entries")
        let appeals = result.appeals
        lines.append("  appeals: \(appeals.filed) filed, \(appeals.upheld) upheld, \(appeals.dismissed) dismissed (\(appeals.decidedLate) after their deadline, the entry suspended meanwhile), \(appeals.undecided) undecided")

        let handbooks = try await engine.handbooks()
        guard let last = result.cycles.last else { return lines.joined(separator: "\n") }
        lines.append("")
        lines.append("Grade distribution on \(last.asOf):")
        for (scheme, counts) in last.gradeDistribution.sorted(by: { $0.key < $1.key }) {
            let definition = handbooks.scheme(Scheme.ID(scheme))?.scheme
            let title = definition.map { " (\($0.title.en) / \($0.title.zh))" } ?? ""
            lines.append("  \(scheme)\(title)")
            guard let bands = definition?.grades?.bands else {
                lines.append("    no grade bands: \(counts.values.reduce(0, +)) subjects scored")
                if let quota = definition?.quota {
                    let progress = try await quotaProgress(scheme: Scheme.ID(scheme), engine: engine)
                    lines.append("    quota \(last.asOf.year) so far: \(progress.reached) of \(progress.persons) residents have earned \(quota.pointsPerPersonYearly) points or more")
                }
                continue
            }
            let order = bands.map(\.grade.rawValue)
            let width = order.map(\.count).max() ?? 1
            let total = counts.values.reduce(0, +)
            for grade in order + counts.keys.filter({ !order.contains($0) }).sorted() {
                let count = counts[grade] ?? 0
                let bar = String(repeating: "█", count: total > 0 ? Int((Double(count) / Double(total) * 40).rounded(.up)) : 0)
                lines.append("    \(grade.padding(toLength: width, withPad: " ", startingAt: 0))  \(String(count).leftPadded(6))  \(bar)")
            }
        }
        for list in ListKind.allCases {
            let listed = try await engine.store.listings(on: list, activeOn: last.asOf, limit: Limits.pageSizeMax)
            let subjects = Dictionary(uniqueKeysWithValues: try await engine.store.subjects(Array(listed.prefix(5)).map(\.subject)).map { ($0.id, $0) })
            lines.append("")
            lines.append("\(list == .red ? "Red list (trustworthy)" : "Blacklist (untrustworthy)"): \(listed.count) listing(s)")
            for item in listed.prefix(5) {
                let criterion = handbooks.scheme(item.scheme)?.scheme.lists.first { $0.id == item.listing.criterion }
                lines.append("  \(item.subject.rawValue.padding(toLength: 10, withPad: " ", startingAt: 0)) \(subjects[item.subject]?.maskedName ?? "*")  \(item.listing.criterion) since \(item.listing.since) \(ListingText.term(item.listing, criterion))")
            }
        }
        lines.append("")
        lines.append("Top residents of \(last.month?.description ?? "the month") (points earned in the cycle):")
        let top = try await engine.store.subjects(last.topSubjects.map(\.subject))
        let byID = Dictionary(uniqueKeysWithValues: top.map { ($0.id, $0) })
        for item in last.topSubjects.filter({ byID[$0.subject]?.kind == .person }).prefix(5) {
            lines.append("  \(item.points.signedDescription.leftPadded(6))  \(item.subject)  \(byID[item.subject]?.maskedName ?? "*")  (\(item.scheme))")
        }
        if let sample = result.sample, let subject = try await engine.store.subject(sample) {
            lines.append("")
            lines.append("A sample explained score (civic score \(sample) --explain --as-of \(last.asOf)):")
            lines.append(ScoreText.render(subject: subject, explanations: try await engine.explain(sample), detailed: true))
        }
        lines.append("")
        lines.append("Next: civic list black · civic check SUBJECT no-high-speed-rail · civic score SUBJECT --explain · civic report list")
        return lines.joined(separator: "\n")
    }
}

/// How many persons in a scheme have earned the yearly minimum so far this year.
func quotaProgress(scheme: Scheme.ID, engine: Engine) async throws -> (persons: Int, reached: Int) {
    guard let quota = try await engine.handbooks().scheme(scheme)?.scheme.quota else { return (0, 0) }
    var persons = 0, reached = 0
    var cursor: StandingKey?
    while true {
        let page = try await engine.store.standings(after: cursor, limit: 5_000)
        guard let last = page.last else { break }
        cursor = StandingKey(subject: last.subject, scheme: last.scheme)
        for standing in page where standing.scheme == scheme && standing.subject.rawValue.hasPrefix("p-") {
            persons += 1
            if standing.earned.thisYear >= quota.pointsPerPersonYearly { reached += 1 }
        }
    }
    return (persons, reached)
}

enum ListingText {
    /// How long a listing lasts, in words: a known end, until remedied, or while its trigger holds.
    static func term(_ listing: Listing, _ criterion: ListCriterion?) -> String {
        if let end = listing.endsOn { return "until \(end)" }
        switch criterion?.duration {
        case .untilRemedied: return "until remedied"
        case .whileTriggered: return "while the grade holds"
        default: return "open"
        }
    }
}

extension String {
    func leftPadded(_ width: Int) -> String { String(repeating: " ", count: max(0, width - count)) + self }
}
