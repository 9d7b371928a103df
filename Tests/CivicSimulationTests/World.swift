import CivicCore
import CivicTesting

/// The random world a seed builds: a city with villages under it, one handbook, subjects (people,
/// households), and actors: assessors, several reviewers (some of them residents, so that recusal
/// has conflicts to catch), an office, a court feed, and each subject's own account for appeals.
struct SimWorld: Sendable {
    static let city: Jurisdiction.ID = "sim-city"
    static let scheme: Scheme.ID = "sim-credit"
    static let admin: Actor.ID = "office"
    static let authority: Actor.ID = "court-feed"
    static let start = Day(year: 2026, month: 1, day: 1)!
    static let longAgo = Day(year: 2020, month: 1, day: 1)!

    var jurisdictions: [Jurisdiction]
    var subjects: [Subject]
    var actors: [Actor]
    var assessors: [Actor.ID]
    var reviewers: [Actor.ID]
    var appealDecisionDays: Int

    static func make(_ random: inout SplitMix64) -> SimWorld {
        let villages = (1...(1 + random.below(3))).map {
            Jurisdiction(id: Jurisdiction.ID("village-\($0)"), name: LocalizedText(en: "Village \($0)", zh: "村\($0)"), parent: city)
        }
        var subjects: [Subject] = []
        for index in 1...(4 + random.below(9)) {
            let village = random.pick(villages)!.id
            let id = Subject.ID("s-\(index)")
            if random.chance(20) {
                subjects.append(Subject(id: id, kind: .household, name: "Household \(index)", jurisdiction: village, registeredOn: longAgo))
            } else {
                let households = subjects.filter { $0.kind == .household && $0.jurisdiction == village }
                let household = random.chance(50) ? random.pick(households)?.id : nil
                subjects.append(Subject(id: id, kind: .person, name: "Resident \(index)", jurisdiction: village, household: household,
                                        registeredOn: longAgo))
            }
        }
        let people = subjects.filter { $0.kind == .person }
        var actors: [Actor] = [
            Actor(id: admin, name: "Office", roles: [.administrator], jurisdiction: city),
            Actor(id: authority, name: "County court", roles: [.authority], jurisdiction: city),
        ]
        let assessors = (1...(1 + random.below(2))).map { Actor.ID("assessor-\($0)") }
        for id in assessors {
            // An assessor who is also a resident: may not report on themself or their household.
            let subject = random.chance(30) ? random.pick(people)?.id : nil
            actors.append(Actor(id: id, name: "Assessor", roles: [.assessor], jurisdiction: city, subject: subject))
        }
        let reviewers = (1...(3 + random.below(2))).map { Actor.ID("reviewer-\($0)") }
        for id in reviewers {
            let subject = random.chance(40) ? random.pick(people)?.id : nil
            actors.append(Actor(id: id, name: "Reviewer", roles: [.reviewer], jurisdiction: city, subject: subject))
        }
        for subject in people {
            actors.append(Actor(id: Actor.ID("res-\(subject.id.rawValue)"), name: subject.name, roles: [.resident],
                                jurisdiction: subject.jurisdiction, subject: subject.id))
        }
        return SimWorld(jurisdictions: [Jurisdiction(id: city, name: LocalizedText(en: "City", zh: "市"))] + villages,
                        subjects: subjects, actors: actors, assessors: assessors, reviewers: reviewers,
                        appealDecisionDays: 5 + random.below(30))
    }

    /// Version `version` of the city's handbook: the same rules, with the points of a few moved by the version.
    func handbook(version: Int) -> Handbook {
        let shift = version - 1
        var scheme = pointsScheme(
            SimWorld.scheme,
            rules: [
                rule("help", Points(1 + shift % 3), category: "neighbourly-help", reporters: [.assessor, .`self`]),
                rule("volunteer", Points(2), category: "neighbourly-help", cap: Cap(count: 2, period: .month), reporters: [.assessor]),
                rule("litter", Points(-3 - shift % 2), category: "sanitation", graceDays: 3, reporters: [.assessor]),
                rule("fight", Points(-10), category: "public-order", reporters: [.assessor], approvalsRequired: 2),
                rule("court", Points(-20), category: "court-enforcement", reporters: [.authority]),
            ],
            lists: [listCriterion("defaulters", .black, trigger: .rule(["court"]), duration: .untilRemedied, remedyHint: "pay")],
            measures: [measure("no-flights", .sanction, domain: .transport, condition: .onList(.black))],
            negativeExpiryDays: 365)
        scheme.appealDays = 30
        scheme.appealDecision = .days(appealDecisionDays)
        return Handbook(jurisdiction: SimWorld.city, version: version, title: LocalizedText(en: "Handbook", zh: "手册"), schemes: [scheme])
    }

    static let ruleIDs: [Rule.ID] = ["help", "volunteer", "litter", "fight", "court"]
}
