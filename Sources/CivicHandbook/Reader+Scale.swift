internal import CivicCore
internal import Yams

extension Reader {
    static let scaleTypes = ["points", "stars", "weighted"]
    static let scaleKeys: [String: [String]] = [
        "points": ["type", "base", "floor", "ceiling"],
        "stars": ["type", "dimensions", "minimum", "maximum", "default", "period"],
        "weighted": ["type", "minimum", "maximum", "dimensions", "precision"],
    ]

    func scale(_ node: Node, _ path: FieldPath) -> Scale? {
        guard case .mapping(let mapping) = node else {
            error("expected a mapping such as {type: points, base: 1000}, found \(Reader.describe(node))", path, node)
            return nil
        }
        guard let typeNode = mapping["type"], !Reader.isNull(typeNode) else {
            error("missing required field 'type': one of \(Reader.quotedList(Reader.scaleTypes))", path.key("type"), node)
            return nil
        }
        guard let type = text(typeNode, path.key("type")) else { return nil }
        guard let allowed = Reader.scaleKeys[type] else {
            error("unknown scale type '\(type)'; allowed: \(Reader.quotedList(Reader.scaleTypes))", path.key("type"), typeNode)
            return nil
        }
        guard let fields = fields(node, path, allowed: allowed) else { return nil }
        switch type {
        case "points": return pointsScale(fields, path).map(Scale.points)
        case "stars": return starScale(fields, path).map(Scale.stars)
        default: return weightedScale(fields, path).map(Scale.weighted)
        }
    }

    private func pointsScale(_ fields: Fields, _ path: FieldPath) -> PointsScale? {
        let base = required(fields, "base", hint: "the score of a subject with no record, such as 1000").flatMap { points($0, path.key("base")) }
        let floor = fields["floor"].map { points($0, path.key("floor")) }
        let ceiling = fields["ceiling"].map { points($0, path.key("ceiling")) }
        guard let base, floor != .some(nil), ceiling != .some(nil) else { return nil }
        let low = floor ?? nil, high = ceiling ?? nil
        if let low, let high, low > high {
            error("the floor \(low) is above the ceiling \(high)", path.key("floor"), fields["floor"])
            return nil
        }
        if let low, base < low {
            error("the base \(base) is below the floor \(low)", path.key("base"), fields["base"])
            return nil
        }
        if let high, base > high {
            error("the base \(base) is above the ceiling \(high)", path.key("base"), fields["base"])
            return nil
        }
        return PointsScale(base: base, floor: low, ceiling: high)
    }

    private func starScale(_ fields: Fields, _ path: FieldPath) -> StarScale? {
        let dimensions = required(fields, "dimensions").flatMap { starDimensions($0, path.key("dimensions")) }
        let minimum = fields["minimum"].map { integer($0, path.key("minimum"), in: 0...100, "is not a star count (0 to 100)") } ?? 1
        let maximum = fields["maximum"].map { integer($0, path.key("maximum"), in: 1...100, "is not a star count (1 to 100)") } ?? 5
        let defaultStars = fields["default"].map { integer($0, path.key("default"), in: 0...100, "is not a star count (0 to 100)") } ?? 3
        let period: Period?? = fields["period"].map { choice($0, path.key("period"), what: "period") }
        guard let minimum, let maximum, let defaultStars else { return nil }
        var ok = true
        if minimum >= maximum {
            error("the minimum of \(minimum) stars must be below the maximum of \(maximum)", path.key("minimum"), fields["minimum"] ?? fields.node)
            ok = false
        } else if !(minimum...maximum).contains(defaultStars) {
            error("the default of \(defaultStars) stars is outside \(minimum) to \(maximum)", path.key("default"), fields["default"] ?? fields.node)
            ok = false
        }
        guard ok, let dimensions, let period = period ?? .quarter else { return nil }
        return StarScale(dimensions: dimensions, minimumStars: minimum, maximumStars: maximum, defaultStars: defaultStars, period: period)
    }

    private func starDimensions(_ node: Node, _ path: FieldPath) -> [Dimension]? {
        guard let items = list(node, path) else { return nil }
        var result: [Dimension] = []
        var ids = DuplicateCheck("dimension id")
        var ok = true
        for (index, item) in items.enumerated() {
            let itemPath = path.index(index)
            guard let fields = fields(item, itemPath, allowed: ["id", "title"]) else { ok = false; continue }
            let id: Dimension.ID? = required(fields, "id").flatMap { identifier($0, itemPath.key("id"), what: "dimension id") }
            let title = required(fields, "title").flatMap { localized($0, itemPath.key("title")) }
            guard let id, let title else { ok = false; continue }
            guard ids.first(id.rawValue, idNode(item), itemPath.key("id"), self) else { ok = false; continue }
            result.append(Dimension(id: id, title: title))
        }
        return ok ? result : nil
    }

    private func weightedScale(_ fields: Fields, _ path: FieldPath) -> WeightedScale? {
        let minimum = required(fields, "minimum").flatMap { points($0, path.key("minimum")) }
        let maximum = required(fields, "maximum").flatMap { points($0, path.key("maximum")) }
        let dimensions = required(fields, "dimensions").flatMap { weightedDimensions($0, path.key("dimensions")) }
        guard let minimum, let maximum else { return nil }
        if minimum >= maximum {
            error("the minimum \(minimum) must be below the maximum \(maximum)", path.key("minimum"), fields["minimum"])
            return nil
        }
        var precision: Points?
        if let node = fields["precision"] {
            guard let value = points(node, path.key("precision")) else { return nil }
            let span = maximum - minimum
            guard value.isPositive, value <= span, span.hundredths % value.hundredths == 0 else {
                error(en: "precision \(value) does not divide the range \(minimum) to \(maximum) into whole steps: write a positive step such as 1 or 0.01 that the span \(span) is a multiple of",
                      zh: "精度 \(value) 不能把 \(minimum) 至 \(maximum) 的分值范围分成整步：请填写能整除跨度 \(span) 的正数步长，如 1 或 0.01",
                      path.key("precision"), node)
                return nil
            }
            precision = value
        }
        guard let dimensions else { return nil }
        let scale = WeightedScale(dimensions: dimensions, minimum: minimum, maximum: maximum, precision: precision)
        if !scale.stepIsReachable {
            let finest = scale.finestChange
            let smallest = Points(hundredths: (finest.numerator + finest.denominator - 1) / finest.denominator)
            error(en: "a step of \(scale.step) is finer than the smallest change this scale can make (about \(smallest)), so some thresholds could never be reached: declare a coarser 'precision'",
                  zh: "步长 \(scale.step) 小于本量表可能的最小变化（约 \(smallest)），部分门槛将无法达到：请声明更粗的 precision",
                  path.key("precision"), fields["precision"] ?? fields.node)
            return nil
        }
        return scale
    }

    private func weightedDimensions(_ node: Node, _ path: FieldPath) -> [WeightedDimension]? {
        guard let items = list(node, path) else { return nil }
        var result: [WeightedDimension] = []
        var ids = DuplicateCheck("dimension id")
        var ok = true
        for (index, item) in items.enumerated() {
            let itemPath = path.index(index)
            guard let fields = fields(item, itemPath, allowed: ["id", "title", "weight", "base"]) else { ok = false; continue }
            let id: Dimension.ID? = required(fields, "id").flatMap { identifier($0, itemPath.key("id"), what: "dimension id") }
            let title = required(fields, "title").flatMap { localized($0, itemPath.key("title")) }
            let weight = required(fields, "weight", hint: "its share of the score in percent")
                .flatMap { integer($0, itemPath.key("weight"), in: 1...100, "is not a weight: weights are percentages from 1 to 100") }
            var base = required(fields, "base", hint: "the sub-score (0 to 100) of a subject with no record")
                .flatMap { points($0, itemPath.key("base")) }
            if let value = base, value < .zero || value > WeightedScale.dimensionMaximum {
                error("the base \(value) is outside the sub-score range 0 to 100", itemPath.key("base"), fields["base"])
                base = nil
            }
            guard let id, let title, let weight, let base else { ok = false; continue }
            guard ids.first(id.rawValue, idNode(item), itemPath.key("id"), self) else { ok = false; continue }
            result.append(WeightedDimension(id: id, title: title, weight: weight, base: base))
        }
        guard ok else { return nil }
        let total = result.reduce(0) { $0 + $1.weight }
        guard total == 100 else {
            error("the weights add up to \(total), not 100: published weights are percentages of the score", path, node)
            return nil
        }
        return result
    }

    /// A score threshold (a band minimum, a condition) on a weighted scale must be a score the scale can give:
    /// a whole number of steps above the minimum. Returns false after reporting when it is not. Thresholds
    /// above the scale's top are left to the checks that know what they belong to.
    func checkThreshold(_ threshold: Points, _ scale: Scale?, _ path: FieldPath, _ node: Node?) -> Bool {
        guard case .weighted(let weighted)? = scale, threshold <= weighted.maximum, !weighted.canReach(threshold) else { return true }
        error(en: "threshold \(threshold) cannot be reached: scores on this scale are \(weighted.minimum) plus whole steps of \(weighted.step) (its precision), so write a multiple of the step such as \(nearestStep(below: threshold, weighted))",
              zh: "门槛 \(threshold) 无法达到：本量表的分数为 \(weighted.minimum) 加上若干个 \(weighted.step) 的整步（其精度），请填写整步的分值，如 \(nearestStep(below: threshold, weighted))",
              path, node)
        return false
    }

    private func nearestStep(below threshold: Points, _ scale: WeightedScale) -> Points {
        let steps = (threshold - scale.minimum).hundredths / scale.step.hundredths
        return scale.minimum + Points(hundredths: steps * scale.step.hundredths)
    }
}
