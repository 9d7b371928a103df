public import CivicCore

/// The handbook's structures said in words, in the page's language: list triggers and durations,
/// measure conditions, points. Every area uses these, so a rule reads the same everywhere.
extension Page {
    public func words(_ trigger: ListCriterion.Trigger, rules: [Rule.ID: Rule]) -> String {
        switch trigger {
        case .gradeAtMost(let grade): return text("handbook.gradeAtMost", ["grade": grade.rawValue])
        case .gradeAtLeast(let grade): return text("handbook.gradeAtLeast", ["grade": grade.rawValue])
        case .rule(let ids):
            let titles = ids.map { id in rules[id].map { text($0.title) } ?? id.rawValue }
            return text("handbook.ruleRecorded", ["rules": titles.joined(separator: text("handbook.or"))])
        }
    }

    public func words(_ duration: ListCriterion.Duration) -> String {
        switch duration {
        case .whileTriggered: return text("handbook.whileTriggered")
        case .days(let days): return text("handbook.forDays", ["days": String(days)])
        case .untilRemedied: return text("handbook.untilRemedied")
        }
    }

    public func words(_ condition: Condition) -> String {
        switch condition {
        case .onList(let list): return text(list == .red ? "handbook.onRedList" : "handbook.onBlackList")
        case .gradeAtLeast(let grade): return text("handbook.gradeAtLeast", ["grade": grade.rawValue])
        case .gradeAtMost(let grade): return text("handbook.gradeAtMost", ["grade": grade.rawValue])
        case .scoreAtLeast(let points): return text("handbook.scoreAtLeast", ["points": points.description])
        case .scoreBelow(let points): return text("handbook.scoreBelow", ["points": points.description])
        case .ruleActive(let ids): return text("handbook.ruleActive", ["rules": ids.map(\.rawValue).joined(separator: ", ")])
        case .quotaUnmet: return text("handbook.quotaUnmet")
        case .all(let parts): return parts.map { words($0) }.joined(separator: text("handbook.and"))
        case .any(let parts): return parts.map { words($0) }.joined(separator: text("handbook.or"))
        case .not(let inner): return text("handbook.not", ["condition": words(inner)])
        }
    }

    /// A tier's value in the reader's language ("50%", "3000 yuan"); nil for a named level, whose title says it all.
    public func words(_ value: TierValue) -> String? {
        guard case .amount(let amount, let unit) = value else { return nil }
        let key = switch unit {
        case .percent: "handbook.unitPercent"
        case .percentagePoints: "handbook.unitPercentagePoints"
        case .yuan: "handbook.unitYuan"
        case .days: "handbook.unitDays"
        case .months: "handbook.unitMonths"
        }
        return text(key, ["amount": amount.description])
    }

    /// "Deposit halved: 50%" (or the title alone for a named level).
    public func words(_ tier: TierAnswer) -> String {
        guard let value = words(tier.value) else { return text(tier.title) }
        return text("handbook.tierValue", ["title": text(tier.title), "value": value])
    }

    /// "Deposit halved: 50%, when score 600 or more": one line of a graduated measure in the handbook.
    public func words(_ tier: MeasureTier) -> String {
        text("handbook.tierWhen", ["tier": words(TierAnswer(tier)), "condition": words(tier.condition)])
    }

    public func words(_ list: ListKind) -> String { text(list == .red ? "handbook.redList" : "handbook.blackList") }

    /// The title of the rule an entry was made under, in the handbook version it was made under.
    public func ruleTitle(of entry: Entry, in handbooks: HandbookSet) -> String? {
        guard let rule = entry.rule else { return nil }
        let handbook = handbooks.version(entry.handbookVersion, of: entry.handbookJurisdiction)
        return handbook?.scheme(entry.scheme)?.rule(rule).map { text($0.title) } ?? rule.rawValue
    }

    /// Points with their sign, or the rule's kind when it rates instead of scoring.
    public func words(points: Points?) -> String { points.map(\.signedDescription) ?? text("handbook.rating") }
}
