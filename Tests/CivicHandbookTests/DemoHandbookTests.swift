import CivicCore
import CivicDemo
import CivicHandbook
import Foundation
import Testing

@Suite struct DemoHandbookTests {
    @Test(arguments: try bundledHandbookFiles())
    func bundledHandbookLoadsCleanly(file: String) throws {
        // Proves every handbook file in Sources/CivicDemo/Handbooks, whatever its name, parses with no errors and no warnings.
        let result = HandbookLoader.parse(try demoHandbookText(file), file: file)
        #expect(messages(result.diagnostics) == [])
        #expect(result.handbook != nil)
    }

    @Test func everySourceHandbookIsBundledAndTheDemoSetIsAmongThem() throws {
        // Proves the files the product ships (the CivicDemo bundle) are exactly those in the source tree, so none is left out
        // of this suite's lint loop or of `civic handbook bundled`, and that the demo publishes only bundled files.
        let shipped = try DemoHandbooks.bundledFiles()
        #expect(shipped == (try bundledHandbookFiles()))
        #expect(shipped.count >= 9)
        #expect(Set(DemoHandbooks.files).isSubset(of: Set(shipped)))
    }

    @Test func bundledHandbooksUseDistinctJurisdictionsSchemesAndMeasures() throws {
        // Proves the bundled handbooks can all be published into one deployment: each names its own jurisdiction,
        // and no scheme id or measure id appears twice across them (a relying party never has to name the scheme),
        // except the demo's own two `new-year-gift` measures, which predate the others.
        var jurisdictions: [String] = [], schemes: [String] = [], measures: [String] = []
        for file in try bundledHandbookFiles() {
            let handbook = try HandbookLoader.load(try demoHandbookText(file), file: file)
            jurisdictions.append(handbook.jurisdiction.rawValue)
            for scheme in handbook.schemes {
                schemes.append(scheme.id.rawValue)
                measures += scheme.measures.map(\.id.rawValue)
            }
        }
        func repeated(_ ids: [String]) -> [String] { Dictionary(grouping: ids, by: { $0 }).filter { $0.value.count > 1 }.keys.sorted() }
        #expect(repeated(jurisdictions) == [])
        #expect(repeated(schemes) == [])
        #expect(repeated(measures) == ["new-year-gift"])
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
