public import CivicCore

/// A handbook as text for `civic handbook show`: each scheme's scale, grades,
/// rules table, lists and measures, in both languages.
///
/// The rules table is what a resident reads on the notice board: code, titles,
/// category, points, cap, evidence, grace and expiry, one line per rule.
public enum HandbookRenderer {
    public static func render(_ handbook: Handbook) -> String {
        var lines = ["\(handbook.title.en) · \(handbook.title.zh)", "jurisdiction \(handbook.jurisdiction), version \(handbook.version)"]
        for scheme in handbook.schemes {
            lines.append("")
            lines += render(scheme)
        }
        return lines.joined(separator: "\n")
    }

    public static func render(_ scheme: Scheme) -> [String] {
        var lines = ["Scheme \(scheme.id): \(scheme.title.en) · \(scheme.title.zh)"]
        let indent = "  "
        lines.append(indent + "subjects: \(scheme.subjectKinds.map(\.rawValue).sorted().joined(separator: ", "))")
        lines.append(indent + "scale: \(scheme.scale.summary) (no record: \(scheme.neutralScore))")
        if let grades = scheme.grades {
            let bands = grades.bands.map { "\($0.grade) ≥ \($0.minimum)" }.joined(separator: ", ")
            lines.append(indent + "grades: \(bands)")
            if !grades.lockIns.isEmpty {
                let locks = grades.lockIns.map { "\($0.grade) \($0.years) year\($0.years == 1 ? "" : "s")" }.joined(separator: ", ")
                lines.append(indent + "lock-ins after a fall: \(locks)")
            }
        }
        if let quota = scheme.quota {
            var text = "quota: \(quota.pointsPerPersonYearly) point(s) per person per year"
            if !scheme.exemptions.isEmpty { text += "; exempt: " + scheme.exemptions.map(\.description).joined(separator: ", ") }
            lines.append(indent + text)
        }
        var timing: [String] = []
        if let days = scheme.negativeExpiryDays { timing.append("negative entries expire after \(days) days") }
        if let days = scheme.appealDays { timing.append("appeal within \(days) days") }
        timing.append("appeals decided within \(scheme.appealDecision), or the disputed entry stops counting until they are")
        let calendar = scheme.calendar
        timing.append("monthly cycle: collect on the \(calendar.collectDay), report on the \(calendar.reportDay), committee on the \(calendar.committeeDay)")
        lines.append(indent + timing.joined(separator: "; "))

        if !scheme.rules.isEmpty {
            lines.append("")
            lines.append(indent + "Rules")
            let rows = scheme.rules.map { rule -> [String] in
                let points = rule.points?.signedDescription ?? "stars: \(rule.dimension?.rawValue ?? "-")"
                let effect = [points, rule.gradeCap.map { _ in "grade ≤ \(rule.gradeCapText)" }].compactMap { $0 }.joined(separator: ", ")
                return [
                    rule.id.rawValue, rule.title.en, rule.title.zh, rule.category.code, effect,
                    rule.fineYuan.map { "\($0)" } ?? "", rule.cap?.summary ?? "", rule.evidence?.description ?? "",
                    rule.graceDays.map { "\($0)d" } ?? "",
                    (rule.expiryDays ?? (rule.isAdverse ? scheme.negativeExpiryDays : nil)).map { "\($0)d" } ?? "",
                ]
            }
            lines += TextTable.render(
                header: ["code", "title", "标题", "category", "points", "fine ¥", "cap", "evidence", "grace", "expiry"],
                rows: rows, indent: indent + "  ")
        }
        if !scheme.lists.isEmpty {
            lines.append("")
            lines.append(indent + "Lists")
            for list in scheme.lists {
                lines.append(indent + "  \(list.id) (\(list.list.rawValue)): \(list.title.en) · \(list.title.zh); when \(list.trigger.yamlText), \(list.duration.yamlText)")
                if let hint = list.remedyHint { lines.append(indent + "    remedy: \(hint.en)") }
            }
        }
        if !scheme.measures.isEmpty {
            lines.append("")
            lines.append(indent + "Measures")
            for measure in scheme.measures {
                let when = measure.tiers != nil && measure.condition == .always ? "graduated" : "when \(measure.condition.yamlText)"
                lines.append(indent + "  \(measure.id) (\(measure.kind.rawValue), \(measure.domain.rawValue)): \(measure.title.en) · \(measure.title.zh); \(when)")
                for tier in measure.tiers ?? [] {
                    lines.append(indent + "    tier \(tier.id) (\(tier.valueText)): \(tier.title.en) · \(tier.title.zh); when \(tier.condition.yamlText)")
                }
                if let basis = measure.legalBasis { lines.append(indent + "    legal basis: \(basis)") }
                if let hint = measure.remedyHint { lines.append(indent + "    remedy: \(hint.en)") }
            }
        }
        return lines
    }
}
