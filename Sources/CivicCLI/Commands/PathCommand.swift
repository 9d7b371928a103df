import ArgumentParser
import CivicCore
import Foundation

struct PathCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "path",
        abstract: "What would change a subject's grade: each entry reversed or expired, and the rules that lead to the next grade.",
        discussion: "Rules are listed with their points, cap and how many entries reach the next grade; lock-ins and grade caps give the earliest day.")
    @OptionGroup var store: StoreOptions
    @OptionGroup var output: OutputOptions
    @Argument(help: "Subject id.") var subject: String
    @Option(help: "Only this scheme.") var scheme: String?

    func run() async throws {
        let engine = try await store.engine()
        let id: Subject.ID = try identifier(subject, field: "SUBJECT")
        let paths = try await engine.path(id, scheme: try scheme.map { text throws(CivicError) in try identifier(text, field: "--scheme") })
        if output.json { return try Terminal.printJSON(paths) }
        let handbooks = try await engine.handbooks()
        print(paths.map { PathText.render($0, scheme: handbooks.scheme($0.scheme)?.scheme) }.joined(separator: "\n\n"))
        if paths.isEmpty { print("no scheme rates '\(id)'") }
    }
}

enum PathText {
    static func render(_ path: GradePath, scheme: Scheme?) -> String {
        var lines = ["\(path.subject) in \(path.scheme), as of \(path.asOf): score \(path.score)" + (path.grade.map { ", grade \($0)" } ?? "")]
        if let next = path.nextGrade, let minimum = path.nextGradeMinimum, let needed = path.pointsNeeded {
            lines.append("  next grade \(next) from \(minimum): " + (needed == .zero ? "the score is already there" : "\(needed) more point(s) needed"))
        } else if path.grade != nil {
            lines.append("  already at the highest grade")
        } else {
            lines.append("  this scheme has no grades")
        }
        for hold in path.holds { lines.append("  held: \(hold.reason)") }
        if path.nextGrade != nil {
            lines.append("  earliest day the next grade is possible: " + (path.earliestDay.map { "\($0)" } ?? "only after a remedy or correction"))
        }
        if !path.entries.isEmpty {
            lines.append("  entries counting now:")
            for effect in path.entries {
                let amount = effect.stars.map { "\($0)★" } ?? effect.points.signedDescription
                var line = "    \(effect.entry) \(effect.rule?.rawValue ?? "") \(amount): if reversed, \(describe(effect.ifReversed))"
                if let expiry = effect.onExpiry { line += "; on expiry \(expiry.asOf), \(describe(expiry))" } else { line += "; never expires" }
                lines.append(line)
            }
        }
        if path.pointsNeeded == .zero {
            lines.append("  no more points are needed: the holds above decide when the grade can rise")
        } else if !path.rules.isEmpty {
            lines.append("  rules that add points:")
            for step in path.rules {
                var line = "    \(step.rule) \(step.title.en) / \(step.title.zh): "
                line += step.stars.map { "rating up to \($0)★ in \(step.dimension?.rawValue ?? "-")" } ?? (step.points?.signedDescription ?? "")
                if let cap = step.cap { line += ", at most \(cap.count) per \(cap.period.rawValue) (\(step.usedThisPeriod ?? 0) used)" }
                line += ", reported by \(step.reporters.map(\.rawValue).joined(separator: "/"))"
                if path.nextGrade != nil {
                    if let count = step.occurrencesNeeded {
                        line += "; \(count) needed" + (step.periodsNeeded.map { $0 > 1 ? " over \($0) \(step.cap?.period.rawValue ?? "period")s" : "" } ?? "")
                            + (step.earliestDay.map { ", earliest \($0)" } ?? ", after a remedy or correction")
                    } else {
                        line += "; cannot reach \(path.nextGrade!) alone"
                    }
                }
                lines.append(line)
            }
        }
        return lines.joined(separator: "\n")
    }

    static func describe(_ outcome: GradePath.Outcome) -> String {
        "score \(outcome.score)" + (outcome.grade.map { " grade \($0)" } ?? "")
    }
}
