import CivicCore
import CivicTesting
import Testing

/// A measure id names one measure only together with its scheme. Where a city's scheme and a
/// village's both define `new-year-gift`, a relying party that names neither is refused with both
/// listed, rather than answered by whichever scheme happens to rate the person.
@Suite struct MeasureNamingTests {
    /// Two schemes rate every villager; each defines `new-year-gift` with its own threshold, and only the
    /// city's defines `bike-deposit-free`.
    static func world() async throws -> TestWorld {
        let city = pointsScheme("city-points", rules: [rule("litter", Points(-30), category: "sanitation")], measures: [
            measure("new-year-gift", .reward, domain: .community, condition: .scoreAtLeast(Points(1000))),
            measure("bike-deposit-free", .reward, domain: .community, condition: .scoreAtLeast(Points(960))),
        ])
        let village = pointsScheme("village-credit", rules: [rule("help", Points(5))], measures: [
            measure("new-year-gift", .reward, domain: .community, condition: .scoreAtLeast(Points(1005))),
        ])
        return try await TestWorld.make(schemes: [city, village], subjects: [person("wang-fang")])
    }

    @Test func anAmbiguousMeasureIsRefusedWithItsSchemesListed() async throws {
        let engine = try await Self.world().engine(on: day("2026-01-10"))
        for attempt in [{ _ = try await engine.check("wang-fang", measure: "new-year-gift") },
                        { _ = try await engine.check(["wang-fang"], measure: "new-year-gift") }] {
            let error = try await #require(throws: CivicError.self) { try await attempt() }
            #expect(error.code == .invalidInput)
            #expect(error.location == "scheme")
            #expect(error.message.contains("'city-points', 'village-credit'"), "\(error.message)")
        }
    }

    @Test func theSchemeNamedAnswersAndSaysSo() async throws {
        let engine = try await Self.world().engine(on: day("2026-01-10"))
        let city = try await engine.check("wang-fang", measure: "new-year-gift", scheme: "city-points")
        #expect(city.applies && city.scheme == "city-points" && city.reason == "no-record:score-at-least:1000")
        let village = try await engine.check("wang-fang", measure: "new-year-gift", scheme: "village-credit")
        #expect(!village.applies && village.scheme == "village-credit", "1,000 is below the village's 1,005")
        let batch = try await engine.check(["wang-fang"], measure: "new-year-gift", scheme: "village-credit")
        #expect(batch["wang-fang"] == village)
        // A measure only one scheme defines needs no scheme, and says which one answered.
        #expect(try await engine.check("wang-fang", measure: "bike-deposit-free").scheme == "city-points")
    }

    @Test func aSchemeWithoutTheMeasureIsNotFound() async throws {
        let engine = try await Self.world().engine(on: day("2026-01-10"))
        let error = try await #require(throws: CivicError.self) {
            try await engine.check("wang-fang", measure: "bike-deposit-free", scheme: "village-credit")
        }
        #expect(error.code == .notFound)
        #expect(error.message.contains("it is a measure of 'city-points'"), "\(error.message)")
        let unknown = try await #require(throws: CivicError.self) { try await engine.check("wang-fang", measure: "no-such-thing") }
        #expect(unknown.code == .notFound)
    }
}
