internal import CivicCore

// Short texts for handbook parts, in the handbook file's own words, shared by
// the renderer and the diff so both read the same.

extension Scale {
    var summary: String {
        switch self {
        case .points(let scale):
            var parts = ["points", "base \(scale.base)"]
            if let floor = scale.floor { parts.append("floor \(floor)") }
            if let ceiling = scale.ceiling { parts.append("ceiling \(ceiling)") }
            return parts.joined(separator: ", ")
        case .stars(let scale):
            let dimensions = scale.dimensions.map(\.id.rawValue).joined(separator: ", ")
            return "stars \(scale.minimumStars)-\(scale.maximumStars), default \(scale.defaultStars), set each \(scale.period.rawValue), over \(dimensions)"
        case .weighted(let scale):
            let dimensions = scale.dimensions.map { "\($0.id) \($0.weight)% (base \($0.base))" }.joined(separator: ", ")
            return "weighted \(scale.minimum)-\(scale.maximum) in steps of \(scale.step) over \(dimensions)"
        }
    }
}

extension Cap {
    var summary: String { "\(count)/\(period.rawValue)" }
}

extension Exemption {
    var yamlText: String {
        switch self {
        case .ageFrom(let age): "{age_from: \(age)}"
        case .attribute(let name): "{attribute: \(name)}"
        }
    }
}

extension ListCriterion.Trigger {
    var yamlText: String {
        switch self {
        case .gradeAtMost(let grade): "{grade_at_most: \(grade)}"
        case .gradeAtLeast(let grade): "{grade_at_least: \(grade)}"
        case .rule(let rules): "{rules: [\(rules.map(\.rawValue).joined(separator: ", "))]}"
        }
    }
}

extension ListCriterion.Duration {
    var yamlText: String {
        switch self {
        case .whileTriggered: "while_triggered"
        case .untilRemedied: "until_remedied"
        case .days(let days): "{days: \(days)}"
        }
    }
}

extension Condition {
    /// The condition as written in a handbook file, in flow style.
    var yamlText: String {
        switch self {
        case .onList(let list): "{on_list: \(list.rawValue)}"
        case .gradeAtLeast(let grade): "{grade_at_least: \(grade)}"
        case .gradeAtMost(let grade): "{grade_at_most: \(grade)}"
        case .scoreAtLeast(let points): "{score_at_least: \(points)}"
        case .scoreBelow(let points): "{score_below: \(points)}"
        case .ruleActive(let rules): "{rule_active: [\(rules.map(\.rawValue).joined(separator: ", "))]}"
        case .quotaUnmet: "quota_unmet"
        case .all(let conditions): "{all: [\(conditions.map(\.yamlText).joined(separator: ", "))]}"
        case .any(let conditions): "{any: [\(conditions.map(\.yamlText).joined(separator: ", "))]}"
        case .not(let condition): "{not: \(condition.yamlText)}"
        }
    }
}

extension Rule {
    /// Every field an operator may change, by its key in the file, as text ("-" when unset).
    var fieldTexts: [(key: String, value: String)] {
        [
            ("title.en", title.en), ("title.zh", title.zh), ("category", category.code),
            ("points", points?.signedDescription ?? "-"), ("dimension", dimension?.rawValue ?? "-"),
            ("fine_yuan", fineYuan.map(String.init) ?? "-"), ("cap", cap?.summary ?? "-"),
            ("minimum_duration_days", minimumDurationDays.map(String.init) ?? "-"),
            ("evidence", evidence.map(\.description) ?? "-"), ("grace_days", graceDays.map(String.init) ?? "-"),
            ("expiry_days", expiryDays.map(String.init) ?? "-"),
            ("reporters", reporters.map(\.rawValue).sorted().joined(separator: ", ")),
            ("grade_cap", gradeCapText), ("approvals", String(approvalsRequired)),
        ]
    }
}

extension Rule {
    /// "D", or "D, starts lock-in, until remedied" in the handbook's own words.
    var gradeCapText: String {
        guard let gradeCap else { return "-" }
        var parts = [gradeCap.rawValue]
        if gradeCapTerms?.startsLockIn == true { parts.append("starts lock-in") }
        if gradeCapTerms?.untilRemedied == true { parts.append("until remedied") }
        return parts.joined(separator: ", ")
    }
}

extension Scheme {
    var fieldTexts: [(key: String, value: String)] {
        [
            ("title.en", title.en), ("title.zh", title.zh),
            ("subjects", subjectKinds.map(\.rawValue).sorted().joined(separator: ", ")), ("scale", scale.summary),
            ("quota", quota.map { "\($0.pointsPerPersonYearly) per person yearly" } ?? "-"),
            ("exemptions", exemptions.isEmpty ? "-" : exemptions.map(\.yamlText).joined(separator: ", ")),
            ("negative_expiry_days", negativeExpiryDays.map(String.init) ?? "-"),
            ("appeal_days", appealDays.map(String.init) ?? "-"),
            ("appeal_decision", appealDecision.description),
            ("calendar", "collect \(calendar.collectDay), report \(calendar.reportDay), committee \(calendar.committeeDay)"),
        ]
    }
}

extension ListCriterion {
    var fieldTexts: [(key: String, value: String)] {
        [
            ("list", list.rawValue), ("title.en", title.en), ("title.zh", title.zh), ("trigger", trigger.yamlText),
            ("duration", duration.yamlText), ("remedy_hint.en", remedyHint?.en ?? "-"), ("remedy_hint.zh", remedyHint?.zh ?? "-"),
        ]
    }
}

extension Measure {
    var fieldTexts: [(key: String, value: String)] {
        [
            ("title.en", title.en), ("title.zh", title.zh), ("kind", kind.rawValue), ("domain", domain.rawValue),
            ("condition", condition.yamlText), ("legal_basis", legalBasis ?? "-"),
            ("remedy_hint.en", remedyHint?.en ?? "-"), ("remedy_hint.zh", remedyHint?.zh ?? "-"),
            ("tiers", tiers.map { "[" + $0.map(\.yamlText).joined(separator: ", ") + "]" } ?? "-"),
        ]
    }
}

extension MeasureTier {
    /// The tier as written in a handbook file, in flow style.
    var yamlText: String {
        var parts = ["tier: \(id)", "title: {en: \(title.en), zh: \(title.zh)}", "when: \(condition.yamlText)"]
        if case .amount(let amount, let unit) = value { parts += ["amount: \(amount)", "unit: \(unit.rawValue)"] }
        return "{" + parts.joined(separator: ", ") + "}"
    }

    /// "50 percent", "3000 yuan", or "level" for a named level.
    var valueText: String {
        switch value {
        case .amount(let amount, let unit): "\(amount) \(unit.rawValue)"
        case .level: "level"
        }
    }
}

/// Columns of text whose width counts East Asian wide characters as two, so Chinese titles line up.
enum TextTable {
    static func width(_ text: String) -> Int {
        text.unicodeScalars.reduce(0) { $0 + (isWide($1) ? 2 : 1) }
    }

    static func isWide(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.value {
        case 0x1100...0x115F, 0x2E80...0x303E, 0x3041...0x33FF, 0x3400...0x4DBF, 0x4E00...0x9FFF, 0xA000...0xA4CF,
             0xAC00...0xD7A3, 0xF900...0xFAFF, 0xFE30...0xFE4F, 0xFF00...0xFF60, 0xFFE0...0xFFE6, 0x20000...0x3FFFD:
            true
        default:
            false
        }
    }

    static func pad(_ text: String, to width: Int) -> String {
        text + String(repeating: " ", count: max(0, width - self.width(text)))
    }

    /// Rows under a header, columns separated by two spaces, trailing blanks trimmed.
    static func render(header: [String], rows: [[String]], indent: String) -> [String] {
        let all = [header] + rows
        let widths = header.indices.map { column in all.map { width($0[column]) }.max() ?? 0 }
        return all.map { row in
            var line = indent
            for (column, cell) in row.enumerated() {
                line += column == row.count - 1 ? cell : pad(cell, to: widths[column]) + "  "
            }
            return line.strippingBlanksAtEnd()
        }
    }
}

extension String {
    func strippingBlanksAtEnd() -> String {
        var text = Substring(self)
        while let last = text.last, last == " " { text = text.dropLast() }
        return String(text)
    }
}
