import ArgumentParser
import CivicCore
import Foundation

struct ScoreCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "score",
        abstract: "Show a subject's score, grade and lists in every scheme that rates it, folded fresh from the ledger.")
    @OptionGroup var store: StoreOptions
    @OptionGroup var output: OutputOptions
    @Argument(help: "Subject id.") var subject: String
    @Flag(help: "Show each contributing entry with its rule, report and decision.") var explain = false

    func run() async throws {
        let engine = try await store.engine()
        let id: Subject.ID = try identifier(subject, field: "SUBJECT")
        guard let subject = try await engine.store.subject(id) else { throw CivicError(.notFound, "no subject '\(id)'") }
        let explanations = try await engine.explain(id)
        if output.json { return try Terminal.printJSON(explanations.map(ExplainedScore.init)) }
        print(ScoreText.render(subject: subject, explanations: explanations, detailed: explain))
    }
}

struct CheckCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check",
        abstract: "Ask what a relying party may ask: does measure X apply to this subject? Yes or no, with a reason code.")
    @OptionGroup var store: StoreOptions
    @OptionGroup var output: OutputOptions
    @Argument(help: "Subject id.") var subject: String
    @Argument(help: "Measure id from the handbook.") var measure: String
    @Option(help: ArgumentHelp("The scheme whose measure is meant; needed where several schemes define a measure of this id.", valueName: "scheme"))
    var scheme: String?

    func run() async throws {
        let engine = try await store.engine()
        let schemeID: Scheme.ID? = try scheme.map { try identifier($0, field: "--scheme") }
        let decision: EligibilityDecision
        do {
            decision = try await engine.check(try identifier(subject, field: "SUBJECT"), measure: try identifier(measure, field: "MEASURE"), scheme: schemeID)
        } catch var error as CivicError where error.location == "scheme" {
            error.location = "--scheme"
            throw error
        }
        if output.json { return try Terminal.printJSON(decision) }
        let answer = decision.kind == .reward ? (decision.applies ? "eligible" : "not eligible") : (decision.applies ? "restricted" : "not restricted")
        let of = decision.scheme.map { " of \($0)" } ?? ""
        print("\(decision.measure)\(of) (\(decision.kind.rawValue)) for \(decision.subject): \(decision.applies ? "yes" : "no"), \(answer); reason \(decision.reason); as of \(decision.asOf)")
        if let tier = decision.tier { print("tier: \(TierText.describe(tier))") }
        if let hint = decision.remedyHint { print("how to remedy: \(hint.en) / \(hint.zh)") }
    }
}

struct ListCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "list", abstract: "Show the red list or the blacklist, with masked names, as of the last cycle close or refresh.")
    @OptionGroup var store: StoreOptions
    @OptionGroup var output: OutputOptions
    @Argument(help: "red or black.") var list: String
    @Option(help: "At most this many rows.") var limit: Int = 200

    func run() async throws {
        let engine = try await store.engine()
        guard let kind = ListKind(rawValue: list) else { throw CivicError(.invalidInput, "LIST: '\(list)' is not red or black") }
        let today = try store.today()
        let listed = try await engine.store.listings(on: kind, activeOn: today, limit: max(1, min(limit, Limits.pageSizeMax)))
        let subjects = Dictionary(uniqueKeysWithValues: try await engine.store.subjects(listed.map(\.subject)).map { ($0.id, $0) })
        if output.json {
            struct Row: Encodable { var subject: String; var name: String; var scheme: String; var listing: Listing }
            return try Terminal.printJSON(listed.map { Row(subject: $0.subject.rawValue, name: subjects[$0.subject]?.maskedName ?? "*", scheme: $0.scheme.rawValue, listing: $0.listing) })
        }
        let handbooks = try await engine.handbooks()
        print(Terminal.table(["subject", "name", "scheme", "criterion", "since", "term", "reason"], listed.map { item in
            [item.subject.rawValue, subjects[item.subject]?.maskedName ?? "*", item.scheme.rawValue, item.listing.criterion.rawValue,
             item.listing.since.description,
             ListingText.term(item.listing, handbooks.scheme(item.scheme)?.scheme.lists.first { $0.id == item.listing.criterion }),
             item.listing.reason]
        }))
        print("\(listed.count) on the \(kind.rawValue) list on \(today)")
    }
}

/// The JSON shape of an explained score.
struct ExplainedScore: Encodable {
    var scheme: String
    var handbookVersion: Int
    var standing: Standing
    var base: Points?
    var gradeReasons: [String]
    var contributions: [Contribution]
    var excluded: [Excluded]

    struct Contribution: Encodable {
        var entry: Entry
        var ruleTitle: LocalizedText?
        var report: ReportRecord?
        var correctedOn: Day?
        var remediedOn: Day?
    }

    struct Excluded: Encodable {
        var entry: String
        var reason: String
    }

    init(_ value: SchemeExplanation) {
        scheme = value.scheme.id.rawValue
        handbookVersion = value.handbook.version
        standing = value.explanation.standing
        if case .points(let scale) = value.scheme.scale { base = scale.base }
        gradeReasons = value.explanation.gradeReasons
        contributions = value.explanation.contributions.map { contribution in
            Contribution(entry: contribution.entry, ruleTitle: contribution.entry.rule.flatMap { value.scheme.rule($0)?.title },
                         report: contribution.entry.report.flatMap { value.reports[$0] },
                         correctedOn: contribution.correctedOn, remediedOn: contribution.remediedOn)
        }
        excluded = value.explanation.excluded.map { item in
            switch item.reason {
            case .notYetEffective: Excluded(entry: item.entry.id.rawValue, reason: "not yet effective")
            case .expired(let day): Excluded(entry: item.entry.id.rawValue, reason: "expired \(day)")
            case .suspended(let day): Excluded(entry: item.entry.id.rawValue, reason: "suspended since \(day): appeal not decided in time")
            }
        }
    }
}

enum ScoreText {
    static func render(subject: Subject, explanations: [SchemeExplanation], detailed: Bool) -> String {
        var lines: [String] = []
        let asOf = explanations.first?.explanation.standing.asOf.description ?? "-"
        lines.append("\(subject.id)  \(subject.kind.rawValue)  \(subject.name)  (\(subject.jurisdiction), as of \(asOf))")
        if explanations.isEmpty { lines.append("no scheme rates this \(subject.kind.rawValue) yet") }
        for item in explanations {
            let standing = item.explanation.standing
            let scheme = item.scheme
            lines.append("")
            lines.append("\(scheme.id) — \(scheme.title.en) / \(scheme.title.zh) (handbook v\(item.handbook.version), \(scheme.scale.kind) scale)")
            var headline = "  score \(standing.score)"
            if let grade = standing.grade { headline += "  grade \(grade)" }
            headline += "  (no record scores \(scheme.neutralScore))"
            if !standing.hasRecord { headline += "  — no record: neutral" }
            lines.append(headline)
            if !standing.dimensions.isEmpty {
                lines.append("  dimensions: " + standing.dimensions.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", "))
            }
            for reason in item.explanation.gradeReasons { lines.append("  grade: \(reason)") }
            for listing in standing.listings where listing.isActive(on: standing.asOf) {
                lines.append("  on the \(listing.list.rawValue) list since \(listing.since) (\(listing.criterion)): \(listing.reason)"
                    + (listing.endsOn.map { ", until \($0)" } ?? ""))
            }
            if let quota = standing.quota {
                lines.append("  quota \(quota.year): earned \(quota.earned) of \(quota.required) required"
                    + (quota.exemptMembers > 0 ? " (\(quota.exemptMembers) of \(quota.members) exempt)" : "") + (quota.isMet ? " — met" : " — NOT met"))
            }
            if scheme.quota != nil { lines.append("  points earned this year: \(standing.earned.thisYear)") }
            guard detailed else { continue }
            for measure in scheme.measures where measure.tiers != nil {
                let decision = measure.decide(standing, grades: scheme.grades)
                let answer = decision.tier.map { "tier \(TierText.describe($0))" } ?? "no tier applies"
                lines.append("  measure \(measure.id) (\(measure.kind.rawValue)): \(answer); reason \(decision.reason)")
            }
            if case .points(let scale) = scheme.scale { lines.append("  \(pad("base", 8)) \(scale.base)") }
            for contribution in item.explanation.contributions {
                let entry = contribution.entry
                let rule = entry.rule.flatMap { scheme.rule($0) }
                let amount = entry.kind == .rating ? "\(entry.stars ?? 0)★" : entry.points.signedDescription
                var line = "  \(pad(amount, 8)) \(entry.id)  \(entry.kind.rawValue) \(entry.rule?.rawValue ?? "")"
                if let rule { line += " \(rule.title.en) / \(rule.title.zh)" }
                if let dimension = entry.dimension { line += " [\(dimension)]" }
                line += "  effective \(entry.effectiveOn)" + (entry.expiresOn.map { ", expires \($0)" } ?? ", no expiry")
                // The handbook's fine, for information: CivicCredit never collects it.
                if let fine = rule?.fineYuan, entry.kind == .deed { line += ", fine \(fine) yuan (not collected here)" }
                lines.append(line)
                if let reportID = entry.report, let record = item.reports[reportID] {
                    let report = record.report
                    var detail = "           report \(report.id) by \(report.reporter) (\(report.reporterRole.rawValue)\(report.isSelfClaim ? ", self-claim" : "")) on \(report.occurredOn): \(report.statement)"
                    if !report.evidence.isEmpty { detail += " [evidence: \(report.evidence.map { "\($0.kind.rawValue) \($0.reference)" }.joined(separator: ", "))]" }
                    lines.append(detail)
                    for decision in record.decisions {
                        let name = item.reviewers[decision.reviewer]?.name ?? decision.reviewer.rawValue
                        lines.append("           decided \(decision.outcome.label) by \(name) (\(decision.reviewer)) on \(decision.decidedOn)" + (decision.reason.isEmpty ? "" : ": \(decision.reason)"))
                    }
                } else if !entry.note.isEmpty {
                    lines.append("           \(entry.note) (recorded by \(entry.recordedBy))")
                }
                if let corrected = contribution.correctedOn { lines.append("           corrected on \(corrected)") }
                if let remedied = contribution.remediedOn { lines.append("           remedied on \(remedied)") }
            }
            if case .points = scheme.scale { lines.append("  \(pad("=", 8)) \(standing.score)") }
            for item in item.explanation.excluded {
                switch item.reason {
                case .expired(let day): lines.append("  (not counted) \(item.entry.id): expired on \(day)")
                case .notYetEffective: lines.append("  (not counted) \(item.entry.id): effective from \(item.entry.effectiveOn)")
                case .suspended(let day):
                    lines.append("  (not counted) \(item.entry.id): suspended since \(day), an appeal against it was not decided in time")
                }
            }
        }
        return lines.joined(separator: "\n")
    }

    static func pad(_ text: String, _ width: Int) -> String { text + String(repeating: " ", count: max(0, width - text.count)) }
}

enum SummaryText {
    static func cycle(_ summary: CycleSummary) -> String {
        var lines: [String] = []
        let what = summary.month.map { "cycle \($0) of \(summary.jurisdiction?.rawValue ?? "all")" } ?? "standings of \(summary.jurisdiction?.rawValue ?? "all jurisdictions")"
        if summary.result == .unchanged {
            return "\(what) was already closed; nothing changed"
        }
        lines.append("\(what), as of \(summary.asOf)")
        if summary.month != nil {
            lines.append("  entered \(summary.entered), capped \(summary.capped), cured \(summary.cured), awaiting grace \(summary.awaitingGrace), still pending \(summary.carriedOver)")
        }
        lines.append("  standings \(summary.standingsComputed): \(summary.gradeFalls) grade falls, \(summary.gradeRises) rises")
        for list in ListKind.allCases {
            lines.append("  \(list.rawValue) list: +\(summary.listingsStarted[list.rawValue] ?? 0) -\(summary.listingsEnded[list.rawValue] ?? 0)")
        }
        for (scheme, grades) in summary.gradeDistribution.sorted(by: { $0.key < $1.key }) {
            lines.append("  \(scheme): " + grades.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", "))
        }
        return lines.joined(separator: "\n")
    }
}

enum TierText {
    /// "waived — Deposit waived / 免押金: 100 percent"; a named level shows its title only.
    static func describe(_ tier: TierAnswer) -> String {
        let value = switch tier.value {
        case .amount(let amount, let unit): ": \(amount) \(unit.rawValue)"
        case .level: " (level)"
        }
        return "\(tier.id) — \(tier.title.en) / \(tier.title.zh)\(value)"
    }
}
