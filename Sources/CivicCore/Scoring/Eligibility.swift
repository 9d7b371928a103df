/// The one question a relying party may ask: does measure X apply to this subject?
///
/// The answer is yes or no with a reason code and, for a sanction, how to remedy
/// it; for a graduated measure also the tier that applies and its value. Nothing
/// else about the subject leaves the system.
public struct EligibilityDecision: Hashable, Sendable, Codable {
    public var subject: Subject.ID
    public var measure: Measure.ID
    /// The scheme whose measure answered: a measure id names one measure only together with its scheme.
    public var scheme: Scheme.ID?
    public var kind: Measure.Kind
    /// For a reward: the subject receives it. For a sanction: the subject is restricted by it.
    public var applies: Bool
    /// A stable code such as `on-black-list`, `grade-at-least:AA`, `not-on-black-list`, `no-record`.
    public var reason: String
    public var remedyHint: LocalizedText?
    public var asOf: Day
    /// For a graduated measure that applies: the tier chosen and its value; `reason` is then the tier's own
    /// reason (`score-at-least:650`). Nil for a yes/no measure and whenever the measure does not apply.
    public var tier: TierAnswer?

    public init(subject: Subject.ID, measure: Measure.ID, scheme: Scheme.ID? = nil, kind: Measure.Kind, applies: Bool, reason: String,
                remedyHint: LocalizedText?, asOf: Day, tier: TierAnswer? = nil) {
        self.subject = subject
        self.measure = measure
        self.scheme = scheme
        self.kind = kind
        self.applies = applies
        self.reason = reason
        self.remedyHint = remedyHint
        self.asOf = asOf
        self.tier = tier
    }
}

extension Measure {
    /// Decides whether this measure applies given a subject's standing in the measure's scheme.
    ///
    /// Having no record is neutral: a subject without entries is judged on the
    /// scheme's neutral standing, never penalised for the absence. A listing counts
    /// only if its conduct is in the measure's domain, or the measure names a legal basis.
    ///
    /// A graduated measure applies when its condition holds and one of its tiers does; the first tier
    /// that holds, in the handbook's order, is the answer, and its reason is the answer's reason. When
    /// no tier holds, the reason is the last tier's (the least demanding one, what the subject misses).
    public func decide(_ standing: Standing, grades: GradeScale?) -> EligibilityDecision {
        var (holds, reason) = evaluate(condition, standing, grades)
        var chosen: MeasureTier?
        if holds, let tiers {
            holds = false
            for tier in tiers {
                let (tierHolds, tierReason) = evaluate(tier.condition, standing, grades)
                reason = tierReason
                if tierHolds {
                    holds = true
                    chosen = tier
                    break
                }
            }
        }
        let quotaDecides = condition.dependsOnQuota || (tiers?.contains { $0.condition.dependsOnQuota } ?? false)
        return EligibilityDecision(
            subject: standing.subject, measure: id, scheme: standing.scheme, kind: kind, applies: holds,
            reason: standing.hasRecord || quotaDecides ? reason : "no-record:" + reason,
            remedyHint: kind == .sanction && holds ? remedyHint : nil, asOf: standing.asOf, tier: chosen.map(TierAnswer.init))
    }

    func evaluate(_ condition: Condition, _ standing: Standing, _ grades: GradeScale?) -> (Bool, String) {
        switch condition {
        case .onList(let list):
            let listed = standing.listings.contains { listing in
                listing.list == list && listing.isActive(on: standing.asOf)
                    && (listing.domain == nil || listing.domain == domain || legalBasis != nil)
            }
            return (listed, listed ? "on-\(list.rawValue)-list" : "not-on-\(list.rawValue)-list")
        case .gradeAtLeast(let limit):
            guard let grade = standing.grade, let grades else { return (false, "no-grade") }
            let holds = !grades.isBelow(grade, limit)
            return (holds, holds ? "grade-at-least:\(limit)" : "grade-below:\(limit)")
        case .gradeAtMost(let limit):
            guard let grade = standing.grade, let grades else { return (false, "no-grade") }
            let holds = !grades.isBelow(limit, grade)
            return (holds, holds ? "grade-at-most:\(limit)" : "grade-above:\(limit)")
        case .scoreAtLeast(let threshold):
            let holds = standing.score >= threshold
            return (holds, holds ? "score-at-least:\(threshold)" : "score-below:\(threshold)")
        case .scoreBelow(let threshold):
            let holds = standing.score < threshold
            return (holds, holds ? "score-below:\(threshold)" : "score-at-least:\(threshold)")
        case .ruleActive(let rules):
            let hit = rules.first { standing.activeRules.contains($0) }
            return (hit != nil, hit.map { "rule-active:\($0)" } ?? "rule-not-active")
        case .quotaUnmet:
            guard let quota = standing.quota else { return (false, "no-quota") }
            return (!quota.isMet, quota.isMet ? "quota-met:\(quota.year)" : "quota-unmet:\(quota.year)")
        case .all(let conditions):
            for inner in conditions {
                let (holds, reason) = evaluate(inner, standing, grades)
                if !holds { return (false, reason) }
            }
            return (true, conditions.last.map { evaluate($0, standing, grades).1 } ?? "all")
        case .any(let conditions):
            var last = "none"
            for inner in conditions {
                let (holds, reason) = evaluate(inner, standing, grades)
                if holds { return (true, reason) }
                last = reason
            }
            return (false, last)
        case .not(let inner):
            let (holds, reason) = evaluate(inner, standing, grades)
            return (!holds, reason)
        }
    }
}

extension Condition {
    /// A quota is judged on a household's members, so a household without entries of its own still has a record there.
    var dependsOnQuota: Bool {
        switch self {
        case .quotaUnmet: true
        case .all(let inner), .any(let inner): inner.contains { $0.dependsOnQuota }
        case .not(let inner): inner.dependsOnQuota
        default: false
        }
    }
}

extension QuotaStatus {
    /// The status of the year before `standing.asOf` for one subject, from its own earned points.
    ///
    /// For a household, pass its members: the requirement is the per-person figure
    /// times the members who are not exempt, and every member's points count.
    public static func evaluate(
        quota: Quota, exemptions: [Exemption], subject: Subject, members: [(subject: Subject, earned: Points)],
        ownEarned: Points, year: Int
    ) -> QuotaStatus {
        let yearEnd = Day.startOfYear(year + 1).adding(days: -1)
        let people = subject.kind == .household ? members : [(subject: subject, earned: ownEarned)]
        var exempt = 0
        var required = Points.zero
        var earned = subject.kind == .household ? ownEarned : .zero
        for member in people {
            earned = earned + member.earned
            if exemptions.contains(where: { $0.applies(to: member.subject, on: yearEnd) }) {
                exempt += 1
            } else {
                required = required + quota.pointsPerPersonYearly
            }
        }
        return QuotaStatus(year: year, required: required, earned: earned, exemptMembers: exempt, members: people.count)
    }
}
