import CivicAccess
import CivicAPI
import CivicAPITesting
import CivicCore
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Testing

/// A relying party asking about a graduated measure learns the tier and its value as the engine decides it,
/// on the single and the batch route; yes/no answers keep their old shape; and a bare measure id that
/// several schemes define is refused with every candidate listed, in English or Chinese.
@Suite struct GraduatedMeasureAPITests {
    /// Yangqiao's residents: the demo's flat-rental deposit is graduated by their grade.
    static func yangqiaoResidents(_ world: TestWorld) async throws -> [Subject] {
        try await world.store.subjects(after: nil, limit: 10_000).filter { $0.jurisdiction == "yangqiao" && $0.kind == .person }
    }

    /// The tier object as the engine's decision says it should read.
    static func expected(_ tier: TierAnswer?) -> [String: Any]? {
        guard let tier else { return nil }
        var value: [String: Any] = ["kind": "level"]
        if case .amount(let amount, let unit) = tier.value { value = ["kind": "amount", "amount": amount.description, "unit": unit.rawValue] }
        return ["id": tier.id.rawValue, "title": ["en": tier.title.en, "zh": tier.title.zh], "value": value]
    }

    static func same(_ actual: Any?, _ expected: [String: Any]?) -> Bool {
        guard let expected else { return actual == nil }
        guard let actual = actual as? [String: Any] else { return false }
        return NSDictionary(dictionary: actual).isEqual(to: expected)
    }

    @Test("single and batch checks of a graduated measure carry the tier the engine decides")
    func tiersOnTheWire() async throws {
        let world = try await TestWorld.make()
        let residents = try await Self.yangqiaoResidents(world)
        try #require(residents.count >= 3)
        try await world.application().test(.router) { client in
            var tiers: Set<String> = []
            for subject in residents.prefix(12) {
                let answer = try await client.call(.get, "/eligibility/flat-rental-deposit/subjects/\(subject.id)", token: world.token(.relyingParty))
                #expect(answer.status == .ok, "\(answer.text)")
                let decision = try await world.services.engine.check(subject.id, measure: "flat-rental-deposit", asOf: TestWorld.today)
                #expect(answer.object["applies"] as? Bool == decision.applies)
                #expect(answer.object["reason"] as? String == decision.reason)
                #expect(Self.same(answer.object["tier"], Self.expected(decision.tier)), "\(subject.id): \(answer.text)")
                #expect(decision.applies == (decision.tier != nil), "a graduated measure applies exactly when a tier does")
                if let tier = decision.tier { tiers.insert(tier.id.rawValue) }
            }
            #expect(!tiers.isEmpty, "some resident gets a tier")

            let ids = residents.prefix(12).map(\.id.rawValue)
            let body = #"{"subjects":["# + ids.map { "\"\($0)\"" }.joined(separator: ",") + "]}"
            let batch = try await client.call(.post, "/eligibility/flat-rental-deposit/checks", token: world.token(.relyingParty), json: body)
            #expect(batch.status == .ok, "\(batch.text)")
            let results = batch.object["results"] as? [[String: Any]] ?? []
            #expect(results.count == ids.count)
            for result in results {
                let id = Subject.ID(result["subject"] as? String ?? "")
                let decision = try await world.services.engine.check(id, measure: "flat-rental-deposit", asOf: TestWorld.today)
                #expect(Self.same(result["tier"], Self.expected(decision.tier)), "\(id): \(result)")
            }

            // A yes/no measure's answer has no tier key at all: the old shape, byte for byte.
            let plain = try await client.call(.get, "/eligibility/bike-deposit-free/subjects/\(residents[0].id)", token: world.token(.relyingParty))
            #expect(plain.status == .ok)
            #expect(Set(plain.object.keys).isSubset(of: ["subject", "measure", "scheme", "kind", "applies", "reason", "remedyHint", "asOf"]))

            // The public list of measures shows the tiers in order with their values.
            let measures = try await client.call(.get, "/measures?limit=200")
            let loan = measures.items.first { $0["id"] as? String == "loan-rate-discount" }
            let loanTiers = loan?["tiers"] as? [[String: Any]] ?? []
            #expect(loanTiers.map { $0["id"] as? String } == ["AAA-rate", "AA-rate"])
            #expect((loanTiers.first?["value"] as? [String: Any])?["amount"] as? String == "-0.5")
            #expect((loanTiers.first?["value"] as? [String: Any])?["unit"] as? String == "percentage-points")
            #expect(measures.items.first { $0["id"] as? String == "bike-deposit-free" }?["tiers"] == nil)
        }
    }

    @Test("a measure id two schemes define is refused with both candidates, in English and in Chinese")
    func ambiguousNameListsCandidates() async throws {
        let world = try await TestWorld.make()
        let subject = try #require(try await Self.yangqiaoResidents(world).first).id
        try await world.application().test(.router) { client in
            let english = try await client.call(.get, "/eligibility/new-year-gift/subjects/\(subject)", token: world.token(.relyingParty))
            #expect(english.status == .badRequest)
            #expect(english.headers[.contentType] == "application/problem+json")
            #expect(english.object["code"] as? String == "ambiguous-measure")
            #expect(english.object["location"] as? String == "query scheme")
            let candidates = english.object["candidates"] as? [[String: Any]] ?? []
            #expect(candidates.map { $0["scheme"] as? String } == ["city-points", "village-points"])
            #expect(candidates.map { $0["jurisdiction"] as? String } == ["rongcheng", "zhaojiashan"])
            #expect((candidates.first?["title"] as? [String: Any])?["zh"] as? String == "红名单市民新春慰问品")
            let detail = english.object["detail"] as? String ?? ""
            #expect(detail.hasPrefix("measure 'new-year-gift' is defined by more than one scheme: city-points (rongcheng, New Year gift for red-list citizens)"), "\(detail)")
            #expect(detail.hasSuffix("ask again naming one with ?scheme="))

            let chinese = try await client.call(.get, "/eligibility/new-year-gift/subjects/\(subject)", token: world.token(.relyingParty),
                                                headers: ["Accept-Language": "zh-CN,zh;q=0.9,en;q=0.5"])
            #expect(chinese.status == .badRequest && chinese.object["code"] as? String == "ambiguous-measure")
            #expect(chinese.headers[HTTPField.Name("Content-Language")!] == "zh")
            let zh = chinese.object["detail"] as? String ?? ""
            #expect(zh.hasPrefix("措施 'new-year-gift' 由多个方案定义：city-points（rongcheng，红名单市民新春慰问品）"), "\(zh)")
            #expect((chinese.object["candidates"] as? [[String: Any]])?.count == 2)

            // The batch route refuses the same way; naming the scheme answers.
            let batch = try await client.call(.post, "/eligibility/new-year-gift/checks", token: world.token(.relyingParty),
                                              json: #"{"subjects":["\#(subject)"]}"#, headers: ["Accept-Language": "zh"])
            #expect(batch.status == .badRequest && (batch.object["detail"] as? String)?.hasPrefix("措施") == true)
            #expect((batch.object["candidates"] as? [[String: Any]])?.count == 2)
            let named = try await client.call(.get, "/eligibility/new-year-gift/subjects/\(subject)?scheme=village-points", token: world.token(.relyingParty))
            #expect(named.status == .ok && named.object["scheme"] as? String == "village-points", "\(named.text)")
            // An id only one scheme defines needs no scheme.
            let unique = try await client.call(.get, "/eligibility/flat-rental-deposit/subjects/\(subject)", token: world.token(.relyingParty))
            #expect(unique.status == .ok && unique.object["scheme"] as? String == "resident-score")
        }
    }
}
