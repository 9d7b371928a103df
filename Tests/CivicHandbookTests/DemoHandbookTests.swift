import CivicCore
import CivicHandbook
import Foundation
import Testing

@Suite struct DemoHandbookTests {
    @Test(arguments: ["rongcheng.yaml", "zhaojiashan.yaml", "yangqiao.yaml"])
    func demoHandbookLoadsCleanly(file: String) throws {
        // Proves each bundled demo handbook parses with no errors and no warnings.
        let result = HandbookLoader.parse(try demoHandbookText(file), file: file)
        #expect(messages(result.diagnostics) == [])
        #expect(result.handbook != nil)
    }
}

@Suite struct DocumentationExampleTests {
    @Test func fullExampleInTheFormatReferenceLintsCleanly() throws {
        // Proves the full example in docs/handbook.md is a valid handbook with no warnings, so the reference cannot drift from the loader.
        let tests = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        let docs = tests.deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("docs/handbook.md")
        let markdown = try String(contentsOf: docs, encoding: .utf8)
        let section = try #require(markdown.range(of: "## A full example"))
        let after = markdown[section.upperBound...]
        let start = try #require(after.range(of: "```yaml\n"))
        let end = try #require(after[start.upperBound...].range(of: "```"))
        let example = String(after[start.upperBound..<end.lowerBound])
        #expect(messages(HandbookLoader.lint(example, file: "handbook.md")) == [])
    }
}
