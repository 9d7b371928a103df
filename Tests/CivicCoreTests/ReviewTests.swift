import CivicCore
import CivicTesting
import Testing

/// Who may report and who may review: recusal, self-claims, neighbours, four eyes; and idempotent writes.
@Suite struct ReviewTests {
    static func scheme() -> Scheme {
        pointsScheme(rules: [
            rule("prune-neighbours-tree", Points(1), reporters: [.assessor, .self, .neighbour]),
            rule("untidy-animal-pen", Points(-5), category: "animal-keeping", reporters: [.assessor, .neighbour]),
            rule("settle-major-dispute", Points(10), category: "dispute-settlement", approvalsRequired: 2),
        ])
    }

    /// The Li household (Li Wei sits on the committee, Li Xia is a resident), a neighbour, and an assessor who also reviews.
    static func world() async throws -> TestWorld {
        try await TestWorld.make(
            schemes: [scheme()],
            subjects: [household("h-li"), person("li-wei", household: "h-li"), person("li-xia", household: "h-li"), person("zhou-ping")],
            actors: [
                Actor(id: "reviewer-li", name: "Li Wei", roles: [.reviewer], jurisdiction: TestWorld.village, subject: "li-wei"),
                Actor(id: "resident-li-xia", name: "Li Xia", roles: [.resident], jurisdiction: TestWorld.village, subject: "li-xia"),
                Actor(id: "neighbour-zhou", name: "Zhou Ping", roles: [.resident], jurisdiction: TestWorld.village, subject: "zhou-ping"),
                Actor(id: "assessor-reviewer", name: "Qian", roles: [.assessor, .reviewer], jurisdiction: TestWorld.village),
            ])
    }

    let march5 = day("2026-03-05")

    @Test func aReviewerCannotDecideAReportTheyFiled() async throws {
        // Proves an actor who is both assessor and reviewer is refused a decision on their own report; another reviewer may decide it.
        let world = try await Self.world()
        try await world.file("pruned", about: "zhou-ping", rule: "prune-neighbours-tree", on: march5, by: "assessor-reviewer")
        let code = await civicErrorCode { try await world.approve("pruned", on: march5, by: "assessor-reviewer") }
        #expect(code == .refused)
        #expect(try await world.approve("pruned", on: march5) == .approved)
    }

    @Test(arguments: ["li-wei", "h-li", "li-xia"] as [Subject.ID])
    func aReviewerCannotDecideAReportAboutThemselfOrTheirHousehold(subject: Subject.ID) async throws {
        // Proves Li Wei may not review a report about himself, his household, or another member of it, and the refusal writes nothing.
        let world = try await Self.world()
        try await world.file("about-li", about: subject, rule: "prune-neighbours-tree", on: march5)
        let commits = await world.store.commitCount
        let code = await civicErrorCode { try await world.approve("about-li", on: march5, by: "reviewer-li") }
        #expect(code == .refused)
        #expect(await world.store.commitCount == commits)
        #expect(await world.store.report("about-li")?.decisions.isEmpty == true)
        #expect(try await world.approve("about-li", on: march5, by: TestWorld.reviewer) == .approved)
    }

    @Test func aSelfClaimNeedsEvidenceIsLabelledAndIsReviewedByAnother() async throws {
        // Proves a self-claim without evidence is refused, one with two photos is filed and labelled, and a reviewer from the same household cannot approve it.
        let world = try await Self.world()
        let bare = await civicErrorCode {
            try await world.file("claim", about: "li-xia", rule: "prune-neighbours-tree", on: march5, by: "resident-li-xia", role: .self)
        }
        #expect(bare == .invalidInput)
        let aboutSomeoneElse = await civicErrorCode {
            try await world.file("claim-other", about: "zhou-ping", rule: "prune-neighbours-tree", on: march5,
                                 by: "resident-li-xia", role: .self, evidence: twoPhotos)
        }
        #expect(aboutSomeoneElse == .refused)

        try await world.file("claim", about: "li-xia", rule: "prune-neighbours-tree", on: march5, by: "resident-li-xia", role: .self, evidence: twoPhotos)
        let record = try #require(await world.store.report("claim"))
        #expect(record.report.isSelfClaim)
        #expect(record.status == .pending)
        #expect(await civicErrorCode { try await world.approve("claim", on: march5, by: "reviewer-li") } == .refused)
        #expect(try await world.approve("claim", on: march5) == .approved)
    }

    @Test func aNeighbourCannotReportTheirOwnHousehold() async throws {
        // Proves Li Xia filing as a neighbour about her household or her housemate is refused, while Zhou Ping's report about the Li household is filed.
        let world = try await Self.world()
        for subject in ["h-li", "li-wei", "li-xia"] as [Subject.ID] {
            let code = await civicErrorCode {
                try await world.file(Report.ID("pen-\(subject.rawValue)"), about: subject, rule: "untidy-animal-pen", on: march5,
                                     by: "resident-li-xia", role: .neighbour)
            }
            #expect(code == .refused, "neighbour report about \(subject)")
        }
        #expect(try await world.file("pen", about: "h-li", rule: "untidy-animal-pen", on: march5, by: "neighbour-zhou", role: .neighbour) == .recorded)
    }

    @Test func fourEyesNeedsTwoDistinctReviewers() async throws {
        // Proves a rule needing two approvals stays pending after one, refuses the same reviewer twice, and is approved by a second reviewer.
        let world = try await Self.world()
        try await world.file("dispute", about: "zhou-ping", rule: "settle-major-dispute", on: march5)
        #expect(try await world.approve("dispute", on: march5) == .pending)
        let twice = await civicErrorCode {
            _ = try await world.engine(on: march5).decide(Decision(
                id: "dispute-again", report: "dispute", reviewer: TestWorld.reviewer, outcome: .approve, reason: "", decidedOn: march5))
        }
        #expect(twice == .refused)
        #expect(try await world.approve("dispute", on: march5, by: TestWorld.secondReviewer) == .approved)
        try await world.close(month("2026-03"))
        let entry = try #require(await world.store.entry(TestWorld.entryID(of: "dispute")))
        #expect(Set(entry.decisions) == ["d:dispute:reviewer-zhao", "d:dispute:reviewer-sun"])
        #expect(await world.storedStanding(of: "zhou-ping")?.score == Points(1010))
    }

    @Test func theSameReportTwiceIsANoOpAndDifferentContentIsAConflict() async throws {
        // Proves filing an identical report again writes nothing (unchanged), and reusing its id for another rule is a conflict.
        let world = try await Self.world()
        #expect(try await world.file("pruned", about: "zhou-ping", rule: "prune-neighbours-tree", on: march5) == .recorded)
        let commits = await world.store.commitCount
        #expect(try await world.file("pruned", about: "zhou-ping", rule: "prune-neighbours-tree", on: march5) == .unchanged)
        #expect(await world.store.commitCount == commits)
        let conflict = await civicErrorCode {
            try await world.file("pruned", about: "zhou-ping", rule: "untidy-animal-pen", on: march5)
        }
        #expect(conflict == .conflict)
        #expect(await world.store.report("pruned")?.report.rule == "prune-neighbours-tree")
        #expect(await world.store.commitCount == commits)
    }

    @Test func aFailedBatchWritesNothing() async throws {
        // Proves a batch of three reports whose third names an unknown rule is refused whole: no report is stored and no commit happens.
        let world = try await Self.world()
        let commits = await world.store.commitCount
        func request(_ id: Report.ID, _ ruleID: Rule.ID) -> ReportRequest {
            ReportRequest(id: id, subject: "zhou-ping", rule: ruleID, reporter: TestWorld.assessor, role: .assessor,
                          occurredOn: march5, statement: "batch item")
        }
        let code = await civicErrorCode {
            try await world.engine(on: march5).file([
                request("batch-1", "prune-neighbours-tree"), request("batch-2", "untidy-animal-pen"), request("batch-3", "no-such-rule"),
            ])
        }
        #expect(code == .notFound)
        #expect(await world.store.commitCount == commits)
        #expect(await world.store.report("batch-1") == nil)
        #expect(await world.store.report("batch-2") == nil)
    }
}
