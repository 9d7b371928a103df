internal import CivicCore
internal import Yams

extension Reader {
    static let ruleKeys = [
        "code", "title", "category", "points", "dimension", "fine_yuan", "cap", "minimum_duration_days", "evidence",
        "grace_days", "expiry_days", "reporters", "grade_cap", "approvals",
    ]

    func rules(_ node: Node, _ path: FieldPath, _ context: inout SchemeContext) -> ([Rule], Bool) {
        guard let items = list(node, path, nonEmpty: false) else { return ([], false) }
        if items.count > Limits.rulesPerSchemeMax {
            error("\(items.count) rules; a scheme has at most \(Limits.rulesPerSchemeMax)", path, node)
        }
        // Codes are collected first so that a rule that fails to read is still a known code for lists and measures.
        for item in items {
            if let code = item.mapping?["code"]?.string { context.ruleCodes.insert(code) }
        }
        var codes = DuplicateCheck("rule code")
        var result: [Rule] = []
        var ok = items.count <= Limits.rulesPerSchemeMax
        for (index, item) in items.prefix(Limits.rulesPerSchemeMax).enumerated() {
            let itemPath = path.index(index)
            let unique = uniqueID(item, key: "code", itemPath, &codes)
            guard let rule = rule(item, itemPath, context), unique else { ok = false; continue }
            context.rules[rule.id] = rule
            result.append(rule)
        }
        return (result, ok)
    }

    func rule(_ node: Node, _ path: FieldPath, _ context: SchemeContext) -> Rule? {
        guard let fields = fields(node, path, allowed: Reader.ruleKeys) else { return nil }
        var ok = true
        let code: Rule.ID? = required(fields, "code").flatMap { identifier($0, path.key("code"), what: "rule code") }
        let title = required(fields, "title").flatMap { localized($0, path.key("title")) }
        let category = required(fields, "category").flatMap { self.category($0, path.key("category")) }
        let points = fields["points"].map { self.points($0, path.key("points")) }
        let dimension: Dimension.ID?? = fields["dimension"].map { identifier($0, path.key("dimension"), what: "dimension id") }
        if points == .some(nil) || dimension == .some(nil) { ok = false }

        if let scale = context.scale {
            ok = checkScaleFit(scale, fields: fields, path: path, points: points ?? nil, dimension: dimension ?? nil) && ok
        }

        let fine = fields["fine_yuan"].map { integer($0, path.key("fine_yuan"), in: 0...1_000_000_000, "is not a fine: yuan cannot be negative") }
        let cap = fields["cap"].map { self.cap($0, path.key("cap")) }
        let minimumDuration = fields["minimum_duration_days"].map { days($0, path.key("minimum_duration_days"), minimum: 1) }
        let evidence = fields["evidence"].map { self.evidence($0, path.key("evidence")) }
        let grace = fields["grace_days"].map { days($0, path.key("grace_days")) }
        let expiry = fields["expiry_days"].map { days($0, path.key("expiry_days"), minimum: 1) }
        let reporters = fields["reporters"].map { self.reporters($0, path.key("reporters")) }
        let gradeCapRead = fields["grade_cap"].map { self.gradeCap($0, path.key("grade_cap"), context) }
        let gradeCap: Grade?? = gradeCapRead.map { $0?.grade }
        let approvals = fields["approvals"].map {
            integer($0, path.key("approvals"), in: 1...2, "is not a number of approvals: a report needs 1 or 2 distinct reviewers")
        }
        for field in [fine, minimumDuration, grace, expiry, approvals] where field == .some(nil) { ok = false }
        if cap == .some(nil) || evidence == .some(nil) || reporters == .some(nil) || gradeCap == .some(nil) { ok = false }

        let amount = points ?? nil
        if let amount, amount.isPositive, let node = fields["grade_cap"] {
            warning("a rule that adds points (\(amount.signedDescription)) caps the grade: grade_cap is meant for adverse records", path.key("grade_cap"), node)
        }
        if let amount, amount.isPositive, let node = fields["grace_days"] {
            warning("grace_days delays a deduction so a fault can be put right, but this rule adds points (\(amount.signedDescription))", path.key("grace_days"), node)
        }
        if amount == .zero, fields["grade_cap"] == nil {
            warning("points 0 and no grade_cap: an entry of this rule changes nothing", path.key("points"), fields["points"])
        }
        let roles = (reporters ?? nil) ?? [.assessor]
        if roles.contains(.`self`), fields["evidence"] == nil {
            warning("'self' may report this rule but it asks for no evidence: a self-report needs evidence and review like any other",
                    path.key("evidence"), fields["reporters"])
        }

        guard ok, let code, let title, let category else { return nil }
        return Rule(
            id: code, title: title, category: category, points: amount, dimension: dimension ?? nil, fineYuan: fine ?? nil,
            cap: cap ?? nil, minimumDurationDays: minimumDuration ?? nil, evidence: evidence ?? nil, graceDays: grace ?? nil,
            expiryDays: expiry ?? nil, reporters: roles, gradeCap: gradeCap ?? nil, gradeCapTerms: (gradeCapRead ?? nil)?.terms,
            approvalsRequired: (approvals ?? nil) ?? 1)
    }

    static let gradeCapKeys = ["grade", "lock_in", "until"]

    /// `grade_cap: D`, or `{grade: D, lock_in: true, until: remedied}`: the cap may start the capped grade's
    /// lock-in, and may hold until remedied rather than until the entry expires.
    func gradeCap(_ node: Node, _ path: FieldPath, _ context: SchemeContext) -> (grade: Grade, terms: GradeCapTerms?)? {
        if case .scalar = node { return gradeReference(node, path, context).map { ($0, nil) } }
        guard let fields = fields(node, path, allowed: Reader.gradeCapKeys) else { return nil }
        guard let gradeNode = required(fields, "grade", hint: "the grade the entry caps at, such as D"),
              let grade = gradeReference(gradeNode, path.key("grade"), context) else { return nil }
        var terms = GradeCapTerms()
        var ok = true
        if let lockNode = fields["lock_in"] {
            switch lockNode.string {
            case "true": terms.startsLockIn = true
            case "false": terms.startsLockIn = false
            default:
                error(en: "lock_in is true or false, found \(Reader.describe(lockNode))",
                      zh: "lock_in 只能是 true 或 false，实际为 \(Reader.describe(lockNode))", path.key("lock_in"), lockNode)
                ok = false
            }
            if terms.startsLockIn, let grades = context.grades, grades.lockIn(for: grade) == nil {
                error(en: "lock_in: true starts the lock-in of grade '\(grade)', but grades.lock_ins has none for it: add {grade: \(grade), years: N} to lock_ins or remove lock_in",
                      zh: "lock_in: true 会启动 '\(grade)' 级的锁定期，但 grades.lock_ins 中没有该级的锁定期：请在 lock_ins 中加入 {grade: \(grade), years: N}，或删除 lock_in",
                      path.key("lock_in"), lockNode)
                ok = false
            }
        }
        if let untilNode = fields["until"] {
            switch untilNode.string {
            case "remedied": terms.untilRemedied = true
            case "expiry": terms.untilRemedied = false
            default:
                error(en: "until is 'remedied' (the cap holds until a remedy or correction, whatever the expiry) or 'expiry' (the default), found \(Reader.describe(untilNode))",
                      zh: "until 只能是 'remedied'（封顶持续到纠正或更正，不因到期而失效）或 'expiry'（默认），实际为 \(Reader.describe(untilNode))",
                      path.key("until"), untilNode)
                ok = false
            }
        }
        guard ok else { return nil }
        return (grade, terms == GradeCapTerms() ? nil : terms)
    }

    /// A category from the fixed taxonomy; protected categories are refused with the reason.
    func category(_ node: Node, _ path: FieldPath) -> Category? {
        guard let code = text(node, path) else { return nil }
        if let what = Category.protected[code] {
            error("category '\(code)' is protected: CivicCredit does not score \(what) (see README, Scope)", path, node)
            return nil
        }
        guard let category = Category.named(code) else {
            error("unknown category '\(code.prefix(80))'; allowed: \(Category.all.map(\.code).joined(separator: ", "))", path, node)
            return nil
        }
        return category
    }

    /// Points and dimension must suit the scale: a points scale adds points, a stars scale rates a dimension,
    /// a weighted scale adds points to a dimension.
    private func checkScaleFit(_ scale: Scale, fields: Fields, path: FieldPath, points: Points?, dimension: Dimension.ID?) -> Bool {
        var ok = true
        let allowed = scale.dimensionIDs.map(\.rawValue)
        switch scale {
        case .points:
            if fields["points"] == nil {
                error("missing required field 'points': a rule of a points scale adds or takes away points", path.key("points"), fields.node)
                ok = false
            }
            if let node = fields["dimension"] {
                error("the points scale has no dimensions; remove 'dimension'", path.key("dimension"), node)
                ok = false
            }
        case .stars:
            if let node = fields["points"] {
                error("a rule of a stars scale sets a star rating and has no points; remove 'points'", path.key("points"), node)
                ok = false
            }
            if fields["dimension"] == nil {
                error("missing required field 'dimension': a rule of a stars scale rates one of \(Reader.quotedList(allowed))", path.key("dimension"), fields.node)
                ok = false
            }
        case .weighted:
            if fields["points"] == nil {
                error("missing required field 'points': a rule of a weighted scale adds or takes away sub-score points", path.key("points"), fields.node)
                ok = false
            }
            if fields["dimension"] == nil {
                error("missing required field 'dimension': a rule of a weighted scale scores one of \(Reader.quotedList(allowed))", path.key("dimension"), fields.node)
                ok = false
            }
        }
        if let dimension, !allowed.isEmpty, !allowed.contains(dimension.rawValue), let node = fields["dimension"] {
            error("unknown dimension '\(dimension)'; the scale's dimensions are \(Reader.quotedList(allowed))", path.key("dimension"), node)
            ok = false
        }
        return ok
    }

    func cap(_ node: Node, _ path: FieldPath) -> Cap? {
        guard let fields = fields(node, path, allowed: ["count", "per"]) else { return nil }
        let count = required(fields, "count").flatMap { integer($0, path.key("count"), in: 1...10_000, "is not a cap: a cap allows at least 1 entry per period") }
        let period: Period? = required(fields, "per").flatMap { choice($0, path.key("per"), what: "period") }
        guard let count, let period else { return nil }
        return Cap(count: count, period: period)
    }

    /// `{any_of: [{photo: 2}, {video: 1}]}`: any one alternative satisfies; each alternative lists kinds and counts.
    func evidence(_ node: Node, _ path: FieldPath) -> EvidenceRequirement? {
        guard let fields = fields(node, path, allowed: ["any_of"]) else { return nil }
        guard let listNode = required(fields, "any_of", hint: "alternatives such as [{photo: 2}, {video: 1}]"),
              let items = list(listNode, path.key("any_of")) else { return nil }
        let kinds = Evidence.Kind.allCases.map(\.rawValue)
        var alternatives: [[Evidence.Kind: Int]] = []
        var ok = true
        for (index, item) in items.enumerated() {
            let itemPath = path.key("any_of").index(index)
            guard let alternative = self.fields(item, itemPath, allowed: kinds) else { ok = false; continue }
            var counts: [Evidence.Kind: Int] = [:]
            for key in alternative.keys {
                guard let kind = Evidence.Kind(rawValue: key), let valueNode = alternative[key] else { continue }
                guard let count = integer(valueNode, itemPath.key(key), in: 1...Limits.evidencePerReportMax,
                                          "is not a count of evidence: 1 to \(Limits.evidencePerReportMax)") else { ok = false; continue }
                counts[kind] = count
            }
            if counts.isEmpty && alternative.keys.isEmpty {
                error("an alternative names at least one kind of evidence: \(Reader.quotedList(kinds))", itemPath, item)
                ok = false
            }
            alternatives.append(counts)
        }
        return ok ? EvidenceRequirement(anyOf: alternatives) : nil
    }

    func reporters(_ node: Node, _ path: FieldPath) -> Set<ReporterRole>? {
        guard let items = list(node, path) else { return nil }
        var roles: Set<ReporterRole> = []
        var ok = true
        for (index, item) in items.enumerated() {
            guard let role: ReporterRole = choice(item, path.index(index), what: "reporter") else { ok = false; continue }
            if !roles.insert(role).inserted { error("'\(role.rawValue)' is listed twice", path.index(index), item) }
        }
        return ok ? roles : nil
    }
}
