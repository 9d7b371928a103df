public import CivicCore

/// The demo's people and places, generated from a seed: a city with two villages,
/// a few thousand residents in households, companies, and the actors who report,
/// review and feed authority records.
public struct DemoWorld: Sendable {
    public var jurisdictions: [Jurisdiction]
    public var subjects: [Subject]
    public var actors: [Actor]
    /// Which committee reviews reports about subjects of each jurisdiction.
    public var reviewers: [Jurisdiction.ID: [Actor.ID]]
    public var assessors: [Jurisdiction.ID: [Actor.ID]]
    public var administrator: Actor.ID
    public var authorities: [Actor.ID]
    /// Residents who volunteer far more than most.
    public var volunteers: Set<Subject.ID>

    public static let city: Jurisdiction.ID = "rongcheng"
    public static let quotaVillage: Jurisdiction.ID = "zhaojiashan"
    public static let starVillage: Jurisdiction.ID = "yangqiao"

    static let surnames: [(String, String)] = [
        ("王", "Wang"), ("李", "Li"), ("张", "Zhang"), ("刘", "Liu"), ("陈", "Chen"), ("杨", "Yang"), ("赵", "Zhao"), ("黄", "Huang"),
        ("周", "Zhou"), ("吴", "Wu"), ("徐", "Xu"), ("孙", "Sun"), ("胡", "Hu"), ("朱", "Zhu"), ("高", "Gao"), ("林", "Lin"),
        ("何", "He"), ("郭", "Guo"), ("马", "Ma"), ("罗", "Luo"),
    ]
    static let givenNames: [(String, String)] = [
        ("芳", "Fang"), ("伟", "Wei"), ("敏", "Min"), ("静", "Jing"), ("磊", "Lei"), ("军", "Jun"), ("艳", "Yan"), ("慧", "Hui"),
        ("强", "Qiang"), ("平", "Ping"), ("刚", "Gang"), ("丽", "Li"), ("红", "Hong"), ("英", "Ying"), ("涛", "Tao"), ("明", "Ming"),
        ("超", "Chao"), ("霞", "Xia"), ("波", "Bo"), ("玉兰", "Yulan"), ("建国", "Jianguo"), ("秀英", "Xiuying"), ("海燕", "Haiyan"), ("志强", "Zhiqiang"),
    ]
    static let companyWords: [(String, String)] = [
        ("海洋", "Ocean"), ("渔业", "Fisheries"), ("建筑", "Construction"), ("运输", "Transport"), ("食品", "Foods"), ("机械", "Machinery"),
        ("纺织", "Textiles"), ("广告", "Advertising"), ("石材", "Stone"), ("物流", "Logistics"),
    ]

    /// Builds the world. `residents` is the number of persons (at least 60).
    public static func generate(residents: Int, seed: UInt64, registeredOn: Day) -> DemoWorld {
        var random = SeededRandom(seed: seed)
        let jurisdictions = [
            Jurisdiction(id: city, name: LocalizedText(en: "Rongcheng City", zh: "荣成市")),
            Jurisdiction(id: quotaVillage, name: LocalizedText(en: "Zhaojiashan Village", zh: "赵家山村"), parent: city),
            Jurisdiction(id: starVillage, name: LocalizedText(en: "Yangqiao Village", zh: "杨桥村"), parent: city),
        ]
        var subjects: [Subject] = []
        var personCount = 0
        var householdCount = 0
        let total = max(60, residents)
        let yearEnd = registeredOn.year
        while personCount < total {
            householdCount += 1
            let place = random.chance(40) ? quotaVillage : (random.chance(58) ? starVillage : city)
            let household = Subject.ID("h-\(pad(householdCount, 5))")
            let surname = random.pick(surnames)
            subjects.append(Subject(id: household, kind: .household, name: "\(surname.0)家 \(surname.1) household",
                                    jurisdiction: place, registeredOn: registeredOn))
            let size = min(total - personCount, [1, 2, 2, 3, 3, 3, 4, 4, 5, 6][Int.random(in: 0..<10, using: &random)])
            for member in 0..<size {
                personCount += 1
                let given = random.pick(givenNames)
                // One elder in about fourteen households is 80 or over; the rest spread from 17 to 79.
                let age = member == 0 && random.chance(7) ? Int.random(in: 80...94, using: &random) : Int.random(in: 17...79, using: &random)
                let birth = Day(year: yearEnd - age, month: Int.random(in: 1...12, using: &random), day: Int.random(in: 1...28, using: &random))!
                var attributes = Set<String>()
                if random.chance(2) { attributes.insert("carer") }
                if random.chance(1.5) { attributes.insert("disability") }
                subjects.append(Subject(
                    id: Subject.ID("p-\(pad(personCount, 5))"), kind: .person, name: "\(surname.0)\(given.0) \(surname.1) \(given.1)",
                    jurisdiction: place, household: household, birthDate: birth, attributes: attributes, registeredOn: registeredOn))
            }
        }
        for index in 1...max(12, total / 50) {
            let word = random.pick(companyWords)
            let other = random.pick(surnames)
            subjects.append(Subject(id: Subject.ID("org-\(pad(index, 4))"), kind: .organisation,
                                    name: "荣成\(other.0)氏\(word.0)有限公司 Rongcheng \(other.1) \(word.1) Co.", jurisdiction: city,
                                    registeredOn: registeredOn))
        }

        // Committee members and assessors are residents of the place they serve, so recusal has real cases to refuse.
        var actors: [Actor] = [
            Actor(id: "admin", name: "City credit office", roles: [.administrator], jurisdiction: city),
            Actor(id: "court", name: "Rongcheng People's Court", roles: [.authority], jurisdiction: city),
            Actor(id: "tax-office", name: "Rongcheng Tax Bureau", roles: [.authority], jurisdiction: city),
            Actor(id: "bank", name: "Rongcheng Rural Commercial Bank", roles: [.authority], jurisdiction: city),
        ]
        var reviewers: [Jurisdiction.ID: [Actor.ID]] = [:]
        var assessors: [Jurisdiction.ID: [Actor.ID]] = [:]
        let people = subjects.filter { $0.kind == .person }
        for (place, tag) in [(city, "city"), (quotaVillage, "zjs"), (starVillage, "yq")] {
            let residents = people.filter { $0.jurisdiction == place && $0.birthDate!.age(on: registeredOn) < 70 }
            for index in 1...3 {
                let person = residents[(index * 7) % residents.count]
                let id = Actor.ID("rev-\(tag)-\(index)")
                actors.append(Actor(id: id, name: person.name, roles: [.reviewer], jurisdiction: place, subject: person.id))
                reviewers[place, default: []].append(id)
            }
            for index in 1...2 {
                let person = residents[(index * 13 + 3) % residents.count]
                let id = Actor.ID("asr-\(tag)-\(index)")
                actors.append(Actor(id: id, name: person.name, roles: [.assessor], jurisdiction: place, subject: person.id))
                assessors[place, default: []].append(id)
            }
        }
        // About one resident in six uses the resident portal: they can claim their own deeds and report neighbours.
        for person in people where random.chance(16) {
            actors.append(Actor(id: Actor.ID("res-\(person.id)"), name: person.name, roles: [.resident], jurisdiction: person.jurisdiction, subject: person.id))
        }
        return DemoWorld(jurisdictions: jurisdictions, subjects: subjects, actors: actors, reviewers: reviewers,
                         assessors: assessors, administrator: "admin", authorities: ["court", "tax-office", "bank"],
                         volunteers: Set(people.filter { _ in random.chance(4) }.map(\.id)))
    }
}

func pad(_ value: Int, _ width: Int) -> String {
    let digits = String(value)
    return String(repeating: "0", count: max(0, width - digits.count)) + digits
}
