import CivicCore
import CivicTesting
import Testing

/// DOMAIN.md section 5, told as scenarios: the failure as reported, and what the product does instead.
@Suite struct DueProcessStoryTests {
    static func courtScheme(decision: AppealDeadline = .days(30)) -> Scheme {
        var scheme = pointsScheme(
            rules: [
                rule("court-defaulter", .zero, category: "court-enforcement", reporters: [.authority]),
                rule("litter", Points(-3), category: "sanitation", graceDays: 3),
                rule("fight", Points(-10), category: "public-order"),
            ],
            lists: [listCriterion("dishonest-judgment-debtors", .black, trigger: .rule(["court-defaulter"]), duration: .untilRemedied,
                                  remedyHint: "fulfil the judgment")],
            measures: [measure("no-flights", .sanction, domain: .transport, condition: .onList(.black),
                               legalBasis: "Opinions on restricting dishonest judgment debtors (2018)", remedyHint: "fulfil the judgment")],
            negativeExpiryDays: 730)
        scheme.appealDays = 60
        scheme.appealDecision = decision
        return scheme
    }

    static let lawyer: Subject.ID = "li-zhuang"
    static let lawyerActor: Actor.ID = "res-li-zhuang"

    static func world(decision: AppealDeadline = .days(30)) async throws -> TestWorld {
        try await TestWorld.make(
            schemes: [courtScheme(decision: decision)], subjects: [person(lawyer), person("neighbour")],
            actors: [Actor(id: lawyerActor, name: "Li Zhuang", roles: [.resident], jurisdiction: TestWorld.village, subject: lawyer)])
    }

    /// Lists a subject on the court blacklist, closing March on the 31st.
    static func blacklist(_ world: TestWorld) async throws {
        try await world.file("judgment", about: lawyer, rule: "court-defaulter", on: day("2026-03-05"), by: TestWorld.authority,
                             role: .authority, evidence: [Evidence(kind: .record, reference: "court:2026-zhi-7")], sourceRecord: "2026-zhi-7")
        try await world.approve("judgment", on: day("2026-03-25"))
        try await world.close(month("2026-03"), on: day("2026-03-31"))
    }

    @Test func aBlacklistingComesWithANoticeSayingWhatWhyEffectRemedyAndAppeal() async throws {
        // Reported: a lawyer learned of his blacklisting when refused a plane ticket. Here the listing and its notice
        // are one commit: what, the rule and handbook version, the evidence, the effect, the remedy, the appeal deadline.
        let world = try await Self.world()
        try await Self.blacklist(world)
        let notices = try await world.engine(on: day("2026-03-31")).notices(of: Self.lawyer).map(\.notice)
        let entryNotice = try #require(notices.first { $0.kind == .entryRecorded })
        #expect(entryNotice.entry == TestWorld.entryID(of: "judgment"))
        #expect(entryNotice.rule == "court-defaulter")
        #expect(entryNotice.handbookJurisdiction == TestWorld.village && entryNotice.handbookVersion == 1)
        #expect(entryNotice.evidence == [Evidence(kind: .record, reference: "court:2026-zhi-7")])
        #expect(entryNotice.effect?.listed == ["black/dishonest-judgment-debtors"])
        #expect(entryNotice.effect?.measuresLost == ["no-flights"])
        #expect(entryNotice.remedy?.en == "fulfil the judgment")
        #expect(entryNotice.appealBy == day("2026-05-30"))
        #expect(entryNotice.tone == .adverse)
        #expect(entryNotice.summary.contains("appeal by 2026-05-30"))
        let standingNotice = try #require(notices.first { $0.kind == .standingChanged })
        #expect(standingNotice.effect?.measuresLost == ["no-flights"])
        #expect(standingNotice.tone == .adverse)
        // The neighbour, with no record, got nothing and loses nothing: no record is neutral.
        #expect(try await world.engine(on: day("2026-03-31")).notices(of: "neighbour").isEmpty)
        #expect(try await world.engine(on: day("2026-04-01")).check("neighbour", measure: "no-flights").applies == false)
    }

    @Test func anAppealNotDecidedInTimeSuspendsTheEntryFromTheDayAfterTheDeadline() async throws {
        // Reported: a journalist stayed listed through two years of appeals. Here an appeal has a deadline; past it,
        // the listing lifts and every relying party's next check sees it, until a decision comes.
        let world = try await Self.world()
        try await Self.blacklist(world)
        let filed = world.engine(on: day("2026-04-01"))
        let (result, appeal) = try await filed.fileAppeal(AppealRequest(
            id: "appeal-1", entry: TestWorld.entryID(of: "judgment"), disputes: .listing, by: Self.lawyerActor,
            statement: "The judgment was fulfilled in February.", evidence: [Evidence(kind: .document, reference: "sha256:receipt")]))
        #expect(result == .recorded)
        #expect(appeal.decideBy == day("2026-05-01"))
        #expect(try await filed.notices(of: Self.lawyer).map(\.notice.kind).contains(.appealFiled))

        // The day of the deadline: still listed. The day after: suspended, off the list, the check flips.
        #expect(try await world.engine(on: day("2026-05-01")).check(Self.lawyer, measure: "no-flights").applies)
        let late = try await world.engine(on: day("2026-05-02")).check(Self.lawyer, measure: "no-flights")
        #expect(late.applies == false)
        #expect(late.reason == "not-on-black-list")
        let explained = try await world.engine(on: day("2026-05-02")).explain(Self.lawyer)
        #expect(explained[0].explanation.excluded.map(\.reason) == [.suspended(day("2026-05-02"))])
        let listing = try #require(try await world.standing(of: Self.lawyer, asOf: day("2026-05-02")).listings.first)
        #expect(listing.endsOn == day("2026-05-02") && listing.endReason == .suspended)

        // A late dismissal, by a reviewer who took no part, restores the entry from the day it is decided.
        let decided = world.engine(on: day("2026-05-20"))
        _ = try await decided.decideAppeal("appeal-1", outcome: .dismissed, reason: "The court has no record of payment.",
                                           by: TestWorld.secondReviewer)
        #expect(try await world.engine(on: day("2026-05-19")).check(Self.lawyer, measure: "no-flights", asOf: day("2026-05-19")).applies == false)
        #expect(try await decided.check(Self.lawyer, measure: "no-flights").applies)
        let notice = try #require(try await decided.notices(of: Self.lawyer).map(\.notice).first { $0.kind == .appealDecided })
        #expect(notice.summary.contains("counts again from today"))
        #expect(notice.tone == .adverse)
        #expect(await world.store.appeal("appeal-1")?.status(on: day("2026-05-20")) == .dismissed)
    }

    @Test func anUpheldAppealCorrectsTheEntryAndIsDecidedBySomeoneElse() async throws {
        // Reported: "if you were friends with the people who gave out the stars, you got a higher score".
        // The reviewer who approved the entry may not decide its appeal; another does, with reasons.
        let world = try await Self.world()
        try await world.record("fight", about: Self.lawyer, rule: "fight", on: day("2026-03-10"))
        try await world.close(month("2026-03"))
        #expect(try await world.standing(of: Self.lawyer, asOf: day("2026-04-01")).score == Points(990))
        let engine = world.engine(on: day("2026-04-02"))
        _ = try await engine.fileAppeal(AppealRequest(id: "appeal-fight", entry: TestWorld.entryID(of: "fight"), by: Self.lawyerActor,
                                                      statement: "I was separating the two, not fighting."))
        await #expect(throws: CivicError.self) {
            try await engine.decideAppeal("appeal-fight", outcome: .upheld, reason: "ok", by: TestWorld.reviewer)
        }
        await #expect(throws: CivicError.self) {
            try await engine.decideAppeal("appeal-fight", outcome: .upheld, reason: "", by: TestWorld.secondReviewer)
        }
        let (_, record) = try await engine.decideAppeal("appeal-fight", outcome: .upheld, reason: "Two witnesses say he separated them.",
                                                        by: TestWorld.secondReviewer)
        #expect(record.decision?.reviewer == TestWorld.secondReviewer)
        #expect(try await world.standing(of: Self.lawyer, asOf: day("2026-04-02")).score == Points(1000))
        let entries = await world.store.entries(subject: Self.lawyer)
        #expect(entries.map(\.kind) == [.deed, .appeal, .appealDecided, .correction])
        #expect(entries.last?.references == TestWorld.entryID(of: "fight"))
        let kinds = try await engine.notices(of: Self.lawyer).map(\.notice.kind)
        #expect(kinds.contains(.appealDecided) && kinds.contains(.correctionRecorded))
        // Decided on time: the appeal never suspended anything, and deciding again changes nothing.
        let again = try await engine.decideAppeal("appeal-fight", outcome: .upheld, reason: "Two witnesses say he separated them.",
                                                  by: TestWorld.secondReviewer)
        #expect(again.0 == .unchanged)
        #expect(await world.store.entries(subject: Self.lawyer).count == 4)
    }

    @Test func appealsAreFiledByTheSubjectInTimeOncePerEntry() async throws {
        let world = try await Self.world()
        try await world.record("fight", about: Self.lawyer, rule: "fight", on: day("2026-03-10"))
        try await world.close(month("2026-03"))
        let entry = TestWorld.entryID(of: "fight")
        let request = AppealRequest(id: "a1", entry: entry, by: Self.lawyerActor, statement: "Not me.")
        // A neighbour's actor, or an assessor, may not appeal for him.
        let assessor = AppealRequest(id: "a0", entry: entry, by: TestWorld.assessor, statement: "Not him.")
        await #expect(throws: CivicError.self) { try await world.engine(on: day("2026-04-02")).fileAppeal(assessor) }
        // After the filing window (60 days from 2026-03-31) it is too late.
        let tooLate = await #expect(throws: CivicError.self) { try await world.engine(on: day("2026-05-31")).fileAppeal(request) }
        #expect(tooLate?.code == .refused)
        _ = try await world.engine(on: day("2026-05-30")).fileAppeal(request)
        #expect(try await world.engine(on: day("2026-05-30")).fileAppeal(request).0 == .unchanged)
        let second = AppealRequest(id: "a2", entry: entry, by: Self.lawyerActor, statement: "Again.")
        await #expect(throws: CivicError.self) { try await world.engine(on: day("2026-05-30")).fileAppeal(second) }
    }

    @Test func aWorkingDayDeadlineSkipsWeekends() async throws {
        // Credit repair in China: 10 + 3 working days. Filed on Friday 2026-04-03, the 13th working day is Wednesday 2026-04-22.
        #expect(day("2026-04-03").weekday == 5)
        #expect(day("1970-01-01").weekday == 4)
        #expect(AppealDeadline.workingDays(13).lastDay(filedOn: day("2026-04-03")) == day("2026-04-22"))
        #expect(AppealDeadline.days(30).lastDay(filedOn: day("2026-04-03")) == day("2026-05-03"))
        let world = try await Self.world(decision: .workingDays(13))
        try await world.record("fight", about: Self.lawyer, rule: "fight", on: day("2026-03-10"))
        try await world.close(month("2026-03"))
        let (_, appeal) = try await world.engine(on: day("2026-04-03")).fileAppeal(
            AppealRequest(id: "a1", entry: TestWorld.entryID(of: "fight"), by: Self.lawyerActor, statement: "Not me."))
        #expect(appeal.decideBy == day("2026-04-22"))
        #expect(try await world.standing(of: Self.lawyer, asOf: day("2026-04-22")).score == Points(990))
        #expect(try await world.standing(of: Self.lawyer, asOf: day("2026-04-23")).score == Points(1000))
    }

    @Test func aFaultWithAGracePeriodIsWarnedBeforeAnythingIsDeducted() async throws {
        // "Warnings before punishments": one village gives 3 days to clear litter before deducting.
        let world = try await Self.world()
        try await world.file("litter", about: Self.lawyer, rule: "litter", on: day("2026-03-10"))
        try await world.approve("litter", on: day("2026-03-10"))
        let warning = try #require(try await world.engine(on: day("2026-03-10")).notices(of: Self.lawyer).first?.notice)
        #expect(warning.kind == .warning)
        #expect(warning.cureBy == day("2026-03-12"))
        #expect(warning.summary.contains("put it right by 2026-03-12"))
        // Nothing is deducted yet, and a cure within the window means nothing ever is.
        #expect(try await world.standing(of: Self.lawyer, asOf: day("2026-03-11")).score == Points(1000))
        _ = try await world.engine(on: day("2026-03-11")).remedy("cleared", target: .report("litter"), by: TestWorld.assessor, note: "cleared")
        try await world.close(month("2026-03"))
        #expect(try await world.standing(of: Self.lawyer, asOf: day("2026-03-31")).score == Points(1000))
        #expect(try await world.engine(on: day("2026-03-31")).notices(of: Self.lawyer).map(\.notice.kind).contains(.remedyRecorded))
    }

    @Test func aRemedyNoticeTellsTheSubjectTheyAreOffTheList() async throws {
        let world = try await Self.world()
        try await Self.blacklist(world)
        let engine = world.engine(on: day("2026-04-10"))
        _ = try await engine.remedy("paid", target: .sourceRecord("2026-zhi-7"), by: TestWorld.authority, note: "debt paid")
        let notices = try await engine.notices(of: Self.lawyer).map(\.notice)
        let change = try #require(notices.first { $0.kind == .standingChanged && $0.createdOn == day("2026-04-10") })
        #expect(change.effect?.delisted == ["black/dishonest-judgment-debtors"])
        #expect(change.effect?.measuresGained == ["no-flights"])
        #expect(change.tone == .favourable)
    }

    @Test func undeliveredNoticesAreRetriedWithGrowingPausesAndNeverDropped() async throws {
        let world = try await Self.world()
        let engine = world.engine(on: day("2026-03-01"))
        _ = try await engine.addChannel(DeliveryChannel(id: "sms", kind: .webhook, target: "https://sms.example/notices"), by: TestWorld.admin)
        try await Self.blacklist(world)
        let flaky = FlakyAdapter(failures: 2)
        let first = try await engine.deliverDue(now: 1_000, adapters: [flaky])
        #expect(first == { var pass = DeliveryPass(); pass.attempted = 2; pass.failed = 2; return pass }())
        // Not due again until the pause is over (60 s after the first failure).
        #expect(try await engine.deliverDue(now: 1_059, adapters: [flaky]).attempted == 0)
        let second = try await engine.deliverDue(now: 1_060, adapters: [flaky])
        #expect(second.delivered == 2)
        let notice = try #require(try await engine.notices(of: Self.lawyer).first { $0.notice.kind == .entryRecorded })
        #expect(notice.deliveries.map(\.status) == [.delivered])
        let (_, attempts) = try await engine.notice(notice.notice.id)
        #expect(attempts.map(\.succeeded) == [false, true])
        #expect(await flaky.delivered.sorted() == notices(of: world).sorted())
        #expect(NoticeDelivery.backoff(afterAttempts: 1) == 60 && NoticeDelivery.backoff(afterAttempts: 9) == 86_400)
    }

    func notices(of world: TestWorld) -> [String] { ["n:e:judgment", "n:li-zhuang:village-credit:2026-03-31:1"] }
}

/// Fails the first `failures` attempts across all notices, then delivers.
actor FlakyAdapter: NoticeChannelAdapter {
    nonisolated let kind = DeliveryChannel.Kind.webhook
    var failuresLeft: Int
    var delivered: [String] = []

    init(failures: Int) { failuresLeft = failures }

    func deliver(_ notice: Notice, subject: Subject, through channel: DeliveryChannel) async throws {
        if failuresLeft > 0 {
            failuresLeft -= 1
            throw CivicError(.storage, "HTTP 503 from \(channel.target)")
        }
        delivered.append(notice.id.rawValue)
    }
}
