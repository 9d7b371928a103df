/// Writes the notices that go with a change: one for each entry recorded, one
/// for each standing whose grade, lists or measures changed. Pure: it sees the
/// standings before and after, the handbooks, and the reports behind entries.
struct NoticePlanner {
    let handbooks: HandbookSet
    /// Current schemes by id, for measures and list criteria.
    let schemes: [Scheme.ID: Scheme]
    let today: Day
    /// Each scheme's standing for a subject with no record: what a first standing is compared with.
    let neutral: [Scheme.ID: Standing]

    init(handbooks: HandbookSet, schemes: [Scheme.ID: Scheme], today: Day) {
        self.handbooks = handbooks
        self.schemes = schemes
        self.today = today
        neutral = schemes.mapValues { Evaluator(scheme: $0).standing(subject: "no-record", entries: [], asOf: today) }
    }

    /// Whether two standings agree on everything a notice speaks of (measures depend on nothing else).
    /// A cycle close leaves most standings so; this spares them the comparison.
    static func sameEffect(_ a: Standing, _ b: Standing) -> Bool {
        a.score == b.score && a.grade == b.grade && a.lock == b.lock && a.activeRules == b.activeRules && a.quota == b.quota
            && a.activeListings.map(\.criterion) == b.activeListings.map(\.criterion)
    }

    /// The notice for one new entry, with the effect on its scheme's standing.
    func entryNotice(_ entry: Entry, report: Report?, before: Standing?, after: Standing?) -> Notice? {
        let kind: Notice.Kind
        switch entry.kind {
        case .deed, .rating: kind = .entryRecorded
        case .remedy, .cure: kind = .remedyRecorded
        case .correction: kind = .correctionRecorded
        case .appeal, .appealDecided: return nil
        }
        let handbook = handbooks.version(entry.handbookVersion, of: entry.handbookJurisdiction)
        let scheme = handbook?.scheme(entry.scheme)
        let rule = entry.rule.flatMap { scheme?.rule($0) }
        var effect: Notice.Effect?
        if let after { effect = self.effect(before: before, after: after) }
        let tone: Notice.Tone
        switch entry.kind {
        case .deed:
            // A deed without points can still list a subject ("dishonest judgment debtors"): its effect decides.
            let harms = entry.isAdverse || !(effect?.measuresLost.isEmpty ?? true) || (effect?.listed.contains { $0.hasPrefix("black/") } ?? false)
            tone = harms ? .adverse : (entry.points.isPositive ? .favourable : .neutral)
        case .rating: tone = (effect?.scoreAfter ?? .zero) < (effect?.scoreBefore ?? .zero) ? .adverse : .neutral
        case .correction: tone = entry.points.isNegative ? .adverse : .favourable
        default: tone = .favourable
        }
        let appealable = entry.kind == .deed || entry.kind == .rating
        let appealBy = appealable ? scheme?.appealDays.map { entry.recordedOn.adding(days: $0) } : nil
        var remedy: LocalizedText?
        if entry.kind == .deed, let rule, let current = schemes[entry.scheme] {
            remedy = current.lists.first { criterion in
                if case .rule(let rules) = criterion.trigger { rules.contains(rule.id) } else { false }
            }?.remedyHint
        }
        var words: [String] = []
        switch entry.kind {
        case .deed:
            words.append("\(entry.points.signedDescription) points under rule \(entry.rule?.rawValue ?? "-")"
                + (rule.map { " (\($0.title.en))" } ?? "") + " in \(entry.scheme)")
        case .rating:
            words.append("\(entry.stars.map(String.init) ?? "-") stars for \(entry.dimension?.rawValue ?? "-") under rule \(entry.rule?.rawValue ?? "-")")
        case .remedy: words.append("remedy recorded for entry \(entry.references?.rawValue ?? "-")")
        case .cure: words.append("fault put right within its grace period: report \(entry.report?.rawValue ?? "-") will not be deducted")
        case .correction: words.append("entry \(entry.references?.rawValue ?? "-") corrected (\(entry.points.signedDescription) points): \(entry.note)")
        case .appeal, .appealDecided: break
        }
        if let effect { words.append(Self.describe(effect)) }
        if let appealBy { words.append("appeal by \(appealBy)") }
        return Notice(
            id: Notice.ID("n:\(entry.id.rawValue)"), subject: entry.subject, scheme: entry.scheme, kind: kind, tone: tone, createdOn: today,
            entry: entry.id, report: entry.report, rule: entry.rule, ruleTitle: rule?.title,
            handbookJurisdiction: entry.handbookJurisdiction, handbookVersion: entry.handbookVersion,
            points: entry.kind == .deed || entry.kind == .correction ? entry.points : nil, evidence: report?.evidence ?? [],
            effect: effect, remedy: remedy, appealBy: appealBy, summary: words.joined(separator: "; "))
    }

    /// A notice when a standing's grade, lists, lock-in or measures changed; `nil` when none did.
    func standingNotice(before: Standing?, after: Standing) -> Notice? {
        if let before, Self.sameEffect(before, after) { return nil }
        if before == nil, let neutral = neutral[after.scheme], after.lastSequence == 0, Self.sameEffect(neutral, after) { return nil }
        let effect = effect(before: before, after: after)
        let gradeChanged = effect.gradeBefore != effect.gradeAfter
        let locked = effect.lockedUntil != nil
        guard gradeChanged || locked || !effect.listed.isEmpty || !effect.delisted.isEmpty
                || !effect.measuresLost.isEmpty || !effect.measuresGained.isEmpty else { return nil }
        let scheme = schemes[after.scheme]
        let worse: Bool
        if let grades = scheme?.grades, let old = effect.gradeBefore, let new = effect.gradeAfter, old != new {
            worse = grades.isBelow(new, old)
        } else {
            worse = false
        }
        let adverse = worse || locked || !effect.measuresLost.isEmpty || effect.listed.contains { $0.hasPrefix("black/") }
            || effect.delisted.contains { $0.hasPrefix("red/") }
        var remedy: LocalizedText?
        if adverse, let scheme {
            let criteria = after.activeListings.compactMap { listing in scheme.lists.first { $0.id == listing.criterion } }
            remedy = criteria.compactMap(\.remedyHint).first
                ?? effect.measuresLost.compactMap { scheme.measure($0)?.remedyHint }.first
        }
        return Notice(
            id: Notice.ID("n:\(after.subject.rawValue):\(after.scheme.rawValue):\(after.asOf):\(after.lastSequence)"),
            subject: after.subject, scheme: after.scheme, kind: .standingChanged, tone: adverse ? .adverse : .favourable,
            createdOn: today, effect: effect, remedy: remedy, summary: "standing in \(after.scheme) changed: " + Self.describe(effect))
    }

    func effect(before recorded: Standing?, after: Standing) -> Notice.Effect {
        let scheme = schemes[after.scheme]
        // A first standing is compared with having no record, which is neutral: the scheme's base and its grade.
        let before = recorded ?? neutral[after.scheme]
        let key = { (listing: Listing) in "\(listing.list.rawValue)/\(listing.criterion)" }
        let was = Set(before.map { $0.activeListings.map(key) } ?? [])
        let now = Set(after.activeListings.map(key))
        var lost: [Measure.ID] = []
        var gained: [Measure.ID] = []
        for measure in scheme?.measures ?? [] {
            let old = before.map { Self.reach(measure, measure.decide($0, grades: scheme?.grades)) } ?? 0
            let current = Self.reach(measure, measure.decide(after, grades: scheme?.grades))
            guard old != current else { continue }
            switch (measure.kind, current > old) {
            case (.sanction, true), (.reward, false): lost.append(measure.id)
            case (.sanction, false), (.reward, true): gained.append(measure.id)
            }
        }
        let newLock = after.lock.flatMap { lock in before?.lock == lock ? nil : lock.until.adding(days: -1) }
        return Notice.Effect(
            scoreBefore: before?.score, scoreAfter: after.score, gradeBefore: before?.grade, gradeAfter: after.grade,
            listed: now.subtracting(was).sorted(), delisted: was.subtracting(now).sorted(), measuresLost: lost.sorted(),
            measuresGained: gained.sorted(), lockedUntil: newLock)
    }

    /// How far a measure reaches the subject: 0 when it does not apply, 1 for a yes/no measure that does, and for
    /// a graduated one the more the earlier its tier (tiers come most demanding first). A reward falling a tier
    /// ("deposit waived" to "halved") is adverse like losing it, and a sanction rising a tier like gaining it.
    static func reach(_ measure: Measure, _ decision: EligibilityDecision) -> Int {
        guard decision.applies else { return 0 }
        guard let tiers = measure.tiers, let tier = decision.tier, let index = tiers.firstIndex(where: { $0.id == tier.id }) else { return 1 }
        return tiers.count - index
    }

    static func describe(_ effect: Notice.Effect) -> String {
        var parts: [String] = []
        if let before = effect.scoreBefore, before != effect.scoreAfter { parts.append("score \(before) → \(effect.scoreAfter)") }
        else { parts.append("score \(effect.scoreAfter)") }
        if let before = effect.gradeBefore, let after = effect.gradeAfter, before != after { parts.append("grade \(before) → \(after)") }
        if let until = effect.lockedUntil { parts.append("grade held down until \(until)") }
        if !effect.listed.isEmpty { parts.append("listed: \(effect.listed.joined(separator: ", "))") }
        if !effect.delisted.isEmpty { parts.append("off the list: \(effect.delisted.joined(separator: ", "))") }
        if !effect.measuresLost.isEmpty { parts.append("measures now against you: \(effect.measuresLost.map(\.rawValue).joined(separator: ", "))") }
        if !effect.measuresGained.isEmpty { parts.append("measures now for you: \(effect.measuresGained.map(\.rawValue).joined(separator: ", "))") }
        return parts.joined(separator: ", ")
    }
}
