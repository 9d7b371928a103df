import CivicCore
import CivicHandbook
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
