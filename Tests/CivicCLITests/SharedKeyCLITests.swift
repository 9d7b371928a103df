import Foundation
import Testing

/// `civic shared-key`: the keys every server shares are listed without their secrets, rotated and retired.
@Suite struct SharedKeyCLITests {
    /// Proves a rotation adds a key that signs while the previous one verifies, the only key cannot be retired,
    /// and a retired key leaves the list.
    @Test func rotateListRetire() throws {
        let civic = try CivicRunner()
        defer { civic.remove() }
        let initialised = try civic.run(["init", "--jurisdiction", "testville", "--name-en", "Testville", "--name-zh", "测试村", "--as-of", "2026-03-01"])
        #expect(initialised.status == 0, "stderr: \(initialised.stderr)")
        func ids(_ listing: String) -> [String] { listing.split(separator: "\n").map { String($0.split(separator: " ")[1]) } }

        #expect(try civic.run(["shared-key", "rotate"]).status == 0)
        let one = try civic.run(["shared-key", "list"])
        #expect(one.status == 0)
        let first = try #require(ids(one.stdout).first)
        #expect(one.stdout.hasSuffix("signs\n"))

        let only = try civic.run(["shared-key", "retire", first])
        #expect(only.status != 0)
        #expect(only.stderr.contains("only form key"))

        Thread.sleep(forTimeInterval: 1.1)  // a later creation time, so the new key is the newest
        #expect(try civic.run(["shared-key", "rotate"]).status == 0)
        let two = try civic.run(["shared-key", "list"]).stdout
        #expect(ids(two).count == 2)
        #expect(ids(two).last == first)
        #expect(two.contains("signs\n") && two.contains("verifies\n"))

        #expect(try civic.run(["shared-key", "retire", first]).status == 0)
        #expect(!ids(try civic.run(["shared-key", "list"]).stdout).contains(first))
        #expect(try civic.run(["shared-key", "retire", "nothing"]).status != 0)
    }
}
