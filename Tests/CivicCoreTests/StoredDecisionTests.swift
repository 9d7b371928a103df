import CivicCore
import CivicTesting
import Testing

/// An eligibility question is answered from the stored standing while it still holds, without reading or
/// folding a single entry, and the answer is the one a fresh fold gives. On the exact day the stored
/// standing stops holding (an entry expires, a handbook is published) the question folds again, with no
/// commit in between.
@Suite struct StoredDecisionTests {
    static let rental: Measure.ID = "deposit-free-rental"

    static func world() async throws -> TestWorld {
        let scheme = pointsScheme(
            rules: [rule("fraud", Points(-100), category: "sanitation")], grades: rongchengGrades(lockIns: false),
            measures: [measure(rental, .reward, domain: .commerce, condition: .gradeAtLeast("A"))], negativeExpiryDays: 20)
        let world = try await TestWorld.make(schemes: [scheme], subjects: [person("wang-fang"), person("li-na")])
        try await world.record("fraud-1", about: "wang-fang", rule: "fraud", on: day("2026-01-10"))
        try await world.close(month("2026-01"))
        #expect(await world.storedStanding(of: "wang-fang")?.nextChange == day("2026-02-20"),
                "the deduction takes effect on the close's day and expires 20 days later")
        return world
    }

    /// The decision a fresh fold of the ledger gives on `day`.
    static func folded(_ world: TestWorld, _ subject: Subject.ID, on day: Day) async throws -> EligibilityDecision {
        let measure = try #require(world.handbook.schemes.first?.measure(rental))
        return measure.decide(try await world.standing(of: subject, asOf: day), grades: rongchengGrades(lockIns: false))
    }

    /// Checks `subject` on `day` and says whether the check read the subject's entries.
    static func check(_ world: TestWorld, _ subject: Subject.ID, on day: Day) async throws -> (decision: EligibilityDecision, folded: Bool) {
        let before = await world.store.subjectEntryReads
        let decision = try await world.engine(on: day).check(subject, measure: rental)
        return (decision, await world.store.subjectEntryReads > before)
    }

    @Test func whileTheStoredStandingHoldsNoEntryIsRead() async throws {
        let world = try await Self.world()
        for (subject, applies) in [("wang-fang", false), ("li-na", true)] as [(Subject.ID, Bool)] {
            for date in ["2026-01-31", "2026-02-01", "2026-02-19"] {
                let answer = try await Self.check(world, subject, on: day(date))
                #expect(!answer.folded, "\(subject) on \(date): answered from the stored standing")
                #expect(answer.decision.applies == applies, "\(subject) on \(date)")
                #expect(answer.decision.asOf == day(date))
                #expect(answer.decision == (try await Self.folded(world, subject, on: day(date))), "\(subject) on \(date): as a fold")
            }
        }
    }

    @Test func onTheDayAnEntryExpiresTheQuestionFoldsAndTheAnswerChanges() async throws {
        let world = try await Self.world()
        #expect(try await Self.check(world, "wang-fang", on: day("2026-02-19")).decision.applies == false)
        let expired = try await Self.check(world, "wang-fang", on: day("2026-02-20"))
        #expect(expired.folded, "the stored standing no longer holds on its next change")
        #expect(expired.decision.applies, "the deduction expired: grade A again")
        #expect(expired.decision == (try await Self.folded(world, "wang-fang", on: day("2026-02-20"))))
        // A question about an earlier day than the stored standing's folds too.
        #expect(try await Self.check(world, "li-na", on: day("2026-01-15")).folded)
    }

    @Test func aHandbookPublishedSinceTheFoldMakesTheQuestionFold() async throws {
        let world = try await Self.world()
        var next = world.handbook
        next.version = 2
        _ = try await world.engine(on: day("2026-02-05")).publish(next, source: "# version 2", by: TestWorld.admin)
        let answer = try await Self.check(world, "li-na", on: day("2026-02-10"))
        #expect(answer.folded, "a standing folded before a publication may read another scheme")
        #expect(answer.decision == (try await Self.folded(world, "li-na", on: day("2026-02-10"))))
    }

    @Test func anEngineSeesAHandbookPublishedAfterItLastAnswered() async throws {
        let world = try await Self.world()
        let engine = world.engine(on: day("2026-02-10"))
        #expect(try await engine.check("li-na", measure: Self.rental).applies)
        var next = world.handbook
        next.version = 2
        next.schemes[0].measures.append(measure("ferry-discount", .reward, domain: .transport, condition: .gradeAtLeast("AAA")))
        _ = try await engine.publish(next, source: "# version 2", by: TestWorld.admin)
        let discount = try await engine.check("li-na", measure: "ferry-discount")
        #expect(!discount.applies, "the same engine answers from version 2: 1,000 points is not AAA")
        #expect(discount.reason == "no-record:grade-below:AAA")
    }

    @Test func whileNothingMovedAQuestionReadsNeitherHandbooksNorJurisdictions() async throws {
        let world = try await Self.world()
        let engine = world.engine(on: day("2026-02-10"))
        #expect(try await engine.check("li-na", measure: Self.rental).applies)
        let before = await world.store.catalogReads
        #expect(try await engine.check("wang-fang", measure: Self.rental).applies == false)
        #expect(try await engine.check("li-na", measure: Self.rental).applies)
        #expect(await world.store.catalogReads == before, "the catalog's version is unchanged: the decoded handbooks are used")
    }

    /// The engine that answers keeps its decoded handbooks and jurisdiction tree; another engine (another server,
    /// the CLI) registers a hamlet under the village and a resident in it. The next question sees both.
    @Test func anotherWritersJurisdictionIsSeenByTheNextQuestion() async throws {
        let world = try await Self.world()
        let answering = world.engine(on: day("2026-02-10"))
        #expect(try await answering.check("li-na", measure: Self.rental).applies)
        let writer = world.engine(on: day("2026-02-10"))
        _ = try await writer.register(Jurisdiction(id: "east-hamlet", name: LocalizedText(en: "East hamlet", zh: "东村"), parent: TestWorld.village))
        try await writer.addSubjects([Subject(id: "zhang-wei", kind: .person, name: "Zhang Wei", jurisdiction: "east-hamlet",
                                              registeredOn: TestWorld.longAgo)])
        let before = await world.store.catalogReads
        let decision = try await answering.check("zhang-wei", measure: Self.rental)
        #expect(await world.store.catalogReads > before, "the jurisdictions' count moved: the catalog is read again")
        #expect(decision.reason != "not-covered", "the village's scheme rates the hamlet's residents")
        #expect(decision.applies, "no record: 1,000 points, grade A")
    }

    /// As above for a handbook: another engine publishes version 2 with a new measure.
    @Test func anotherWritersHandbookIsSeenByTheNextQuestion() async throws {
        let world = try await Self.world()
        let answering = world.engine(on: day("2026-02-10"))
        #expect(try await answering.check("li-na", measure: Self.rental).applies)
        var next = world.handbook
        next.version = 2
        next.schemes[0].measures.append(measure("ferry-discount", .reward, domain: .transport, condition: .gradeAtLeast("AAA")))
        _ = try await world.engine(on: day("2026-02-10")).publish(next, source: "# version 2", by: TestWorld.admin)
        let discount = try await answering.check("li-na", measure: "ferry-discount")
        #expect(!discount.applies)
        #expect(discount.reason == "no-record:grade-below:AAA")
    }

    @Test func aBatchOfChecksAnswersFromStoredStandingsToo() async throws {
        let world = try await Self.world()
        let before = await world.store.subjectEntryReads
        let decisions = try await world.engine(on: day("2026-02-10")).check(["wang-fang", "li-na"], measure: Self.rental)
        #expect(await world.store.subjectEntryReads == before)
        #expect(decisions["wang-fang"]?.applies == false)
        #expect(decisions["li-na"]?.applies == true)
        #expect(decisions["wang-fang"] == (try await Self.folded(world, "wang-fang", on: day("2026-02-10"))))
    }
}
