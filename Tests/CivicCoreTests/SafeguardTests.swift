import CivicCore
import CivicTesting
import Testing

/// The holes an independent review found, each closed and kept closed: one person behind two
/// accounts, officials acting on their own records, lock-ins forgotten, retries refused.
@Suite struct SafeguardTests {
    static func scheme() -> Scheme {
        pointsScheme(rules: [
            rule("tombstone-oversize", Points(-100), category: "housing-and-land"),
            rule("organ-donation", Points(100), category: "donation"),
            rule("street-cleaning", Points(2), category: "volunteering", reporters: [.assessor, .`self`]),
            rule("settle-dispute", Points(10), category: "dispute-settlement", approvalsRequired: 2),
            rule("court-judgment", .zero, category: "court-enforcement", reporters: [.authority], gradeCap: "D"),
            rule("fraud-with-judgment", Points(-100), category: "court-enforcement", reporters: [.authority], gradeCap: "D"),
        ])
    }

    /// A village where resident `px` holds an assessor account and two reviewer accounts.
    static func world() async throws -> TestWorld {
        try await TestWorld.make(
            schemes: [scheme()], subjects: [person("px"), person("py"), person("pz")],
            actors: [
                Actor(id: "asr-x", name: "X", roles: [.assessor], jurisdiction: TestWorld.village, subject: "px"),
                Actor(id: "rev-x", name: "X", roles: [.reviewer], jurisdiction: TestWorld.village, subject: "px"),
                Actor(id: "rev-x2", name: "X", roles: [.reviewer], jurisdiction: TestWorld.village, subject: "px"),
                Actor(id: "res-y", name: "Y", roles: [.resident], jurisdiction: TestWorld.village, subject: "py"),
            ])
    }

    @Test func oneResidentWithTwoAccountsCannotFileAndApproveOrGiveBothApprovals() async throws {
        // Proves recusal and four eyes compare the person behind an actor, not the actor id.
        let world = try await Self.world()
        try await world.file("r-1", about: "py", rule: "street-cleaning", on: day("2026-03-10"), by: "asr-x")
        await #expect(throws: CivicError.self) { try await world.approve("r-1", on: day("2026-03-25"), by: "rev-x") }
        try await world.file("r-2", about: "py", rule: "settle-dispute", on: day("2026-03-10"))
        #expect(try await world.approve("r-2", on: day("2026-03-25"), by: "rev-x") == .pending)
        await #expect(throws: CivicError.self) { try await world.approve("r-2", on: day("2026-03-25"), by: "rev-x2") }
        #expect(try await world.approve("r-2", on: day("2026-03-25"), by: TestWorld.reviewer) == .approved)
    }

    @Test func anAssessorsOwnDeedsMustBeASelfClaim() async throws {
        // Proves an assessor cannot report on themself as "assessor" (unlabelled, no evidence); the self-claim path stays open.
        let world = try await Self.world()
        await #expect(throws: CivicError.self) {
            try await world.file("own", about: "px", rule: "street-cleaning", on: day("2026-03-10"), by: "asr-x")
        }
        let claim = try await TestWorld.make(
            schemes: [Self.scheme()], subjects: [person("px")],
            actors: [Actor(id: "res-x", name: "X", roles: [.resident], jurisdiction: TestWorld.village, subject: "px")])
        #expect(try await claim.file("own", about: "px", rule: "street-cleaning", on: day("2026-03-10"), by: "res-x", role: .`self`,
                                     evidence: [Evidence(kind: .photo, reference: "sha256:1")]) == .recorded)
        #expect(await claim.store.report("own")?.report.isSelfClaim == true)
    }

    @Test func nobodyCorrectsOrRemediesTheirOwnRecord() async throws {
        // Proves a reviewer cannot cancel an entry about themself, a resident cannot record their own remedy, and only an administrator publishes.
        let world = try await Self.world()
        try await world.record("t-1", about: "px", rule: "tombstone-oversize", on: day("2026-03-10"))
        try await world.file("j-1", about: "py", rule: "court-judgment", on: day("2026-03-10"), by: TestWorld.authority, role: .authority)
        try await world.approve("j-1", on: day("2026-03-25"))
        try await world.close(month("2026-03"))
        let engine = world.engine(on: day("2026-04-02"))
        await #expect(throws: CivicError.self) {
            try await engine.correct("c-1", entry: TestWorld.entryID(of: "t-1"), reason: "mine", by: "rev-x")
        }
        await #expect(throws: CivicError.self) {
            try await engine.remedy("rem-1", target: .entry(TestWorld.entryID(of: "j-1")), by: "res-y", note: "I say I paid")
        }
        var v2 = world.handbook
        v2.version = 2
        await #expect(throws: CivicError.self) { try await engine.publish(v2, source: "v2", by: "rev-x") }
        #expect(try await engine.publish(v2, source: "v2", by: TestWorld.admin) == .recorded)
    }

    @Test func aLaterCapDoesNotEraseAnEarlierFallsLockIn() async throws {
        // Proves B's two-year lock from a -100 fall still holds after a court judgment's D cap comes and goes.
        let world = try await Self.world()
        try await world.record("t-1", about: "py", rule: "tombstone-oversize", on: day("2026-03-10"))
        try await world.close(month("2026-03"))
        try await world.file("j-1", about: "py", rule: "court-judgment", on: day("2026-04-10"), by: TestWorld.authority, role: .authority,
                             sourceRecord: "case-1")
        try await world.approve("j-1", on: day("2026-04-25"))
        try await world.close(month("2026-04"))
        #expect(await world.storedStanding(of: "py")?.grade == "D")
        _ = try await world.engine(on: day("2026-05-10")).remedy("rem-1", target: .sourceRecord("case-1"), by: TestWorld.authority, note: "paid")
        try await world.record("gift", about: "py", rule: "organ-donation", on: day("2026-06-10"))
        try await world.close(month("2026-06"))
        let standing = try await world.standing(of: "py", asOf: day("2026-07-01"))
        #expect(standing.score == Points(1000))
        #expect(standing.grade == "B")
        #expect(standing.lock == Lock(grade: "B", since: day("2026-03-31"), until: day("2028-03-31")))
        #expect(try await world.standing(of: "py", asOf: day("2028-03-31")).grade == "A")
    }

    @Test func aFallByPointsAndCapTogetherKeepsThePointsLockAfterTheRemedy() async throws {
        // Proves an entry that both costs 100 points and caps at D leaves B's lock-in running once the cap is remedied.
        let world = try await Self.world()
        try await world.file("f-1", about: "py", rule: "fraud-with-judgment", on: day("2026-03-10"), by: TestWorld.authority, role: .authority,
                             sourceRecord: "case-9")
        try await world.approve("f-1", on: day("2026-03-25"))
        try await world.close(month("2026-03"))
        #expect(await world.storedStanding(of: "py")?.grade == "D")
        _ = try await world.engine(on: day("2026-04-10")).remedy("rem-9", target: .sourceRecord("case-9"), by: TestWorld.authority, note: "complied")
        try await world.record("gift", about: "py", rule: "organ-donation", on: day("2026-06-10"))
        try await world.close(month("2026-06"))
        let standing = try await world.standing(of: "py", asOf: day("2026-07-01"))
        #expect(standing.grade == "B")
        #expect(standing.lock?.until == day("2028-03-31"))
    }

    @Test func retriesAreNoOpsAndReusedIdsAreConflicts() async throws {
        // Proves a decision retried a day later, a decision twice in one batch and a cure retried are no-ops; a remedy id reused by another actor is a conflict.
        let world = try await Self.world()
        try await world.file("r-1", about: "py", rule: "street-cleaning", on: day("2026-03-10"))
        let decision = Decision(id: "d-1", report: "r-1", reviewer: TestWorld.reviewer, outcome: .approve, reason: "", decidedOn: day("2026-03-25"))
        let batch = try await world.engine(on: day("2026-03-25")).decide([decision, decision])
        #expect(batch.recorded == 1 && batch.unchanged == 1)
        var later = decision
        later.decidedOn = day("2026-03-26")
        #expect(try await world.engine(on: day("2026-03-26")).decide(later).0 == .unchanged)

        let litter = try await TestWorld.make(
            schemes: [pointsScheme(rules: [rule("litter", Points(-3), category: "sanitation", graceDays: 3)])], subjects: [person("pz")])
        try await litter.file("l-1", about: "pz", rule: "litter", on: day("2026-03-20"))
        let cure = { (actor: Actor.ID) in
            try await litter.engine(on: day("2026-03-21")).remedy("cure-1", target: .report("l-1"), by: actor, note: "cleared")
        }
        #expect(try await cure(TestWorld.assessor).0 == .recorded)
        #expect(try await cure(TestWorld.assessor).0 == .unchanged)
        await #expect(throws: CivicError.self) { try await cure(TestWorld.admin) }
    }

    @Test func foldsNearTheEdgesOfTheCalendarDoNotCrash() async throws {
        // Proves the fold's year arithmetic is total: a standing on the last day of year 9999 or in year 1 is computed, not a trap.
        let scheme = Self.scheme()
        let evaluator = Evaluator(scheme: scheme)
        let entry = Entry(id: "e-1", sequence: 1, kind: .deed, subject: "py", scheme: scheme.id, handbookJurisdiction: TestWorld.village,
                          handbookVersion: 1, rule: "tombstone-oversize", points: Points(-100), effectiveOn: day("9999-06-01"),
                          recordedOn: day("9999-06-01"), recordedBy: TestWorld.admin)
        #expect(evaluator.standing(subject: "py", entries: [entry], asOf: day("9999-12-31")).grade == "B")
        #expect(evaluator.standing(subject: "py", entries: [], asOf: day("0001-01-01")).score == Points(1000))
    }
}
