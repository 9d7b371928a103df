public import CivicCore

// Builders for handbooks written in Swift, and a small test world that drives the
// engine over an `InMemoryStore`. Every builder returns a fresh value: tests never
// share mutable fixtures, and each test says in its own code which figures it uses.

// MARK: - Rules

/// A rule with the figures a test needs and defaults for the rest.
///
/// The category is named by its code ("sanitation") so that a test reads like the
/// handbook it models; an unknown code is a mistake in the test and traps.
public func rule(
    _ id: Rule.ID, _ points: Points?, category: String = "neighbourly-help", title: String? = nil,
    dimension: Dimension.ID? = nil, cap: Cap? = nil, minimumDurationDays: Int? = nil,
    evidence: EvidenceRequirement? = nil, graceDays: Int? = nil, expiryDays: Int? = nil,
    reporters: Set<ReporterRole> = [.assessor], gradeCap: Grade? = nil, approvalsRequired: Int = 1
) -> Rule {
    guard let known = Category.named(category) else { preconditionFailure("no category '\(category)' in the taxonomy") }
    let name = title ?? id.rawValue
    return Rule(
        id: id, title: LocalizedText(en: name, zh: name), category: known, points: points, dimension: dimension,
        cap: cap, minimumDurationDays: minimumDurationDays, evidence: evidence, graceDays: graceDays,
        expiryDays: expiryDays, reporters: reporters, gradeCap: gradeCap, approvalsRequired: approvalsRequired)
}

/// A star-rating rule for one dimension: the report carries the stars.
public func ratingRule(_ id: Rule.ID, dimension: Dimension.ID, category: String = "sanitation") -> Rule {
    rule(id, nil, category: category, dimension: dimension)
}

/// Points from a decimal text such as "0.5" or "-3"; a malformed literal traps.
public func points(_ text: String) -> Points {
    guard let value = Points(parsing: text) else { preconditionFailure("'\(text)' is not a points amount") }
    return value
}

// MARK: - Grades

/// The Rongcheng bands as one published table gives them: AAA 1050+, AA 1030+,
/// A 960-1029, B 850-959, C 600-849, D 0-599; lock-ins B 2 years, C 3, D 5.
public func rongchengGrades(lockIns: Bool = true) -> GradeScale {
    GradeScale(
        bands: [
            GradeBand(grade: "AAA", minimum: Points(1050)),
            GradeBand(grade: "AA", minimum: Points(1030)),
            GradeBand(grade: "A", minimum: Points(960)),
            GradeBand(grade: "B", minimum: Points(850)),
            GradeBand(grade: "C", minimum: Points(600)),
            GradeBand(grade: "D", minimum: Points(0)),
        ],
        lockIns: lockIns ? [LockIn(grade: "B", years: 2), LockIn(grade: "C", years: 3), LockIn(grade: "D", years: 5)] : [])
}

/// Company tax-credit grades on 0-100: A >= 90, B 70-90, C 40-70, D below 40.
public func taxGrades() -> GradeScale {
    GradeScale(bands: [
        GradeBand(grade: "A", minimum: Points(90)),
        GradeBand(grade: "B", minimum: Points(70)),
        GradeBand(grade: "C", minimum: Points(40)),
        GradeBand(grade: "D", minimum: Points(0)),
    ])
}

// MARK: - Schemes

/// A points scheme (base 1,000 and Rongcheng grades unless told otherwise).
public func pointsScheme(
    _ id: Scheme.ID = "village-credit", rules: [Rule], base: Points = Points(1000), floor: Points? = .zero,
    ceiling: Points? = nil, grades: GradeScale? = rongchengGrades(), subjectKinds: Set<SubjectKind> = [.person, .household],
    quota: Quota? = nil, exemptions: [Exemption] = [], lists: [ListCriterion] = [], measures: [Measure] = [],
    negativeExpiryDays: Int? = nil
) -> Scheme {
    Scheme(
        id: id, title: LocalizedText(en: id.rawValue, zh: id.rawValue), subjectKinds: subjectKinds,
        scale: .points(PointsScale(base: base, floor: floor, ceiling: ceiling)), grades: grades, rules: rules,
        quota: quota, exemptions: exemptions, lists: lists, measures: measures, negativeExpiryDays: negativeExpiryDays)
}

/// Yangqiao's household stars: five dimensions, 1-5 stars, set quarterly, 3 before the first rating.
public func yangqiaoStarsScheme(_ id: Scheme.ID = "household-stars", defaultStars: Int = 3) -> Scheme {
    let dimensions: [Dimension.ID] = ["courtyard", "laws", "recycling", "credit", "family-values"]
    let categories = ["sanitation", "public-order", "sanitation", "financial-credit", "family-care"]
    return Scheme(
        id: id, title: LocalizedText(en: "Household stars", zh: "星级文明户"), subjectKinds: [.household],
        scale: .stars(StarScale(
            dimensions: dimensions.map { Dimension(id: $0, title: LocalizedText(en: $0.rawValue, zh: $0.rawValue)) },
            minimumStars: 1, maximumStars: 5, defaultStars: defaultStars, period: .quarter)),
        rules: zip(dimensions, categories).map { ratingRule(Rule.ID("rate-\($0.rawValue)"), dimension: $0, category: $1) })
}

/// A weighted scheme: dimensions with published weights (percent) mapped onto `minimum...maximum`.
public func weightedScheme(
    _ id: Scheme.ID = "company-credit", dimensions: [(id: Dimension.ID, weight: Int, base: Points)], rules: [Rule],
    minimum: Points = .zero, maximum: Points = Points(100), grades: GradeScale? = taxGrades(),
    subjectKinds: Set<SubjectKind> = [.organisation], lists: [ListCriterion] = [], measures: [Measure] = []
) -> Scheme {
    Scheme(
        id: id, title: LocalizedText(en: id.rawValue, zh: id.rawValue), subjectKinds: subjectKinds,
        scale: .weighted(WeightedScale(
            dimensions: dimensions.map {
                WeightedDimension(id: $0.id, title: LocalizedText(en: $0.id.rawValue, zh: $0.id.rawValue), weight: $0.weight, base: $0.base)
            },
            minimum: minimum, maximum: maximum)),
        grades: grades, rules: rules, lists: lists, measures: measures)
}

/// A list criterion with a title made from its id.
public func listCriterion(
    _ id: ListCriterion.ID, _ list: ListKind, trigger: ListCriterion.Trigger, duration: ListCriterion.Duration,
    remedyHint: String? = nil
) -> ListCriterion {
    ListCriterion(
        id: id, list: list, title: LocalizedText(en: id.rawValue, zh: id.rawValue), trigger: trigger, duration: duration,
        remedyHint: remedyHint.map { LocalizedText(en: $0, zh: $0) })
}

/// A measure with a title made from its id.
public func measure(
    _ id: Measure.ID, _ kind: Measure.Kind, domain: Domain, condition: Condition, legalBasis: String? = nil,
    remedyHint: String? = nil
) -> Measure {
    Measure(
        id: id, title: LocalizedText(en: id.rawValue, zh: id.rawValue), kind: kind, domain: domain, condition: condition,
        legalBasis: legalBasis, remedyHint: remedyHint.map { LocalizedText(en: $0, zh: $0) })
}

// MARK: - Subjects

/// A villager of `TestWorld.village`, registered long before any test scenario starts.
public func person(
    _ id: Subject.ID, household: Subject.ID? = nil, born: Day? = nil, attributes: Set<String> = [],
    registeredOn: Day = TestWorld.longAgo
) -> Subject {
    Subject(id: id, kind: .person, name: "Resident \(id.rawValue)", jurisdiction: TestWorld.village, household: household,
            birthDate: born, attributes: attributes, registeredOn: registeredOn)
}

public func household(_ id: Subject.ID, registeredOn: Day = TestWorld.longAgo) -> Subject {
    Subject(id: id, kind: .household, name: "Household \(id.rawValue)", jurisdiction: TestWorld.village, registeredOn: registeredOn)
}

public func company(_ id: Subject.ID, registeredOn: Day = TestWorld.longAgo) -> Subject {
    Subject(id: id, kind: .organisation, name: "Company \(id.rawValue)", jurisdiction: TestWorld.village, registeredOn: registeredOn)
}

// MARK: - The world

/// One village with its committee, a published handbook and its subjects, in memory.
///
/// The engine is a cheap value, so time moves by asking for a new engine on a new
/// day (`engine(on:)`), the way `NIOEmbedded` moves time only when a test says so.
public struct TestWorld: Sendable {
    public static let village: Jurisdiction.ID = "zhaojiashan"
    /// A day before every scenario: subjects are registered on it.
    public static let longAgo = Day(year: 2020, month: 1, day: 1)!

    /// The information collector.
    public static let assessor: Actor.ID = "assessor-wang"
    /// The committee's two reviewers (four eyes needs both).
    public static let reviewer: Actor.ID = "reviewer-zhao"
    public static let secondReviewer: Actor.ID = "reviewer-sun"
    /// The village office: publishes handbooks, closes cycles, corrects entries.
    public static let admin: Actor.ID = "admin-office"
    /// A court or bank feed.
    public static let authority: Actor.ID = "court-feed"

    public let store: InMemoryStore
    public let handbook: Handbook

    /// The five standard actors, none of them a rated subject.
    public static func standardActors() -> [Actor] {
        [
            Actor(id: assessor, name: "Wang", roles: [.assessor], jurisdiction: village),
            Actor(id: reviewer, name: "Zhao", roles: [.reviewer], jurisdiction: village),
            Actor(id: secondReviewer, name: "Sun", roles: [.reviewer], jurisdiction: village),
            Actor(id: admin, name: "Village office", roles: [.administrator], jurisdiction: village),
            Actor(id: authority, name: "County court", roles: [.authority], jurisdiction: village),
        ]
    }

    /// Registers the village, the standard actors plus `actors`, the subjects, and publishes
    /// version 1 of a handbook holding `schemes` on `publishedOn`.
    public static func make(
        schemes: [Scheme], subjects: [Subject], actors: [Actor] = [], publishedOn: Day = Day(year: 2025, month: 12, day: 1)!
    ) async throws -> TestWorld {
        let store = InMemoryStore()
        let engine = Engine(store: store, clock: FixedDayClock(publishedOn))
        _ = try await engine.register(Jurisdiction(id: village, name: LocalizedText(en: "Zhaojiashan", zh: "赵家山村")))
        try await engine.addSubjects(subjects)
        for actor in standardActors() + actors { _ = try await engine.addActor(actor) }
        let handbook = Handbook(jurisdiction: village, version: 1, title: LocalizedText(en: "Village handbook", zh: "村规民约"), schemes: schemes)
        _ = try await engine.publish(handbook, source: "# built in Swift by SchemeFixtures", by: admin)
        return TestWorld(store: store, handbook: handbook)
    }

    /// The engine as it runs on `day`.
    public func engine(on day: Day) -> Engine { Engine(store: store, clock: FixedDayClock(day)) }

    /// Files a report on `day` about a deed that happened on `occurredOn` (the same day by default).
    @discardableResult
    public func file(
        _ id: Report.ID, about subject: Subject.ID, rule: Rule.ID, on day: Day, occurredOn: Day? = nil,
        by reporter: Actor.ID = assessor, role: ReporterRole = .assessor, evidence: [Evidence] = [],
        stars: Int? = nil, durationDays: Int? = nil, sourceRecord: String? = nil, scheme: Scheme.ID? = nil
    ) async throws -> WriteResult {
        try await engine(on: day).file(ReportRequest(
            id: id, subject: subject, scheme: scheme, rule: rule, reporter: reporter, role: role,
            occurredOn: occurredOn ?? day, statement: "Reported deed \(id.rawValue)", evidence: evidence,
            durationDays: durationDays, stars: stars, sourceRecord: sourceRecord))
    }

    /// A reviewer's decision on `day`; its id is derived from the report and the reviewer.
    @discardableResult
    public func decide(
        _ report: Report.ID, _ outcome: Decision.Outcome, on day: Day, by reviewer: Actor.ID = reviewer,
        reason: String = "discussed at the committee meeting"
    ) async throws -> ReportStatus {
        let decision = Decision(id: Decision.ID("d:\(report.rawValue):\(reviewer.rawValue)"), report: report, reviewer: reviewer,
                                outcome: outcome, reason: reason, decidedOn: day)
        return try await engine(on: day).decide(decision).1
    }

    @discardableResult
    public func approve(_ report: Report.ID, on day: Day, by reviewer: Actor.ID = reviewer) async throws -> ReportStatus {
        try await decide(report, .approve, on: day, by: reviewer)
    }

    @discardableResult
    public func reject(_ report: Report.ID, on day: Day, by reviewer: Actor.ID = reviewer) async throws -> ReportStatus {
        try await decide(report, .reject, on: day, by: reviewer, reason: "not confirmed")
    }

    /// Files and approves in one step, on the same day.
    @discardableResult
    public func record(
        _ id: Report.ID, about subject: Subject.ID, rule: Rule.ID, on day: Day, occurredOn: Day? = nil,
        by reporter: Actor.ID = assessor, role: ReporterRole = .assessor, evidence: [Evidence] = [],
        stars: Int? = nil, sourceRecord: String? = nil
    ) async throws -> ReportStatus {
        try await file(id, about: subject, rule: rule, on: day, occurredOn: occurredOn, by: reporter, role: role,
                       evidence: evidence, stars: stars, sourceRecord: sourceRecord)
        return try await approve(id, on: day)
    }

    /// Closes the village's cycle for `month` on `day` (the month's last day by default).
    @discardableResult
    public func close(_ month: Month, on day: Day? = nil) async throws -> CycleSummary {
        try await engine(on: day ?? month.lastDay).closeCycle(TestWorld.village, month: month, by: TestWorld.admin)
    }

    /// A standing folded fresh from the ledger on `day`, in `scheme` (the only or first scheme by default).
    public func standing(of subject: Subject.ID, in scheme: Scheme.ID? = nil, asOf day: Day) async throws -> Standing {
        let all = try await engine(on: day).standings(of: subject, asOf: day)
        guard let found = scheme.map({ id in all.first { $0.scheme == id } }) ?? all.first else {
            throw CivicError(.notFound, "subject '\(subject)' has no standing in \(scheme.map { "'\($0)'" } ?? "any scheme")")
        }
        return found
    }

    /// The standing as stored by the last cycle close, refresh, remedy or correction.
    public func storedStanding(of subject: Subject.ID, in scheme: Scheme.ID? = nil) async -> Standing? {
        let all = await store.standings(subject: subject)
        return scheme.map { id in all.first { $0.scheme == id } } ?? all.first
    }

    /// The id the engine gives the entry of an entered report.
    public static func entryID(of report: Report.ID) -> Entry.ID { Entry.ID("e:\(report.rawValue)") }
}
