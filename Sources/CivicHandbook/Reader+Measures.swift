internal import CivicCore
internal import Yams

/// A rule a measure's condition relies on, and where the condition says so.
struct ConditionDependency {
    var rule: Rule.ID
    /// The rule-triggered list the dependency goes through, if any.
    var list: ListCriterion.ID?
    var node: Node
    var path: FieldPath
}

extension Reader {
    static let listKeys = ["id", "list", "title", "trigger", "duration", "remedy_hint"]
    static let measureKeys = ["id", "title", "kind", "domain", "condition", "tiers", "legal_basis", "remedy_hint"]
    static let tierKeys = ["tier", "title", "when", "amount", "unit"]
    static let conditionKeys = [
        "on_list", "grade_at_least", "grade_at_most", "score_at_least", "score_below", "rule_active", "all", "any", "not",
    ]

    // MARK: Lists

    func lists(_ node: Node, _ path: FieldPath, _ context: inout SchemeContext) -> ([ListCriterion], Bool) {
        guard let items = list(node, path, nonEmpty: false) else { return ([], false) }
        var ids = DuplicateCheck("list id")
        var result: [ListCriterion] = []
        var ok = true
        for (index, item) in items.enumerated() {
            let itemPath = path.index(index)
            let unique = uniqueID(item, key: "id", itemPath, &ids)
            guard let criterion = listCriterion(item, itemPath, context), unique else { ok = false; continue }
            result.append(criterion)
        }
        return (result, ok)
    }

    func listCriterion(_ node: Node, _ path: FieldPath, _ context: SchemeContext) -> ListCriterion? {
        guard let fields = fields(node, path, allowed: Reader.listKeys) else { return nil }
        let id: ListCriterion.ID? = required(fields, "id").flatMap { identifier($0, path.key("id"), what: "list id") }
        let kind: ListKind? = required(fields, "list", hint: "red or black").flatMap { choice($0, path.key("list"), what: "list") }
        let title = required(fields, "title").flatMap { localized($0, path.key("title")) }
        let trigger = required(fields, "trigger", hint: "{grade_at_most: D}, {grade_at_least: AAA} or {rules: [codes]}")
            .flatMap { self.trigger($0, path.key("trigger"), context) }
        let duration = required(fields, "duration", hint: "{days: 365}, until_remedied or while_triggered")
            .flatMap { self.duration($0, path.key("duration")) }
        let remedyHint = fields["remedy_hint"].map { localized($0, path.key("remedy_hint")) }
        guard let id, let kind, let title, let trigger, let duration, remedyHint != .some(nil) else { return nil }
        switch trigger {
        case .gradeAtLeast, .gradeAtMost:
            if duration != .whileTriggered, let node = fields["duration"] {
                error("a list triggered by a grade lasts while the grade holds: write 'duration: while_triggered'", path.key("duration"), node)
                return nil
            }
        case .rule:
            break
        }
        if kind == .black, remedyHint == nil {
            warning("a blacklist without remedy_hint: every listing notice must say how to get off the list", path.key("remedy_hint"), fields.node)
        }
        return ListCriterion(id: id, list: kind, title: title, trigger: trigger, duration: duration, remedyHint: remedyHint ?? nil)
    }

    private func trigger(_ node: Node, _ path: FieldPath, _ context: SchemeContext) -> ListCriterion.Trigger? {
        guard let fields = fields(node, path, allowed: ["grade_at_most", "grade_at_least", "rules"]) else { return nil }
        guard fields.keys.count == 1, let key = fields.keys.first, let value = fields[key] else {
            if !fields.keys.isEmpty || node.mapping?.isEmpty == true {
                error("a trigger is exactly one of {grade_at_most: D}, {grade_at_least: AAA} or {rules: [codes]}", path, node)
            }
            return nil
        }
        switch key {
        case "grade_at_most": return gradeReference(value, path.key(key), context).map(ListCriterion.Trigger.gradeAtMost)
        case "grade_at_least": return gradeReference(value, path.key(key), context).map(ListCriterion.Trigger.gradeAtLeast)
        default: return ruleReferences(value, path.key(key), context).map(ListCriterion.Trigger.rule)
        }
    }

    private func duration(_ node: Node, _ path: FieldPath) -> ListCriterion.Duration? {
        if case .scalar = node {
            switch text(node, path) {
            case "until_remedied": return .untilRemedied
            case "while_triggered": return .whileTriggered
            case nil: return nil
            case let other?:
                error("unknown duration '\(other.prefix(80))'; write {days: 365}, until_remedied or while_triggered", path, node)
                return nil
            }
        }
        guard let fields = fields(node, path, allowed: ["days"]) else { return nil }
        return required(fields, "days").flatMap { days($0, path.key("days"), minimum: 1) }.map(ListCriterion.Duration.days)
    }

    /// A non-empty list of codes of this scheme's rules.
    func ruleReferences(_ node: Node, _ path: FieldPath, _ context: SchemeContext) -> [Rule.ID]? {
        guard let items = list(node, path) else { return nil }
        var result: [Rule.ID] = []
        var ok = true
        for (index, item) in items.enumerated() {
            guard let code: Rule.ID = identifier(item, path.index(index), what: "rule code") else { ok = false; continue }
            guard context.ruleCodes.contains(code.rawValue) else {
                let suggestion = Reader.closest(to: code.rawValue, in: context.ruleCodes.sorted()).map { "; did you mean '\($0)'?" } ?? ""
                error("unknown rule '\(code)'\(suggestion)", path.index(index), item)
                ok = false
                continue
            }
            result.append(code)
        }
        return ok ? result : nil
    }

    // MARK: Measures

    func measures(_ node: Node, _ path: FieldPath, _ context: SchemeContext) -> ([Measure], Bool) {
        guard let items = list(node, path, nonEmpty: false) else { return ([], false) }
        var ids = DuplicateCheck("measure id")
        var result: [Measure] = []
        var ok = true
        for (index, item) in items.enumerated() {
            let itemPath = path.index(index)
            let unique = uniqueID(item, key: "id", itemPath, &ids)
            guard let measure = measure(item, itemPath, context), unique else { ok = false; continue }
            result.append(measure)
        }
        return (result, ok)
    }

    func measure(_ node: Node, _ path: FieldPath, _ context: SchemeContext) -> Measure? {
        guard let fields = fields(node, path, allowed: Reader.measureKeys) else { return nil }
        let id: Measure.ID? = required(fields, "id").flatMap { identifier($0, path.key("id"), what: "measure id") }
        let title = required(fields, "title").flatMap { localized($0, path.key("title")) }
        let kind: Measure.Kind? = required(fields, "kind", hint: "reward or sanction").flatMap { choice($0, path.key("kind"), what: "measure kind") }
        let domain: Domain? = required(fields, "domain").flatMap { choice($0, path.key("domain"), what: "domain") }
        var dependencies: [ConditionDependency] = []
        let tiers = fields["tiers"].map { self.tiers($0, path.key("tiers"), context, &dependencies) }
        // A graduated measure may leave its condition out: its tiers alone then decide whether it applies.
        let condition = fields.has("condition") || tiers == nil
            ? required(fields, "condition").flatMap { self.condition($0, path.key("condition"), context, depth: 1, &dependencies) }
            : Condition.always
        let legalBasis = fields["legal_basis"].map { text($0, path.key("legal_basis")) }
        let remedyHint = fields["remedy_hint"].map { localized($0, path.key("remedy_hint")) }

        if let domain, legalBasis == nil, let id {
            checkProportionality(measure: id, domain: domain, dependencies, context)
        }
        if kind == .sanction, remedyHint == nil {
            warning("a sanction without remedy_hint: every notice must say how to remedy it", path.key("remedy_hint"), fields.node)
        }
        guard let id, let title, let kind, let domain, let condition, legalBasis != .some(nil), remedyHint != .some(nil),
              tiers != .some(nil) else { return nil }
        return Measure(id: id, title: title, kind: kind, domain: domain, condition: condition, legalBasis: legalBasis ?? nil,
                       remedyHint: remedyHint ?? nil, tiers: tiers ?? nil)
    }

    // MARK: Tiers

    /// A graduated measure's tiers, tried in order. Refuses a tier an earlier one always pre-empts (the same
    /// condition, or a threshold out of order), an amount without its unit and a unit the product does not know.
    func tiers(_ node: Node, _ path: FieldPath, _ context: SchemeContext, _ dependencies: inout [ConditionDependency]) -> [MeasureTier]? {
        guard case .sequence(let sequence) = node, !sequence.isEmpty else {
            error(en: "tiers is a non-empty list of {tier, title, when, amount, unit}, found \(Reader.describe(node))",
                  zh: "tiers 应为非空列表，每项含 {tier, title, when, amount, unit}，实际为 \(Reader.describe(node))", path, node)
            return nil
        }
        let items = Array(sequence)
        guard items.count <= MeasureTier.tiersPerMeasureMax else {
            error(en: "a measure has at most \(MeasureTier.tiersPerMeasureMax) tiers, this one has \(items.count)",
                  zh: "一项措施最多 \(MeasureTier.tiersPerMeasureMax) 个档次，此处有 \(items.count) 个", path, node)
            return nil
        }
        var result: [(tier: MeasureTier, node: Node)] = []
        var seen: [String: Int] = [:]
        var ok = true
        for (index, item) in items.enumerated() {
            let itemPath = path.index(index)
            guard let tier = tier(item, itemPath, context, &dependencies) else { ok = false; continue }
            if let line = seen[tier.id.rawValue] {
                error(en: "duplicate tier '\(tier.id)': already used at line \(line)", zh: "档次 '\(tier.id)' 重复：第 \(line) 行已使用",
                      itemPath.key("tier"), item.mapping?["tier"] ?? item)
                ok = false
                continue
            }
            seen[tier.id.rawValue] = item.mark?.line ?? 0
            for earlier in result {
                guard let overlap = TierOrder.preempts(earlier.tier.condition, tier.condition, grades: context.grades) else { continue }
                let line = earlier.node.mark?.line ?? 0
                let whenNode = item.mapping?["when"] ?? item
                switch overlap {
                case .same:
                    error(en: "tier '\(tier.id)' has the same condition as tier '\(earlier.tier.id)' (line \(line)): the first would always answer, so this tier is ambiguous and never applies; give each tier its own condition",
                          zh: "档次 '\(tier.id)' 与档次 '\(earlier.tier.id)'（第 \(line) 行）条件相同：总是由前一档作答，本档含义不明且永远不会适用；请为每一档设定不同的条件",
                          itemPath.key("when"), whenNode)
                case .outOfOrder:
                    error(en: "tier '\(tier.id)' can never apply: tier '\(earlier.tier.id)' (line \(line)) comes first and holds whenever this one does; tiers are tried in order, so list the most demanding first (score_at_least from the highest threshold, score_below from the lowest, grade_at_least from the top grade, grade_at_most from the bottom grade)",
                          zh: "档次 '\(tier.id)' 永远不会适用：排在前面的档次 '\(earlier.tier.id)'（第 \(line) 行）在本档成立时总是成立；各档按顺序判断，请把最严格的一档放在最前（score_at_least 从最高门槛起，score_below 从最低门槛起，grade_at_least 从最高等级起，grade_at_most 从最低等级起）",
                          itemPath.key("when"), whenNode)
                }
                ok = false
                break
            }
            result.append((tier, item))
        }
        return ok ? result.map(\.tier) : nil
    }

    private func tier(_ node: Node, _ path: FieldPath, _ context: SchemeContext, _ dependencies: inout [ConditionDependency]) -> MeasureTier? {
        guard let fields = fields(node, path, allowed: Reader.tierKeys) else { return nil }
        let id: MeasureTier.ID? = required(fields, "tier").flatMap { identifier($0, path.key("tier"), what: "tier id") }
        let title = required(fields, "title").flatMap { localized($0, path.key("title")) }
        let condition = required(fields, "when", hint: "the condition of this tier, such as {score_at_least: 650}")
            .flatMap { self.condition($0, path.key("when"), context, depth: 2, &dependencies) }
        var value: TierValue? = .level
        let units = Reader.quotedList(TierUnit.allCases.map(\.rawValue))
        switch (fields["amount"], fields["unit"]) {
        case (nil, nil):
            break
        case (let amountNode?, nil):
            error(en: "an amount needs its unit: add unit, one of \(units)", zh: "金额缺少单位：请加上 unit，可选 \(units)",
                  path.key("unit"), fields.keyNode("amount") ?? amountNode)
            value = nil
        case (nil, let unitNode?):
            error(en: "a unit without an amount: add amount (such as 50), or remove unit to make the tier a named level",
                  zh: "有单位而无金额：请加上 amount（如 50），或删除 unit 使本档成为一个命名等级", path.key("amount"), fields.keyNode("unit") ?? unitNode)
            value = nil
        case (let amountNode?, let unitNode?):
            let amount = tierAmount(amountNode, path.key("amount"))
            var unit: TierUnit?
            if let text = text(unitNode, path.key("unit")) {
                unit = TierUnit(rawValue: text)
                if unit == nil {
                    error(en: "unknown unit '\(text.prefix(80))'; allowed: \(units)", zh: "未知单位 '\(text.prefix(80))'；可选 \(units)", path.key("unit"), unitNode)
                }
            }
            value = amount.flatMap { amount in unit.map { TierValue.amount(amount, $0) } }
        }
        guard let id, let title, let condition, let value else { return nil }
        return MeasureTier(id: id, title: title, condition: condition, value: value)
    }

    /// An exact amount from the scalar's text: like points, to the hundredth, never through a binary float.
    private func tierAmount(_ node: Node, _ path: FieldPath) -> Points? {
        guard case .scalar(let scalar) = node, !Reader.isNull(node), let value = Points(parsing: scalar.string) else {
            error(en: "\(Reader.describe(node)) is not an amount: write a number with at most two decimals, such as 50, 3000 or 0.5",
                  zh: "\(Reader.describe(node)) 不是金额：请写最多两位小数的数字，如 50、3000 或 0.5", path, node)
            return nil
        }
        return value
    }

    /// Warns when a measure relies on conduct of another domain without naming the law that links them.
    private func checkProportionality(measure: Measure.ID, domain: Domain, _ dependencies: [ConditionDependency], _ context: SchemeContext) {
        for dependency in dependencies {
            guard let rule = context.rules[dependency.rule], rule.category.domain != domain else { continue }
            let through = dependency.list.map { " through list '\($0)'" } ?? ""
            warning("measure '\(measure)' is in domain \(domain.rawValue) but depends on rule '\(rule.id)' (category \(rule.category.code), domain \(rule.category.domain.rawValue))\(through) without a legal_basis: a measure acts only on conduct in its own domain (proportionality); name the law that links them in legal_basis",
                    dependency.path, dependency.node)
        }
    }

    // MARK: Conditions

    func condition(_ node: Node, _ path: FieldPath, _ context: SchemeContext, depth: Int, _ dependencies: inout [ConditionDependency]) -> Condition? {
        guard depth <= Reader.conditionDepthMax else {
            error("conditions nest at most \(Reader.conditionDepthMax) deep", path, node)
            return nil
        }
        let shapes = "quota_unmet or one of {on_list: black}, {grade_at_least: AA}, {grade_at_most: C}, {score_at_least: 1050}, {score_below: 600}, {rule_active: [codes]}, {all: [...]}, {any: [...]}, {not: ...}"
        if case .scalar = node {
            guard let word = text(node, path) else { return nil }
            guard word == "quota_unmet" else {
                error("unknown condition '\(word.prefix(80))'; write \(shapes)", path, node)
                return nil
            }
            guard context.hasQuota else {
                error("'quota_unmet' needs a quota, and this scheme has none", path, node)
                return nil
            }
            return .quotaUnmet
        }
        guard let fields = fields(node, path, allowed: Reader.conditionKeys) else { return nil }
        guard fields.keys.count == 1, let key = fields.keys.first, let value = fields[key] else {
            if fields.keys.count > 1 || node.mapping?.isEmpty == true {
                error("a condition has exactly one key; combine several with {all: [...]} or {any: [...]}", path, node)
            }
            return nil
        }
        let inner = path.key(key)
        switch key {
        case "on_list":
            guard let kind: ListKind = choice(value, inner, what: "list") else { return nil }
            let lists = context.lists.filter { $0.list == kind }
            if lists.isEmpty && !context.listsUnreadable {
                error("the scheme has no \(kind.rawValue) list, so this condition can never hold", inner, value)
                return nil
            }
            for list in lists {
                guard case .rule(let rules) = list.trigger else { continue }
                dependencies += rules.map { ConditionDependency(rule: $0, list: list.id, node: value, path: inner) }
            }
            return .onList(kind)
        case "grade_at_least": return gradeReference(value, inner, context).map(Condition.gradeAtLeast)
        case "grade_at_most": return gradeReference(value, inner, context).map(Condition.gradeAtMost)
        case "score_at_least", "score_below":
            guard let threshold = points(value, inner), checkThreshold(threshold, context.scale, inner, value) else { return nil }
            return key == "score_below" ? .scoreBelow(threshold) : .scoreAtLeast(threshold)
        case "rule_active":
            guard let rules = ruleReferences(value, inner, context) else { return nil }
            for (index, rule) in rules.enumerated() {
                let item = value.sequence.map { Array($0)[index] } ?? value
                dependencies.append(ConditionDependency(rule: rule, list: nil, node: item, path: inner.index(index)))
            }
            return .ruleActive(rules)
        case "not":
            return condition(value, inner, context, depth: depth + 1, &dependencies).map(Condition.not)
        default:
            guard let items = list(value, inner) else { return nil }
            var conditions: [Condition] = []
            var ok = true
            for (index, item) in items.enumerated() {
                if let condition = condition(item, inner.index(index), context, depth: depth + 1, &dependencies) {
                    conditions.append(condition)
                } else {
                    ok = false
                }
            }
            guard ok else { return nil }
            return key == "all" ? .all(conditions) : .any(conditions)
        }
    }
}
