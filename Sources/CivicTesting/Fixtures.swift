public import CivicCore

// Builders for the records a store holds, one per record type, shared by every
// team's tests. Each returns a fresh value with plausible defaults, so a test
// names only the fields it is about. The defaults are consistent with one
// another: the subject lives in the jurisdiction, the entry belongs to the
// subject, the report names the actor; so records built with defaults can be
// committed together. Identifiers follow `Identifier.syntax`.
//
// The builders depend on CivicCore only, so that a store's tests never break
// because a scheme fixture changed.

// MARK: - Days

/// The day in ISO form ("2026-03-01"); an invalid date is a mistake in the test and traps.
public func makeDay(_ iso: String = "2026-03-01") -> Day {
    guard let day = Day(iso: iso) else { preconditionFailure("'\(iso)' is not a YYYY-MM-DD date") }
    return day
}

/// The month in ISO form ("2026-03"); an invalid month traps.
public func makeMonth(_ iso: String = "2026-03") -> Month {
    guard let month = Month(iso: iso) else { preconditionFailure("'\(iso)' is not a YYYY-MM month") }
    return month
}

// MARK: - Registry

/// A jurisdiction, by default the village "rongcheng" with no parent.
public func makeJurisdiction(
    id: Jurisdiction.ID = "rongcheng", name: LocalizedText = LocalizedText(en: "Rongcheng", zh: "荣成"),
    parent: Jurisdiction.ID? = nil
) -> Jurisdiction {
    Jurisdiction(id: id, name: name, parent: parent)
}

/// A person in "rongcheng", registered on 2026-01-01, with no household, birth date or attributes.
public func makeSubject(
    id: Subject.ID = "subject-1", kind: SubjectKind = .person, name: String = "Wang Fang",
    jurisdiction: Jurisdiction.ID = "rongcheng", household: Subject.ID? = nil, birthDate: Day? = nil,
    attributes: Set<String> = [], registeredOn: Day = makeDay("2026-01-01")
) -> Subject {
    Subject(id: id, kind: kind, name: name, jurisdiction: jurisdiction, household: household, birthDate: birthDate,
            attributes: attributes, registeredOn: registeredOn)
}

/// An assessor in "rongcheng" who is not a subject.
public func makeActor(
    id: Actor.ID = "assessor-1", name: String = "Li Na", roles: Set<Actor.Role> = [.assessor],
    jurisdiction: Jurisdiction.ID = "rongcheng", subject: Subject.ID? = nil
) -> Actor {
    Actor(id: id, name: name, roles: roles, jurisdiction: jurisdiction, subject: subject)
}

// MARK: - Handbooks

/// A small but complete handbook: one points scheme "civic" (base 1,000, grades
/// A/B/C with a lock-in, a good and a bad rule, a blacklist criterion and a
/// measure). Enough to exercise every part of the handbook's encoding.
public func makeHandbook(jurisdiction: Jurisdiction.ID = "rongcheng", version: Int = 1, scheme: Scheme.ID = "civic") -> Handbook {
    let text = { (en: String) in LocalizedText(en: en, zh: en) }
    let grades = GradeScale(
        bands: [GradeBand(grade: "A", minimum: Points(960), title: text("Trustworthy")),
                GradeBand(grade: "B", minimum: Points(850)), GradeBand(grade: "C", minimum: Points(0))],
        lockIns: [LockIn(grade: "C", years: 3)])
    let rules = [
        Rule(id: "2.5", title: text("Help a neighbour"), category: Category.named("neighbourly-help")!,
             points: Points(hundredths: 50), cap: Cap(count: 2, period: .month),
             evidence: EvidenceRequirement(anyOf: [[.photo: 2], [.video: 1]])),
        Rule(id: "4.1", title: text("Litter"), category: Category.named("sanitation")!, points: Points(-3),
             graceDays: 3, expiryDays: 365, reporters: [.assessor, .neighbour], gradeCap: "B", approvalsRequired: 2),
    ]
    let blacklist = ListCriterion(id: "black-c", list: .black, title: text("Grade C"), trigger: .gradeAtMost("C"),
                                  duration: .whileTriggered, remedyHint: text("Raise the grade"))
    let noFlights = Measure(id: "no-flights", title: text("No plane tickets"), kind: .sanction, domain: .transport,
                            condition: .all([.onList(.black), .not(.gradeAtLeast("B"))]), legalBasis: "Regulation 7")
    let civic = Scheme(
        id: scheme, title: text("Civic points"), subjectKinds: [.person, .household],
        scale: .points(PointsScale(base: Points(1_000), floor: Points(0))), grades: grades, rules: rules,
        quota: Quota(pointsPerPersonYearly: Points(2)), exemptions: [.ageFrom(80), .attribute("carer")],
        lists: [blacklist], measures: [noFlights], negativeExpiryDays: 730, appealDays: 30)
    return Handbook(jurisdiction: jurisdiction, version: version, title: text("Handbook"), schemes: [civic])
}

/// A published handbook: `makeHandbook` with a source text, published on 2026-01-01 by "admin-1".
public func makePublishedHandbook(
    _ handbook: Handbook = makeHandbook(), source: String = "# handbook source\nversion: 1\n",
    publishedOn: Day = makeDay("2026-01-01"), publishedBy: Actor.ID = "admin-1"
) -> PublishedHandbook {
    PublishedHandbook(handbook: handbook, source: source, publishedOn: publishedOn, publishedBy: publishedBy)
}

// MARK: - Workflow

/// A report about "subject-1" under rule "4.1" of "rongcheng" version 1, filed by
/// "assessor-1" in the 2026-03 cycle, with no evidence, duration, stars or source record.
public func makeReport(
    id: Report.ID = "report-1", subject: Subject.ID = "subject-1", scheme: Scheme.ID = "civic", rule: Rule.ID = "4.1",
    handbookVersion: Int = 1, handbookJurisdiction: Jurisdiction.ID = "rongcheng", reporter: Actor.ID = "assessor-1",
    reporterRole: ReporterRole = .assessor, occurredOn: Day = makeDay("2026-03-02"), filedOn: Day = makeDay("2026-03-03"),
    cycle: Month = makeMonth("2026-03"), statement: String = "Litter left by the river dock.", evidence: [Evidence] = [],
    durationDays: Int? = nil, stars: Int? = nil, sourceRecord: String? = nil
) -> Report {
    Report(id: id, subject: subject, scheme: scheme, rule: rule, handbookVersion: handbookVersion,
           handbookJurisdiction: handbookJurisdiction, reporter: reporter, reporterRole: reporterRole,
           occurredOn: occurredOn, filedOn: filedOn, cycle: cycle, statement: statement, evidence: evidence,
           durationDays: durationDays, stars: stars, sourceRecord: sourceRecord)
}

/// An approval of "report-1" by "reviewer-1" on 2026-03-25.
public func makeDecision(
    id: Decision.ID = "decision-1", report: Report.ID = "report-1", reviewer: Actor.ID = "reviewer-1",
    outcome: Decision.Outcome = .approve, reason: String = "Confirmed by two photos.", decidedOn: Day = makeDay("2026-03-25")
) -> Decision {
    Decision(id: id, report: report, reviewer: reviewer, outcome: outcome, reason: reason, decidedOn: decidedOn)
}

/// The 2026-03 cycle of "rongcheng", closed on 2026-03-31 by "admin-1".
public func makeCycle(
    jurisdiction: Jurisdiction.ID = "rongcheng", month: Month = makeMonth("2026-03"),
    closedOn: Day = makeDay("2026-03-31"), closedBy: Actor.ID = "admin-1"
) -> Cycle {
    Cycle(jurisdiction: jurisdiction, month: month, closedOn: closedOn, closedBy: closedBy)
}

// MARK: - Ledger

/// A deed entry at `sequence` for "subject-1" in scheme "civic", -3 points,
/// effective 2026-03-31, recorded by "admin-1"; every optional field unset.
/// The id defaults to "entry-<sequence>".
public func makeEntry(
    sequence: Int64, id: Entry.ID? = nil, kind: Entry.Kind = .deed, subject: Subject.ID = "subject-1",
    scheme: Scheme.ID = "civic", handbookJurisdiction: Jurisdiction.ID = "rongcheng", handbookVersion: Int = 1,
    rule: Rule.ID? = nil, category: String? = nil, points: Points = Points(-3), dimension: Dimension.ID? = nil,
    stars: Int? = nil, occurredOn: Day? = nil, effectiveOn: Day = makeDay("2026-03-31"), expiresOn: Day? = nil,
    gradeCap: Grade? = nil, report: Report.ID? = nil, decisions: [Decision.ID] = [], references: Entry.ID? = nil,
    recordedOn: Day = makeDay("2026-03-31"), recordedBy: Actor.ID = "admin-1", note: String = "",
    gradeCapLockYears: Int? = nil, gradeCapUntilRemedied: Bool? = nil
) -> Entry {
    Entry(id: id ?? Entry.ID("entry-\(sequence)"), sequence: sequence, kind: kind, subject: subject, scheme: scheme,
          handbookJurisdiction: handbookJurisdiction, handbookVersion: handbookVersion, rule: rule, category: category,
          points: points, dimension: dimension, stars: stars, occurredOn: occurredOn, effectiveOn: effectiveOn,
          expiresOn: expiresOn, gradeCap: gradeCap, report: report, decisions: decisions, references: references,
          recordedOn: recordedOn, recordedBy: recordedBy, note: note, gradeCapLockYears: gradeCapLockYears,
          gradeCapUntilRemedied: gradeCapUntilRemedied)
}

/// An entry at `sequence` with every optional field set (half points, a
/// dimension, stars, expiry, grade cap, report, two decisions, a reference and
/// a note with non-ASCII text): for round-trip and encoding tests.
public func makeEntryWithEveryField(sequence: Int64, id: Entry.ID? = nil, subject: Subject.ID = "subject-1") -> Entry {
    makeEntry(
        sequence: sequence, id: id, kind: .correction, subject: subject, rule: "4.1", category: "sanitation",
        points: Points(hundredths: -250), dimension: "courtyard", stars: 4, occurredOn: makeDay("2026-03-02"),
        expiresOn: makeDay("2027-03-31"), gradeCap: "B", report: "report-1", decisions: ["decision-1", "decision-2"],
        references: "entry-0", note: "Corrected after appeal — 已更正", gradeCapLockYears: 3, gradeCapUntilRemedied: true)
}

// MARK: - Projections

/// A standing of "subject-1" in "civic" on 2026-03-31: 1,000 points, grade A,
/// no lock, listings, dimensions or quota.
public func makeStanding(
    subject: Subject.ID = "subject-1", scheme: Scheme.ID = "civic", asOf: Day = makeDay("2026-03-31"),
    score: Points = Points(1_000), grade: Grade? = "A", lock: Lock? = nil, cappedBy: Entry.ID? = nil,
    dimensions: [Dimension.ID: Points] = [:], listings: [Listing] = [], activeEntries: Int = 0,
    activeRules: [Rule.ID] = [], lastSequence: Int64 = 0, earned: EarnedPoints = EarnedPoints(), quota: QuotaStatus? = nil,
    nextChange: Day? = nil, foldedThrough: Int64? = nil
) -> Standing {
    Standing(subject: subject, scheme: scheme, asOf: asOf, score: score, grade: grade, lock: lock, cappedBy: cappedBy,
             dimensions: dimensions, listings: listings, activeEntries: activeEntries, activeRules: activeRules,
             lastSequence: lastSequence, earned: earned, quota: quota, nextChange: nextChange, foldedThrough: foldedThrough)
}

/// A blacklisting under criterion "black-c" from `since`, open-ended unless `endsOn` is given.
public func makeListing(
    list: ListKind = .black, criterion: ListCriterion.ID = "black-c", since: Day = makeDay("2026-03-31"),
    endsOn: Day? = nil, endReason: Listing.EndReason? = nil, entry: Entry.ID? = nil, domain: Domain? = nil,
    reason: String = "Grade C or below"
) -> Listing {
    Listing(list: list, criterion: criterion, since: since, endsOn: endsOn, endReason: endReason, entry: entry,
            domain: domain, reason: reason)
}

/// A standing with every optional part set: a lock, a capping entry, two
/// dimensions, an ended and an active listing, active rules, earned points and
/// a quota. For round-trip tests.
public func makeStandingWithEveryField(subject: Subject.ID = "subject-1", scheme: Scheme.ID = "civic") -> Standing {
    makeStanding(
        subject: subject, scheme: scheme, score: Points(hundredths: 84_950), grade: "C",
        lock: Lock(grade: "C", since: makeDay("2026-02-01"), until: makeDay("2029-02-01")), cappedBy: "entry-2",
        dimensions: ["courtyard": Points(4), "recycling": Points(hundredths: -50)],
        listings: [
            makeListing(list: .black, criterion: "court", since: makeDay("2025-05-01"), endsOn: makeDay("2026-01-10"),
                        endReason: .remedied, entry: "entry-1", domain: .judicial, reason: "Court judgment unpaid"),
            makeListing(list: .black, since: makeDay("2026-02-01")),
        ],
        activeEntries: 3, activeRules: ["2.5", "4.1"], lastSequence: 7,
        earned: EarnedPoints(year: 2026, thisYear: Points(hundredths: 150), previousYear: Points(4)),
        quota: QuotaStatus(year: 2025, required: Points(10), earned: Points(4), exemptMembers: 1, members: 5),
        nextChange: makeDay("2026-06-14"), foldedThrough: 9)
}

/// A plain notice for `entry`, as the engine would write with it.
public func makeNotice(for entry: Entry, createdOn: Day? = nil) -> Notice {
    Notice(id: Notice.ID("n:\(entry.id.rawValue)"), subject: entry.subject, scheme: entry.scheme, kind: .entryRecorded,
           tone: entry.isAdverse ? .adverse : .favourable, createdOn: createdOn ?? entry.recordedOn, entry: entry.id, rule: entry.rule,
           handbookJurisdiction: entry.handbookJurisdiction, handbookVersion: entry.handbookVersion, points: entry.points,
           summary: "\(entry.points.signedDescription) points under rule \(entry.rule?.rawValue ?? "-")")
}

extension ChangeSet {
    /// Adds a notice for every adverse deed that has none yet: stores refuse an adverse entry without its notice.
    public mutating func announceAdverseEntries() {
        let announced = Set(notices.compactMap(\.entry))
        notices += entries.filter { $0.kind == .deed && $0.isAdverse && !announced.contains($0.id) }.map { makeNotice(for: $0) }
    }
}
