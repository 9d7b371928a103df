import CivicCore
import Foundation
import Testing
@testable import CivicWeb
#if canImport(FoundationXML)
import FoundationXML
#endif

/// The chart's SVG read back: XML-parsed elements with their attributes and text.
struct ParsedSVG {
    struct Element {
        let name: String
        let attributes: [String: String]
        let text: String

        func number(_ attribute: String) -> Double? { attributes[attribute].flatMap(Double.init) }
    }

    let root: Element
    let elements: [Element]

    /// Parses `svg` as XML (a malformed document fails the calling test).
    init(_ svg: String) throws {
        let document = try XMLDocument(xmlString: svg, options: [])
        let rootNode = try #require(document.rootElement())
        var all: [Element] = []
        func walk(_ node: XMLElement) {
            let attributes = Dictionary(
                (node.attributes ?? []).map { ($0.localName ?? $0.name ?? "", $0.stringValue ?? "") },
                uniquingKeysWith: { first, _ in first })
            all.append(Element(name: node.localName ?? node.name ?? "", attributes: attributes, text: node.stringValue ?? ""))
            for case let child as XMLElement in node.children ?? [] { walk(child) }
        }
        walk(rootNode)
        self.root = all[0]
        self.elements = all
    }

    func all(_ name: String, class className: String? = nil) -> [Element] {
        elements.filter { element in
            element.name == name
                && (className == nil || (element.attributes["class"] ?? "").split(separator: " ").contains { $0 == className! })
        }
    }
}

@Suite struct ScoreChartTests {
    static func day(_ text: String) -> Day { Day(iso: text)! }

    static let history: [ScoreChart.Point] = [
        .init(day: day("2026-01-05"), score: Points(1000), note: "Starting score"),
        .init(day: day("2026-02-10"), score: Points(1005), note: "+5 Helping a neighbour (rule R12)"),
        .init(day: day("2026-03-04"), score: Points(hundredths: 99_550), note: "-9.5 Late <waste> sorting & fines (rule R3)"),
        .init(day: day("2026-03-04"), score: Points(990), note: "-5.5 Second report the same day"),
        .init(day: day("2026-05-20"), score: Points(1020), note: "+30 Volunteer month"),
    ]
    static let grades: [ScoreChart.Threshold] = [
        .init(score: Points(1050), label: "AAA 1050"),
        .init(score: Points(1000), label: "A 1000"),
        .init(score: Points(960), label: "B <960> & \"below\""),
    ]

    /// The chart is well-formed XML: an accessible, scalable SVG with title, description, no script,
    /// and every drawn part named by a class the stylesheet can colour.
    @Test func accessibleScalableStructure() throws {
        let svg = ScoreChart(points: Self.history, thresholds: Self.grades, through: Self.day("2026-06-30"))
            .svg(title: "Score history", description: "From 1000 to 1020 since January", emptyMessage: "No changes")
        let parsed = try ParsedSVG(svg)
        #expect(parsed.root.name == "svg")
        #expect(parsed.root.attributes["role"] == "img")
        #expect(parsed.root.attributes["width"] == "100%")
        #expect(parsed.root.attributes["viewBox"] == "0 0 420 240")
        #expect(parsed.root.attributes["aria-label"] == "Score history")
        #expect(parsed.all("title").first?.text == "Score history")
        #expect(parsed.all("desc").first?.text == "From 1000 to 1020 since January")
        #expect(parsed.all("script").isEmpty)
        #expect(!svg.contains("style="))
        #expect(parsed.all("polyline", class: "chart-line").count == 1)
        #expect(parsed.all("circle", class: "chart-point").count == Self.history.count)
        #expect(parsed.all("line", class: "chart-threshold").count == Self.grades.count)
        #expect(parsed.all("line", class: "chart-threshold").allSatisfy { $0.attributes["stroke-dasharray"] != nil })
        #expect(parsed.all("text", class: "chart-threshold-label").map(\.text) == Self.grades.map(\.label))
        #expect(parsed.all("path", class: "chart-axis").count == 1)
    }

    /// Each marker's tooltip is the day and the caller's explanation, and `<&>"` in explanations and
    /// labels arrive escaped (they parse back to the original text and never appear raw).
    @Test func tooltipsAndEscaping() throws {
        let svg = ScoreChart(points: Self.history, thresholds: Self.grades)
            .svg(title: "A <b>&</b> title", description: "x > y & z", emptyMessage: "")
        #expect(!svg.contains("<waste>"))
        #expect(!svg.contains("<960>"))
        #expect(!svg.contains("<b>"))
        #expect(svg.contains("Late &lt;waste&gt; sorting &amp; fines"))
        let parsed = try ParsedSVG(svg)
        let tooltips = parsed.all("circle", class: "chart-point").map(\.text)
        #expect(tooltips == [
            "2026-01-05: Starting score",
            "2026-02-10: +5 Helping a neighbour (rule R12)",
            "2026-03-04: -9.5 Late <waste> sorting & fines (rule R3)",
            "2026-03-04: -5.5 Second report the same day",
            "2026-05-20: +30 Volunteer month",
        ])
        #expect(parsed.all("text", class: "chart-threshold-label").last?.text == "B <960> & \"below\"")
        #expect(parsed.all("title").first?.text == "A <b>&</b> title")
        // A point without an explanation shows its score.
        let plain = try ParsedSVG(ScoreChart(points: [.init(day: Self.day("2026-01-01"), score: 12.5)])
            .svg(title: "t", description: "d", emptyMessage: ""))
        #expect(plain.all("circle").first?.text == "2026-01-01: 12.5")
    }

    /// Every point and threshold lies inside the plot; higher scores are drawn higher; the score ticks
    /// are round and bracket the lowest and highest value.
    @Test func scoreRangeHoldsEveryPointAndThreshold() throws {
        let parsed = try ParsedSVG(ScoreChart(points: Self.history, thresholds: Self.grades)
            .svg(title: "t", description: "d", emptyMessage: ""))
        let plot = ScoreChart.plotTop...ScoreChart.plotBottom
        let ys = parsed.all("circle", class: "chart-point").compactMap { $0.number("cy") }
        #expect(ys.count == Self.history.count)
        #expect(ys.allSatisfy(plot.contains))
        let thresholdYs = parsed.all("line", class: "chart-threshold").compactMap { $0.number("y1") }
        #expect(thresholdYs.count == 3 && thresholdYs.allSatisfy(plot.contains))
        #expect(thresholdYs == thresholdYs.sorted(), "1050 above 1000 above 960")
        // 1000 -> 1005: drawn higher (smaller y); 1005 -> 995.5: lower.
        #expect(ys[1] < ys[0] && ys[2] > ys[1] && ys[4] < ys[0])
        // The y of the 1000 threshold equals the y of the 1000 point.
        #expect(thresholdYs[1] == ys[0])

        let ticks = parsed.all("text", class: "chart-tick-score").compactMap { Double($0.text) }
        #expect(ticks.count >= 3 && ticks.count <= 12)
        #expect(ticks.min()! <= 960 && ticks.max()! >= 1050)
        let steps = Set(zip(ticks, ticks.dropFirst()).map { abs($1 - $0) })
        #expect(steps.count == 1, "evenly spaced ticks: \(ticks)")
        let step = try #require(steps.first)
        #expect([1.0, 2, 2.5, 5].contains { multiplier in
            (-2...6).contains { exponent in abs(step - multiplier * pow(10, Double(exponent))) < 1e-9 }
        }, "round step \(step)")
    }

    /// x grows with the day: markers never go left, distinct days go strictly right, the step line's
    /// x never decreases, and it holds the last score flat until `through`.
    @Test func xIsMonotonicInDays() throws {
        var points: [ScoreChart.Point] = []
        var day = Self.day("2025-01-01")
        for index in 0..<40 {
            day = day.adding(days: 1 + index % 9)
            points.append(.init(day: day, score: Double(1000 + (index * 37) % 23 - 11)))
        }
        let through = day.adding(days: 20)
        // Shuffled input is drawn in day order.
        let parsed = try ParsedSVG(ScoreChart(points: points.reversed(), through: through)
            .svg(title: "t", description: "d", emptyMessage: ""))
        let xs = parsed.all("circle").compactMap { $0.number("cx") }
        #expect(xs.count == 40)
        #expect(zip(xs, xs.dropFirst()).allSatisfy { $0 < $1 })
        let line = try #require(parsed.all("polyline").first?.attributes["points"])
        let vertices = line.split(separator: " ").map { $0.split(separator: ",").compactMap { Double($0) } }
        #expect(vertices.count == 40 * 2 - 1 + 1, "two vertices per change after the first, one to hold")
        #expect(zip(vertices, vertices.dropFirst()).allSatisfy { $0[0] <= $1[0] })
        // Steps: every segment is horizontal or vertical.
        #expect(zip(vertices, vertices.dropFirst()).allSatisfy { $0[0] == $1[0] || $0[1] == $1[1] })
        #expect(vertices.last![1] == vertices[vertices.count - 2][1])
        #expect(vertices.last![0] > xs.last!)
        #expect(vertices.allSatisfy { (ScoreChart.plotLeft...ScoreChart.plotRight).contains($0[0]) })
        // The months are labelled along the bottom, with the year on the first tick and on January.
        let months = parsed.all("text", class: "chart-tick-day").map(\.text)
        #expect(!months.isEmpty && months.count <= ScoreChart.monthTicksMax)
        #expect(months.first?.hasSuffix("2025") == true)
    }

    /// No points: an accessible empty state with the caller's message, no line, no markers.
    @Test func emptyHistory() throws {
        let svg = ScoreChart(points: [], thresholds: Self.grades)
            .svg(title: "Score history", description: "No score yet", emptyMessage: "Nothing <yet> & soon")
        let parsed = try ParsedSVG(svg)
        #expect(parsed.root.attributes["role"] == "img")
        #expect(parsed.all("text", class: "chart-empty").first?.text == "Nothing <yet> & soon")
        #expect(parsed.all("circle").isEmpty && parsed.all("polyline").isEmpty)
        #expect(parsed.all("desc").first?.text == "No score yet")
    }

    /// One point, and a flat history: the point sits mid-width, the range is widened around the equal
    /// scores (not divided by zero), and the Chinese month labels are used when asked.
    @Test func singlePointAndEqualScores() throws {
        let single = try ParsedSVG(ScoreChart(points: [.init(day: Self.day("2026-03-15"), score: Points(1000))])
            .svg(title: "t", description: "d", emptyMessage: "", language: .zh))
        let circle = try #require(single.all("circle").first)
        let cx = try #require(circle.number("cx")), cy = try #require(circle.number("cy"))
        #expect(abs(cx - (ScoreChart.plotLeft + ScoreChart.plotRight) / 2) < 1)
        #expect(cy > ScoreChart.plotTop && cy < ScoreChart.plotBottom)
        #expect(single.all("text", class: "chart-tick-day").map(\.text) == ["2026年3月"])

        let flat = (0..<5).map { ScoreChart.Point(day: Self.day("2026-01-01").adding(days: $0 * 30), score: Points(800)) }
        let parsed = try ParsedSVG(ScoreChart(points: flat).svg(title: "t", description: "d", emptyMessage: ""))
        let ys = Set(parsed.all("circle").compactMap { $0.number("cy") })
        #expect(ys.count == 1)
        let y = try #require(ys.first)
        #expect(y > ScoreChart.plotTop && y < ScoreChart.plotBottom)
        let ticks = parsed.all("text", class: "chart-tick-score").compactMap { Double($0.text) }
        #expect(ticks.min()! < 800 && ticks.max()! > 800)
        let coordinates = parsed.elements.flatMap { element in
            ["x", "y", "x1", "y1", "x2", "y2", "cx", "cy"].compactMap { element.attributes[$0] }
        }
        #expect(coordinates.count > 20)
        #expect(coordinates.allSatisfy { Double($0)?.isFinite == true }, "\(coordinates)")
    }

    /// Hundreds of points: one marker each, output linear in the number of points, still well-formed.
    @Test func longHistoryStaysLinear() throws {
        func history(_ count: Int) -> ScoreChart {
            ScoreChart(points: (0..<count).map {
                .init(day: Self.day("2020-01-01").adding(days: $0 * 3), score: Double(1000 + ($0 * 7919) % 101 - 50),
                      note: "Change \($0)")
            })
        }
        let short = svg(history(400)), long = svg(history(800))
        let parsed = try ParsedSVG(long)
        #expect(parsed.all("circle").count == 800)
        let months = parsed.all("text", class: "chart-tick-day").map(\.text)
        #expect(months.count <= ScoreChart.monthTicksMax && months.count >= 2)
        #expect(months.first == "2020", "every second January over six and a half years: \(months)")
        let perPoint = Double(long.utf8.count - short.utf8.count) / 400
        #expect(perPoint < 200, "bytes per extra point: \(perPoint)")
        #expect(Double(long.utf8.count) < 2.1 * Double(short.utf8.count))
    }

    /// Points and thresholds in fixed-point `Points` land where the same `Double`s do.
    @Test func pointsAndDoublesAgree() {
        let a = ScoreChart(points: [.init(day: Self.day("2026-01-01"), score: Points(hundredths: 125)),
                                    .init(day: Self.day("2026-02-01"), score: Points(3))],
                           thresholds: [.init(score: Points(2), label: "B")])
        let b = ScoreChart(points: [.init(day: Self.day("2026-01-01"), score: 1.25), .init(day: Self.day("2026-02-01"), score: 3)],
                           thresholds: [.init(score: 2, label: "B")])
        #expect(svg(a) == svg(b))
        // 1.25 to 3 in steps of 0.5: decimal ticks written exactly.
        let ticks = try? ParsedSVG(svg(a)).all("text", class: "chart-tick-score").map(\.text)
        #expect(ticks == ["1", "1.5", "2", "2.5", "3"])
    }

    private func svg(_ chart: ScoreChart) -> String { chart.svg(title: "t", description: "d", emptyMessage: "") }
}
