/// The effect of a candidate handbook before it is published: every recorded report of the
/// jurisdiction is planned again under the candidate's rules (points, caps, grace, expiry,
/// grade caps), on the day it was originally entered, and standings as of one day are
/// compared with today's. Publishing never rewrites past entries; the preview shows the
/// committee what the rule change would have meant, and what it will mean for the reports
/// to come, before it decides.
///
/// Nothing is written: the replay works on values.
public enum HandbookPreview {
    /// Named examples kept per kind of change.
    public static let examplesMax = 5

    /// - Parameters:
    ///   - candidate: the handbook to preview; it replaces the current version of its jurisdiction.
    ///   - published: every published handbook.
    ///   - ledgers: every subject the jurisdiction's schemes may rate, with its entries.
    ///   - reports: the jurisdiction's reports with their decisions (others are ignored).
    ///   - cycles: closed cycles, which give the day a once-capped report would have been entered.
    public static func compute(
        candidate: Handbook, published: HandbookSet, jurisdictions: [Jurisdiction], ledgers: [SubjectLedger], reports: [ReportRecord],
        cycles: [Cycle], asOf: Day
    ) -> HandbookPreviewReport {
        let jurisdiction = candidate.jurisdiction
        let current = published.current(for: jurisdiction)
        var replayed = candidate
        replayed.version = (current?.handbook.version ?? 0) + 1
        let candidateSet = HandbookSet(published.published + [PublishedHandbook(handbook: replayed, source: "", publishedOn: asOf, publishedBy: "preview")])
        let before = StandingContext(handbooks: published, jurisdictions: jurisdictions)
        let after = StandingContext(handbooks: candidateSet, jurisdictions: jurisdictions)

        var report = HandbookPreviewReport(jurisdiction: jurisdiction, currentVersion: current?.handbook.version, candidateVersion: candidate.version, asOf: asOf)
        let ownReports = reports.filter { $0.report.handbookJurisdiction == jurisdiction && ($0.status == .entered || $0.status == .capped) }
        let reportsBySubject = Dictionary(grouping: ownReports, by: \.report.subject)
        let ownReportIDs = Set(ownReports.map(\.report.id))
        let subjectsByID = Dictionary(ledgers.map { ($0.subject.id, $0.subject) }, uniquingKeysWith: { first, _ in first })

        var beforeStandings: [Subject.ID: [Standing]] = [:]
        var afterStandings: [Subject.ID: [Standing]] = [:]
        for ledger in ledgers {
            let subject = ledger.subject
            guard jurisdictions.lineage(of: subject.jurisdiction).contains(jurisdiction) else { continue }
            let rebuilt = replay(ledger: ledger, reports: reportsBySubject[subject.id] ?? [], ownReportIDs: ownReportIDs, candidate: replayed,
                                 handbooks: candidateSet, lineage: jurisdictions.lineage(of: subject.jurisdiction), cycles: cycles, asOf: asOf,
                                 into: &report)
            beforeStandings[subject.id] = before.fold(subject, entries: ledger.entries, asOf: asOf)
            afterStandings[subject.id] = after.fold(subject, entries: rebuilt, asOf: asOf)
        }
        // Households' quotas are judged on their members' standings.
        fillQuotas(&beforeStandings, context: before, subjects: subjectsByID)
        fillQuotas(&afterStandings, context: after, subjects: subjectsByID)

        let oldSchemes = current?.handbook.schemes ?? []
        var schemeIDs: [Scheme.ID] = []
        for id in oldSchemes.map(\.id) + candidate.schemes.map(\.id) where !schemeIDs.contains(id) { schemeIDs.append(id) }
        for scheme in schemeIDs {
            let old = oldSchemes.first { $0.id == scheme }
            let new = candidate.scheme(scheme)
            var effect = SchemeEffect(scheme: scheme, change: old == nil ? .added : new == nil ? .removed : old == new ? .unchanged : .changed)
            for id in beforeStandings.keys.sorted() {
                guard let subject = subjectsByID[id] else { continue }
                let was = beforeStandings[id]?.first { $0.scheme == scheme }
                let now = afterStandings[id]?.first { $0.scheme == scheme }
                guard was != nil || now != nil else { continue }
                effect.subjects += 1
                compare(subject: subject, was: was, now: now, old: old, new: new, into: &effect)
            }
            report.schemes.append(effect)
        }
        return report
    }

    /// The subject's entries with every deed of the jurisdiction's reports planned again under the candidate.
    static func replay(
        ledger: SubjectLedger, reports: [ReportRecord], ownReportIDs: Set<Report.ID>, candidate: Handbook, handbooks: HandbookSet,
        lineage: [Jurisdiction.ID], cycles: [Cycle], asOf: Day, into summary: inout HandbookPreviewReport
    ) -> [Entry] {
        let original = Dictionary(ledger.entries.filter { $0.report != nil && ($0.kind == .deed || $0.kind == .rating) }.map { ($0.report!, $0) },
                                  uniquingKeysWith: { first, _ in first })
        var entries = ledger.entries.filter { entry in
            !((entry.kind == .deed || entry.kind == .rating) && entry.report.map(ownReportIDs.contains) == true)
        }
        // Each report on the day it was entered, or (once capped) the day its cycle closed.
        var planned: [(day: Day, sequence: Int64, record: ReportRecord)] = []
        for record in reports {
            if let entry = original[record.report.id] {
                planned.append((entry.effectiveOn, entry.sequence, record))
            } else if let closed = cycles.filter({ $0.month == record.report.cycle && lineage.contains($0.jurisdiction) }).map(\.closedOn).min() {
                planned.append((closed, Int64.max, record))
            }
        }
        planned.sort { ($0.day, $0.sequence, $0.record.report.id) < ($1.day, $1.sequence, $1.record.report.id) }
        var extraSequence = (ledger.entries.map(\.sequence).max() ?? 0) + 1
        for (day, sequence, record) in planned where day <= asOf {
            summary.reportsReplayed += 1
            var rewritten = record
            rewritten.report.handbookVersion = candidate.version
            let before = original[record.report.id]
            guard candidate.scheme(record.report.scheme)?.rule(record.report.rule) != nil else {
                summary.reportsDropped += 1
                summary.note(report: record.report.id, subject: ledger.subject, change: "rule \(record.report.rule) is not in the candidate: \(describe(before)) → no entry")
                continue
            }
            var outcome: EntryPlanner.Outcome?
            var planDay = day
            // A longer grace period only delays the entry to the day the grace ends.
            for _ in 0..<2 {
                var planner = EntryPlanner(handbooks: handbooks, nextSequence: sequence == Int64.max ? extraSequence : sequence, today: planDay,
                                           recordedBy: before?.recordedBy ?? record.decisions.last?.reviewer)
                guard let result = try? planner.plan(rewritten, existing: entries) else { break }
                outcome = result
                guard result.status == .awaitingGrace, let grace = candidate.scheme(record.report.scheme)?.rule(record.report.rule)?.graceDays else { break }
                planDay = max(planDay, record.report.occurredOn.adding(days: grace))
                if planDay > asOf { break }
            }
            // The entry keeps the original's id and place in the ledger, so corrections and remedies of it still apply.
            let entry = outcome?.entry
            if entry != nil, sequence == Int64.max { extraSequence += 1 }
            if let entry { entries.append(entry) }
            if describe(before) != describe(entry) {
                summary.reportsChanged += 1
                summary.note(report: record.report.id, subject: ledger.subject, change: "\(describe(before)) → \(describe(entry))")
            }
        }
        return entries.sorted { $0.sequence < $1.sequence }
    }

    static func describe(_ entry: Entry?) -> String {
        guard let entry else { return "no entry" }
        var text = entry.kind == .rating ? "\(entry.stars ?? 0) stars" : "\(entry.points.signedDescription) points"
        if let cap = entry.gradeCap { text += ", grade cap \(cap)" }
        text += entry.expiresOn.map { ", expires \($0)" } ?? ", no expiry"
        return text
    }

    static func fillQuotas(_ standings: inout [Subject.ID: [Standing]], context: StandingContext, subjects: [Subject.ID: Subject]) {
        var members: [Subject.ID: [(subject: Subject, standings: [Standing])]] = [:]
        for (id, list) in standings {
            guard let subject = subjects[id], let household = subject.household else { continue }
            members[household, default: []].append((subject, list))
        }
        for (id, list) in standings {
            guard let household = subjects[id], household.kind == .household else { continue }
            var filled = list
            let sortedMembers = (members[id] ?? []).sorted { $0.subject.id < $1.subject.id }
            for index in filled.indices { context.fillHouseholdQuota(&filled[index], household: household, members: sortedMembers) }
            standings[id] = filled
        }
    }

    static func compare(subject: Subject, was: Standing?, now: Standing?, old: Scheme?, new: Scheme?, into effect: inout SchemeEffect) {
        let example = { (before: String, after: String) in
            PreviewExample(subject: subject.id, maskedName: subject.maskedName, before: before, after: after)
        }
        if was?.score != now?.score {
            effect.scoreChanges += 1
            if effect.scoreExamples.count < examplesMax {
                effect.scoreExamples.append(example(was.map { "\($0.score)" } ?? "not rated", now.map { "\($0.score)" } ?? "not rated"))
            }
        }
        let from = was.map { $0.grade?.rawValue ?? "-" } ?? "not rated"
        let to = now.map { $0.grade?.rawValue ?? "-" } ?? "not rated"
        if from != to {
            effect.add(move: "\(from) → \(to)", example(was.map { "\(from) (score \($0.score))" } ?? from, now.map { "\(to) (score \($0.score))" } ?? to))
        }
        let wasListed = Set((was?.activeListings ?? []).map { "\($0.list.rawValue) list \($0.criterion)" })
        let isListed = Set((now?.activeListings ?? []).map { "\($0.list.rawValue) list \($0.criterion)" })
        for key in isListed.subtracting(wasListed).sorted() { effect.add(listing: key, entering: true, example("not listed", "listed")) }
        for key in wasListed.subtracting(isListed).sorted() { effect.add(listing: key, entering: false, example("listed", "not listed")) }
        let measures = ((old?.measures ?? []).map(\.id) + (new?.measures ?? []).map(\.id)).reduce(into: [Measure.ID]()) { if !$0.contains($1) { $0.append($1) } }
        for id in measures {
            let before = was.flatMap { standing in old?.measure(id).map { $0.decide(standing, grades: old?.grades).applies } } ?? false
            let after = now.flatMap { standing in new?.measure(id).map { $0.decide(standing, grades: new?.grades).applies } } ?? false
            guard before != after else { continue }
            let kind = (new?.measure(id) ?? old?.measure(id))!.kind
            effect.add(measure: id, kind: kind, nowApplies: after, example(before ? "applies" : "does not apply", after ? "applies" : "does not apply"))
        }
    }
}

/// What a candidate handbook would change, as of one day.
public struct HandbookPreviewReport: Hashable, Sendable, Codable {
    public var jurisdiction: Jurisdiction.ID
    public var currentVersion: Int?
    public var candidateVersion: Int
    public var asOf: Day
    /// Recorded reports planned again under the candidate.
    public var reportsReplayed = 0
    /// Of those, reports whose entry would differ (points, expiry, grade cap, capped or not).
    public var reportsChanged = 0
    /// Reports whose rule the candidate no longer has.
    public var reportsDropped = 0
    public var reportExamples: [ReportExample] = []
    public var schemes: [SchemeEffect] = []

    public struct ReportExample: Hashable, Sendable, Codable {
        public var report: Report.ID
        public var subject: Subject.ID
        public var maskedName: String
        public var change: String
    }

    mutating func note(report: Report.ID, subject: Subject, change: String) {
        guard reportExamples.count < HandbookPreview.examplesMax else { return }
        reportExamples.append(ReportExample(report: report, subject: subject.id, maskedName: subject.maskedName, change: change))
    }

    /// True when the candidate changes no standing.
    public var changesNothing: Bool {
        schemes.allSatisfy { $0.scoreChanges == 0 && $0.gradeMoves.isEmpty && $0.listingChanges.isEmpty && $0.measureFlips.isEmpty }
    }
}

/// A named subject behind a count.
public struct PreviewExample: Hashable, Sendable, Codable {
    public var subject: Subject.ID
    public var maskedName: String
    public var before: String
    public var after: String
}

/// One scheme's shifts.
public struct SchemeEffect: Hashable, Sendable, Codable {
    public enum Change: String, Hashable, Sendable, Codable { case added, removed, changed, unchanged }

    public var scheme: Scheme.ID
    /// Whether the candidate adds, removes or changes the scheme's definition.
    public var change: Change
    public var subjects = 0
    public var scoreChanges = 0
    public var scoreExamples: [PreviewExample] = []
    /// Grade moves as "A → B", with counts and examples; the from→to matrix, sparse.
    public var gradeMoves: [Move] = []
    public var listingChanges: [ListingChange] = []
    public var measureFlips: [MeasureFlip] = []

    public init(scheme: Scheme.ID, change: Change) {
        self.scheme = scheme
        self.change = change
    }

    public struct Move: Hashable, Sendable, Codable {
        public var move: String
        public var count: Int
        public var examples: [PreviewExample]
    }

    public struct ListingChange: Hashable, Sendable, Codable {
        public var listing: String
        /// True for subjects who would be on the list and are not now; false for those who would come off.
        public var entering: Bool
        public var count: Int
        public var examples: [PreviewExample]
    }

    public struct MeasureFlip: Hashable, Sendable, Codable {
        public var measure: Measure.ID
        public var kind: Measure.Kind
        /// True when the measure would apply and does not now.
        public var nowApplies: Bool
        public var count: Int
        public var examples: [PreviewExample]
    }

    mutating func add(move: String, _ example: PreviewExample) {
        if let index = gradeMoves.firstIndex(where: { $0.move == move }) {
            gradeMoves[index].count += 1
            if gradeMoves[index].examples.count < HandbookPreview.examplesMax { gradeMoves[index].examples.append(example) }
        } else {
            gradeMoves.append(Move(move: move, count: 1, examples: [example]))
        }
    }

    mutating func add(listing: String, entering: Bool, _ example: PreviewExample) {
        if let index = listingChanges.firstIndex(where: { $0.listing == listing && $0.entering == entering }) {
            listingChanges[index].count += 1
            if listingChanges[index].examples.count < HandbookPreview.examplesMax { listingChanges[index].examples.append(example) }
        } else {
            listingChanges.append(ListingChange(listing: listing, entering: entering, count: 1, examples: [example]))
        }
    }

    mutating func add(measure: Measure.ID, kind: Measure.Kind, nowApplies: Bool, _ example: PreviewExample) {
        if let index = measureFlips.firstIndex(where: { $0.measure == measure && $0.nowApplies == nowApplies }) {
            measureFlips[index].count += 1
            if measureFlips[index].examples.count < HandbookPreview.examplesMax { measureFlips[index].examples.append(example) }
        } else {
            measureFlips.append(MeasureFlip(measure: measure, kind: kind, nowApplies: nowApplies, count: 1, examples: [example]))
        }
    }
}
