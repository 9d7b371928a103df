// The handbook loader: YAML (from `civic handbook lint/publish` and the API's POST /handbooks,
// /handbooks/lint and /handbooks/preview) into a checked Handbook or every problem with its place.
//
// Properties: nothing traps (Yams and the reader on hostile YAML: anchors, aliases, tags, deep nesting,
// huge numbers); parsing is deterministic; a handbook comes back exactly when no diagnostic is an error;
// every diagnostic names the file and a line and column inside the text; a handbook that loads survives
// the JSON form the store keeps unchanged, renders, and differs from itself in nothing.
@testable import CivicCore
@testable import CivicHandbook
import Foundation
import FuzzSupport

@main
enum FuzzHandbook {
    static func main() { runFuzzer(fuzzHandbook) }
}

/// One input, 0 when every property holds. Also exported as LLVMFuzzerTestOneInput, which libFuzzer's
/// runtime library references even when its own `main` is not the one that runs.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzHandbook(_ data: UnsafePointer<UInt8>?, _ count: Int) -> CInt {
    let text = FuzzSupport.text(data, count)
    let result = HandbookLoader.parse(text, file: "fuzz.yaml")
    // Lines as YAML counts them (a lone CR ends a line too), which is how the lint page numbers them.
    let lines = SourceLines.split(text).count
    for diagnostic in result.diagnostics {
        expect(diagnostic.file == "fuzz.yaml", "diagnostic for another file: \(diagnostic)")
        expect((0...lines + 1).contains(diagnostic.line) && diagnostic.column >= 0, "diagnostic outside the text (\(lines) lines): \(diagnostic)")
        expect(!diagnostic.message.isEmpty, "diagnostic without a message: \(diagnostic)")
    }
    expect((result.handbook == nil) == result.hasErrors, "handbook \(result.handbook == nil ? "missing" : "present") with errors \(result.errors)")
    expect(HandbookLoader.parse(text, file: "fuzz.yaml") == result, "parsing the same text twice differs")
    guard let handbook = result.handbook else { return 0 }
    do {
        let json = try JSONEncoder().encode(handbook)
        let again = try JSONDecoder().decode(Handbook.self, from: json)
        expect(again == handbook, "the handbook changes through JSON")
    } catch {
        fail("the handbook does not survive JSON: \(error)")
    }
    _ = HandbookRenderer.render(handbook)
    let diff = HandbookDiff(from: handbook, to: handbook)
    expect(diff.changes.isEmpty, "a handbook differs from itself: \(diff)")
    return 0
}
