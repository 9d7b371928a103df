import CivicCore
import CivicTesting
import Testing

/// Oversight: the reported patterns no single record shows, found in the figures.
struct OversightTests {
    static let march = day("2026-03-10")
    static let helpRule = rule("R-HELP", Points(1), reporters: [.assessor, .self])

    /// Twenty residents, four assessors (the fourth, Liu, is a resident herself) and four reviewers.
    func world() async throws -> TestWorld {
        let residents = (0..<20).map { person(Subject.ID("p-\($0)")) } + [person("p-liu"), person("p-friend-1"), person("p-friend-2")]
        let assessors = ["a-1", "a-2", "a-3"].map { Actor(id: Actor.ID($0), name: $0, roles: [.assessor], jurisdiction: TestWorld.village) }
            + [Actor(id: "a-liu", name: "Liu", roles: [.assessor], jurisdiction: TestWorld.village, subject: "p-liu")]
        let reviewers = ["r-1", "r-2", "r-3", "r-4"].map { Actor(id: Actor.ID($0), name: $0, roles: [.reviewer], jurisdiction: TestWorld.village) }
        return try await TestWorld.make(schemes: [pointsScheme(rules: [Self.helpRule])], subjects: residents, actors: assessors + reviewers)
    }

    func report(_ world: TestWorld) async throws -> OversightReport {
        try await world.engine(on: day("2026-03-31")).oversight(from: month("2026-01"), to: month("2026-03"))
    }

    @Test func assessorLoggingHerOwnGoodDeedsIsFlagged() async throws {
        // The story: an assessor recorded her own good deeds to meet her monthly quota. Here her self-claims are
        // labelled, and her share of them stands far above the other assessors' baseline, with the reason named.
        let world = try await world()
        for assessor in ["a-1", "a-2", "a-3"] {
            for index in 0..<10 {
                try await world.file(Report.ID("\(assessor)-\(index)"), about: Subject.ID("p-\(index * 2 % 20)"), rule: "R-HELP", on: Self.march,
                                     by: Actor.ID(assessor), evidence: twoPhotos)
            }
        }
        for index in 0..<4 {
            try await world.file(Report.ID("liu-\(index)"), about: Subject.ID("p-\(index)"), rule: "R-HELP", on: Self.march, by: "a-liu", evidence: twoPhotos)
        }
        for index in 0..<6 {
            try await world.file(Report.ID("liu-self-\(index)"), about: "p-liu", rule: "R-HELP", on: Self.march, by: "a-liu", role: .self, evidence: twoPhotos)
        }
        let report = try await report(world)
        let liu = try #require(report.reporters.first { $0.actor == "a-liu" })
        #expect(liu.volume == 10)
        #expect(liu.selfClaims == 6)
        #expect(liu.selfClaimShare == 600)
        #expect(liu.ownHouseholdShare == 600)
        // Six of her ten reports being about one household (her own) also makes them concentrated.
        #expect(Set(liu.flags.map(\.metric)) == ["self-claim-share", "own-household-share", "top-household-share"])
        #expect(liu.flags.first { $0.metric == "self-claim-share" }?.reason == "60% of 10 reports are self-claims, against a baseline of 0%")
        // Nobody else stands out, and the baseline is stated.
        #expect(report.reporters.filter { $0.actor != "a-liu" }.allSatisfy { $0.flags.isEmpty })
        let baseline = try #require(report.baselines.first { $0.group == "assessor" && $0.metric == .selfClaimShare })
        #expect(baseline.median == 0 && baseline.threshold == 200 && baseline.actors == 4)
    }

    @Test func reviewerWhoseStarsGoToAFewHouseholdsIsFlagged() async throws {
        // The story: "if you were friends with the people who gave out the stars, you got a higher score".
        // Three reviewers approve reports spread over the village; the fourth approves mostly two friends' reports.
        let world = try await world()
        var number = 0
        func filed(_ subject: String, by assessor: String) async throws -> Report.ID {
            number += 1
            let id = Report.ID("r-\(number)")
            try await world.file(id, about: Subject.ID(subject), rule: "R-HELP", on: Self.march, by: Actor.ID(assessor), evidence: twoPhotos)
            return id
        }
        for (offset, reviewer) in ["r-1", "r-2", "r-3"].enumerated() {
            for index in 0..<12 {
                let id = try await filed("p-\((index + offset * 5) % 20)", by: ["a-1", "a-2", "a-3"][index % 3])
                try await world.approve(id, on: Self.march, by: Actor.ID(reviewer))
            }
        }
        for index in 0..<12 {
            let subject = index < 10 ? (index % 2 == 0 ? "p-friend-1" : "p-friend-2") : "p-\(index)"
            let id = try await filed(subject, by: ["a-1", "a-2", "a-3"][index % 3])
            try await world.approve(id, on: Self.march, by: "r-4")
        }
        let report = try await report(world)
        let friendly = try #require(report.reviewers.first { $0.actor == "r-4" })
        #expect(friendly.topHouseholds.map(\.household) == ["p-friend-1", "p-friend-2", "p-10"])
        #expect(friendly.topHouseholdShare == 917)
        #expect(friendly.flags.map(\.metric) == ["top-household-share"])
        #expect(report.reviewers.filter { $0.actor != "r-4" }.allSatisfy { $0.flags.isEmpty })
        #expect(report.reviewers.allSatisfy { $0.ownHousehold == 0 }, "recusal held: no reviewer decided on their own household")
    }

    @Test func tinySamplesAndSmallPeerGroupsNeverFlag() async throws {
        // Nine self-claims out of nine is below the minimum volume; a baseline needs three peers with enough records.
        let world = try await world()
        for index in 0..<9 {
            try await world.file(Report.ID("liu-self-\(index)"), about: "p-liu", rule: "R-HELP", on: Self.march, by: "a-liu", role: .self, evidence: twoPhotos)
        }
        for index in 0..<10 {
            try await world.file(Report.ID("a1-\(index)"), about: Subject.ID("p-\(index)"), rule: "R-HELP", on: Self.march, by: "a-1")
        }
        let report = try await report(world)
        #expect(report.flagged.isEmpty)
        #expect(report.reporters.first { $0.actor == "a-liu" }?.selfClaimShare == 1000)
        let baseline = report.baselines.first { $0.group == "assessor" && $0.metric == .selfClaimShare }
        #expect(baseline?.actors == 1 && baseline?.median == nil)
    }

    @Test func reviewerRewardingOneNeighbourhoodIsFlaggedAgainstTheOtherReviewers() {
        // The story: officials "rewarded the east side of the village for no reason at all". Neighbourhoods come from
        // the subjects' `neighbourhood:` attribute; the pure function sees only values.
        var subjects: [Subject.ID: Subject] = [:]
        for index in 0..<20 {
            var subject = person(Subject.ID("p-\(index)"))
            subject.attributes = [index < 10 ? "neighbourhood:east" : "neighbourhood:west"]
            subjects[subject.id] = subject
        }
        var records: [ReportRecord] = []
        var entries: [Entry] = []
        for reviewer in ["r-1", "r-2", "r-3"] {
            for index in 0..<20 {
                let subject = Subject.ID("p-\(index)")
                let id = Report.ID("\(reviewer)-\(index)")
                // r-3 approves east and rejects every west report.
                let outcome: Decision.Outcome = reviewer == "r-3" && index >= 10 ? .reject : .approve
                records.append(ReportRecord(
                    report: Report(id: id, subject: subject, scheme: "village-credit", rule: "R-HELP", handbookVersion: 1, handbookJurisdiction: TestWorld.village,
                                   reporter: "a-1", reporterRole: .assessor, occurredOn: Self.march, filedOn: Self.march, cycle: month("2026-03"), statement: "help"),
                    status: outcome.isApproval ? .entered : .rejected,
                    decisions: [Decision(id: Decision.ID("d-\(id)"), report: id, reviewer: Actor.ID(reviewer), outcome: outcome, reason: "x", decidedOn: Self.march)]))
                if outcome.isApproval {
                    entries.append(Entry(id: Entry.ID("e:\(id)"), sequence: Int64(entries.count + 1), kind: .deed, subject: subject, scheme: "village-credit",
                                         handbookJurisdiction: TestWorld.village, handbookVersion: 1, rule: "R-HELP", points: Points(2),
                                         effectiveOn: Self.march, report: id, recordedOn: Self.march, recordedBy: Actor.ID(reviewer)))
                }
            }
        }
        let actors = ["r-1", "r-2", "r-3"].map { Actor(id: Actor.ID($0), name: $0, roles: [.reviewer], jurisdiction: TestWorld.village) }
        let report = Oversight.compute(reports: records, entries: entries, subjects: subjects, actors: actors,
                                       jurisdictions: [Jurisdiction(id: TestWorld.village, name: LocalizedText(en: "v", zh: "v"))],
                                       scope: nil, period: month("2026-01")...month("2026-03"))
        let east = report.reviewers.first { $0.actor == "r-3" }
        #expect(east?.pointsByNeighbourhood == ["east": Points(20)])
        #expect(east?.flags.first { $0.metric == "neighbourhood-points" }?.reason
            == "100% of the points this reviewer approved went to east, against 50% of the points the other reviewers of zhaojiashan approved")
        #expect(report.reviewers.filter { $0.actor != "r-3" }.allSatisfy { $0.flags.isEmpty })
    }
}
