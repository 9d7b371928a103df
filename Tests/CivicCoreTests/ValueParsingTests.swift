import CivicCore
import Foundation
import Testing

/// The value parsers on inputs found by scripts/fuzz values (kept in Fuzz/regressions/values): each value
/// has one text, and what is read prints back as that text and reads again.
@Suite struct ValueParsingTests {
    @Test("months and quarters are digits only: a signed year is not read as another year")
    func signedYears() {
        for text in ["+026-01", "-026-01", "2026-+1", " 026-01"] { #expect(Month(iso: text) == nil, "\(text)") }
        for text in ["+026-Q1", "-026-Q1", "2026-Q+"] { #expect(Quarter(iso: text) == nil, "\(text)") }
        #expect(Month(iso: "0026-01")?.description == "0026-01")
        #expect(Quarter(iso: "2026-Q4")?.description == "2026-Q4")
    }

    @Test("a month or a quarter that reads prints as its text", arguments: ["2026-01", "0001-12", "9999-12"])
    func monthRoundTrip(_ text: String) throws {
        #expect(try #require(Month(iso: text)).description == text)
    }

    @Test("points as a JSON whole number keep to the text form's twelve digits instead of overflowing")
    func pointsFromJSONNumbers() throws {
        let decoder = JSONDecoder()
        // 92233720368547759 x 100 overflowed Int64: a trap that took down whatever decoded it.
        #expect(throws: DecodingError.self) { try decoder.decode([Points].self, from: Data("[92233720368547759]".utf8)) }
        #expect(throws: DecodingError.self) { try decoder.decode([Points].self, from: Data("[-92233720368547759]".utf8)) }
        // Thirteen digits read as a number but not as text: refused both ways now.
        #expect(throws: DecodingError.self) { try decoder.decode([Points].self, from: Data("[1000000000000]".utf8)) }
        let largest = try decoder.decode([Points].self, from: Data("[999999999999, -999999999999]".utf8))
        #expect(largest == [Points(999_999_999_999), Points(-999_999_999_999)])
        let again = try decoder.decode([Points].self, from: try JSONEncoder().encode(largest))
        #expect(again == largest)
    }
}
