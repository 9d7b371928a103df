import CivicHandbook
import Testing

/// Lines as YAML counts them: a diagnostic's line is a line the lint page shows, whatever breaks the text uses.
@Suite struct SourceLinesTests {
    @Test func breaksAreYAMLs() {
        #expect(SourceLines.split("a\nb\r\nc\rd\u{85}e\u{2028}f\u{2029}g").map(String.init) == ["a", "b", "c", "d", "e", "f", "g"])
        #expect(SourceLines.split("a\u{0B}b\u{0C}c").count == 1, "vertical tab and form feed do not end a YAML line")
        #expect(SourceLines.split("a\n").map(String.init) == ["a", ""])
        #expect(SourceLines.split("").count == 1)
    }

    /// Found by the handbook fuzz target: a YAML error in a text whose line breaks are lone CRs was reported at
    /// line 11 of what the lint page showed as 4 lines.
    @Test func aDiagnosticInATextWithLoneCRsPointsAtAShownLine() {
        let fuzzed = "jurisdiction\r\r\r\r\r\r\r\r\r\r:  aGVsbG6=\nversion: !!float housing-and-land1e400\ntidiction:  aGVsbG6=\nv]"
        let result = HandbookLoader.parse(fuzzed, file: "fuzzed.yaml")
        #expect(result.hasErrors)
        let lines = SourceLines.split(fuzzed)
        for diagnostic in result.diagnostics {
            #expect((1...lines.count).contains(diagnostic.line), "\(diagnostic) of \(lines.count) lines")
        }

        // A syntax error on the third line of a text with classic Mac line breaks is reported on the third line.
        let text = "jurisdiction: testville\rversion: 1\rschemes: [\r"
        let diagnostics = HandbookLoader.parse(text, file: "mac.yaml").diagnostics.filter { $0.message.contains("invalid YAML") }
        #expect(diagnostics.first.map { (3...4).contains($0.line) } == true, "\(diagnostics)")
        #expect(SourceLines.split(text).count == 4)
    }
}
