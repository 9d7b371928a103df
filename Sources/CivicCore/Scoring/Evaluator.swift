/// Folds a subject's ledger entries into its standing in one scheme.
///
/// The fold walks the days on which anything changes (an entry starts, expires,
/// is corrected or remedied; a lock-in ends), because a lock-in depends on the
/// grade's history, not only on today's score. Between two such days nothing
/// changes, so the state on the last one is the state on `asOf`.
public struct Evaluator: Sendable {
    public let scheme: Scheme
    /// The grades by rank, worked out once per scheme rather than once per subject.
    let ladder: GradeLadder?
    /// Grade-triggered list criteria with their limits as ranks.
    let gradeCriteria: [(criterion: ListCriterion, atMost: Bool, limit: Int)]

    public init(scheme: Scheme) {
        self.scheme = scheme
        let ladder = scheme.grades.map(GradeLadder.init)
        self.ladder = ladder
        gradeCriteria = ladder.map { ladder in
            scheme.lists.compactMap { criterion in
                switch criterion.trigger {
                case .gradeAtMost(let limit): ladder.rank(limit).map { (criterion, true, $0) }
                case .gradeAtLeast(let limit): ladder.rank(limit).map { (criterion, false, $0) }
                case .rule: nil
                }
            }
        } ?? []
    }

    /// The standing of `subject` on `asOf` from its entries in this scheme (any order; others are ignored).
    public func standing(subject: Subject.ID, entries: [Entry], asOf: Day) -> Standing {
        fold(subject: subject, entries: entries, asOf: asOf, explaining: false).standing
    }

    /// The standing with the reasons behind it.
    public func explain(subject: Subject.ID, entries: [Entry], asOf: Day) -> Explanation {
        let result = fold(subject: subject, entries: entries, asOf: asOf, explaining: true)
        var contributions: [Explanation.Contribution] = []
        var excluded: [Explanation.Excluded] = []
        for timeline in result.timelines {
            let entry = timeline.entry
            guard entry.kind == .deed || entry.kind == .correction || entry.kind == .rating else { continue }
            if entry.effectiveOn > asOf {
                excluded.append(.init(entry: entry, reason: .notYetEffective))
            } else if let end = timeline.pointsEnd, end <= asOf {
                excluded.append(.init(entry: entry, reason: .expired(end)))
            } else if let since = timeline.suspension(on: asOf)?.from {
                excluded.append(.init(entry: entry, reason: .suspended(since)))
            } else if entry.kind == .deed || entry.kind == .correction || entry.kind == .rating {
                contributions.append(.init(entry: entry, correctedOn: timeline.correctedOn.flatMap { $0 <= asOf ? $0 : nil },
                                           remediedOn: timeline.remediedOn.flatMap { $0 <= asOf ? $0 : nil }))
            }
        }
        // Grade caps in force, including a cap "until remedied" whose points have expired.
        var caps: [Entry] = []
        for position in result.timelines.indices {
            let timeline = result.timelines[position]
            guard timeline.entry.kind == .deed, timeline.entry.gradeCap != nil, timeline.entry.effectiveOn <= asOf,
                  timeline.capEnd.map({ asOf < $0 }) ?? true, !timeline.isSuspended(on: asOf) else { continue }
            caps.append(timeline.entry)
        }
        return Explanation(standing: result.standing, scheme: scheme, contributions: contributions, excluded: excluded,
                           gradeReasons: result.gradeReasons, lockStartedBy: result.lockStartedBy, capsInForce: caps)
    }

    struct Timeline {
        /// The fold's entries, shared by all its timelines: a timeline names its entry by
        /// position, because a copy of an entry retains and releases every string in it.
        let entries: [Entry]
        let position: Int
        /// Borrowed, not copied: reading one field must not retain and release every string of the entry.
        var entry: Entry { _read { yield entries[position] } }
        /// First day the points stop counting (expiry).
        var pointsEnd: Day?
        /// First day the grade cap and list triggers stop (expiry, correction or remedy).
        var effectEnd: Day?
        /// First day the grade cap stops: `effectEnd`, except that a cap "until remedied" ignores the expiry.
        var capEnd: Day?
        var correctedOn: Day?
        var remediedOn: Day?
        /// Periods in which an overdue appeal suspends the entry, in order; `until` is `nil` while the appeal is open.
        var suspensions: [Suspension] = []

        /// The suspension in force on `day`, if any.
        func suspension(on day: Day) -> Suspension? {
            if suspensions.isEmpty { return nil }
            return suspensions.first { $0.from <= day && ($0.until.map { day < $0 } ?? true) }
        }

        func isSuspended(on day: Day) -> Bool { !suspensions.isEmpty && suspension(on: day) != nil }

        /// The day the entry stopped holding anything against the subject for good, as known on the fold's day:
        /// its correction, or the start of a suspension that no decision has ended.
        var withdrawnOn: Day? {
            let open = suspensions.last.flatMap { $0.until == nil ? $0.from : nil }
            return earliest(correctedOn, open)
        }
    }

    struct Suspension {
        var from: Day
        var until: Day?
    }

    struct FoldResult {
        var standing: Standing
        var timelines: [Timeline]
        var gradeReasons: [String]
        /// The entry whose grade cap started the lock-in in force, if a cap started it.
        var lockStartedBy: Entry.ID?
    }

    /// A lock-in while the fold runs, by rank; `entry` is the capping entry that started it, `nil` for a fall.
    struct RunningLock {
        var rank: Int
        var since: Day
        var until: Day
        var entry: Entry.ID?
    }

    /// The fold itself; `explaining` adds the grade's reasons in words, which only `explain` shows.
    ///
    /// The loops below read timelines by index rather than `for timeline in timelines`: a
    /// timeline holds a whole entry, and copying one retains and releases every string in
    /// it, which was most of a fold's time (a cycle close folds every subject).
    func fold(subject: Subject.ID, entries allEntries: [Entry], asOf: Day, explaining: Bool) -> FoldResult {
        // A store hands over one subject's entries in sequence order; filter and sort only when they are not.
        // Loops over entries go by index: `for entry in entries` copies each entry, retaining every string in it.
        let schemeID = scheme.id
        let mixed = allEntries.indices.contains { allEntries[$0].subject != subject || allEntries[$0].scheme != schemeID }
        var entries = mixed ? allEntries.filter { $0.subject == subject && $0.scheme == schemeID } : allEntries
        if !entries.indices.dropFirst().allSatisfy({ entries[$0 - 1].sequence < entries[$0].sequence }) {
            entries.sort { $0.sequence < $1.sequence }
        }
        // Corrections and remedies apply to the entry they reference, from their own effective day.
        var correctedOn: [Entry.ID: Day] = [:]
        var remediedOn: [Entry.ID: Day] = [:]
        // Appeals past their deadline: appeal id -> (disputed entry, first day suspended); decisions end them.
        var appeals: [(id: Entry.ID, target: Entry.ID, from: Day)] = []
        var appealDecidedOn: [Entry.ID: Day] = [:]
        for position in entries.indices where entries[position].effectiveOn <= asOf {
            guard let target = entries[position].references else { continue }
            let effective = entries[position].effectiveOn
            switch entries[position].kind {
            case .correction: correctedOn[target] = min(correctedOn[target] ?? effective, effective)
            case .remedy: remediedOn[target] = min(remediedOn[target] ?? effective, effective)
            case .appeal: appeals.append((entries[position].id, target, effective))
            case .appealDecided: appealDecidedOn[target] = min(appealDecidedOn[target] ?? effective, effective)
            default: break
            }
        }
        var suspensions: [Entry.ID: [Suspension]] = [:]
        for appeal in appeals {
            let until = appealDecidedOn[appeal.id]
            // Decided on time: the appeal never suspended anything.
            if let until, until <= appeal.from { continue }
            suspensions[appeal.target, default: []].append(Suspension(from: appeal.from, until: until))
        }
        for key in suspensions.keys { suspensions[key]!.sort { $0.from < $1.from } }
        let timelines: [Timeline] = entries.indices.map { position in
            // Most ledgers have no corrections or remedies: skip hashing the id for an empty table.
            let corrected = correctedOn.isEmpty ? nil : correctedOn[entries[position].id]
            let remedied = remediedOn.isEmpty ? nil : remediedOn[entries[position].id]
            let expiresOn = entries[position].expiresOn
            let effectEnd = earliest(earliest(expiresOn, corrected), remedied)
            return Timeline(entries: entries, position: position, pointsEnd: expiresOn, effectEnd: effectEnd,
                            capEnd: entries[position].gradeCapUntilRemedied == true ? earliest(corrected, remedied) : effectEnd,
                            correctedOn: corrected, remediedOn: remedied,
                            suspensions: suspensions.isEmpty ? [] : suspensions[entries[position].id] ?? [])
        }

        // Every day on which the state can change, up to asOf.
        // Collected in an array, then sorted and made unique: a few dozen days hash slower than they sort.
        var days: [Day] = []
        days.reserveCapacity(timelines.count * 3)
        for index in timelines.indices where timelines[index].entry.effectiveOn <= asOf {
            days.append(timelines[index].entry.effectiveOn)
            if let end = timelines[index].pointsEnd, end <= asOf { days.append(end) }
            if let end = timelines[index].effectEnd, end <= asOf { days.append(end) }
            if let end = timelines[index].capEnd, end <= asOf { days.append(end) }
            for suspension in timelines[index].suspensions {
                if suspension.from <= asOf { days.append(suspension.from) }
                if let until = suspension.until, until <= asOf { days.append(until) }
            }
        }
        days.sort()
        var changeDays: [Day] = []
        changeDays.reserveCapacity(days.count)
        for day in days where changeDays.last != day { changeDays.append(day) }

        let neutral = scheme.neutralScore
        let grades = scheme.grades
        // Grades are compared by rank (0 = highest) inside the loop: comparing grade names there was
        // most of a fold's time. Names come back only for the result and the reasons.
        let capRanks: [Int?] = ladder.map { ladder in entries.indices.map { entries[$0].gradeCap.flatMap(ladder.rank) } }
            ?? Array(repeating: nil, count: entries.count)
        // Every lock-in still running; the strictest holds. A later, milder lock never erases an earlier one.
        // `entry` names the entry whose grade cap started the lock; `nil` for a fall of the score.
        var locks: [RunningLock] = []
        var previousScoreRank: Int? = ladder?.rank(for: neutral)
        var previousRank: Int? = ladder?.rank(for: neutral)
        var rank = previousRank
        var score = neutral
        var cappedBy: Entry.ID?
        var dimensions: [Dimension.ID: Points] = [:]
        var activeCount = 0
        // The open listing of each grade criterion, by the criterion's position in `gradeCriteria`.
        var gradeListings = [Listing?](repeating: nil, count: gradeCriteria.count)
        var listings: [Listing] = []
        var gradeReasons: [String] = []

        var index = 0
        var steps = 0
        /// Makes the end of a lock a change day of the fold, so the grade rises on it.
        func schedule(_ until: Day) {
            if until <= asOf, !changeDays[index...].contains(until) {
                let insertAt = changeDays[index...].firstIndex { $0 > until } ?? changeDays.endIndex
                changeDays.insert(until, at: insertAt)
            }
        }
        while index < changeDays.count {
            steps += 1
            precondition(steps <= Limits.foldStepsMax, "fold of \(subject) did not settle")
            let day = changeDays[index]
            index += 1
            (score, dimensions, activeCount) = scoreOn(day, timelines)
            cappedBy = nil
            if let ladder {
                let scoreRank = ladder.rank(for: score)
                var current = scoreRank
                for position in timelines.indices {
                    guard let cap = capRanks[position], cap > current, timelines[position].entry.effectiveOn <= day,
                          timelines[position].capEnd.map({ day < $0 }) ?? true, !timelines[position].isSuspended(on: day) else { continue }
                    current = cap
                    cappedBy = timelines[position].entry.id
                }
                if !locks.isEmpty { locks.removeAll { day >= $0.until } }
                // A cap that starts a lock-in ("straight down to D, locked for five years") locks from its entry's
                // effective day for the years frozen into the entry. As for a fall, a correction or an overdue
                // appeal's suspension shows the entry was not held against the subject, and ends the lock then.
                for position in timelines.indices where timelines[position].entry.effectiveOn == day {
                    guard let cap = capRanks[position], let years = timelines[position].entry.gradeCapLockYears,
                          timelines[position].entry.kind == .deed, timelines[position].capEnd.map({ day < $0 }) ?? true else { continue }
                    var until = day.adding(years: years)
                    if let withdrawn = timelines[position].withdrawnOn { until = min(until, withdrawn) }
                    guard until > day else { continue }
                    locks.append(RunningLock(rank: cap, since: day, until: until, entry: timelines[position].entry.id))
                    schedule(until)
                }
                // A fall of the score itself locks the grade for the band's term. A grade cap locks nothing of its own:
                // it holds only while its entry counts, so a remedied judgment is not held against anyone for years.
                if let before = previousScoreRank, scoreRank > before, let years = ladder.lockInYears[scoreRank] {
                    var until = day.adding(years: years)
                    // A fall caused by entries that were later corrected was a mistake, not conduct: its lock-in
                    // ends when the last of those entries is corrected. The same holds while an overdue appeal
                    // suspends them: a suspension that a late dismissal ends is not a withdrawal.
                    let causes = timelines.filter { $0.entry.effectiveOn == day && $0.entry.kind == .deed && $0.entry.isAdverse }
                    if !causes.isEmpty, causes.allSatisfy({ $0.withdrawnOn != nil }), let withdrawn = causes.compactMap(\.withdrawnOn).max() {
                        until = min(until, withdrawn)
                    }
                    if until > day {
                        locks.append(RunningLock(rank: scoreRank, since: day, until: until, entry: nil))
                        schedule(until)
                    }
                }
                previousScoreRank = scoreRank
                for lock in locks where lock.rank > current { current = lock.rank }
                previousRank = current
                rank = current
            }
            // Grade-triggered listings open and close as the grade moves.
            for position in gradeCriteria.indices {
                let (atMost, limit) = (gradeCriteria[position].atMost, gradeCriteria[position].limit)
                let holds = rank.map { atMost ? $0 >= limit : $0 <= limit } ?? false
                if holds, gradeListings[position] == nil {
                    let criterion = gradeCriteria[position].criterion
                    gradeListings[position] = Listing(list: criterion.list, criterion: criterion.id, since: day,
                                                      reason: "grade \(ladder!.grades[rank!]) on \(day)")
                } else if !holds, var open = gradeListings[position] {
                    open.endsOn = day
                    open.endReason = .triggerEnded
                    listings.append(open)
                    gradeListings[position] = nil
                }
            }
        }
        let grade = rank.map { ladder!.grades[$0] }
        listings.append(contentsOf: gradeListings.compactMap { $0 })

        // Rule-triggered listings follow their entry directly.
        for criterion in scheme.lists {
            guard case .rule(let rules) = criterion.trigger else { continue }
            for position in timelines.indices {
                guard timelines[position].entry.kind == .deed, let rule = timelines[position].entry.rule, rules.contains(rule),
                      timelines[position].entry.effectiveOn <= asOf else { continue }
                let timeline = timelines[position]
                let entry = timeline.entry
                var listing = Listing(list: criterion.list, criterion: criterion.id, since: entry.effectiveOn, entry: entry.id,
                                      domain: entry.category.flatMap(Category.named)?.domain,
                                      reason: "rule \(rule) recorded on \(entry.effectiveOn)")
                var ends: [(Day, Listing.EndReason)] = []
                if let corrected = timeline.correctedOn { ends.append((corrected, .corrected)) }
                switch criterion.duration {
                case .days(let count):
                    ends.append((entry.effectiveOn.adding(days: count), .termEnded))
                    if let remedied = timeline.remediedOn { ends.append((remedied, .remedied)) }
                case .untilRemedied:
                    if let remedied = timeline.remediedOn { ends.append((remedied, .remedied)) }
                case .whileTriggered:
                    if let end = timeline.effectEnd { ends.append((end, timeline.remediedOn == end ? .remedied : .triggerEnded)) }
                }
                if let end = ends.min(by: { $0.0 < $1.0 }) {
                    listing.endsOn = end.0
                    listing.endReason = end.1
                }
                if timeline.suspensions.isEmpty {
                    listings.append(listing)
                } else {
                    listings.append(contentsOf: Evaluator.splitting(listing, around: timeline.suspensions, asOf: asOf))
                }
            }
        }
        listings.sort { ($0.since, $0.criterion, $0.entry?.rawValue ?? "") < ($1.since, $1.criterion, $1.entry?.rawValue ?? "") }

        if explaining, let grades, let grade {
            if let range = grades.range(of: grades.grade(for: score)) {
                let upper = range.below.map { "below \($0)" } ?? "and above"
                gradeReasons.append("score \(score) is in band \(grades.grade(for: score)) (\(range.minimum) \(upper))")
            }
            if let cappedBy {
                let untilRemedied = entries.first { $0.id == cappedBy }?.gradeCapUntilRemedied == true
                gradeReasons.append("capped at \(grade) by entry \(cappedBy) " + (untilRemedied ? "until it is remedied or corrected" : "while it counts"))
            }
            if let lock = strictest(locks, asOf: asOf) {
                let cause = lock.entry.map { "after entry \($0)'s grade cap started the lock-in on \(lock.since)" } ?? "after a fall on \(lock.since)"
                gradeReasons.append("held at \(ladder!.grades[lock.rank]) or lower until \(lock.until) \(cause)")
            }
        }

        let standing = Standing(
            subject: subject, scheme: scheme.id, asOf: asOf, score: score, grade: grade,
            lock: strictest(locks, asOf: asOf).map { Lock(grade: ladder!.grades[$0.rank], since: $0.since, until: $0.until) },
            cappedBy: cappedBy, dimensions: dimensions,
            listings: listings, activeEntries: activeCount,
            activeRules: activeRules(timelines, asOf: asOf),
            lastSequence: lastSequence(entries, asOf: asOf),
            earned: earned(timelines, asOf: asOf),
            nextChange: nextChange(timelines, locks: locks, listings: listings, asOf: asOf),
            foldedThrough: foldedThrough(allEntries, subject: subject))
        return FoldResult(standing: standing, timelines: timelines, gradeReasons: gradeReasons, lockStartedBy: strictest(locks, asOf: asOf)?.entry)
    }

    /// An overdue appeal lifts a listing while it suspends the entry behind it; a late dismissal restores
    /// the listing for what is left of its term.
    static func splitting(_ listing: Listing, around suspensions: [Suspension], asOf: Day) -> [Listing] {
        var parts: [Listing] = []
        var start: Day? = listing.since
        func part(from since: Day, to end: Day?, reason: Listing.EndReason?) -> Listing {
            var piece = listing
            piece.since = since
            piece.endsOn = end
            piece.endReason = reason
            if since != listing.since { piece.reason += "; restored on \(since) after a late appeal decision" }
            return piece
        }
        for suspension in suspensions where suspension.from <= asOf {
            guard let current = start else { break }
            if let end = listing.endsOn, suspension.from >= end { break }
            if suspension.from > current { parts.append(part(from: current, to: suspension.from, reason: .suspended)) }
            if let until = suspension.until, until <= asOf { start = max(current, until) } else { start = nil }
        }
        if let current = start, listing.endsOn.map({ current < $0 }) ?? true {
            parts.append(part(from: current, to: listing.endsOn, reason: listing.endReason))
        }
        return parts
    }

    /// Score, per-dimension values and the number of counting entries on `day`.
    func scoreOn(_ day: Day, _ timelines: [Timeline]) -> (Points, [Dimension.ID: Points], Int) {
        var active = 0
        switch scheme.scale {
        case .points(let scale):
            var total = scale.base
            for index in timelines.indices where counts(at: index, in: timelines, on: day) {
                total = total + timelines[index].entry.points
                active += 1
            }
            return (total.clamped(floor: scale.floor, ceiling: scale.ceiling), [:], active)
        case .weighted(let scale):
            var values = Dictionary(uniqueKeysWithValues: scale.dimensions.map { ($0.id, $0.base) })
            for index in timelines.indices where counts(at: index, in: timelines, on: day) {
                guard let dimension = timelines[index].entry.dimension, let value = values[dimension] else { continue }
                values[dimension] = value + timelines[index].entry.points
                active += 1
            }
            for (key, value) in values { values[key] = value.clamped(floor: .zero, ceiling: WeightedScale.dimensionMaximum) }
            return (scale.score(dimensionValues: values), values, active)
        case .stars(let scale):
            // The rating of the latest rated day holds until the next one; a late-entered rating of
            // an earlier quarter does not replace a later quarter's.
            var latest: [Dimension.ID: Entry] = [:]
            func rated(_ entry: Entry) -> (Day, Day, Int64) { (entry.occurredOn ?? entry.effectiveOn, entry.effectiveOn, entry.sequence) }
            for timeline in timelines where timeline.entry.kind == .rating && timeline.entry.effectiveOn <= day
                && (timeline.effectEnd.map { day < $0 } ?? true) && !timeline.isSuspended(on: day) {
                guard let dimension = timeline.entry.dimension else { continue }
                if let current = latest[dimension], rated(current) > rated(timeline.entry) { continue }
                latest[dimension] = timeline.entry
            }
            var values: [Dimension.ID: Points] = [:]
            var total = Points.zero
            for dimension in scale.dimensions {
                let stars = latest[dimension.id]?.stars ?? scale.defaultStars
                values[dimension.id] = Points(stars)
                total = total + Points(stars)
            }
            return (total, values, latest.count)
        }
    }

    /// Whether the points of `timelines[index]` count on `day`. It reads the fields in place:
    /// passing the timeline itself would copy its entry.
    func counts(at index: Int, in timelines: [Timeline], on day: Day) -> Bool {
        let kind = timelines[index].entry.kind
        guard kind == .deed || kind == .correction, timelines[index].entry.effectiveOn <= day else { return false }
        guard timelines[index].pointsEnd.map({ day < $0 }) ?? true else { return false }
        return timelines[index].suspensions.isEmpty || !timelines[index].isSuspended(on: day)
    }

    /// The lock that holds on `asOf`: the lowest grade, and of equal grades the one that runs longest.
    func strictest(_ locks: [RunningLock], asOf: Day) -> RunningLock? {
        locks.filter { $0.until > asOf }.max { ($0.rank, $0.until) < ($1.rank, $1.until) }
    }

    /// The sequence of the last entry in effect by `asOf`; 0 for none.
    func lastSequence(_ entries: [Entry], asOf: Day) -> Int64 {
        var position = entries.count - 1
        while position >= 0 {
            if entries[position].effectiveOn <= asOf { return entries[position].sequence }
            position -= 1
        }
        return 0
    }

    /// The first day after `asOf` on which the fold could give another result. Everything the fold reads
    /// changes only on an entry's days (taking effect, expiring, the end of its effect, a suspension's start
    /// and end, which are the days of the appeal entries), or at the end of a lock-in or a listing's term.
    /// Any of them after `asOf` may be a change, so the earliest is taken: it may come sooner than a real
    /// change, never later. The year's turn moves only the points earned this year and last, which a held
    /// standing moves itself (`EarnedPoints.seen(from:)`), except where the scheme has a quota: its status
    /// is of the year just ended, so there the new year is a change day too. `Evaluator.noChange` when
    /// nothing is due.
    func nextChange(_ timelines: [Timeline], locks: [RunningLock], listings: [Listing], asOf: Day) -> Day {
        var next = scheme.quota == nil ? Evaluator.noChange : Day.startOfYear(asOf.year + 1)
        func consider(_ day: Day?) { if let day, day > asOf, day < next { next = day } }
        for index in timelines.indices {
            consider(timelines[index].entry.effectiveOn)
            consider(timelines[index].pointsEnd)
            consider(timelines[index].effectEnd)
            consider(timelines[index].capEnd)
            for suspension in timelines[index].suspensions {
                consider(suspension.from)
                consider(suspension.until)
            }
        }
        for lock in locks { consider(lock.until) }
        for listing in listings { consider(listing.endsOn) }
        return next
    }

    /// The change day of a standing for which nothing is due: the last day a `Day` can name.
    public static let noChange = Day(civil: 9999, month: 12, day: 31)

    /// The highest sequence among `subject`'s entries in `entries`, whatever their scheme; 0 for none.
    func foldedThrough(_ entries: [Entry], subject: Subject.ID) -> Int64 {
        var highest: Int64 = 0
        for index in entries.indices where entries[index].sequence > highest && entries[index].subject == subject {
            highest = entries[index].sequence
        }
        return highest
    }

    /// Rules of deeds whose effect still holds on `asOf`, sorted, each once.
    func activeRules(_ timelines: [Timeline], asOf: Day) -> [Rule.ID] {
        var rules: [Rule.ID] = []
        for index in timelines.indices {
            guard timelines[index].entry.kind == .deed, timelines[index].entry.effectiveOn <= asOf,
                  timelines[index].effectEnd.map({ asOf < $0 }) ?? true, !timelines[index].isSuspended(on: asOf),
                  let rule = timelines[index].entry.rule else { continue }
            rules.append(rule)
        }
        rules.sort()
        var unique: [Rule.ID] = []
        unique.reserveCapacity(rules.count)
        for rule in rules where unique.last != rule { unique.append(rule) }
        return unique
    }

    /// Positive points from deeds done in asOf's year and the year before, net of corrections.
    func earned(_ timelines: [Timeline], asOf: Day) -> EarnedPoints {
        let year = asOf.year
        var result = EarnedPoints(year: year)
        // Year boundaries as ordinals, so each entry's year is two integer comparisons.
        let previousYearStart = Day.startOfYear(year - 1), thisYearStart = Day.startOfYear(year), nextYearStart = Day.startOfYear(year + 1)
        for index in timelines.indices {
            guard timelines[index].entry.kind == .deed, timelines[index].entry.points.isPositive,
                  timelines[index].entry.effectiveOn <= asOf else { continue }
            if let corrected = timelines[index].correctedOn, corrected <= asOf { continue }
            if timelines[index].isSuspended(on: asOf) { continue }
            let points = timelines[index].entry.points
            // A deed counts towards the year it was done in, even if the committee entered it in January.
            let done = timelines[index].entry.occurredOn ?? timelines[index].entry.effectiveOn
            if done >= thisYearStart && done < nextYearStart { result.thisYear = result.thisYear + points }
            if done >= previousYearStart && done < thisYearStart { result.previousYear = result.previousYear + points }
        }
        return result
    }
}

/// A scheme's grades by rank (0 = highest), with the lock-in of each rank, so the fold compares integers.
struct GradeLadder {
    let grades: [Grade]
    let minimums: [Points]
    let lockInYears: [Int?]

    init(_ scale: GradeScale) {
        grades = scale.bands.map(\.grade)
        minimums = scale.bands.map(\.minimum)
        lockInYears = scale.bands.map { band in scale.lockIn(for: band.grade)?.years }
    }

    func rank(_ grade: Grade) -> Int? { grades.firstIndex(of: grade) }

    /// The band a score falls in; below every band, the lowest (as `GradeScale.grade(for:)`).
    func rank(for score: Points) -> Int {
        for index in minimums.indices where score >= minimums[index] { return index }
        return minimums.count - 1
    }
}

/// A standing with its reasons: every contributing entry, every excluded one and why, and how the grade was set.
public struct Explanation: Sendable {
    public var standing: Standing
    public var scheme: Scheme
    public var contributions: [Contribution]
    public var excluded: [Excluded]
    public var gradeReasons: [String]
    /// The entry whose grade cap started the lock-in in force (`standing.lock`); `nil` when a fall of the score started it.
    public var lockStartedBy: Entry.ID?
    /// Entries whose grade cap holds on the day, whether or not their points still count.
    public var capsInForce: [Entry]

    public init(standing: Standing, scheme: Scheme, contributions: [Contribution], excluded: [Excluded], gradeReasons: [String],
                lockStartedBy: Entry.ID? = nil, capsInForce: [Entry] = []) {
        self.standing = standing
        self.scheme = scheme
        self.contributions = contributions
        self.excluded = excluded
        self.gradeReasons = gradeReasons
        self.lockStartedBy = lockStartedBy
        self.capsInForce = capsInForce
    }

    public struct Contribution: Sendable {
        public var entry: Entry
        public var correctedOn: Day?
        public var remediedOn: Day?
    }

    public struct Excluded: Sendable {
        public var entry: Entry
        public var reason: Reason

        public enum Reason: Sendable, Equatable {
            case notYetEffective
            case expired(Day)
            /// An appeal against it was not decided in time; it has not counted since this day.
            case suspended(Day)
        }
    }

    /// The score as base plus the listed contributions (points scales), which must equal the standing's score before clamping.
    public var sumOfContributions: Points {
        contributions.filter { $0.entry.kind == .deed || $0.entry.kind == .correction }.reduce(Points.zero) { $0 + $1.entry.points }
    }
}

/// The earlier of two optional days; `nil` only when both are.
private func earliest(_ a: Day?, _ b: Day?) -> Day? {
    guard let a else { return b }
    guard let b else { return a }
    return min(a, b)
}
