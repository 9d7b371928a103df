// An authority's JSON feed (`civic report import FILE.json`): an array of objects with the CSV's keys
// (snake_case or camelCase).
//
// Properties: nothing traps; a refusal is a CivicError `invalidInput` naming the file; every record that
// is read is valid (identifier syntax, a day in the supported years, no empty required field); the records,
// written back as JSON, read as the same records.
@testable import CivicCLI
@testable import CivicCore
import Foundation
import FuzzSupport

@main
enum FuzzFeedJSON {
    static func main() { runFuzzer(fuzzFeedJSON) }
}

/// One input, 0 when every property holds. Also exported as LLVMFuzzerTestOneInput, which libFuzzer's
/// runtime library references even when its own `main` is not the one that runs.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzFeedJSON(_ data: UnsafePointer<UInt8>?, _ count: Int) -> CInt {
    let input = Data(bytes(data, count))
    let records: [AuthorityRecord]
    do throws(CivicError) {
        records = try AuthorityFeed.parseJSON(input, file: "feed.json")
    } catch {
        expect(error.code == .invalidInput, "feed refused with \(error.code): \(error)")
        expect(error.message.contains("feed.json") || error.location?.hasPrefix("feed.json") == true, "feed error does not name the file: \(error)")
        return 0
    }
    for record in records {
        expect(Report.ID.isValid(record.id) && Subject.ID.isValid(record.subject.rawValue), "invalid id in \(record)")
        expect(supportedYears.contains(record.occurredOn.year), "day outside the supported years in \(record)")
        expect(!record.sourceRecord.isEmpty && !record.statement.isEmpty, "empty required field in \(record)")
    }
    let objects: [[String: String]] = records.map { record in
        var object = ["id": record.id, "kind": record.kind.rawValue, "subject": record.subject.rawValue, "source_record": record.sourceRecord,
                      "occurred_on": record.occurredOn.description, "statement": record.statement]
        object["rule"] = record.rule?.rawValue
        object["scheme"] = record.scheme?.rawValue
        return object
    }
    do {
        let written = try JSONSerialization.data(withJSONObject: objects, options: [.sortedKeys])
        let again = try AuthorityFeed.parseJSON(written, file: "again.json")
        expect(again == records, "records \(records) written back read as \(again)")
    } catch {
        fail("records \(records) written back are refused: \(error)")
    }
    return 0
}
