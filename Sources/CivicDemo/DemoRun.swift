public import CivicCore

/// Runs twelve monthly cycles over a demo world: reports from assessors,
/// residents, neighbours and authorities; committee reviews that respect recusal;
/// cures within grace periods; remedies of authority records; cycle closes.
public struct DemoRun: Sendable {
    public struct Options: Sendable {
        public var residents: Int
        public var seed: UInt64
        /// The last month to close; the demo covers the twelve months ending with it.
        public var endMonth: Month

        public init(residents: Int = 3_000, seed: UInt64 = 2026, endMonth: Month) {
            self.residents = residents
            self.seed = seed
            self.endMonth = endMonth
        }
    }

    public struct Result: Sendable {
        public var world: DemoWorld
        public var cycles: [CycleSummary]
        public var reportsFiled: Int
        public var decisions: Int
        public var cures: Int
        public var remedies: Int
        /// Appeals filed through the portal, and how they ended.
        public var appeals = AppealCounts()
        /// A resident with good and bad deeds on record, for an explained score.
        public var sample: Subject.ID?
        public var lastClosedOn: Day
    }

    public struct AppealCounts: Sendable {
        public var filed = 0
        public var upheld = 0
        public var dismissed = 0
        /// Decided after their deadline: the disputed entry was suspended in between.
        public var decidedLate = 0
        public var undecided = 0
    }

    public let store: any Store
    public let options: Options

    public init(store: any Store, options: Options) {
        self.store = store
        self.options = options
    }

    static let monthsCovered = 12

    public func run(progress: ProgressHandler? = nil) async throws -> Result {
        var random = SeededRandom(seed: options.seed)
        var firstMonth = options.endMonth
        for _ in 1..<DemoRun.monthsCovered { firstMonth = firstMonth.previous }
        let start = firstMonth.firstDay
        let world = DemoWorld.generate(residents: options.residents, seed: options.seed, registeredOn: start)
        let setup = Engine(store: store, clock: FixedDayClock(start))
        for jurisdiction in world.jurisdictions { _ = try await setup.register(jurisdiction) }
        try await setup.addSubjects(world.subjects)
        for actor in world.actors { _ = try await setup.addActor(actor) }
        for (handbook, source) in try DemoHandbooks.load() { _ = try await setup.publish(handbook, source: source, by: world.administrator) }
        progress?(Progress(phase: "world registered", done: world.subjects.count, total: world.subjects.count))

        let handbooks = try await setup.handbooks()
        let subjectsByID = Dictionary(uniqueKeysWithValues: world.subjects.map { ($0.id, $0) })
        let actorsByID = Dictionary(uniqueKeysWithValues: world.actors.map { ($0.id, $0) })
        let persons = world.subjects.filter { $0.kind == .person }
        let organisations = world.subjects.filter { $0.kind == .organisation }
        let starHouseholds = world.subjects.filter { $0.kind == .household && $0.jurisdiction == DemoWorld.starVillage }

        func pool(for subject: Subject, role: ReporterRole) -> [(scheme: Scheme, rule: Rule)] {
            handbooks.schemes(for: subject, lineage: world.jurisdictions.lineage(of: subject.jurisdiction)).flatMap { _, scheme in
                scheme.rules.filter { $0.reporters.contains(role) && !$0.isRating }.map { (scheme, $0) }
            }
        }

        let portalUsers = world.actors.filter { $0.roles.contains(.resident) }
        let portalUser = Dictionary(uniqueKeysWithValues: portalUsers.compactMap { actor in actor.subject.map { ($0, actor.id) } })
        var portalUsersByPlace: [Jurisdiction.ID: [(actor: Actor.ID, subject: Subject.ID)]] = [:]
        for actor in portalUsers { portalUsersByPlace[actor.jurisdiction, default: []].append((actor.id, actor.subject!)) }
        /// Whether an actor may report on a subject: not themself, not their own household.
        func independent(_ actor: Actor.ID, of subject: Subject) -> Bool {
            guard let own = actorsByID[actor]?.subject.flatMap({ subjectsByID[$0] }) else { return true }
            return Recusal.conflict(actor: actorsByID[actor]!, actorSubject: own, subject: subject) == nil
        }
        var result = Result(world: world, cycles: [], reportsFiled: 0, decisions: 0, cures: 0, remedies: 0, sample: nil, lastClosedOn: start)
        var openRecords: [(source: String, subject: Subject.ID, recordedIn: Month)] = []
        var serial = 0
        var month = firstMonth
        var sampleGood = Set<Subject.ID>(), sampleBad = Set<Subject.ID>()
        var headAtLastClose: Int64?
        // The boards' honours and listings, which chance alone leaves empty at a few hundred residents: a few
        // exemplary residents (about one in 600, at least one in every place: the reported share of five-star citizens at
        // Donghuotangzhai is about 6 in 3,000) do a notable good deed every month and climb to the top grade
        // and the red list; a few (one in 1,000, at least one in every place) have a court judgment they do not carry out
        // and are capped at D and blacklisted. These shares are the product's own choice. They are drawn from
        // a generator of their own, and among residents without a portal account, so the rest of the demo
        // (every other report, decision and appeal) is what the seed made before.
        var honours = SeededRandom(seed: options.seed ^ 0x484F_4E4F_5552_5321)
        let unaccounted = persons.filter { portalUser[$0.id] == nil }
        var exemplars: [Subject] = [], defaulters: [Subject] = []
        var unused = unaccounted
        // One of each in every place with residents, so that every board shows both lists; then up to the share.
        for place in Set(unaccounted.map(\.jurisdiction)).sorted() {
            for _ in 0..<2 {
                let here = unused.indices.filter { unused[$0].jurisdiction == place }
                guard !here.isEmpty else { break }
                let chosen = unused.remove(at: honours.pick(here))
                if exemplars.count <= defaulters.count { exemplars.append(chosen) } else { defaulters.append(chosen) }
            }
        }
        while exemplars.count < persons.count / 600, !unused.isEmpty { exemplars.append(unused.remove(at: Int.random(in: 0..<unused.count, using: &honours))) }
        while defaulters.count < persons.count / 1_000, !unused.isEmpty { defaulters.append(unused.remove(at: Int.random(in: 0..<unused.count, using: &honours))) }
        for index in 0..<DemoRun.monthsCovered {
            // On the 5th, some residents with a portal account appeal a deduction entered at the last close.
            if let since = headAtLastClose {
                let appealDay = month.day(5)
                let engine = Engine(store: store, clock: FixedDayClock(appealDay))
                for entry in try await store.entries(after: since, limit: Limits.pageSizeMax)
                    where entry.kind == .deed && entry.isAdverse && portalUser[entry.subject] != nil && random.chance(20) {
                    _ = try await engine.fileAppeal(AppealRequest(
                        id: Appeal.ID("ap-\(entry.id.rawValue)"), entry: entry.id, by: portalUser[entry.subject]!,
                        statement: "I dispute this entry: it did not happen as reported / 我对此记录有异议",
                        evidence: [Evidence(kind: .photo, reference: "sha256:demo-appeal-\(entry.sequence)")]))
                    result.appeals.filed += 1
                }
            }
            let filingDay = month.day(18)
            var requests: [ReportRequest] = []
            var graced: [(report: Report.ID, occurred: Day)] = []
            func add(_ subject: Subject, _ choice: (scheme: Scheme, rule: Rule), reporter: Actor.ID, role: ReporterRole, source: String? = nil, stars: Int? = nil) {
                serial += 1
                let rule = choice.rule
                let occurred = rule.graceDays != nil ? filingDay : month.day(Int.random(in: 1...17, using: &random))
                var evidence: [Evidence] = []
                let alternative = rule.evidence?.anyOf.first ?? (role == .`self` ? [.photo: 2] : [:])
                for (kind, count) in alternative.sorted(by: { $0.key.rawValue < $1.key.rawValue }) {
                    for piece in 0..<count { evidence.append(Evidence(kind: kind, reference: "sha256:demo-\(serial)-\(kind.rawValue)-\(piece)")) }
                }
                if let source { evidence.append(Evidence(kind: .record, reference: source)) }
                let id = Report.ID("r-\(month)-\(pad(serial, 6))")
                if rule.graceDays != nil { graced.append((id, occurred)) }
                if rule.points?.isPositive == true { sampleGood.insert(subject.id) } else if rule.isAdverse { sampleBad.insert(subject.id) }
                requests.append(ReportRequest(
                    id: id, subject: subject.id, scheme: choice.scheme.id, rule: rule.id, reporter: reporter, role: role, occurredOn: occurred,
                    filedOn: filingDay, statement: statement(for: rule, role: role), evidence: evidence,
                    durationDays: rule.minimumDurationDays.map { $0 + Int.random(in: 0...120, using: &random) }, stars: stars,
                    sourceRecord: source))
            }

            for person in persons {
                let assessorChoices = pool(for: person, role: .assessor)
                // A few residents are tireless volunteers; they are the ones who climb to AA and AAA.
                let volunteer = world.volunteers.contains(person.id)
                if volunteer, random.chance(70), let assessor = world.assessors[person.jurisdiction].map({ random.pick($0) }),
                   independent(assessor, of: person) {
                    let good = assessorChoices.filter { $0.rule.points?.isPositive == true && $0.rule.cap == nil && $0.rule.approvalsRequired == 1 }
                    if !good.isEmpty { add(person, random.pick(good), reporter: assessor, role: .assessor) }
                }
                if random.chance(12), !assessorChoices.isEmpty, let assessor = world.assessors[person.jurisdiction].map({ random.pick($0) }),
                   independent(assessor, of: person) {
                    let good = assessorChoices.filter { $0.rule.points?.isPositive == true }
                    let bad = assessorChoices.filter { $0.rule.isAdverse && !$0.rule.reporters.contains(.authority) }
                    let choice = random.chance(72) || bad.isEmpty ? random.pick(good.isEmpty ? assessorChoices : good) : random.pick(bad)
                    add(person, choice, reporter: assessor, role: .assessor)
                }
                // Residents claim their own deeds (labelled and reviewed like any report) and report neighbours.
                if let own = portalUser[person.id] {
                    let selfChoices = pool(for: person, role: .`self`)
                    if random.chance(6), !selfChoices.isEmpty { add(person, random.pick(selfChoices), reporter: own, role: .`self`) }
                }
                let neighbourChoices = pool(for: person, role: .neighbour)
                if random.chance(1), !neighbourChoices.isEmpty, let neighbours = portalUsersByPlace[person.jurisdiction] {
                    let neighbour = random.pick(neighbours)
                    if subjectsByID[neighbour.subject]?.household != person.household {
                        add(person, random.pick(neighbourChoices), reporter: neighbour.actor, role: .neighbour)
                    }
                }
                let authorityChoices = pool(for: person, role: .authority).filter { $0.rule.isAdverse }
                if random.chance(0.35), !authorityChoices.isEmpty {
                    serial += 1
                    let source = "case-\(month)-\(serial)"
                    add(person, random.pick(authorityChoices), reporter: random.chance(50) ? "court" : "bank", role: .authority, source: source)
                    openRecords.append((source, person.id, month))
                }
            }
            for company in organisations {
                let choices = pool(for: company, role: .authority)
                if random.chance(30), !choices.isEmpty {
                    let good = choices.filter { $0.rule.points?.isPositive == true }
                    let choice = random.chance(70) && !good.isEmpty ? random.pick(good) : random.pick(choices)
                    serial += 1
                    let source = "notice-\(month)-\(serial)"
                    add(company, choice, reporter: choice.rule.category.code == "tax" ? "tax-office" : "court", role: .authority, source: source)
                    if choice.rule.isAdverse { openRecords.append((source, company.id, month)) }
                }
            }
            // Household stars are set once a quarter, in its last month.
            if month.month % 3 == 0 {
                for household in starHouseholds {
                    let ratingRules = handbooks.schemes(for: household, lineage: world.jurisdictions.lineage(of: household.jurisdiction))
                        .flatMap { _, scheme in scheme.rules.filter(\.isRating).map { (scheme, $0) } }
                    // An assessor never rates their own household: another assessor of the village does.
                    guard let assessor = world.assessors[household.jurisdiction]?.first(where: { independent($0, of: household) }) else { continue }
                    for choice in ratingRules {
                        let stars = [2, 3, 3, 4, 4, 4, 5, 5][Int.random(in: 0..<8, using: &random)]
                        add(household, choice, reporter: assessor, role: .assessor, stars: stars)
                    }
                }
            }
            try await Engine(store: store, clock: FixedDayClock(filingDay)).file(requests)
            result.reportsFiled += requests.count

            // Half the graced faults are put right the next day, before any deduction.
            let cureDay = month.day(18)
            let cures = graced.filter { _ in random.chance(50) }.enumerated().map { offset, item in
                RemedyRequest(id: Entry.ID("cure-\(item.report)"), target: .report(item.report), on: cureDay, by: world.administrator,
                              note: "cleared within the grace period")
            }
            if !cures.isEmpty { _ = try await Engine(store: store, clock: FixedDayClock(cureDay)).remedies(cures) }
            result.cures += cures.count

            // Authority records from earlier months are sometimes put right (debt paid, judgment complied with).
            let remedyDay = month.day(20)
            var remedyRows: [AuthorityRecord] = []
            var stillOpen: [(source: String, subject: Subject.ID, recordedIn: Month)] = []
            for record in openRecords {
                guard record.recordedIn < month else { stillOpen.append(record); continue }
                // Only records the committee entered can be remedied; rejected ones never counted.
                guard let reportID = try await store.reportID(sourceRecord: record.source),
                      try await store.report(reportID)?.status == .entered else { continue }
                if random.chance(25) {
                    remedyRows.append(AuthorityRecord(id: "remedy-\(record.source)", kind: .remedy, subject: record.subject,
                                                      sourceRecord: record.source, occurredOn: remedyDay, statement: "debt paid in full / judgment complied with"))
                } else {
                    stillOpen.append(record)
                }
            }
            openRecords = stillOpen
            for authority in ["court"] where !remedyRows.isEmpty {
                let summary = try await Engine(store: store, clock: FixedDayClock(remedyDay)).importAuthorityRecords(remedyRows, by: Actor.ID(authority))
                result.remedies += summary.remediesRecorded
            }

            // The committee meets on the 25th: two-thirds approve, a few adjust, some reject; nobody reviews their own.
            let committeeDay = month.day(25)
            var decisions: [Decision] = []
            for record in try await store.reports(statuses: [.pending], throughCycle: month) {
                let report = record.report
                guard let subject = subjectsByID[report.subject],
                      let rule = handbooks.version(report.handbookVersion, of: report.handbookJurisdiction)?.scheme(report.scheme)?.rule(report.rule)
                else { continue }
                // A report that needs two approvals may carry one over from an earlier meeting: its reviewer
                // does not decide it again, and the new decisions are numbered after the earlier ones.
                // Four eyes count people: a resident with two reviewer accounts sits once.
                var seated = Set(record.decisions.compactMap { actorsByID[$0.reviewer].map(Recusal.person) })
                let committee = (world.reviewers[subject.jurisdiction] ?? world.reviewers[DemoWorld.city]!).filter { reviewer in
                    guard let actor = actorsByID[reviewer], seated.insert(Recusal.person(actor)).inserted, actor.id != report.reporter,
                          actorsByID[report.reporter].map(Recusal.person) != Recusal.person(actor) else { return false }
                    guard let own = actor.subject.flatMap({ subjectsByID[$0] }) else { return true }
                    return own.id != subject.id && own.household != subject.id && (own.household == nil || own.household != subject.household)
                }
                let approvalsNeeded = rule.approvalsRequired - record.decisions.count
                guard approvalsNeeded > 0, committee.count >= approvalsNeeded else { continue }
                let roll = Double.random(in: 0..<100, using: &random)
                let outcome: Decision.Outcome
                if roll < 8 {
                    outcome = .reject
                } else if roll < 14, let points = rule.points, points.hundredths.magnitude >= 200 {
                    outcome = .adjust(Points(hundredths: points.hundredths / 2))
                } else {
                    outcome = .approve
                }
                let reason: String
                switch outcome {
                case .reject: reason = "evidence does not show the deed"
                case .adjust: reason = "partly done; half the points"
                case .approve: reason = ""
                }
                for (offset, reviewer) in committee.prefix(outcome == .reject ? 1 : approvalsNeeded).enumerated() {
                    decisions.append(Decision(id: Decision.ID("d-\(report.id)-\(record.decisions.count + offset + 1)"), report: report.id, reviewer: reviewer,
                                              outcome: outcome, reason: reason, decidedOn: committeeDay))
                }
            }
            try await Engine(store: store, clock: FixedDayClock(committeeDay)).decide(decisions)
            result.decisions += decisions.count

            // The committee decides most appeals at the meeting where they arrive, and the rest a month later,
            // after their deadline: the disputed entries stop counting in between.
            let appealEngine = Engine(store: store, clock: FixedDayClock(committeeDay))
            for record in try await store.undecidedAppeals(after: nil, limit: Limits.pageSizeMax) {
                let overdue = committeeDay > record.appeal.decideBy
                guard overdue || random.chance(70), let subject = subjectsByID[record.appeal.subject],
                      let disputed = try await store.entry(record.appeal.entry) else { continue }
                var original = Set<Actor.ID>()
                if let report = disputed.report, let decided = try await store.report(report) { original = Set(decided.decisions.map(\.reviewer)) }
                let reviewers = (world.reviewers[subject.jurisdiction] ?? world.reviewers[DemoWorld.city]!).filter { reviewer in
                    !original.contains(reviewer) && independent(reviewer, of: subject)
                        && actorsByID[reviewer].map(Recusal.person) != actorsByID[record.appeal.filedBy].map(Recusal.person)
                }
                guard let reviewer = reviewers.first else { continue }
                let upheld = random.chance(35)
                _ = try await appealEngine.decideAppeal(
                    record.appeal.id, outcome: upheld ? .upheld : .dismissed,
                    reason: upheld ? "the evidence shows the entry was wrong / 证据表明记录有误" : "the report is confirmed / 记录属实", by: reviewer)
                if upheld { result.appeals.upheld += 1 } else { result.appeals.dismissed += 1 }
                if overdue { result.appeals.decidedLate += 1 }
            }

            // The exemplary residents' deed of the month, and (three months before the end) the judgments not
            // carried out; each reported by an independent assessor or the court and approved by as many
            // independent reviewers as its rule asks, at the same meeting.
            var honourReports: [ReportRequest] = []
            var honourDecisions: [Decision] = []
            func honour(_ subject: Subject, _ choice: (scheme: Scheme, rule: Rule), reporter: Actor.ID, role: ReporterRole, source: String?) {
                let id = Report.ID("r-\(month)-h\(pad(honourReports.count + 1, 5))")
                var evidence: [Evidence] = []
                for (kind, count) in (choice.rule.evidence?.anyOf.first ?? [:]).sorted(by: { $0.key.rawValue < $1.key.rawValue }) {
                    for piece in 0..<count { evidence.append(Evidence(kind: kind, reference: "sha256:demo-\(id.rawValue)-\(kind.rawValue)-\(piece)")) }
                }
                if let source { evidence.append(Evidence(kind: .record, reference: source)) }
                let committee = (world.reviewers[subject.jurisdiction] ?? world.reviewers[DemoWorld.city]!).filter { reviewer in
                    independent(reviewer, of: subject) && actorsByID[reviewer].map(Recusal.person) != actorsByID[reporter].map(Recusal.person)
                }
                var seated = Set<String>()
                let deciders = committee.filter { actorsByID[$0].map { seated.insert(Recusal.person($0)).inserted } ?? false }
                guard deciders.count >= choice.rule.approvalsRequired else { return }
                honourReports.append(ReportRequest(
                    id: id, subject: subject.id, scheme: choice.scheme.id, rule: choice.rule.id, reporter: reporter, role: role,
                    occurredOn: month.day(Int.random(in: 1...17, using: &honours)), filedOn: filingDay, statement: statement(for: choice.rule, role: role),
                    evidence: evidence, sourceRecord: source))
                for (offset, reviewer) in deciders.prefix(choice.rule.approvalsRequired).enumerated() {
                    honourDecisions.append(Decision(id: Decision.ID("d-\(id)-\(offset + 1)"), report: id, reviewer: reviewer, outcome: .approve,
                                                    reason: "", decidedOn: committeeDay))
                }
            }
            for person in exemplars {
                let deeds = pool(for: person, role: .assessor).filter {
                    ($0.rule.points?.hundredths ?? 0) >= 500 && $0.rule.cap == nil && $0.rule.graceDays == nil && $0.rule.minimumDurationDays == nil
                }
                guard !deeds.isEmpty, let assessor = world.assessors[person.jurisdiction]?.first(where: { independent($0, of: person) }) else { continue }
                honour(person, honours.pick(deeds), reporter: assessor, role: .assessor, source: nil)
            }
            if index == DemoRun.monthsCovered - 3 {
                for person in defaulters {
                    guard let judgment = pool(for: person, role: .authority).first(where: { $0.rule.gradeCap != nil && $0.rule.gradeCapTerms?.untilRemedied == true }) else { continue }
                    honour(person, judgment, reporter: "court", role: .authority, source: "case-\(month)-judgment-\(person.id.rawValue)")
                }
            }
            if !honourReports.isEmpty {
                try await Engine(store: store, clock: FixedDayClock(filingDay)).file(honourReports)
                try await Engine(store: store, clock: FixedDayClock(committeeDay)).decide(honourDecisions)
                result.reportsFiled += honourReports.count
                result.decisions += honourDecisions.count
            }

            let closingDay = month.lastDay
            headAtLastClose = try await store.ledgerHead()
            let summary = try await Engine(store: store, clock: FixedDayClock(closingDay))
                .closeCycle(DemoWorld.city, month: month, by: world.administrator)
            result.cycles.append(summary)
            result.lastClosedOn = closingDay
            progress?(Progress(phase: "cycle \(month) closed", done: index + 1, total: DemoRun.monthsCovered))
            month = month.next
        }
        result.appeals.undecided = try await store.undecidedAppeals(after: nil, limit: Limits.pageSizeMax).count
        // The sample is a villager whose ledger holds both a good deed and a fault, so the explanation shows both.
        for candidate in persons where sampleGood.contains(candidate.id) && sampleBad.contains(candidate.id) {
            let entries = try await store.entries(subject: candidate.id)
            if entries.contains(where: { $0.kind == .deed && $0.points.isPositive }) && entries.contains(where: { $0.kind == .deed && $0.isAdverse }) {
                result.sample = candidate.id
                if candidate.jurisdiction == DemoWorld.quotaVillage { break }
            }
        }
        return result
    }

    func statement(for rule: Rule, role: ReporterRole) -> String {
        switch role {
        case .`self`: "Self-claim: \(rule.title.en) (\(rule.title.zh))"
        case .authority: "Record received: \(rule.title.en) (\(rule.title.zh))"
        default: "Observed: \(rule.title.en) (\(rule.title.zh))"
        }
    }
}
