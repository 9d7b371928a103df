/// A handbook: one jurisdiction's published, versioned set of schemes.
///
/// Publishing a new version never rewrites past entries: each entry records the
/// version its report was filed under and carries its own points and expiry.
public struct Handbook: Hashable, Sendable, Codable {
    public var jurisdiction: Jurisdiction.ID
    /// 1, 2, 3...: each publication must be greater than the last.
    public var version: Int
    public var title: LocalizedText
    public var schemes: [Scheme]

    public init(jurisdiction: Jurisdiction.ID, version: Int, title: LocalizedText, schemes: [Scheme]) {
        self.jurisdiction = jurisdiction
        self.version = version
        self.title = title
        self.schemes = schemes
    }

    public func scheme(_ code: Scheme.ID) -> Scheme? { schemes.first { $0.id == code } }
}

/// One scheme: who it rates, on what scale, by which rules, with which lists and measures.
public struct Scheme: Hashable, Sendable, Codable, Identifiable {
    public typealias ID = Identifier<Scheme>

    public var id: ID
    public var title: LocalizedText
    /// The kinds of subject this scheme rates.
    public var subjectKinds: Set<SubjectKind>
    public var scale: Scale
    public var grades: GradeScale?
    public var rules: [Rule]
    /// Yearly minimum points ("every villager must earn at least 2 points a year").
    public var quota: Quota?
    /// Who is exempt from quotas (age 80+, disability, caring duties).
    public var exemptions: [Exemption]
    public var lists: [ListCriterion]
    public var measures: [Measure]
    /// A scheme-wide limit on how long a negative entry counts, in days.
    public var negativeExpiryDays: Int?
    /// Days a subject has to appeal an entry, from the day it is recorded.
    public var appealDays: Int?
    /// How long the operator has to decide an appeal; past it, the disputed entry stops counting until decided.
    public var appealDecision: AppealDeadline
    /// Days of the month when the cycle's steps happen (collect 18, report 20, committee 25).
    public var calendar: CycleCalendar

    public init(
        id: ID, title: LocalizedText, subjectKinds: Set<SubjectKind>, scale: Scale, grades: GradeScale? = nil,
        rules: [Rule] = [], quota: Quota? = nil, exemptions: [Exemption] = [], lists: [ListCriterion] = [],
        measures: [Measure] = [], negativeExpiryDays: Int? = nil, appealDays: Int? = nil,
        appealDecision: AppealDeadline = .days(30), calendar: CycleCalendar = CycleCalendar()
    ) {
        self.id = id
        self.title = title
        self.subjectKinds = subjectKinds
        self.scale = scale
        self.grades = grades
        self.rules = rules
        self.quota = quota
        self.exemptions = exemptions
        self.lists = lists
        self.measures = measures
        self.negativeExpiryDays = negativeExpiryDays
        self.appealDays = appealDays
        self.appealDecision = appealDecision
        self.calendar = calendar
    }

    public func rule(_ code: Rule.ID) -> Rule? { rules.first { $0.id == code } }
    public func measure(_ code: Measure.ID) -> Measure? { measures.first { $0.id == code } }

    /// The score of a subject with no record at all: having no record is neutral.
    public var neutralScore: Points {
        switch scale {
        case .points(let scale): scale.base
        case .stars(let scale): Points(scale.defaultStars * scale.dimensions.count)
        case .weighted(let scale): scale.score(dimensionValues: Dictionary(uniqueKeysWithValues: scale.dimensions.map { ($0.id, $0.base) }))
        }
    }
}

public enum SubjectKind: String, Hashable, Sendable, Codable, CaseIterable {
    case person, household, organisation
}

/// How a scheme turns entries into a score.
public enum Scale: Hashable, Sendable, Codable {
    /// Base plus the sum of active entries, clamped (Rongcheng: base 1,000; Yangqiao: 0-100).
    case points(PointsScale)
    /// Per-dimension star ratings set per quarter (Yangqiao households: five dimensions, 1-5 stars).
    case stars(StarScale)
    /// Published weights over dimension sub-scores (0-100 each), mapped onto a range (350-950).
    case weighted(WeightedScale)

    public var kind: String {
        switch self {
        case .points: "points"
        case .stars: "stars"
        case .weighted: "weighted"
        }
    }

    /// The dimensions a rule of this scale may name.
    public var dimensionIDs: [Dimension.ID] {
        switch self {
        case .points: []
        case .stars(let scale): scale.dimensions.map(\.id)
        case .weighted(let scale): scale.dimensions.map(\.id)
        }
    }
}

public struct PointsScale: Hashable, Sendable, Codable {
    public var base: Points
    public var floor: Points?
    public var ceiling: Points?

    public init(base: Points, floor: Points? = nil, ceiling: Points? = nil) {
        self.base = base
        self.floor = floor
        self.ceiling = ceiling
    }
}

public struct Dimension: Hashable, Sendable, Codable, Identifiable {
    public typealias ID = Identifier<Dimension>
    public var id: ID
    public var title: LocalizedText

    public init(id: ID, title: LocalizedText) {
        self.id = id
        self.title = title
    }
}

public struct StarScale: Hashable, Sendable, Codable {
    public var dimensions: [Dimension]
    public var minimumStars: Int
    public var maximumStars: Int
    /// Stars a dimension shows before its first rating.
    public var defaultStars: Int
    /// How often ratings are set; a rating holds until the next one.
    public var period: Period

    public init(dimensions: [Dimension], minimumStars: Int = 1, maximumStars: Int = 5, defaultStars: Int = 3, period: Period = .quarter) {
        self.dimensions = dimensions
        self.minimumStars = minimumStars
        self.maximumStars = maximumStars
        self.defaultStars = defaultStars
        self.period = period
    }
}

public struct WeightedDimension: Hashable, Sendable, Codable, Identifiable {
    public var id: Dimension.ID
    public var title: LocalizedText
    /// Published weight, in percent of the total.
    public var weight: Int
    /// Sub-score (0-100) of a subject with no record in this dimension.
    public var base: Points

    public init(id: Dimension.ID, title: LocalizedText, weight: Int, base: Points) {
        self.id = id
        self.title = title
        self.weight = weight
        self.base = base
    }
}

public struct WeightedScale: Hashable, Sendable, Codable {
    public var dimensions: [WeightedDimension]
    public var minimum: Points
    public var maximum: Points
    /// The declared step of a mapped score ("precision: 1" for whole points); `nil` takes `precisionDefault`.
    ///
    /// A mapped score is exact: it is the minimum plus the whole number of steps the weighted value reaches,
    /// never rounded up. Every threshold a handbook publishes is a whole number of steps from the minimum
    /// (lint checks it), so comparing a score with it is the same as comparing the exact value.
    public var precision: Points?

    public static let dimensionMaximum = Points(100)
    /// The step of a mapped score when the handbook declares none: a hundredth, the finest amount of points.
    public static let precisionDefault = Points(hundredths: 1)

    public init(dimensions: [WeightedDimension], minimum: Points, maximum: Points, precision: Points? = nil) {
        self.dimensions = dimensions
        self.minimum = minimum
        self.maximum = maximum
        self.precision = precision
    }

    /// The step scores move in: the declared precision or the default.
    public var step: Points { precision ?? Self.precisionDefault }

    /// minimum + (maximum - minimum) x sum(weight x value) / (100 x sum(weight)), taken down to a whole number of
    /// `step`s above the minimum; each value is clamped to 0...100 first. All in integers: nothing is rounded
    /// up, so a score at or above a threshold means the exact value is too.
    public func score(dimensionValues: [Dimension.ID: Points]) -> Points {
        let totalWeight = Int64(dimensions.reduce(0) { $0 + $1.weight })
        guard totalWeight > 0, step.isPositive else { return minimum }
        var weighted: Int64 = 0
        for dimension in dimensions {
            let value = (dimensionValues[dimension.id] ?? dimension.base).clamped(floor: .zero, ceiling: Self.dimensionMaximum)
            weighted += Int64(dimension.weight) * value.hundredths
        }
        // The exact offset above the minimum, in hundredths, is numerator / denominator.
        let span = (maximum - minimum).hundredths
        let numerator = span * weighted
        let denominator = totalWeight * WeightedScale.dimensionMaximum.hundredths
        let steps = numerator / (denominator * step.hundredths)
        return minimum + Points(hundredths: steps * step.hundredths)
    }

    /// True when `threshold` is a score this scale can give: within the range and a whole number of steps
    /// above the minimum. A threshold at or below the minimum is met by every score and counts as reachable.
    public func canReach(_ threshold: Points) -> Bool {
        if threshold <= minimum { return true }
        guard threshold <= maximum, step.isPositive else { return false }
        return (threshold - minimum).hundredths % step.hundredths == 0
    }

    /// The smallest change of the exact mapped value, as a fraction of a hundredth (`numerator / denominator`
    /// hundredths): a sub-score moving by a hundredth in dimensions whose weights share the divisor `g`.
    /// A step finer than this would leave thresholds between two reachable values.
    public var finestChange: (numerator: Int64, denominator: Int64) {
        let totalWeight = Int64(dimensions.reduce(0) { $0 + $1.weight })
        let divisor = dimensions.reduce(0) { greatestCommonDivisor($0, $1.weight) }
        return ((maximum - minimum).hundredths * Int64(divisor), totalWeight * WeightedScale.dimensionMaximum.hundredths)
    }

    /// Whether every whole step from the minimum is a value the exact score can take (the step is no finer than
    /// `finestChange`).
    public var stepIsReachable: Bool {
        let finest = finestChange
        return finest.denominator > 0 && step.hundredths * finest.denominator >= finest.numerator
    }
}

private func greatestCommonDivisor(_ a: Int, _ b: Int) -> Int {
    var (x, y) = (abs(a), abs(b))
    while y != 0 { (x, y) = (y, x % y) }
    return x
}

/// Grade bands, highest first, with lock-ins after a fall.
public struct GradeScale: Hashable, Sendable, Codable {
    public var bands: [GradeBand]
    public var lockIns: [LockIn]

    public init(bands: [GradeBand], lockIns: [LockIn] = []) {
        self.bands = bands.sorted { $0.minimum > $1.minimum }
        self.lockIns = lockIns
    }

    /// The band a score falls in; below every band, the lowest.
    public func grade(for score: Points) -> Grade {
        for band in bands where score >= band.minimum { return band.grade }
        return bands.last!.grade
    }

    /// 0 for the highest grade, growing as grades fall.
    public func rank(of grade: Grade) -> Int? { bands.firstIndex { $0.grade == grade } }

    public func band(_ grade: Grade) -> GradeBand? { bands.first { $0.grade == grade } }

    /// The lower of two grades.
    public func lower(_ a: Grade, _ b: Grade) -> Grade {
        (rank(of: a) ?? 0) >= (rank(of: b) ?? 0) ? a : b
    }

    /// True when `a` is strictly below `b`.
    public func isBelow(_ a: Grade, _ b: Grade) -> Bool { (rank(of: a) ?? 0) > (rank(of: b) ?? 0) }

    public func lockIn(for grade: Grade) -> LockIn? { lockIns.first { $0.grade == grade } }

    /// The score range of a grade, for explanations: [minimum, next band's minimum).
    public func range(of grade: Grade) -> (minimum: Points, below: Points?)? {
        guard let index = rank(of: grade) else { return nil }
        return (bands[index].minimum, index > 0 ? bands[index - 1].minimum : nil)
    }
}

public typealias Grade = Identifier<GradeBand>

public struct GradeBand: Hashable, Sendable, Codable, PlusSignIdentifiers {
    public var grade: Grade
    public var minimum: Points
    public var title: LocalizedText?

    public init(grade: Grade, minimum: Points, title: LocalizedText? = nil) {
        self.grade = grade
        self.minimum = minimum
        self.title = title
    }
}

/// Once a subject falls to `grade`, it can rise no higher for `years` ("probation").
public struct LockIn: Hashable, Sendable, Codable {
    public var grade: Grade
    public var years: Int

    public init(grade: Grade, years: Int) {
        self.grade = grade
        self.years = years
    }
}

/// Yearly minimum of positive points, per person and so per household.
public struct Quota: Hashable, Sendable, Codable {
    public var pointsPerPersonYearly: Points

    public init(pointsPerPersonYearly: Points) { self.pointsPerPersonYearly = pointsPerPersonYearly }
}

/// Who is exempt from quotas: by age, or by a recorded attribute (disability, caring duties).
public enum Exemption: Hashable, Sendable, Codable {
    case ageFrom(Int)
    case attribute(String)

    public func applies(to subject: Subject, on day: Day) -> Bool {
        switch self {
        case .ageFrom(let age):
            guard let birth = subject.birthDate else { return false }
            return birth.age(on: day) >= age
        case .attribute(let name):
            return subject.attributes.contains(name)
        }
    }

    public var description: String {
        switch self {
        case .ageFrom(let age): "aged \(age) or over"
        case .attribute(let name): name
        }
    }
}

/// Days of the month for the cycle's steps, as a village reported them.
public struct CycleCalendar: Hashable, Sendable, Codable {
    public var collectDay: Int
    public var reportDay: Int
    public var committeeDay: Int

    public init(collectDay: Int = 18, reportDay: Int = 20, committeeDay: Int = 25) {
        self.collectDay = collectDay
        self.reportDay = reportDay
        self.committeeDay = committeeDay
    }
}

/// The time an operator has to decide an appeal: calendar days (30, as credit bureaus
/// must answer a dispute) or working days (10 + 3 for a credit repair in China).
public enum AppealDeadline: Hashable, Sendable, Codable, CustomStringConvertible {
    case days(Int)
    case workingDays(Int)

    /// The last day the decision is on time; from the day after, the disputed entry is suspended.
    public func lastDay(filedOn day: Day) -> Day {
        switch self {
        case .days(let count): day.adding(days: count)
        case .workingDays(let count): day.adding(workingDays: count)
        }
    }

    public var description: String {
        switch self {
        case .days(let count): "\(count) days"
        case .workingDays(let count): "\(count) working days"
        }
    }
}
