import CivicAPI
import CivicAccess
import CivicCore
import Foundation
import Hummingbird

/// The administrator's pages: dashboard, handbook editor, subjects, relying parties and tokens.
/// An auditor reads the same pages; every change asks the policy, which refuses the auditor.
extension WebServices {
    func registerAdmin(on router: Router<APIRequestContext>) {
        get(router, "/admin") { page in
            try page.requireStaff()
            _ = try page.admit(.getOversight)
            let (jurisdictions, selected) = try await page.adminJurisdiction()
            let dashboard = try await AdminDashboard.compute(page: page, jurisdiction: selected)
            var model = dashboard.model(page: page)
            model["jurisdictions"] = jurisdictions
            return page.render("admin/dashboard", title: page.text("admin.dashboardTitle"), model: model)
        }
        registerAdminHandbook(on: router)
        registerAdminSubjects(on: router)
        registerAdminParties(on: router)
        registerAdminAccounts(on: router)
    }
}

extension Page {
    /// The administrator's pages are for administrators and auditors (the auditor reading only).
    func requireStaff() throws {
        let role = try account.role
        guard role == .administrator || role == .auditor else {
            throw APIError(.forbidden, text("admin.staffOnly"))
        }
    }

    /// True when the caller may make this change (an administrator); an auditor reads only.
    func may(_ operation: APIOperation) -> Bool {
        guard let account = caller.account, (try? Policy.admit(caller, to: operation)) != nil else { return false }
        return account.role == .administrator
    }

    /// The jurisdictions with a published handbook (for a select) and the chosen one (`?jurisdiction=`, else the first).
    func adminJurisdiction(_ chosen: String? = nil) async throws -> (options: [[String: Any]], selected: Jurisdiction.ID) {
        let handbooks = try await engine.handbooks()
        let all = try await store.jurisdictions().filter { handbooks.current(for: $0.id) != nil }.sorted { $0.id < $1.id }
        guard let first = all.first else { throw APIError(.notFound, text("admin.noHandbook")) }
        let wanted = chosen ?? query("jurisdiction")
        var selected = first.id
        if let wanted, !wanted.isEmpty {
            guard let found = all.first(where: { $0.id.rawValue == wanted }) else { throw PageError.notFound }
            selected = found.id
        }
        let options: [[String: Any]] = all.map { ["id": $0.id.rawValue, "name": text($0.name), "selected": $0.id == selected] }
        return (options, selected)
    }

    /// A Unix time as a UTC date and time.
    func time(_ seconds: Int64) -> String {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withFullDate, .withTime, .withColonSeparatorInTime, .withSpaceBetweenDateAndTime]
        formatter.timeZone = TimeZone(identifier: "UTC")
        return formatter.string(from: Date(timeIntervalSince1970: TimeInterval(seconds))) + " UTC"
    }
}

/// The dashboard's figures for one jurisdiction, folded from the ledger as of today and the last month ends.
struct AdminDashboard {
    struct SchemeFigures {
        var scheme: Scheme
        /// Per point in time (the trend's month ends, then today): subjects per grade, score sum, subjects.
        var grades: [[Grade: Int]]
        var scoreSum: [Int64]
        var subjects: [Int]
    }

    static let trendMonths = 6

    var jurisdiction: Jurisdiction.ID
    var days: [Day]
    var schemes: [SchemeFigures]
    var redList = 0
    var blackList = 0
    var pendingReports = 0
    var undecidedAppeals = 0
    var overdueAppeals = 0
    var flagged: [ActorFigures] = []

    static func compute(page: Page, jurisdiction: Jurisdiction.ID) async throws -> AdminDashboard {
        let store = page.store
        let today = page.today
        let handbooks = try await page.engine.handbooks()
        guard let current = handbooks.current(for: jurisdiction) else { throw PageError.notFound }
        let jurisdictions = try await store.jurisdictions()
        var month = today.month
        var days: [Day] = []
        for _ in 0..<trendMonths {
            month = month.previous
            days.insert(month.lastDay, at: 0)
        }
        days.append(today)
        let schemes = current.handbook.schemes
        let evaluators = schemes.map(Evaluator.init)
        var figures = schemes.map {
            SchemeFigures(scheme: $0, grades: Array(repeating: [:], count: days.count),
                          scoreSum: Array(repeating: 0, count: days.count), subjects: Array(repeating: 0, count: days.count))
        }
        var cursor: Subject.ID?
        let batchSize = 500
        while true {
            let batch = try await store.ledgers(after: cursor, limit: batchSize)
            for ledger in batch {
                let subject = ledger.subject
                guard jurisdictions.lineage(of: subject.jurisdiction).contains(jurisdiction) else { continue }
                for (index, scheme) in schemes.enumerated() where scheme.subjectKinds.contains(subject.kind) {
                    let entries = ledger.entries.filter { $0.scheme == scheme.id }
                    for (at, day) in days.enumerated() where subject.registeredOn <= day {
                        let standing = evaluators[index].standing(subject: subject.id, entries: entries, asOf: day)
                        figures[index].subjects[at] += 1
                        figures[index].scoreSum[at] += standing.score.hundredths
                        if let grade = standing.grade { figures[index].grades[at][grade, default: 0] += 1 }
                    }
                }
            }
            guard batch.count == batchSize, let last = batch.last else { break }
            cursor = last.subject.id
        }
        var dashboard = AdminDashboard(jurisdiction: jurisdiction, days: days, schemes: figures)
        let schemeIDs = Set(schemes.map(\.id))
        dashboard.redList = Set(try await store.listings(on: .red, activeOn: today, limit: 1_000_000)
            .filter { schemeIDs.contains($0.scheme) }.map(\.subject)).count
        dashboard.blackList = Set(try await store.listings(on: .black, activeOn: today, limit: 1_000_000)
            .filter { schemeIDs.contains($0.scheme) }.map(\.subject)).count
        // Every cycle: a report filed after the collection day waits for next month's cycle and is pending all the same.
        dashboard.pendingReports = try await store.reports(statuses: [.pending], throughCycle: Month.last)
            .filter { schemeIDs.contains($0.report.scheme) }.count
        (dashboard.undecidedAppeals, dashboard.overdueAppeals) = try await undecidedAppeals(store, on: today) { schemeIDs.contains($0.scheme) }
        dashboard.flagged = try await page.engine.oversight(scope: jurisdiction).flagged
        return dashboard
    }

    /// Undecided appeals that `included` keeps, and how many of them are past their deadline on `day`, read a page at a time.
    static func undecidedAppeals(_ store: any Store, on day: Day, _ included: (Appeal) -> Bool) async throws -> (undecided: Int, overdue: Int) {
        var undecided = 0, overdue = 0
        var cursor: Appeal.ID?
        while true {
            let batch = try await store.undecidedAppeals(after: cursor, limit: 500)
            for record in batch where included(record.appeal) {
                undecided += 1
                if record.appeal.decideBy < day { overdue += 1 }
            }
            guard batch.count == 500, let last = batch.last else { break }
            cursor = last.appeal.id
        }
        return (undecided, overdue)
    }

    func model(page: Page) -> [String: Any] {
        let j = jurisdiction.rawValue
        let subjectsLink = "/admin/subjects?jurisdiction=" + Page.escapeQuery(j)
        let schemeModels: [[String: Any]] = schemes.map { figures in
            let last = days.count - 1
            let bands = figures.scheme.grades?.bands ?? []
            let maximum = max(1, bands.map { figures.grades[last][$0.grade] ?? 0 }.max() ?? 0)
            let barHeight = 28
            let bars: [[String: Any]] = bands.enumerated().map { index, band in
                let count = figures.grades[last][band.grade] ?? 0
                let width = count == 0 ? 0 : max(2, count * 560 / maximum)
                return ["grade": band.grade.rawValue, "count": count, "y": index * (barHeight + 8), "textY": index * (barHeight + 8) + 19,
                        "width": width, "countX": 60 + width + 8, "height": barHeight,
                        "rank": min(index, 4)]
            }
            let means: [Int64] = figures.scoreSum.indices.map { figures.subjects[$0] == 0 ? 0 : figures.scoreSum[$0] / Int64(figures.subjects[$0]) }
            let trend: [[String: Any]] = days.indices.map { at in
                var row: [String: Any] = ["day": at == last ? page.text("admin.today") + " " + days[at].description : days[at].description,
                                          "subjects": figures.subjects[at],
                                          "mean": Points(hundredths: means[at]).description]
                row["grades"] = bands.map { ["count": figures.grades[at][$0.grade] ?? 0] }
                return row
            }
            // The mean score as a line on labelled axes. The y axis spans at least a twentieth of the scale's base
            // (50 points on a 1,000-point scale; the product's own choice), so a change of a fraction of a point
            // stays flat instead of filling the chart as a climb.
            let axis = TrendAxis(means: means, base: figures.scheme.pointsBase)
            let points = means.enumerated().map { index, mean -> (Int, Int) in
                (TrendAxis.left + index * TrendAxis.width / max(1, means.count - 1), axis.y(mean))
            }
            let line = points.map { "\($0.0),\($0.1)" }.joined(separator: " ")
            let xLabels: [[String: Any]] = days.indices.map { at in
                ["x": points[at].0, "label": at == last ? page.text("admin.today") : days[at].month.description]
            }
            return [
                "id": figures.scheme.id.rawValue, "title": page.text(figures.scheme.title),
                "subjects": figures.subjects[last], "meanToday": Points(hundredths: means[last]).description,
                "hasGrades": !bands.isEmpty, "bars": bars, "chartHeight": max(1, bands.count) * (barHeight + 8),
                "chartLabel": page.text("admin.gradeChartLabel", ["scheme": page.text(figures.scheme.title)]),
                "gradeHeads": bands.map { ["grade": $0.grade.rawValue] },
                "trend": trend, "line": line,
                "dots": points.map { ["x": $0.0, "y": $0.1] },
                "yTicks": axis.ticks.map { ["y": axis.y($0), "label": Points(hundredths: $0).description] },
                "xLabels": xLabels,
                "trendLabel": page.text("admin.trendChartLabel", ["from": Points(hundredths: means.first ?? 0).description,
                                                                  "to": Points(hundredths: means[last]).description]),
                "subjectsLink": subjectsLink,
            ]
        }
        let flags: [[String: Any]] = flagged.map { figures in
            [
                "actor": figures.actor.rawValue, "name": figures.name, "role": figures.role.rawValue, "volume": figures.volume,
                "flags": figures.flags.map { ["metric": $0.metric, "reason": $0.reason] },
                "link": "/admin/subjects?q=" + Page.escapeQuery(figures.name),
            ]
        }
        return [
            "jurisdiction": j, "schemes": schemeModels, "redList": redList, "blackList": blackList,
            "pendingReports": pendingReports, "undecidedAppeals": undecidedAppeals, "overdueAppeals": overdueAppeals,
            "flagged": flags, "hasFlags": !flags.isEmpty, "boardLink": "/board/" + j, "subjectsLink": subjectsLink,
            "handbookLink": "/admin/handbook?jurisdiction=" + Page.escapeQuery(j),
        ]
    }
}

/// The trend chart's y axis: from a round value at or below the lowest mean to one at or above the highest,
/// spanning at least a twentieth of the scale's base, with three labelled ticks.
package struct TrendAxis {
    package static let left = 60, width = 500, top = 20, height = 120
    package let low: Int64
    package let high: Int64

    package init(means: [Int64], base: Int64?) {
        let lowest = means.min() ?? 0, highest = means.max() ?? 0
        // Hundredths of a point: at least 1 point, or a twentieth of the base.
        let minimumSpan = max(100, (base ?? 0) / 20)
        let middle = (lowest + highest) / 2
        let span = max(minimumSpan, highest - lowest)
        // Ticks fall on whole multiples of a step of 1, 2 or 5 times a power of ten (in points).
        var step: Int64 = 100
        while span / step > 4 {
            let mantissa = String(step).first!
            step = mantissa == "2" ? step / 2 * 5 : step * 2
        }
        var low = (middle - span / 2) / step * step
        if low > lowest { low -= step }
        var high = low + max(span, step)
        while high < highest { high += step }
        if high % step != 0 { high += step - high % step }
        self.low = low
        self.high = high
    }

    package var ticks: [Int64] { [low, (low + high) / 2, high] }

    package func y(_ value: Int64) -> Int {
        TrendAxis.top + TrendAxis.height - Int((value - low) * Int64(TrendAxis.height) / max(1, high - low))
    }
}

extension Scheme {
    /// The base of a points scale, in hundredths; nil for stars and weighted scales.
    var pointsBase: Int64? {
        if case .points(let scale) = self.scale { return scale.base.hundredths }
        return nil
    }
}
