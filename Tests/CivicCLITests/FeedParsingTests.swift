@testable import CivicCLI
import CivicCore
import Testing

/// Authority feeds read from text, on inputs found by scripts/fuzz feed-csv (kept in Fuzz/regressions/feed-csv).
@Suite struct FeedParsingTests {
    static let header = "id,kind,subject,rule,scheme,source_record,occurred_on,statement\n"

    @Test("a quote followed by a combining mark still counts as a quote when checking that quoted fields close")
    func quoteBeforeCombiningMark() throws {
        // U+07ED (a combining mark) right after the opening quote made one character of the two, so the file
        // seemed to hold an odd number of quotes and a well-formed feed was refused as truncated.
        let feed = Self.header + "\"c-0\",\"record\",\"p-4R\",\"\u{07ED}RT\",\"\",\"case-7\",\"2026-03-05\",\"Judgment\"\n"
        let records = try AuthorityFeed.parseCSV(feed, file: "feed.csv")
        #expect(records.map(\.id) == ["c-0"])
        #expect(records.first?.rule?.rawValue == "\u{07ED}RT")
        // And the reverse: an unclosed quote hidden the same way is still found.
        let cut = Self.header + "c-1,record,p-4,,,case-7,2026-03-05,\"\u{07ED}never closed\n"
        #expect(throws: CivicError.self) { try AuthorityFeed.parseCSV(cut, file: "feed.csv") }
    }

    @Test("a lone quote inside a quoted field is refused with its line, not read with the next character dropped")
    func loneQuoteInQuotedField() throws {
        // The CSV reader read "a "paid" b" as `a "aid" b`: a malformed row filed with its statement changed.
        let feed = Self.header + "c-1,record,p-4,,,case-7,2026-03-05,ok\nc-2,record,p-4,,,case-8,2026-03-05,\"a \"paid\" b\"\n"
        do {
            _ = try AuthorityFeed.parseCSV(feed, file: "feed.csv")
            Issue.record("a lone quote in a quoted field was read")
        } catch {
            #expect(error.code == .invalidInput)
            #expect(error.location == "feed.csv:3")
            #expect(error.message.contains("not doubled"))
        }
        let cut = Self.header + "c-1,record,p-4,,,case-7,2026-03-05,ok\nc-2,record,p-4,,,case-8,2026-03-05,\"cut\n"
        do {
            _ = try AuthorityFeed.parseCSV(cut, file: "feed.csv")
            Issue.record("an unclosed quoted field was read")
        } catch {
            #expect(error.location == "feed.csv:3" && error.message.contains("never closed"))
        }
        // Doubled quotes, quoted delimiters and line breaks, and quotes inside an unquoted field still read.
        let fine = Self.header + "c-3,record,p-4,,,case-9,2026-03-05,\"say \"\"no\"\", then\r\nleave\"\r\nc-4,record,p-4,,,x,2026-03-05,5\" screen\n"
        let records = try AuthorityFeed.parseCSV(fine, file: "feed.csv")
        #expect(records.map(\.statement) == ["say \"no\", then\r\nleave", "5\" screen"])
    }

    @Test("records written back with every field quoted read as the same records")
    func roundTrip() throws {
        let feed = Self.header + "c-1,record,p-4,R-COURT-DEFAULT,city-points,case-7,2026-03-05,\"Judgment, \"\"not\"\" carried out\"\n"
            + "rem-1,remedy,p-4,,,case-7,2026-04-01,\"paid\nin full\"\n"
        let records = try AuthorityFeed.parseCSV(feed, file: "feed.csv")
        #expect(records.count == 2 && records[0].statement == "Judgment, \"not\" carried out" && records[1].statement == "paid\nin full")
    }
}
