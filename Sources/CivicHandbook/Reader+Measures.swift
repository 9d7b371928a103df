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
    static let measureKeys = ["id", "title", "kind", "domain", "condition", "legal_basis", "remedy_hint"]
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
        let condition = required(fields, "condition").flatMap { self.condition($0, path.key("condition"), context, depth: 1, &dependencies) }
        let legalBasis = fields["legal_basis"].map { text($0, path.key("legal_basis")) }
        let remedyHint = fields["remedy_hint"].map { localized($0, path.key("remedy_hint")) }

        if let domain, legalBasis == nil, let id {
            checkProportionality(measure: id, domain: domain, dependencies, context)
        }
        if kind == .sanction, remedyHint == nil {
            warning("a sanction without remedy_hint: every notice must say how to remedy it", path.key("remedy_hint"), fields.node)
        }
        guard let id, let title, let kind, let domain, let condition, legalBasis != .some(nil), remedyHint != .some(nil) else { return nil }
        return Measure(id: id, title: title, kind: kind, domain: domain, condition: condition, legalBasis: legalBasis ?? nil,
                       remedyHint: remedyHint ?? nil)
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
