public import CivicCore
import Testing

extension StoreBehaviour {
    /// Checks of notices, appeals, deliveries and the due-process rules every store enforces itself.
    public static let dueProcessChecks: [StoreBehaviourCheck] = [
        StoreBehaviourCheck("notices round-trip, newest first per subject, paged by id", noticesRoundTrip),
        StoreBehaviourCheck("appeals and their decisions round-trip; undecided ones page by deadline", appealsRoundTrip),
        StoreBehaviourCheck("deliveries are queued, replaced as attempts are made, and attempts are logged", deliveriesRoundTrip),
        StoreBehaviourCheck("an adverse entry without its notice is refused", adverseEntryNeedsNotice),
        StoreBehaviourCheck("recusal, four eyes and self-claim evidence are refused by the store", recusalIsEnforced),
        StoreBehaviourCheck("appeal decisions are independent and once only", appealDecisionsAreIndependent),
        StoreBehaviourCheck("appeal and entry kinds round-trip with their canonical bytes", appealEntriesRoundTrip),
    ]

    /// A seeded store with an adverse entry "entry-1" on "subject-1" from "report-1" (filed by "assessor-1",
    /// approved by "reviewer-1"), a resident "res-1" who is "subject-1", and "reviewer-2" who is not.
    static func dueProcessStore(_ makeStore: StoreFactory) async throws -> any Store {
        let store = try await seededStore(makeStore)
        try await store.commit(changes(head: 0) {
            $0.actors = [makeActor(id: "res-1", roles: [.resident], subject: "subject-1"), makeActor(id: "reviewer-2", roles: [.reviewer])]
            $0.reports = [makeReport()]
            $0.decisions = [makeDecision()]
            $0.reportStatuses = ["report-1": .entered]
            $0.entries = [makeEntry(sequence: 1, report: "report-1", decisions: ["decision-1"])]
        })
        return store
    }

    static func makeAppeal(id: Appeal.ID = "appeal-1", entry: Entry.ID = "entry-1", subject: Subject.ID = "subject-1",
                           filedOn: Day = makeDay("2026-04-02"), decideBy: Day = makeDay("2026-05-02")) -> Appeal {
        Appeal(id: id, subject: subject, scheme: "civic", entry: entry, disputes: .entry, filedBy: "res-1", filedOn: filedOn,
               statement: "I cleared it the same day — 当天已清理", evidence: [Evidence(kind: .photo, reference: "sha256:feed")], decideBy: decideBy)
    }

    public static func noticesRoundTrip(_ makeStore: StoreFactory) async throws {
        let store = try await dueProcessStore(makeStore)
        let full = Notice(
            id: "n:full", subject: "subject-1", scheme: "civic", kind: .standingChanged, tone: .adverse, createdOn: makeDay("2026-04-30"),
            entry: "entry-1", report: "report-1", appeal: "appeal-1", rule: "4.1", ruleTitle: LocalizedText(en: "Litter", zh: "乱扔垃圾"),
            handbookJurisdiction: "rongcheng", handbookVersion: 1, points: Points(hundredths: -150),
            evidence: [Evidence(kind: .photo, reference: "sha256:abc")],
            effect: Notice.Effect(scoreBefore: Points(1000), scoreAfter: Points(997), gradeBefore: "A", gradeAfter: "B", listed: ["black/x"],
                                  delisted: ["red/y"], measuresLost: ["no-rail"], measuresGained: ["gym"], lockedUntil: makeDay("2028-04-29")),
            remedy: LocalizedText(en: "Pay the fine", zh: "缴纳罚款"), appealBy: makeDay("2026-05-30"), cureBy: makeDay("2026-04-03"),
            summary: "score 1000 → 997")
        let older = Notice(id: "n:older", subject: "subject-1", scheme: nil, kind: .warning, tone: .adverse, createdOn: makeDay("2026-04-01"), summary: "w")
        let other = Notice(id: "n:other", subject: "subject-2", scheme: "civic", kind: .entryRecorded, tone: .favourable, createdOn: makeDay("2026-04-30"), summary: "o")
        try await store.commit(changes { $0.notices = [older, full, other] })
        #expect(try await store.notice("n:full") == full)
        #expect(try await store.notice("nobody") == nil)
        // The seeded entry-1 came with its notice "n:entry-1" (written on 2026-03-31).
        #expect(try await store.notices(subject: "subject-1").map(\.id) == ["n:full", "n:older", "n:entry-1"])
        #expect(try await store.notices(subject: "subject-2").map(\.id) == ["n:other"])
        #expect(try await store.notices(after: nil, limit: 2).map(\.id) == ["n:entry-1", "n:full"])
        #expect(try await store.notices(after: "n:full", limit: 10).map(\.id) == ["n:older", "n:other"])
        await expectRefusal(.conflict, "a notice id used twice") { try await store.commit(changes { $0.notices = [older] }) }
        await expectRefusal(.notFound, "a notice to an unknown subject") {
            try await store.commit(changes { $0.notices = [Notice(id: "n:x", subject: "nobody", scheme: nil, kind: .warning, tone: .adverse, createdOn: makeDay(), summary: "x")] })
        }
    }

    public static func appealsRoundTrip(_ makeStore: StoreFactory) async throws {
        let store = try await dueProcessStore(makeStore)
        try await store.commit(changes(head: 1) {
            $0.entries = [makeEntry(sequence: 2, subject: "subject-1", points: Points(-5))]
        })
        let first = makeAppeal(decideBy: makeDay("2026-05-02"))
        let second = makeAppeal(id: "appeal-2", entry: "entry-2", decideBy: makeDay("2026-04-20"))
        let third = makeAppeal(id: "appeal-0", entry: "entry-2", decideBy: makeDay("2026-05-02"))
        try await store.commit(changes { $0.appeals = [first, second, third] })
        #expect(try await store.appeal("appeal-1") == AppealRecord(appeal: first, decision: nil))
        #expect(try await store.appeal("nobody") == nil)
        #expect(try await store.undecidedAppeals(after: nil, limit: 10).map(\.appeal.id) == ["appeal-2", "appeal-0", "appeal-1"])
        #expect(try await store.undecidedAppeals(after: "appeal-2", limit: 1).map(\.appeal.id) == ["appeal-0"])
        #expect(try await store.undecidedAppeals(after: "appeal-0", limit: 10).map(\.appeal.id) == ["appeal-1"])
        let decision = AppealDecision(appeal: "appeal-2", reviewer: "reviewer-2", outcome: .upheld, reason: "The photo shows it cleared.", decidedOn: makeDay("2026-04-10"))
        try await store.commit(changes { $0.appealDecisions = [decision] })
        #expect(try await store.appeal("appeal-2") == AppealRecord(appeal: second, decision: decision))
        #expect(try await store.undecidedAppeals(after: nil, limit: 10).map(\.appeal.id) == ["appeal-0", "appeal-1"])
        #expect(try await store.appeals(subject: "subject-1").map(\.appeal.id) == ["appeal-0", "appeal-1", "appeal-2"])
        #expect(try await store.appeals(subject: "subject-2").isEmpty)
        await expectRefusal(.conflict, "an appeal id used twice") { try await store.commit(changes { $0.appeals = [first] }) }
        await expectRefusal(.notFound, "an appeal against another subject's entry") {
            try await store.commit(changes { $0.appeals = [makeAppeal(id: "appeal-9", subject: "subject-2")] })
        }
        await expectRefusal(.notFound, "an appeal against no entry") {
            try await store.commit(changes { $0.appeals = [makeAppeal(id: "appeal-9", entry: "entry-404")] })
        }
    }

    public static func deliveriesRoundTrip(_ makeStore: StoreFactory) async throws {
        let store = try await dueProcessStore(makeStore)
        let hook = DeliveryChannel(id: "sms", kind: .webhook, target: "https://gateway.example/notices", jurisdiction: "rongcheng", secret: "k")
        let spool = DeliveryChannel(id: "letters", kind: .spool, target: "/var/spool/civic")
        try await store.commit(changes {
            $0.deliveryChannels = [spool, hook]
            $0.deliveries = [NoticeDelivery(notice: "n:entry-1", channel: "sms", nextAttemptAt: 0),
                             NoticeDelivery(notice: "n:entry-1", channel: "letters", nextAttemptAt: 50)]
        })
        #expect(try await store.deliveryChannels() == [spool, hook])
        #expect(try await store.dueDeliveries(at: 10, limit: 10).map(\.channel) == ["sms"])
        #expect(try await store.dueDeliveries(at: 50, limit: 10).map(\.channel) == ["sms", "letters"])
        #expect(try await store.dueDeliveries(at: 50, limit: 1).map(\.channel) == ["sms"])
        let failed = NoticeDelivery(notice: "n:entry-1", channel: "sms", attempts: 1, nextAttemptAt: 70, lastError: "HTTP 503")
        let delivered = NoticeDelivery(notice: "n:entry-1", channel: "letters", status: .delivered, attempts: 1, nextAttemptAt: 50, deliveredAt: 55)
        try await store.commit(changes {
            $0.deliveries = [failed, delivered]
            $0.deliveryAttempts = [DeliveryAttempt(notice: "n:entry-1", channel: "sms", number: 1, at: 10, succeeded: false, error: "HTTP 503"),
                                   DeliveryAttempt(notice: "n:entry-1", channel: "letters", number: 1, at: 55, succeeded: true, error: nil)]
        })
        #expect(try await store.deliveries(notice: "n:entry-1") == [delivered, failed])
        #expect(try await store.dueDeliveries(at: 69, limit: 10).isEmpty)
        #expect(try await store.dueDeliveries(at: 70, limit: 10) == [failed])
        #expect(try await store.deliveryAttempts(notice: "n:entry-1").map(\.succeeded) == [false, true])
        await expectRefusal(.conflict, "an attempt number used twice") {
            try await store.commit(changes { $0.deliveryAttempts = [DeliveryAttempt(notice: "n:entry-1", channel: "sms", number: 1, at: 99, succeeded: true, error: nil)] })
        }
        await expectRefusal(.notFound, "a delivery of an unknown notice") {
            try await store.commit(changes { $0.deliveries = [NoticeDelivery(notice: "n:nothing", channel: "sms", nextAttemptAt: 0)] })
        }
        await expectRefusal(.conflict, "a channel id used twice") { try await store.commit(changes { $0.deliveryChannels = [hook] }) }
    }

    public static func adverseEntryNeedsNotice(_ makeStore: StoreFactory) async throws {
        let store = try await dueProcessStore(makeStore)
        let before = try await StoreSnapshot.capture(store)
        var set = ChangeSet(expectedLedgerHead: 1)
        set.entries = [makeEntry(sequence: 2, points: Points(-5))]
        await expectRefusal(.refused, "a deduction without its notice") { try await store.commit(set) }
        set.entries = [makeEntry(sequence: 2, points: .zero, gradeCap: "C")]
        await expectRefusal(.refused, "a grade cap without its notice") { try await store.commit(set) }
        #expect(try await StoreSnapshot.capture(store) == before)
        // A favourable entry needs none; an adverse one with its notice goes in.
        set.entries = [makeEntry(sequence: 2, points: Points(2))]
        try await store.commit(set)
        try await store.commit(changes(head: 2) { $0.entries = [makeEntry(sequence: 3, points: Points(-5))] })
        #expect(try await store.ledgerHead() == 3)
    }

    public static func recusalIsEnforced(_ makeStore: StoreFactory) async throws {
        let store = try await seededStore(makeStore)
        try await store.commit(changes {
            $0.subjects = [makeSubject(id: "household-1", kind: .household, name: "Wang household"),
                           makeSubject(id: "subject-3", name: "Wang Wei", household: "household-1"),
                           makeSubject(id: "subject-4", name: "Wang Li", household: "household-1")]
            $0.actors = [makeActor(id: "reviewer-wang", roles: [.reviewer], subject: "subject-3"),
                         makeActor(id: "reviewer-wang-2", roles: [.reviewer, .resident], subject: "subject-3"),
                         makeActor(id: "reviewer-2", roles: [.reviewer])]
            $0.reports = [makeReport(id: "about-sister", subject: "subject-4"), makeReport(id: "about-household", subject: "household-1"),
                          makeReport(id: "by-reviewer", reporter: "reviewer-1"), makeReport(id: "two-eyes")]
        })
        let before = try await StoreSnapshot.capture(store)
        await expectRefusal(.refused, "a reviewer deciding on a report they filed") {
            try await store.commit(changes { $0.decisions = [makeDecision(id: "d1", report: "by-reviewer", reviewer: "reviewer-1")] })
        }
        await expectRefusal(.refused, "a reviewer deciding about a member of their household") {
            try await store.commit(changes { $0.decisions = [makeDecision(id: "d2", report: "about-sister", reviewer: "reviewer-wang")] })
        }
        await expectRefusal(.refused, "a reviewer deciding about their household itself") {
            try await store.commit(changes { $0.decisions = [makeDecision(id: "d3", report: "about-household", reviewer: "reviewer-wang")] })
        }
        await expectRefusal(.refused, "one reviewer giving both approvals") {
            try await store.commit(changes { $0.decisions = [makeDecision(id: "d4", report: "two-eyes"), makeDecision(id: "d5", report: "two-eyes")] })
        }
        await expectRefusal(.refused, "a self-claim without evidence") {
            try await store.commit(changes { $0.reports = [makeReport(id: "claim", reporter: "reviewer-2", reporterRole: .`self`)] })
        }
        #expect(try await StoreSnapshot.capture(store) == before)
        // Two different people may approve; one person with two accounts may not give the second approval.
        try await store.commit(changes { $0.decisions = [makeDecision(id: "d6", report: "two-eyes", reviewer: "reviewer-wang")] })
        await expectRefusal(.refused, "the same person through a second account") {
            try await store.commit(changes { $0.decisions = [makeDecision(id: "d7", report: "two-eyes", reviewer: "reviewer-wang-2")] })
        }
        try await store.commit(changes { $0.decisions = [makeDecision(id: "d8", report: "two-eyes", reviewer: "reviewer-2")] })
        #expect(try await store.report("two-eyes")?.decisions.map(\.id) == ["d6", "d8"])
    }

    public static func appealDecisionsAreIndependent(_ makeStore: StoreFactory) async throws {
        let store = try await dueProcessStore(makeStore)
        try await store.commit(changes { $0.appeals = [makeAppeal()] })
        let before = try await StoreSnapshot.capture(store)
        func decided(by reviewer: Actor.ID) -> AppealDecision {
            AppealDecision(appeal: "appeal-1", reviewer: reviewer, outcome: .dismissed, reason: "Stands.", decidedOn: makeDay("2026-04-20"))
        }
        await expectRefusal(.refused, "the original reviewer deciding the appeal") {
            try await store.commit(changes { $0.appealDecisions = [decided(by: "reviewer-1")] })
        }
        await expectRefusal(.refused, "the subject deciding their own appeal") {
            try await store.commit(changes { $0.appealDecisions = [decided(by: "res-1")] })
        }
        await expectRefusal(.notFound, "a decision on no appeal") {
            try await store.commit(changes { $0.appealDecisions = [AppealDecision(appeal: "nothing", reviewer: "reviewer-2", outcome: .upheld, reason: "x", decidedOn: makeDay())] })
        }
        #expect(try await StoreSnapshot.capture(store) == before)
        try await store.commit(changes { $0.appealDecisions = [decided(by: "reviewer-2")] })
        await expectRefusal(.conflict, "a second decision on the same appeal") {
            try await store.commit(changes { $0.appealDecisions = [AppealDecision(appeal: "appeal-1", reviewer: "admin-1", outcome: .upheld, reason: "x", decidedOn: makeDay())] })
        }
        #expect(try await store.appeal("appeal-1")?.decision == decided(by: "reviewer-2"))
    }

    public static func appealEntriesRoundTrip(_ makeStore: StoreFactory) async throws {
        let store = try await dueProcessStore(makeStore)
        let appealEntry = makeEntry(sequence: 2, id: "appeal:appeal-1", kind: .appeal, points: .zero, effectiveOn: makeDay("2026-05-03"),
                                    references: "entry-1", recordedOn: makeDay("2026-04-02"), recordedBy: "res-1", note: "appeal")
        let decided = makeEntry(sequence: 3, id: "appeal-decided:appeal-1", kind: .appealDecided, points: .zero, effectiveOn: makeDay("2026-05-10"),
                                references: "appeal:appeal-1", recordedOn: makeDay("2026-05-10"), recordedBy: "reviewer-2", note: "dismissed")
        try await store.commit(changes(head: 1) { $0.entries = [appealEntry, decided] })
        let stored = try await store.entries(subject: "subject-1")
        #expect(stored == [makeEntry(sequence: 1, report: "report-1", decisions: ["decision-1"]), appealEntry, decided])
        #expect(stored.map { $0.canonicalBytes } == [makeEntry(sequence: 1, report: "report-1", decisions: ["decision-1"]), appealEntry, decided].map { $0.canonicalBytes })
    }
}
