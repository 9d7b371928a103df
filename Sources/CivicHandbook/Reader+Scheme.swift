internal import CivicCore
internal import Yams

/// What later parts of a scheme may refer to, as far as it could be read.
///
/// A part that could not be read is marked unknown so that references to it are
/// not reported a second time as dangling.
struct SchemeContext {
    /// `nil` when the scale is missing or unreadable: scale-dependent checks are skipped.
    var scale: Scale?
    /// `nil` when the scheme has no grades.
    var grades: GradeScale?
    /// The `grades` field is present but could not be read.
    var gradesUnreadable = false
    /// Every grade named by the bands, even when the bands have other errors; `nil` when not all could be read.
    var gradeNames: [Grade]?
    /// Rules read successfully, by code.
    var rules: [Rule.ID: Rule] = [:]
    /// Codes of every rule item, readable or not.
    var ruleCodes: Set<String> = []
    var hasQuota = false
    var lists: [ListCriterion] = []
    /// The `lists` field could not be read in full.
    var listsUnreadable = false
}

extension Reader {
    func scheme(_ node: Node, _ path: FieldPath) -> Scheme? {
        guard let fields = fields(node, path, allowed: Keys.scheme) else { return nil }
        let id: Scheme.ID? = required(fields, "id").flatMap { identifier($0, path.key("id"), what: "scheme id") }
        let title = required(fields, "title").flatMap { localized($0, path.key("title")) }
        let subjects = required(fields, "subjects", hint: "which of person, household, organisation it rates")
            .flatMap { subjectKinds($0, path.key("subjects")) }

        var context = SchemeContext()
        var scaleRead = false
        if let node = required(fields, "scale") {
            context.scale = scale(node, path.key("scale"))
            scaleRead = context.scale != nil
        }
        var gradesRead = true
        if let node = fields["grades"] {
            (context.grades, context.gradeNames) = gradeScale(node, path.key("grades"), scale: context.scale)
            context.gradesUnreadable = context.grades == nil
            gradesRead = context.grades != nil
        }

        var quota: Quota?
        var quotaRead = true
        if let node = fields["quota"] {
            context.hasQuota = true
            quota = self.quota(node, path.key("quota"), scale: context.scale)
            quotaRead = quota != nil
        }

        var rules: [Rule] = []
        var rulesRead = true
        if let node = fields["rules"] {
            (rules, rulesRead) = self.rules(node, path.key("rules"), &context)
            if rulesRead && rules.isEmpty {
                warning("the scheme has no rules: nothing can change a subject's score", path.key("rules"), node)
            }
        } else {
            warning("the scheme has no rules: nothing can change a subject's score", path.key("rules"), node)
        }

        var exemptions: [Exemption] = []
        var exemptionsRead = true
        if let node = fields["exemptions"] {
            (exemptions, exemptionsRead) = self.exemptions(node, path.key("exemptions"))
            if !context.hasQuota && !exemptions.isEmpty {
                warning("exemptions apply only to a quota, and this scheme has none", path.key("exemptions"), node)
            }
        }

        var lists: [ListCriterion] = []
        var listsRead = true
        if let node = fields["lists"] {
            (lists, listsRead) = self.lists(node, path.key("lists"), &context)
        }
        context.lists = lists
        context.listsUnreadable = !listsRead

        var measures: [Measure] = []
        var measuresRead = true
        if let node = fields["measures"] {
            (measures, measuresRead) = self.measures(node, path.key("measures"), context)
        }

        let negativeExpiryDays = fields["negative_expiry_days"].flatMap { days($0, path.key("negative_expiry_days"), minimum: 1) }
        let appealDays = fields["appeal_days"].flatMap { days($0, path.key("appeal_days"), minimum: 1) }
        let calendar = fields["calendar"].map { self.calendar($0, path.key("calendar")) } ?? Defaults.calendar
        var appealDecision = Defaults.appealDecision
        if let node = fields["appeal_decision_days"], let count = days(node, path.key("appeal_decision_days"), minimum: 1) {
            appealDecision = .days(count)
        }
        if let node = fields["appeal_decision_working_days"],
           let count = days(node, path.key("appeal_decision_working_days"), minimum: 1) {
            if fields["appeal_decision_days"] != nil {
                error("set either appeal_decision_days or appeal_decision_working_days, not both",
                      path.key("appeal_decision_working_days"), node)
            }
            appealDecision = .workingDays(count)
        }

        if fields["negative_expiry_days"] == nil {
            let lasting = rules.filter { $0.isAdverse && $0.expiryDays == nil }.map(\.id.rawValue)
            if !lasting.isEmpty {
                warning("negative entries of \(Reader.quotedList(lasting)) never expire: set the scheme's negative_expiry_days or each rule's expiry_days",
                        path.key("negative_expiry_days"), node)
            }
        }

        guard let id, let title, let subjects, let scale = context.scale, scaleRead, gradesRead, quotaRead, rulesRead,
              exemptionsRead, listsRead, measuresRead, let calendar
        else { return nil }
        let scheme = Scheme(
            id: id, title: title, subjectKinds: subjects, scale: scale, grades: context.grades, rules: rules, quota: quota,
            exemptions: exemptions, lists: lists, measures: measures, negativeExpiryDays: negativeExpiryDays,
            appealDays: fields["appeal_days"] == nil ? Defaults.appealDays : appealDays, appealDecision: appealDecision,
            calendar: calendar)
        checkNoRecordIsNeutral(scheme, fields["measures"], path.key("measures"))
        return scheme
    }

    /// Having no record is neutral, never a penalty: a sanction that would restrict a subject with no
    /// entries at all (or, in a quota scheme, one who simply earned no points) is refused.
    func checkNoRecordIsNeutral(_ scheme: Scheme, _ node: Node?, _ path: FieldPath) {
        var neutral = Evaluator(scheme: scheme).standing(subject: "no-record", entries: [], asOf: Day.startOfYear(2000))
        var situations = [("a subject with no record", neutral)]
        if let quota = scheme.quota {
            neutral.quota = QuotaStatus(year: 1999, required: quota.pointsPerPersonYearly, earned: .zero, exemptMembers: 0, members: 1)
            situations.append(("a subject who simply earned no points (no record)", neutral))
        }
        let items = node?.sequence.map(Array.init) ?? []
        for (index, measure) in scheme.measures.enumerated() where measure.kind == .sanction {
            guard let (who, _) = situations.first(where: { measure.decide($0.1, grades: scheme.grades).applies }) else { continue }
            error("sanction '\(measure.id)' would restrict \(who): having no record is neutral, never a penalty; "
                  + "tie the sanction to conduct (a list, a rule, a score below the base) or make it a reward for those who meet the quota",
                  path.index(index).key("condition"), index < items.count ? items[index].mapping?["condition"] ?? items[index] : node)
        }
    }

    func subjectKinds(_ node: Node, _ path: FieldPath) -> Set<SubjectKind>? {
        guard let items = list(node, path) else { return nil }
        var kinds: Set<SubjectKind> = []
        var ok = true
        for (index, item) in items.enumerated() {
            guard let kind: SubjectKind = choice(item, path.index(index), what: "subject kind") else { ok = false; continue }
            if !kinds.insert(kind).inserted { error("'\(kind.rawValue)' is listed twice", path.index(index), item) }
        }
        return ok ? kinds : nil
    }

    // MARK: Grades

    /// The grade scale, and the names of its grades whenever all of them could be read.
    func gradeScale(_ node: Node, _ path: FieldPath, scale: Scale?) -> (GradeScale?, [Grade]?) {
        guard let fields = fields(node, path, allowed: Keys.grades) else { return (nil, nil) }
        var bands: [GradeBand] = []
        var names: [Grade]? = []
        var ok = true
        if let node = required(fields, "bands"), let items = list(node, path.key("bands")) {
            if items.count > Limits.gradeBandsMax {
                error("\(items.count) grade bands; a scheme has at most \(Limits.gradeBandsMax)", path.key("bands"), node)
                ok = false
            }
            var grades = DuplicateCheck("grade")
            var previous: (band: GradeBand, node: Node)?
            for (index, item) in items.enumerated() {
                let itemPath = path.key("bands").index(index)
                let name = item.mapping?["grade"]?.string
                if let name, Identifier<GradeBand>.isValid(name) {
                    if names?.contains(Grade(name)) == false { names?.append(Grade(name)) }
                } else {
                    names = nil
                }
                guard let band = gradeBand(item, itemPath) else { ok = false; continue }
                guard grades.first(band.grade.rawValue, idNode(item, key: "grade"), itemPath.key("grade"), self) else { ok = false; continue }
                if let previous, band.minimum >= previous.band.minimum {
                    error("grade bands go from the highest minimum to the lowest: '\(band.grade)' (minimum \(band.minimum)) cannot follow '\(previous.band.grade)' (minimum \(previous.band.minimum))",
                          itemPath.key("minimum"), idNode(item, key: "minimum"))
                    ok = false
                }
                if !checkThreshold(band.minimum, scale, itemPath.key("minimum"), idNode(item, key: "minimum")) { ok = false }
                if let range = scale.flatMap(Reader.range), band.minimum > range.upperBound {
                    warning("no score can reach grade '\(band.grade)': its minimum \(band.minimum) is above the scale's top, \(range.upperBound)",
                            itemPath.key("minimum"), idNode(item, key: "minimum"))
                }
                bands.append(band)
                previous = (band, item)
            }
        } else {
            ok = false
            names = nil
        }
        var lockIns: [LockIn] = []
        if let node = fields["lock_ins"], let items = list(node, path.key("lock_ins"), nonEmpty: false) {
            var seen = DuplicateCheck("lock-in for grade")
            let known = Set(names ?? [])
            for (index, item) in items.enumerated() {
                let itemPath = path.key("lock_ins").index(index)
                guard let lockFields = self.fields(item, itemPath, allowed: Keys.lockIn) else { ok = false; continue }
                let grade: Grade? = required(lockFields, "grade").flatMap { identifier($0, itemPath.key("grade"), what: "grade") }
                let years = required(lockFields, "years").flatMap { integer($0, itemPath.key("years"), in: 1...100, "is not a number of years: a lock-in lasts 1 to 100 years") }
                guard let grade, let years, let gradeNode = lockFields["grade"] else { ok = false; continue }
                if let names, !known.contains(grade) {
                    error("unknown grade '\(grade)'; the grades are \(Reader.quotedList(names.map(\.rawValue)))", itemPath.key("grade"), gradeNode)
                    ok = false
                    continue
                }
                guard seen.first(grade.rawValue, gradeNode, itemPath.key("grade"), self) else { ok = false; continue }
                lockIns.append(LockIn(grade: grade, years: years))
            }
        } else if fields["lock_ins"] != nil {
            ok = false
        }
        guard ok, !bands.isEmpty else { return (nil, names) }
        return (GradeScale(bands: bands, lockIns: lockIns), names)
    }

    func gradeBand(_ node: Node, _ path: FieldPath) -> GradeBand? {
        guard let fields = fields(node, path, allowed: Keys.band) else { return nil }
        let grade: Grade? = required(fields, "grade").flatMap { identifier($0, path.key("grade"), what: "grade") }
        let minimum = required(fields, "minimum").flatMap { points($0, path.key("minimum")) }
        let title = fields["title"].map { localized($0, path.key("title")) }
        guard let grade, let minimum, title != .some(nil) else { return nil }
        return GradeBand(grade: grade, minimum: minimum, title: title ?? nil)
    }

    /// A reference to a grade of this scheme; reported when the scheme has no such grade.
    func gradeReference(_ node: Node, _ path: FieldPath, _ context: SchemeContext) -> Grade? {
        guard let grade: Grade = identifier(node, path, what: "grade") else { return nil }
        if context.gradesUnreadable {
            guard let names = context.gradeNames else { return grade }
            if !names.contains(grade) {
                let known = Reader.quotedList(names.map(\.rawValue))
                error(en: "unknown grade '\(grade)'; the grades are \(known)", zh: "未知等级 '\(grade)'；本方案的等级为 \(known)", path, node)
                return nil
            }
            return grade
        }
        guard let grades = context.grades else {
            error(en: "grade '\(grade)' is named but the scheme has no 'grades'", zh: "引用了等级 '\(grade)'，但本方案没有 grades", path, node)
            return nil
        }
        guard grades.band(grade) != nil else {
            let known = Reader.quotedList(grades.bands.map(\.grade.rawValue))
            error(en: "unknown grade '\(grade)'; the grades are \(known)", zh: "未知等级 '\(grade)'；本方案的等级为 \(known)", path, node)
            return nil
        }
        return grade
    }

    /// The lowest and highest score a scale can produce, if bounded.
    static func range(_ scale: Scale) -> ClosedRange<Points>? {
        switch scale {
        case .points(let points):
            guard let floor = points.floor, let ceiling = points.ceiling, floor <= ceiling else { return nil }
            return floor...ceiling
        case .stars(let stars):
            let count = stars.dimensions.count
            guard stars.minimumStars <= stars.maximumStars else { return nil }
            return Points(stars.minimumStars * count)...Points(stars.maximumStars * count)
        case .weighted(let weighted):
            guard weighted.minimum <= weighted.maximum else { return nil }
            return weighted.minimum...weighted.maximum
        }
    }

    // MARK: Quota, exemptions, calendar

    func quota(_ node: Node, _ path: FieldPath, scale: Scale?) -> Quota? {
        guard let fields = fields(node, path, allowed: Keys.quota) else { return nil }
        guard let valueNode = required(fields, "points_per_person_yearly"),
              let value = points(valueNode, path.key("points_per_person_yearly")) else { return nil }
        guard value.isPositive else {
            error("a quota is a yearly minimum of good deeds and must be more than 0, found \(value); there is no quota for negative entries",
                  path.key("points_per_person_yearly"), valueNode)
            return nil
        }
        if case .stars = scale {
            error("a stars scale has no points to earn, so it cannot have a quota", path, node)
            return nil
        }
        return Quota(pointsPerPersonYearly: value)
    }

    func exemptions(_ node: Node, _ path: FieldPath) -> ([Exemption], Bool) {
        guard let items = list(node, path, nonEmpty: false) else { return ([], false) }
        var result: [Exemption] = []
        var ok = true
        for (index, item) in items.enumerated() {
            let itemPath = path.index(index)
            guard let fields = fields(item, itemPath, allowed: ["age_from", "attribute"]) else { ok = false; continue }
            guard fields.keys.count == 1 else {
                error("an exemption is exactly one of {age_from: 80} or {attribute: carer}", itemPath, item)
                ok = false
                continue
            }
            if let age = fields["age_from"] {
                guard let years = integer(age, itemPath.key("age_from"), in: 0...150, "is not an age (0 to 150)") else { ok = false; continue }
                result.append(.ageFrom(years))
            } else if let attribute = fields["attribute"] {
                guard let name = text(attribute, itemPath.key("attribute")) else { ok = false; continue }
                guard Identifier<Exemption>.isValid(name) else {
                    error("'\(name.prefix(80))' is not a valid attribute name: \(Identifier<Exemption>.syntax)", itemPath.key("attribute"), attribute)
                    ok = false
                    continue
                }
                result.append(.attribute(name))
            }
        }
        return (result, ok)
    }

    /// The calendar, with each missing day taken from the default (18, 20, 25); `nil` when a day is unusable.
    func calendar(_ node: Node, _ path: FieldPath) -> CycleCalendar? {
        guard let fields = fields(node, path, allowed: Keys.calendar) else { return nil }
        let defaults = Defaults.calendar
        var days: [Int?] = []
        for (key, fallback) in [("collect_day", defaults.collectDay), ("report_day", defaults.reportDay), ("committee_day", defaults.committeeDay)] {
            days.append(fields[key].map { integer($0, path.key(key), in: 1...31, "is not a day of the month (1 to 31)") } ?? fallback)
        }
        guard let collect = days[0], let report = days[1], let committee = days[2] else { return nil }
        guard collect <= report, report <= committee else {
            error("the cycle runs collect, then report, then committee: days \(collect), \(report), \(committee) are out of order", path, node)
            return nil
        }
        return CycleCalendar(collectDay: collect, reportDay: report, committeeDay: committee)
    }
}
