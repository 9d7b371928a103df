// The value parsers every interface shares: days (YYYY-MM-DD), months (YYYY-MM), quarters (YYYY-Qn),
// points ("2", "-0.5", and in JSON also a whole number) and identifiers, as the core, the API's JSON
// and the command line (parseDay, parseMonth, parsePoints) read them.
//
// Properties: nothing traps; whatever parses prints back as exactly the text it was read from (one
// text per value, so a value in a URL, a file and the ledger is the same string), and parses again
// to the same value; JSON decode -> encode -> decode is the identity; errors are CivicError.
@testable import CivicCLI
@testable import CivicCore
import Foundation
import FuzzSupport

struct Tag {}

@main
enum FuzzValues {
    static func main() { runFuzzer(fuzzValues) }
}

/// One input, 0 when every property holds. Also exported as LLVMFuzzerTestOneInput, which libFuzzer's
/// runtime library references even when its own `main` is not the one that runs.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzValues(_ data: UnsafePointer<UInt8>?, _ count: Int) -> CInt {
    let input = bytes(data, count)
    let text = String(decoding: input, as: UTF8.self)

    if let day = Day(iso: text) {
        expect(day.description == text, "day '\(text)' prints as '\(day)'")
        expect(Day(iso: day.description) == day, "day '\(day)' does not parse back")
        expect(Day(year: day.year, month: day.components.month, day: day.components.day) == day, "day '\(day)' components")
    }
    if let month = Month(iso: text) {
        expect(month.description == text, "month '\(text)' prints as '\(month)'")
        expect(Month(iso: month.description) == month, "month '\(month)' does not parse back")
        expect(month.firstDay.month == month && month.lastDay.month == month, "month '\(month)' days")
    }
    if let quarter = Quarter(iso: text) {
        expect(quarter.description == text, "quarter '\(text)' prints as '\(quarter)'")
        expect(Quarter(iso: quarter.description) == quarter, "quarter '\(quarter)' does not parse back")
        expect(quarter.firstDay.quarter == quarter && quarter.lastDay.quarter == quarter, "quarter '\(quarter)' days")
    }
    if let points = Points(parsing: text) {
        expect(Points(parsing: points.description) == points, "points '\(text)' -> '\(points)' does not parse back")
        expect(Points(parsing: points.signedDescription) == points, "points '\(points.signedDescription)' does not parse back")
    }
    // The command line's readers: a CivicError or a value, never a trap.
    do throws(CivicError) {
        let day = try parseDay(text, field: "--day")
        expect(supportedYears.contains(day.year), "parseDay accepted \(day)")
    } catch {
        expect(error.code == .invalidInput, "parseDay: \(error)")
    }
    do throws(CivicError) {
        let month = try parseMonth(text, field: "--month")
        expect(supportedYears.contains(month.year), "parseMonth accepted \(month)")
    } catch {
        expect(error.code == .invalidInput, "parseMonth: \(error)")
    }
    // Identifiers: validity is the documented syntax, and the checked initialiser agrees with it.
    let valid = Identifier<Tag>.isValid(text)
    do throws(CivicError) {
        let id = try Identifier<Tag>(validating: text, field: "id")
        expect(valid && id.rawValue == text, "identifier '\(text)' accepted against isValid")
        expect(text.utf8.count <= Limits.identifierLengthMax && !text.contains("+"), "identifier '\(text)' breaks the syntax")
    } catch {
        expect(!valid, "identifier '\(text)' refused but isValid")
    }

    // The same text as a JSON document: a day, a month and points as the API and the stores decode them.
    let json = Data(input)
    roundTrip([Day].self, json)
    roundTrip([Month].self, json)
    roundTrip([Quarter].self, json)
    roundTrip([Points].self, json)
    return 0
}

func roundTrip<T: Codable & Equatable>(_ type: T.Type, _ json: Data) {
    guard let value = try? JSONDecoder().decode(T.self, from: json) else { return }
    let encoded: Data
    do {
        encoded = try JSONEncoder().encode(value)
    } catch {
        fail("\(T.self) \(value) does not encode: \(error)")
    }
    do {
        let again = try JSONDecoder().decode(T.self, from: encoded)
        expect(again == value, "\(T.self) \(value) -> \(String(decoding: encoded, as: UTF8.self)) -> \(again)")
    } catch {
        fail("\(T.self) \(value) encodes as \(String(decoding: encoded, as: UTF8.self)), which does not decode: \(error)")
    }
}
