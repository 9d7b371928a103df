/// What would change a subject's grade, worked out from the subject's own entries and the
/// published scheme: each counting entry reversed or expired, and the rules that could lift
/// the subject to the next grade, with their caps and the earliest day a lock-in allows.
///
/// Residents "know little about how it works"; this is the answer to "what can I do?".
/// Every figure comes from the same fold as the score itself (`Evaluator`), run on the
/// entries as they are plus one hypothetical change at a time.
public struct GradePath: Hashable, Sendable, Codable {
    public var subject: Subject.ID
    public var scheme: Scheme.ID
    public var asOf: Day
    public var score: Points
    public var grade: Grade?
    /// The grade above the current one; `nil` at the top or in a scheme without grades.
    public var nextGrade: Grade?
    /// The score the next grade starts at.
    public var nextGradeMinimum: Points?
    /// Points still missing for the next grade's band (0 when the score is already there and a hold keeps the grade down).
    public var pointsNeeded: Points?
    /// What keeps the grade down regardless of points: a lock-in after a fall, or an entry's grade cap.
    public var holds: [Hold]
    /// The earliest day the holds allow the next grade; `nil` when a hold lasts until a remedy or correction.
    public var earliestDay: Day?
    /// Each entry counting now: the standing if it were reversed today, and on its expiry day.
    public var entries: [EntryEffect]
    /// Rules that add points or ratings, and what each could do towards the next grade.
    public var rules: [RuleStep]

    public struct Hold: Hashable, Sendable, Codable {
        public enum Kind: String, Hashable, Sendable, Codable { case lockIn = "lock-in", gradeCap = "grade-cap" }
        public var kind: Kind
        /// The grade the subject is held at or below.
        public var grade: Grade
        /// First day the hold no longer applies; `nil` until a remedy or correction ends it.
        public var until: Day?
        /// The capping entry, for a grade cap.
        public var entry: Entry.ID?
        public var reason: String
    }

    public struct Outcome: Hashable, Sendable, Codable {
        public var asOf: Day
        public var score: Points
        public var grade: Grade?

        public init(asOf: Day, score: Points, grade: Grade?) {
            self.asOf = asOf
            self.score = score
            self.grade = grade
        }
    }

    public struct EntryEffect: Hashable, Sendable, Codable {
        public var entry: Entry.ID
        public var rule: Rule.ID?
        public var points: Points
        public var stars: Int?
        public var gradeCap: Grade?
        public var expiresOn: Day?
        /// The standing if a correction reversed the entry today.
        public var ifReversed: Outcome
        /// The standing on the entry's expiry day, if nothing else changes; `nil` for an entry that never expires.
        public var onExpiry: Outcome?
    }

    public struct RuleStep: Hashable, Sendable, Codable {
        public var rule: Rule.ID
        public var title: LocalizedText
        /// Points per entry (points and weighted scales).
        public var points: Points?
        /// For a rating rule: the dimension it rates and the best rating.
        public var dimension: Dimension.ID?
        public var stars: Int?
        public var cap: Cap?
        /// Entries of this rule already counted in the current cap period.
        public var usedThisPeriod: Int?
        /// How many entries of this rule alone would reach the next grade's band; `nil` if it cannot, or there is no next grade.
        public var occurrencesNeeded: Int?
        /// With the cap, how many periods those entries take (the current one included).
        public var periodsNeeded: Int?
        /// The score after one more entry of this rule.
        public var scoreAfterOne: Points
        /// The earliest day this rule alone could bring the next grade: its cap and the holds allowing.
        public var earliestDay: Day?
        public var reporters: [ReporterRole]
    }

    /// Entries of one rule a path considers at most; far above any real scheme's need.
    public static let occurrencesMax = 1_000

    /// The path for one subject in one scheme; `entries` may hold other subjects' or schemes' entries.
    public static func compute(scheme: Scheme, subject: Subject.ID, entries allEntries: [Entry], asOf: Day) -> GradePath {
        let evaluator = Evaluator(scheme: scheme)
        let entries = allEntries.filter { $0.subject == subject && $0.scheme == scheme.id }.sorted { $0.sequence < $1.sequence }
        let explanation = evaluator.explain(subject: subject, entries: entries, asOf: asOf)
        let standing = explanation.standing
        let nextSequence = (entries.last?.sequence ?? 0) + 1
        func outcome(_ extra: [Entry], on day: Day) -> Outcome {
            let folded = evaluator.standing(subject: subject, entries: entries + extra, asOf: day)
            return Outcome(asOf: day, score: folded.score, grade: folded.grade)
        }

        // Each counting entry, reversed today (as a correction would) and on its expiry day.
        var effects: [EntryEffect] = []
        for contribution in explanation.contributions where contribution.correctedOn == nil {
            let entry = contribution.entry
            guard entry.kind == .deed || entry.kind == .rating else { continue }
            let correction = Entry(
                id: Entry.ID("what-if:\(entry.id.rawValue)"), sequence: nextSequence, kind: .correction, subject: subject, scheme: scheme.id,
                handbookJurisdiction: entry.handbookJurisdiction, handbookVersion: entry.handbookVersion, rule: entry.rule,
                category: entry.category, points: -entry.points, dimension: entry.dimension, effectiveOn: max(asOf, entry.effectiveOn),
                expiresOn: entry.expiresOn, references: entry.id, recordedOn: asOf, recordedBy: "what-if")
            effects.append(EntryEffect(
                entry: entry.id, rule: entry.rule, points: entry.points, stars: entry.stars, gradeCap: entry.gradeCap, expiresOn: entry.expiresOn,
                ifReversed: outcome([correction], on: asOf),
                onExpiry: entry.expiresOn.flatMap { $0 > asOf ? outcome([], on: $0) : nil }))
        }

        var path = GradePath(subject: subject, scheme: scheme.id, asOf: asOf, score: standing.score, grade: standing.grade, nextGrade: nil,
                             nextGradeMinimum: nil, pointsNeeded: nil, holds: [], earliestDay: asOf, entries: effects, rules: [])
        var targetRank: Int?
        if let grades = scheme.grades, let grade = standing.grade, let rank = grades.rank(of: grade), rank > 0 {
            let target = grades.bands[rank - 1]
            targetRank = rank - 1
            path.nextGrade = target.grade
            path.nextGradeMinimum = target.minimum
            path.pointsNeeded = max(.zero, target.minimum - standing.score)
            // Holds that keep the grade below the target whatever the score.
            if let lock = standing.lock, let lockRank = grades.rank(of: lock.grade), lockRank > rank - 1 {
                let cause = explanation.lockStartedBy.map { "entry \($0)'s grade cap started the lock-in of \(lock.grade) on \(lock.since)" }
                    ?? "after the fall to \(lock.grade) on \(lock.since)"
                path.holds.append(Hold(kind: .lockIn, grade: lock.grade, until: lock.until, entry: explanation.lockStartedBy,
                                       reason: "\(cause), the grade stays at \(lock.grade) or lower until \(lock.until)"))
            }
            for entry in explanation.capsInForce {
                guard let cap = entry.gradeCap, let capRank = grades.rank(of: cap), capRank > rank - 1 else { continue }
                // A cap "until remedied" outlives the entry's expiry: only a remedy or correction ends it.
                let until = entry.gradeCapUntilRemedied == true ? nil : entry.expiresOn
                path.holds.append(Hold(kind: .gradeCap, grade: cap, until: until, entry: entry.id,
                                       reason: "entry \(entry.id) (\(entry.rule?.rawValue ?? "-")) caps the grade at \(cap) "
                                           + (until.map { "until it expires on \($0), or sooner if remedied or corrected" } ?? "until it is remedied or corrected")))
            }
            path.earliestDay = path.holds.reduce(Optional(asOf)) { day, hold in
                guard let day, let until = hold.until else { return nil }
                return max(day, until)
            }
        } else {
            path.earliestDay = nil
        }

        // Rules that lift: a points rule with positive points, or a rating rule at its best rating.
        let ladder = scheme.grades
        func reaches(_ score: Points) -> Bool {
            guard let ladder, let targetRank, let rank = ladder.rank(of: ladder.grade(for: score)) else { return false }
            return rank <= targetRank
        }
        for rule in scheme.rules {
            let lifts: Bool
            var stars: Int?
            if rule.isRating {
                guard case .stars(let scale) = scheme.scale else { continue }
                stars = scale.maximumStars
                lifts = true
            } else {
                lifts = rule.points?.isPositive ?? false
            }
            guard lifts else { continue }
            func hypothetical(_ count: Int) -> [Entry] {
                (0..<count).map { index in
                    Entry(id: Entry.ID("what-if:\(rule.id.rawValue):\(index)"), sequence: nextSequence + Int64(index), kind: rule.isRating ? .rating : .deed,
                          subject: subject, scheme: scheme.id, handbookJurisdiction: "what-if", handbookVersion: 0, rule: rule.id,
                          category: rule.category.code, points: rule.points ?? .zero, dimension: rule.dimension, stars: stars,
                          occurredOn: asOf, effectiveOn: asOf, recordedOn: asOf, recordedBy: "what-if")
                }
            }
            let afterOne = evaluator.standing(subject: subject, entries: entries + hypothetical(1), asOf: asOf).score
            var step = RuleStep(rule: rule.id, title: rule.title, points: rule.points, dimension: rule.dimension, stars: stars, cap: rule.cap,
                                usedThisPeriod: nil, occurrencesNeeded: nil, periodsNeeded: nil, scoreAfterOne: afterOne, earliestDay: nil,
                                reporters: rule.reporters.sorted { $0.rawValue < $1.rawValue })
            if let cap = rule.cap {
                let start = cap.period.start(containing: asOf)
                step.usedThisPeriod = entries.filter { entry in
                    entry.kind == .deed && entry.rule == rule.id && entry.occurredOn.map { cap.period.start(containing: $0) == start } ?? false
                }.count
            }
            if targetRank != nil, let needed = path.pointsNeeded {
                // The smallest count that reaches the band: a rating counts once, points entries by binary search.
                var found: Int?
                if needed == .zero {
                    found = 0
                } else if rule.isRating {
                    found = reaches(afterOne) ? 1 : nil
                } else if reaches(evaluator.standing(subject: subject, entries: entries + hypothetical(occurrencesMax), asOf: asOf).score) {
                    var low = 1, high = occurrencesMax
                    while low < high {
                        let middle = (low + high) / 2
                        if reaches(evaluator.standing(subject: subject, entries: entries + hypothetical(middle), asOf: asOf).score) {
                            high = middle
                        } else {
                            low = middle + 1
                        }
                    }
                    found = low
                }
                step.occurrencesNeeded = found
                if let found {
                    var day = asOf
                    var periods = found == 0 ? 0 : 1
                    if let cap = rule.cap, found > 0 {
                        let remaining = max(0, cap.count - (step.usedThisPeriod ?? 0))
                        if found > remaining {
                            let more = (found - remaining + cap.count - 1) / cap.count
                            periods = (remaining > 0 ? 1 : 0) + more
                            let months = cap.period == .month ? 1 : cap.period == .quarter ? 3 : 12
                            day = cap.period.start(containing: asOf).adding(months: months * more)
                        }
                    }
                    step.periodsNeeded = periods
                    step.earliestDay = path.earliestDay.map { max($0, day) }
                }
            }
            path.rules.append(step)
        }
        path.rules.sort { ($0.occurrencesNeeded ?? Int.max, $0.rule) < ($1.occurrencesNeeded ?? Int.max, $1.rule) }
        return path
    }
}
