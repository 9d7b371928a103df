import CivicCore
import CivicTesting
import Testing

/// "Did you mean": the distance that decides what a typo was meant to be, and the engine's unknown-name errors
/// that carry the names that exist.
@Suite struct SuggestionTests {
    @Test func editDistanceCountsASwapAsOneEdit() {
        #expect(Suggestions.editDistance("file", "file") == 0)
        #expect(Suggestions.editDistance("fiel", "file") == 1, "neighbouring letters swapped")
        #expect(Suggestions.editDistance("scroe", "score") == 1)
        #expect(Suggestions.editDistance("scor", "score") == 1)
        #expect(Suggestions.editDistance("kitten", "sitting") == 3)
        #expect(Suggestions.editDistance("", "abc") == 3)
        #expect(Suggestions.editDistance("ABC", "abc") == 0, "case does not count")
        #expect(Suggestions.editDistance("ca", "abc") == 3, "a swap is not followed by an insertion inside it (optimal string alignment)")
    }

    @Test func onlyANearNameIsSuggested() {
        let names = ["rongcheng", "yangqiao", "zhaojiashan"]
        #expect(Suggestions.closest(to: "rongchen", in: names) == "rongcheng")
        #expect(Suggestions.closest(to: "yanqgiao", in: names) == "yangqiao")
        #expect(Suggestions.closest(to: "beijing", in: names) == nil)
        #expect(Suggestions.closest(to: "ab", in: ["abc", "xyz"]) == "abc", "at least one edit is allowed for a short word")
        #expect(Suggestions.closest(to: "abcdefghijkl", in: ["abcdefgh"]) == nil, "at most three edits, however long the word")
        let suggestions = Suggestions(for: "rongchen", among: ["zhaojiashan", "rongcheng", "rongcheng"])
        #expect(suggestions.known == ["rongcheng", "zhaojiashan"], "sorted, each once")
        #expect(suggestions.closest == "rongcheng")
    }

    @Test func anUnknownMeasureCarriesTheMeasuresThatExist() async throws {
        let engine = try await MeasureNamingTests.world().engine(on: day("2026-01-10"))
        let error = try await #require(throws: CivicError.self) { try await engine.check("wang-fang", measure: "bike-depsoit-free") }
        #expect(error.code == .notFound)
        #expect(error.suggestions?.closest == "bike-deposit-free")
        #expect(error.suggestions?.known == ["bike-deposit-free", "new-year-gift"])
    }
}
