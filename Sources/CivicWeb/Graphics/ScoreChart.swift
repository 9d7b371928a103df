public import CivicCore
import Foundation

/// A score's history as an accessible SVG line chart, drawn on the server: a step line (a score
/// changes on a day and holds until the next change), a marker per change whose tooltip explains it,
/// grade thresholds as dashed labelled lines, month ticks under the plot and rounded score ticks
/// beside it.
///
/// The image scales with its container (`width="100%"`, a fixed `viewBox`); colours and line styles
/// come from the stylesheet through classes (`chart-line`, `chart-point`, `chart-grid`, `chart-axis`,
/// `chart-tick` with `chart-tick-score` or `chart-tick-day`, `chart-threshold`,
/// `chart-threshold-label`, `chart-empty`), with plain presentation attributes as a fallback. No
/// script. Output grows linearly with the number of points. Tooltips (`<title>` in each marker) reach
/// mouse users only: a page showing the chart also lists the changes as text.
public struct ScoreChart: Sendable {
    /// The score after a change on `day`.
    public struct Point: Sendable, Hashable {
        public var day: Day
        public var score: Double
        /// What changed, shown after the date in the marker's tooltip
        /// ("+5 Helping a neighbour (rule R12)"); the score is shown when `nil`.
        public var note: String?

        public init(day: Day, score: Points, note: String? = nil) {
            self.init(day: day, score: Double(score.hundredths) / 100, note: note)
        }

        public init(day: Day, score: Double, note: String? = nil) {
            precondition(score.isFinite, "a chart score must be finite")
            self.day = day
            self.score = score
            self.note = note
        }
    }

    /// A horizontal line at a grade's threshold, with its label ("A 1000").
    public struct Threshold: Sendable, Hashable {
        public var score: Double
        public var label: String

        public init(score: Points, label: String) {
            self.init(score: Double(score.hundredths) / 100, label: label)
        }

        public init(score: Double, label: String) {
            precondition(score.isFinite, "a threshold score must be finite")
            self.score = score
            self.label = label
        }
    }

    /// In day order (changes on the same day keep their given order).
    public let points: [Point]
    public let thresholds: [Threshold]
    /// The last score is drawn as held until this day (today), when it is after the last change.
    public let through: Day?

    public init(points: [Point], thresholds: [Threshold] = [], through: Day? = nil) {
        self.points = points.enumerated()
            .sorted { ($0.element.day, $0.offset) < ($1.element.day, $1.offset) }
            .map(\.element)
        self.thresholds = thresholds
        self.through = through
    }

    /// The drawing's coordinate system (the `viewBox`) and plot area.
    static let width = 420.0
    static let height = 240.0
    static let plotLeft = 46.0
    static let plotRight = 410.0
    static let plotTop = 14.0
    static let plotBottom = 214.0
    /// Markers stay this far inside the plot's left and right edges.
    static let inset = 6.0
    static let monthTicksMax = 6
    static let scoreTicksTarget = 5

    /// The chart as an `<svg>` element for an HTML page. `title` and `description` name and describe it
    /// for assistive technology (`<title>`, `<desc>`); `emptyMessage` is shown when there are no points.
    /// Month labels are written in `language`.
    public func svg(title: String, description: String, emptyMessage: String, language: Language = .en) -> String {
        var out = ""
        out += "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 \(n(Self.width)) \(n(Self.height))\""
        out += " width=\"100%\" preserveAspectRatio=\"xMidYMid meet\" role=\"img\""
        out += " aria-label=\"\(SVGMarkup.escaped(title))\" class=\"score-chart\""
        out += " font-family=\"system-ui, sans-serif\" font-size=\"12\" fill=\"currentColor\">"
        out += "<title>\(SVGMarkup.escaped(title))</title>"
        out += "<desc>\(SVGMarkup.escaped(description))</desc>"
        guard let first = points.first, let last = points.last else {
            out += "<text class=\"chart-empty\" x=\"\(n(Self.width / 2))\" y=\"\(n(Self.height / 2))\""
            out += " text-anchor=\"middle\">\(SVGMarkup.escaped(emptyMessage))</text></svg>"
            return out
        }

        let heldUntil = max(last.day, through ?? last.day)
        let layout = Layout(points: points, thresholds: thresholds, first: first.day, last: heldUntil)

        // Score grid and ticks.
        for tick in layout.scoreTicks {
            let y = n(layout.y(tick))
            out += "<line class=\"chart-grid\" x1=\"\(n(Self.plotLeft))\" y1=\"\(y)\" x2=\"\(n(Self.plotRight))\" y2=\"\(y)\""
            out += " stroke=\"currentColor\" stroke-opacity=\"0.15\"/>"
            out += "<text class=\"chart-tick chart-tick-score\" x=\"\(n(Self.plotLeft - 6))\" y=\"\(y)\" text-anchor=\"end\""
            out += " dominant-baseline=\"middle\">\(Self.scoreText(tick))</text>"
        }

        // Month grid and ticks.
        let labelY = n(Self.plotBottom + 16)
        if layout.monthTicks.isEmpty {
            out += "<text class=\"chart-tick chart-tick-day\" x=\"\(n(Self.plotLeft))\" y=\"\(labelY)\" text-anchor=\"start\">\(layout.firstDay)</text>"
            if layout.lastDay != layout.firstDay {
                out += "<text class=\"chart-tick chart-tick-day\" x=\"\(n(Self.plotRight))\" y=\"\(labelY)\" text-anchor=\"end\">\(layout.lastDay)</text>"
            }
        } else {
            for (index, month) in layout.monthTicks.enumerated() {
                let x = n(layout.x(month.firstDay))
                out += "<line class=\"chart-grid\" x1=\"\(x)\" y1=\"\(n(Self.plotTop))\" x2=\"\(x)\" y2=\"\(n(Self.plotBottom))\""
                out += " stroke=\"currentColor\" stroke-opacity=\"0.15\"/>"
                let label = Self.monthLabel(month, interval: layout.monthInterval, isFirst: index == 0, language: language)
                out += "<text class=\"chart-tick chart-tick-day\" x=\"\(x)\" y=\"\(labelY)\" text-anchor=\"middle\">\(SVGMarkup.escaped(label))</text>"
            }
        }

        // Axes.
        out += "<path class=\"chart-axis\" d=\"M\(n(Self.plotLeft)) \(n(Self.plotTop))V\(n(Self.plotBottom))H\(n(Self.plotRight))\""
        out += " fill=\"none\" stroke=\"currentColor\"/>"

        // Grade thresholds.
        for threshold in thresholds {
            let y = n(layout.y(threshold.score))
            out += "<line class=\"chart-threshold\" x1=\"\(n(Self.plotLeft))\" y1=\"\(y)\" x2=\"\(n(Self.plotRight))\" y2=\"\(y)\""
            out += " stroke=\"currentColor\" stroke-dasharray=\"6 4\"/>"
            out += "<text class=\"chart-threshold-label\" x=\"\(n(Self.plotRight - 4))\" y=\"\(n(layout.y(threshold.score) - 4))\""
            out += " text-anchor=\"end\">\(SVGMarkup.escaped(threshold.label))</text>"
        }

        // The step line: flat until the next change, then straight up or down on its day.
        out += "<polyline class=\"chart-line\" fill=\"none\" stroke=\"currentColor\" stroke-width=\"2\" points=\""
        var previousY: String?
        for point in points {
            let x = n(layout.x(point.day)), y = n(layout.y(point.score))
            if let previousY { out += " \(x),\(previousY)" }
            out += (previousY == nil ? "" : " ") + "\(x),\(y)"
            previousY = y
        }
        if heldUntil > last.day, let previousY { out += " \(n(layout.x(heldUntil))),\(previousY)" }
        out += "\"/>"

        // A marker per change, its tooltip the explanation.
        for point in points {
            let tooltip = "\(point.day): " + (point.note ?? Self.scoreText(point.score))
            out += "<circle class=\"chart-point\" cx=\"\(n(layout.x(point.day)))\" cy=\"\(n(layout.y(point.score)))\" r=\"3.5\">"
            out += "<title>\(SVGMarkup.escaped(tooltip))</title></circle>"
        }
        out += "</svg>"
        return out
    }

    private func n(_ value: Double) -> String { SVGMarkup.number(value) }

    /// A score as its exact short decimal ("1000", "2.5", "-0.25").
    static func scoreText(_ value: Double) -> String {
        Points(hundredths: Int64((value * 100).rounded())).description
    }

    static func monthLabel(_ month: Month, interval: Int, isFirst: Bool, language: Language) -> String {
        switch language {
        case .en:
            let names = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
            if interval >= 12 { return "\(month.year)" }
            return isFirst || month.month == 1 ? "\(names[month.month - 1]) \(month.year)" : names[month.month - 1]
        case .zh:
            if interval >= 12 { return "\(month.year)年" }
            return isFirst || month.month == 1 ? "\(month.year)年\(month.month)月" : "\(month.month)月"
        }
    }
}

extension ScoreChart {
    /// Scales and ticks for one chart.
    struct Layout {
        let firstDay: Day
        let lastDay: Day
        /// The score range the plot spans, on tick boundaries.
        let lowScore: Double
        let highScore: Double
        let scoreTicks: [Double]
        let monthTicks: [Month]
        let monthInterval: Int

        init(points: [Point], thresholds: [Threshold], first: Day, last: Day) {
            // Days: a single day is shown in the middle of a month-wide window.
            if first == last {
                firstDay = first.adding(days: -15)
                lastDay = last.adding(days: 15)
            } else {
                firstDay = first
                lastDay = last
            }

            // Scores: every point and threshold inside, widened to round tick steps.
            let values = points.map(\.score) + thresholds.map(\.score)
            var low = values.min()!, high = values.max()!
            if high - low < 0.01 {
                let pad = max(abs(low) * 0.05, 1)
                low -= pad
                high += pad
            }
            let step = Layout.niceStep((high - low) / Double(ScoreChart.scoreTicksTarget))
            var lowTick = (low / step).rounded(.down), highTick = (high / step).rounded(.up)
            if lowTick * step > low { lowTick -= 1 }
            if highTick * step < high { highTick += 1 }
            lowScore = lowTick * step
            highScore = highTick * step
            scoreTicks = (0...Int(highTick - lowTick)).map { (lowTick + Double($0)) * step }

            // Months: the first days of months inside the range, every 1, 2, 3, 4, 6 or 12*k months.
            var months: [Month] = []
            var month = firstDay.month
            if month.firstDay < firstDay { month = month.next }
            let monthCount = max(0, (lastDay.year - month.year) * 12 + lastDay.month.month - month.month + 1)
            let perTick = (monthCount + ScoreChart.monthTicksMax - 1) / ScoreChart.monthTicksMax
            let interval = [1, 2, 3, 4, 6].first { perTick <= $0 } ?? 12 * ((perTick + 11) / 12)
            for _ in 0..<monthCount where month.firstDay <= lastDay {
                if (month.year * 12 + month.month - 1) % interval == 0 { months.append(month) }
                month = month.next
            }
            monthTicks = months
            monthInterval = interval
        }

        /// 1, 2, 2.5 or 5 times a power of ten, at least `raw`, and never below a hundredth.
        static func niceStep(_ raw: Double) -> Double {
            guard raw > 0.01 else { return 0.01 }
            let magnitude = pow(10, (log10(raw)).rounded(.down))
            let fraction = raw / magnitude
            let nice: Double = fraction <= 1 ? 1 : fraction <= 2 ? 2 : fraction <= 2.5 ? 2.5 : fraction <= 5 ? 5 : 10
            return nice * magnitude
        }

        func x(_ day: Day) -> Double {
            let span = Double(firstDay.days(until: lastDay))
            let share = Double(firstDay.days(until: day)) / span
            let left = ScoreChart.plotLeft + ScoreChart.inset, right = ScoreChart.plotRight - ScoreChart.inset
            return left + share * (right - left)
        }

        func y(_ score: Double) -> Double {
            let share = (score - lowScore) / (highScore - lowScore)
            return ScoreChart.plotBottom - share * (ScoreChart.plotBottom - ScoreChart.plotTop)
        }
    }
}
