import CivicCore
import Foundation
import Testing

/// The lint page numbers a handbook's lines as YAML counts them, so a problem sits beside the line it names
/// even when the text's line breaks are carriage returns (found by the handbook fuzz target).
@Suite struct HandbookLinesPageTests {
    @Test func aProblemSitsBesideItsLineWhateverTheLineBreaks() async throws {
        let web = try await WebWorld.make(residents: 20)
        let current = try #require(try await web.world.services.engine.handbooks().current(for: Jurisdiction.ID("rongcheng")))
        let lines = current.source.components(separatedBy: "\n")
        let badLine = try #require(lines.firstIndex { $0.contains("type: points") }) + 1
        let broken = current.source.replacingOccurrences(of: "type: points", with: "type: pointz")
        for (name, newline) in [("CR", "\r"), ("CR LF", "\r\n")] {
            let source = broken.replacingOccurrences(of: "\n", with: newline)
            try await web.application().test(.router) { client in
                let browser = try await AdminPageTests.signedIn(client, web)
                let lint = try await browser.post("/admin/handbook/lint", [("jurisdiction", "rongcheng"), ("source", source)], tokenFrom: "/admin/handbook")
                #expect(lint.status == .unprocessableContent, "\(name)")
                #expect(lint.text.components(separatedBy: "<li id=\"line-").count - 1 == lines.count, "\(name): every line numbered once")
                #expect(lint.text.contains("id=\"line-\(badLine)\" value=\"\(badLine)\" class=\"line-error\""), "\(name): the problem's line is marked")
            }
        }
    }
}
