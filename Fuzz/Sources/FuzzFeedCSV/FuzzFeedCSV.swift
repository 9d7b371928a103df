// An authority's CSV feed (`civic report import FILE.csv`): court judgments, unpaid taxes and their
// remedies, read whole by the CSV table reader and turned into checked records.
//
// Properties: nothing traps; a refusal is a CivicError `invalidInput` located at the file (and line);
// every record that is read is valid (a report id and a subject id of the identifier syntax, a day in the
// supported years, no empty required field); the records, written back as CSV with every field quoted,
// read as the same records.
@testable import CivicCLI
@testable import CivicCore
import FuzzSupport

@main
enum FuzzFeedCSV {
    static func main() { runFuzzer(fuzzFeedCSV) }
}

/// One input, 0 when every property holds. Also exported as LLVMFuzzerTestOneInput, which libFuzzer's
/// runtime library references even when its own `main` is not the one that runs.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzFeedCSV(_ data: UnsafePointer<UInt8>?, _ count: Int) -> CInt {
    let text = FuzzSupport.text(data, count)
    let records: [AuthorityRecord]
    do throws(CivicError) {
        records = try AuthorityFeed.parseCSV(text, file: "feed.csv")
    } catch {
        expect(error.code == .invalidInput, "feed refused with \(error.code): \(error)")
        expect(error.location?.hasPrefix("feed.csv") == true, "feed error not located in the file: \(error)")
        return 0
    }
    for record in records {
        expect(Report.ID.isValid(record.id) && Subject.ID.isValid(record.subject.rawValue), "invalid id in \(record)")
        expect(supportedYears.contains(record.occurredOn.year), "day outside the supported years in \(record)")
        expect(!record.sourceRecord.isEmpty && !record.statement.isEmpty, "empty required field in \(record)")
    }
    let written = write(records)
    do throws(CivicError) {
        let again = try AuthorityFeed.parseCSV(written, file: "again.csv")
        expect(again == records, "records \(records) written back read as \(again)")
    } catch {
        fail("records \(records) written back as \(written.debugDescription) are refused: \(error)")
    }
    return 0
}

func write(_ records: [AuthorityRecord]) -> String {
    // Quotes doubled scalar by scalar: a quote followed by a combining mark is one Character with it.
    func quoted(_ text: String?) -> String {
        var scalars = String.UnicodeScalarView()
        for scalar in (text ?? "").unicodeScalars { scalars.append(contentsOf: scalar == "\"" ? ["\"", "\""] : [scalar]) }
        return "\"" + String(scalars) + "\""
    }
    var lines = ["id,kind,subject,rule,scheme,source_record,occurred_on,statement"]
    for record in records {
        lines.append([record.id, record.kind.rawValue, record.subject.rawValue, record.rule?.rawValue, record.scheme?.rawValue,
                      record.sourceRecord, record.occurredOn.description, record.statement].map(quoted).joined(separator: ","))
    }
    return lines.joined(separator: "\n") + "\n"
}
