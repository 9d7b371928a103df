/// Figures on the people who report and decide, and the outliers among them.
///
/// The reported failures were patterns no single record shows: stars going to the
/// inspectors' friends, an assessor logging her own good deeds to meet a quota, one
/// side of a village rewarded for no reason. Each actor's figures over a period are set
/// against the jurisdiction's baseline (the median of their peers), and an actor far
/// above it is flagged with the reason. Flags ask for a look, not a sanction: the
/// committee reads the named reports behind them.
///
/// Shares are in per mille (0 to 1000) and all arithmetic is on integers, so the same
/// records always give the same figures and flags.
public enum Oversight {
    /// Computes every actor's figures over `period` (review cycles, inclusive) for the subjects
    /// of `scope` and the jurisdictions below it (all when `nil`), then the baselines and flags.
    ///
    /// - Parameters:
    ///   - reports: every report with its decisions; those outside the scope are ignored. Reporters are
    ///     judged on reports whose cycle is in the period, reviewers on decisions taken in it.
    ///   - entries: ledger entries; deeds that name a report give the points granted.
    ///   - subjects: the subjects the reports and actors name (with their households).
    public static func compute(
        reports: [ReportRecord], entries: [Entry], subjects: [Subject.ID: Subject], actors: [Actor], jurisdictions: [Jurisdiction],
        scope: Jurisdiction.ID?, period: ClosedRange<Month>, rule: OutlierRule = .standard
    ) -> OversightReport {
        let inScope: Set<Jurisdiction.ID>? = scope.map { scope in
            Set(jurisdictions.filter { jurisdictions.lineage(of: $0.id).contains(scope) }.map(\.id))
        }
        let actorsByID = Dictionary(actors.map { ($0.id, $0) }, uniquingKeysWith: { first, _ in first })
        var pointsByReport: [Report.ID: Points] = [:]
        for entry in entries where entry.kind == .deed {
            guard let report = entry.report else { continue }
            pointsByReport[report, default: .zero] += entry.points
        }
        func householdKey(_ id: Subject.ID) -> Subject.ID { subjects[id]?.household ?? id }
        func neighbourhood(_ id: Subject.ID) -> String {
            guard let subject = subjects[id] else { return "unknown" }
            if let named = Oversight.neighbourhood(of: subject) { return named }
            if let household = subject.household.flatMap({ subjects[$0] }), let named = Oversight.neighbourhood(of: household) { return named }
            return subject.jurisdiction.rawValue
        }
        func ownHousehold(_ actor: Actor.ID) -> Subject.ID? { actorsByID[actor]?.subject.map(householdKey) }

        var reporters: [Actor.ID: Tally] = [:]
        var reviewers: [Actor.ID: Tally] = [:]
        for record in reports {
            let report = record.report
            guard let subject = subjects[report.subject], inScope?.contains(subject.jurisdiction) ?? true else { continue }
            let household = householdKey(report.subject)
            let own = ownHousehold(report.reporter) == household
            let approved = record.status != .rejected && record.status != .pending && record.decisions.contains { $0.outcome.isApproval }
            let granted = pointsByReport[report.id] ?? .zero
            if period.contains(report.cycle) {
                var tally = reporters[report.reporter] ?? Tally()
                tally.volume += 1
                if record.status == .rejected { tally.rejected += 1 } else if approved { tally.approved += 1 }
                if record.decisions.contains(where: { if case .adjust = $0.outcome { true } else { false } }) { tally.adjusted += 1 }
                if report.isSelfClaim { tally.selfClaims += 1 }
                if own { tally.ownHousehold += 1 }
                tally.households[household, default: 0] += 1
                tally.add(points: granted, neighbourhood: neighbourhood(report.subject))
                reporters[report.reporter] = tally
            }
            for decision in record.decisions where period.contains(decision.decidedOn.month) {
                var tally = reviewers[decision.reviewer] ?? Tally()
                tally.volume += 1
                switch decision.outcome {
                case .reject: tally.rejected += 1
                case .adjust: tally.adjusted += 1; tally.approved += 1
                case .approve: tally.approved += 1
                }
                if decision.outcome.isApproval {
                    // Concentration and self-claims are judged on what the reviewer let through.
                    if report.isSelfClaim { tally.selfClaims += 1 }
                    tally.households[household, default: 0] += 1
                    tally.reporters[report.reporter, default: 0] += 1
                    tally.add(points: granted, neighbourhood: neighbourhood(report.subject))
                }
                if ownHousehold(decision.reviewer) == household { tally.ownHousehold += 1 }
                reviewers[decision.reviewer] = tally
            }
        }

        func figures(_ tallies: [Actor.ID: Tally], role: OversightRole) -> [ActorFigures] {
            tallies.sorted { $0.key < $1.key }.map { id, tally in
                ActorFigures(actor: id, name: actorsByID[id]?.name ?? id.rawValue, jurisdiction: actorsByID[id]?.jurisdiction, role: role,
                             group: Oversight.group(of: actorsByID[id], role: role), tally: tally, rule: rule)
            }
        }
        var reporterFigures = figures(reporters, role: .reporter)
        var reviewerFigures = figures(reviewers, role: .reviewer)
        let reporterBaselines = flag(&reporterFigures, role: .reporter, metrics: OversightMetric.reporterMetrics, rule: rule)
        let reviewerBaselines = flag(&reviewerFigures, role: .reviewer, metrics: OversightMetric.reviewerMetrics, rule: rule)
        flagNeighbourhoodSkew(&reviewerFigures, rule: rule)
        return OversightReport(scope: scope, from: period.lowerBound, to: period.upperBound, rule: rule,
                               reporters: reporterFigures, reviewers: reviewerFigures, baselines: reporterBaselines + reviewerBaselines)
    }

    /// The neighbourhood a subject records as an attribute `neighbourhood:NAME` (such as
    /// `neighbourhood:east`), if any; without one, oversight groups by jurisdiction.
    public static func neighbourhood(of subject: Subject) -> String? {
        subject.attributes.filter { $0.hasPrefix(neighbourhoodPrefix) }.min().map { String($0.dropFirst(neighbourhoodPrefix.count)) }
    }

    public static let neighbourhoodPrefix = "neighbourhood:"

    /// Whom an actor is compared with: reviewers with reviewers; reporters by their standing role, assessors with
    /// assessors (their self-claims included), authority feeds with authority feeds, residents with residents.
    static func group(of actor: Actor?, role: OversightRole) -> String {
        if role == .reviewer { return "reviewer" }
        guard let roles = actor?.roles else { return "resident" }
        if roles.contains(.assessor) { return "assessor" }
        if roles.contains(.authority) { return "authority" }
        return "resident"
    }

    /// Sets the baseline of each metric among actors with enough volume, and flags those above its threshold.
    static func flag(_ figures: inout [ActorFigures], role: OversightRole, metrics: [OversightMetric], rule: OutlierRule) -> [Baseline] {
        var baselines: [Baseline] = []
        for group in Set(figures.map(\.group)).sorted() {
            for metric in metrics {
                let eligible = figures.indices.filter { figures[$0].group == group && figures[$0].volume(for: metric) >= rule.minimumVolume }
                let values = eligible.compactMap { figures[$0].value(of: metric) }
                var baseline = Baseline(role: role, group: group, metric: metric, actors: values.count, median: nil, deviation: nil, threshold: nil)
                guard values.count >= rule.minimumPeers else {
                    baselines.append(baseline)
                    continue
                }
                let median = Oversight.median(values)
                let deviation = Oversight.median(values.map { abs($0 - median) })
                // 1.4826 x MAD estimates a standard deviation for normal data; k of them, but never closer than the gap.
                let threshold = min(1000, median + max(rule.deviations * deviation * 14_826 / 10_000, rule.minimumGap))
                baseline.median = median
                baseline.deviation = deviation
                baseline.threshold = threshold
                baselines.append(baseline)
                for index in eligible {
                    guard let value = figures[index].value(of: metric), value > threshold else { continue }
                    figures[index].flags.append(OversightFlag(
                        metric: metric.rawValue, value: value, baseline: median, threshold: threshold,
                        reason: metric.reason(value: value, median: median, volume: figures[index].volume(for: metric), role: role)))
                }
            }
        }
        return baselines
    }

    /// A reviewer whose approved points go to one neighbourhood far more than the rest of the
    /// committee's do ("rewarded the east side of the village for no reason at all").
    static func flagNeighbourhoodSkew(_ figures: inout [ActorFigures], rule: OutlierRule) {
        // Peers are the reviewers of the same jurisdiction: a village committee is compared with itself, not with the city's.
        for index in figures.indices where figures[index].approved >= rule.minimumVolume {
            let peers = figures.indices.filter { $0 != index && figures[$0].jurisdiction == figures[index].jurisdiction }
            var rest: [String: Points] = [:]
            for peer in peers { for (place, points) in figures[peer].pointsByNeighbourhood { rest[place, default: .zero] += points } }
            let own = figures[index].pointsByNeighbourhood
            let ownTotal = own.values.reduce(Points.zero, +)
            let restTotal = rest.values.reduce(Points.zero, +)
            guard ownTotal.isPositive, restTotal.isPositive else { continue }
            for place in own.keys.sorted() {
                let ownShare = share(own[place]!.hundredths, ownTotal.hundredths)
                let restShare = share((rest[place] ?? .zero).hundredths, restTotal.hundredths)
                guard ownShare - restShare >= rule.neighbourhoodGap else { continue }
                figures[index].flags.append(OversightFlag(
                    metric: "neighbourhood-points", value: ownShare, baseline: restShare, threshold: restShare + rule.neighbourhoodGap,
                    reason: "\(percent(ownShare)) of the points this reviewer approved went to \(place), against \(percent(restShare)) of the points the other reviewers of \(figures[index].jurisdiction?.rawValue ?? "the jurisdiction") approved"))
            }
        }
    }

    /// The median of integers; of an even count, the mean of the two middle values rounded down.
    static func median(_ values: [Int]) -> Int {
        let sorted = values.sorted()
        let middle = sorted.count / 2
        return sorted.count % 2 == 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2
    }

    /// `part` of `whole` in per mille, rounded half up; 0 of nothing.
    static func share(_ part: Int64, _ whole: Int64) -> Int {
        guard whole > 0 else { return 0 }
        return Int((part * 1000 + whole / 2) / whole)
    }

    static func share(_ part: Int, _ whole: Int) -> Int { share(Int64(part), Int64(whole)) }

    /// "42.5%".
    public static func percent(_ perMille: Int) -> String {
        "\(perMille / 10)" + (perMille % 10 == 0 ? "" : ".\(perMille % 10)") + "%"
    }
}

/// The stated rule for an outlier. An actor is flagged on a metric when
/// (1) they have at least `minimumVolume` reports (reporters) or decisions (reviewers) behind it,
/// (2) at least `minimumPeers` actors of their role reach that volume, forming the baseline, and
/// (3) their value exceeds median + max(`deviations` × 1.4826 × MAD, `minimumGap`).
/// The gap keeps a baseline where everyone is alike (MAD 0) from flagging small differences.
public struct OutlierRule: Hashable, Sendable, Codable {
    public var minimumVolume: Int
    public var minimumPeers: Int
    public var deviations: Int
    /// In per mille: 200 is twenty percentage points.
    public var minimumGap: Int
    /// For a reviewer's points by neighbourhood: how far above the other reviewers' share is flagged.
    public var neighbourhoodGap: Int
    /// How many households count as "a few" for concentration.
    public var topHouseholds: Int

    public init(minimumVolume: Int = 10, minimumPeers: Int = 3, deviations: Int = 3, minimumGap: Int = 200, neighbourhoodGap: Int = 300, topHouseholds: Int = 3) {
        self.minimumVolume = minimumVolume
        self.minimumPeers = minimumPeers
        self.deviations = deviations
        self.minimumGap = minimumGap
        self.neighbourhoodGap = neighbourhoodGap
        self.topHouseholds = topHouseholds
    }

    public static let standard = OutlierRule()
}

public enum OversightRole: String, Hashable, Sendable, Codable { case reporter, reviewer }

/// The metrics compared against the baseline.
public enum OversightMetric: String, Hashable, Sendable, Codable, CaseIterable {
    /// Reporters: share of their reports that are self-claims. Reviewers: share of their approvals that are.
    case selfClaimShare = "self-claim-share"
    /// Share of reports (or decisions) about the actor's own household.
    case ownHouseholdShare = "own-household-share"
    /// Share of reports (or approvals) about the actor's top few households.
    case topHouseholdShare = "top-household-share"
    /// Reviewers: share of decisions that approve.
    case approvalShare = "approval-share"
    /// Reviewers: share of approvals that went to one reporter's reports.
    case topReporterShare = "top-reporter-share"

    static let reporterMetrics: [OversightMetric] = [.selfClaimShare, .ownHouseholdShare, .topHouseholdShare]
    static let reviewerMetrics: [OversightMetric] = [.selfClaimShare, .ownHouseholdShare, .topHouseholdShare, .approvalShare, .topReporterShare]

    func reason(value: Int, median: Int, volume: Int, role: OversightRole) -> String {
        let what = switch self {
        case .selfClaimShare: "are self-claims"
        case .ownHouseholdShare: "are about their own household"
        case .topHouseholdShare: "go to a few households"
        case .approvalShare: "are approvals"
        case .topReporterShare: "are of one reporter's reports"
        }
        return "\(Oversight.percent(value)) of \(volume) \(self == .approvalShare || self == .ownHouseholdShare ? (role == .reviewer ? "decisions" : "reports") : (role == .reviewer ? "approvals" : "reports")) \(what), against a baseline of \(Oversight.percent(median))"
    }
}

/// One metric's baseline among the actors of a role.
public struct Baseline: Hashable, Sendable, Codable {
    public var role: OversightRole
    /// The peer group (see `ActorFigures.group`).
    public var group: String
    public var metric: OversightMetric
    /// Actors with enough volume; below `OutlierRule.minimumPeers` there is no baseline and no flag.
    public var actors: Int
    public var median: Int?
    /// The median absolute deviation, in per mille.
    public var deviation: Int?
    public var threshold: Int?
}

/// Why an actor stands out, with the figures behind it.
public struct OversightFlag: Hashable, Sendable, Codable {
    public var metric: String
    public var value: Int
    public var baseline: Int
    public var threshold: Int
    public var reason: String
}

/// Counts for one actor in one role, before they become figures.
struct Tally {
    var volume = 0
    var approved = 0
    var rejected = 0
    var adjusted = 0
    var selfClaims = 0
    var ownHousehold = 0
    var households: [Subject.ID: Int] = [:]
    var reporters: [Actor.ID: Int] = [:]
    var pointsGranted = Points.zero
    var pointsDeducted = Points.zero
    var pointsByNeighbourhood: [String: Points] = [:]

    mutating func add(points: Points, neighbourhood: String) {
        if points.isPositive {
            pointsGranted += points
            pointsByNeighbourhood[neighbourhood, default: .zero] += points
        } else if points.isNegative {
            pointsDeducted += points
        }
    }
}

/// One actor's figures in one role over the period.
public struct ActorFigures: Hashable, Sendable, Codable {
    public var actor: Actor.ID
    public var name: String
    /// The actor's own jurisdiction.
    public var jurisdiction: Jurisdiction.ID?
    public var role: OversightRole
    /// The peers the actor is compared with: `reviewer`, or for reporters `assessor`, `authority` or `resident`.
    public var group: String
    /// Reports filed (reporters) or decisions taken (reviewers).
    public var volume: Int
    public var approved: Int
    public var rejected: Int
    public var adjusted: Int
    /// Approved of decided, per mille; `nil` with nothing decided.
    public var approvalShare: Int?
    public var selfClaims: Int
    public var selfClaimShare: Int
    public var ownHousehold: Int
    public var ownHouseholdShare: Int
    /// Distinct households reported on (reporters) or approved for (reviewers).
    public var households: Int
    public var topHouseholds: [HouseholdCount]
    public var topHouseholdShare: Int
    /// Reviewers: the reporter whose reports they approved most, and that share of their approvals.
    public var topReporter: Actor.ID?
    public var topReporterShare: Int?
    /// Positive points entered from these reports (or approvals), and negative ones.
    public var pointsGranted: Points
    public var pointsDeducted: Points
    public var pointsByNeighbourhood: [String: Points]
    public var flags: [OversightFlag] = []

    public struct HouseholdCount: Hashable, Sendable, Codable {
        public var household: Subject.ID
        public var count: Int
    }

    init(actor: Actor.ID, name: String, jurisdiction: Jurisdiction.ID?, role: OversightRole, group: String, tally: Tally, rule: OutlierRule) {
        self.actor = actor
        self.name = name
        self.jurisdiction = jurisdiction
        self.role = role
        self.group = group
        volume = tally.volume
        approved = tally.approved
        rejected = tally.rejected
        adjusted = tally.adjusted
        let decided = tally.approved + tally.rejected
        approvalShare = decided > 0 ? Oversight.share(tally.approved, decided) : nil
        // Reviewers' self-claims and concentration are over what they approved.
        let base = role == .reporter ? tally.volume : tally.approved
        selfClaims = tally.selfClaims
        selfClaimShare = Oversight.share(tally.selfClaims, base)
        ownHousehold = tally.ownHousehold
        ownHouseholdShare = Oversight.share(tally.ownHousehold, tally.volume)
        households = tally.households.count
        topHouseholds = tally.households.sorted { ($0.value, $1.key) > ($1.value, $0.key) }.prefix(rule.topHouseholds)
            .map { HouseholdCount(household: $0.key, count: $0.value) }
        topHouseholdShare = Oversight.share(topHouseholds.reduce(0) { $0 + $1.count }, base)
        if role == .reviewer, let top = tally.reporters.sorted(by: { ($0.value, $1.key) > ($1.value, $0.key) }).first {
            topReporter = top.key
            topReporterShare = Oversight.share(top.value, tally.approved)
        }
        pointsGranted = tally.pointsGranted
        pointsDeducted = tally.pointsDeducted
        pointsByNeighbourhood = tally.pointsByNeighbourhood
    }

    func value(of metric: OversightMetric) -> Int? {
        switch metric {
        case .selfClaimShare: selfClaimShare
        case .ownHouseholdShare: ownHouseholdShare
        case .topHouseholdShare: topHouseholdShare
        case .approvalShare: approvalShare
        case .topReporterShare: topReporterShare
        }
    }

    /// The number of records a metric's share is taken over.
    func volume(for metric: OversightMetric) -> Int {
        switch metric {
        case .ownHouseholdShare: volume
        case .approvalShare: approved + rejected
        case .selfClaimShare, .topHouseholdShare, .topReporterShare: role == .reporter ? volume : approved
        }
    }
}

/// Figures for every reporter and reviewer over a period, with the baselines and flags.
public struct OversightReport: Hashable, Sendable, Codable {
    public var scope: Jurisdiction.ID?
    public var from: Month
    public var to: Month
    public var rule: OutlierRule
    public var reporters: [ActorFigures]
    public var reviewers: [ActorFigures]
    public var baselines: [Baseline]

    public var flagged: [ActorFigures] { (reporters + reviewers).filter { !$0.flags.isEmpty } }
}
