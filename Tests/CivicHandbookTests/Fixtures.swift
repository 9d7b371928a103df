import CivicCore
import CivicHandbook
import Foundation

/// Reads a demo handbook from the source tree, next to this test target.
func demoHandbookText(_ name: String) throws -> String {
    let tests = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
    let file = tests.deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Sources/CivicDemo/Handbooks/\(name)")
    return try String(contentsOf: file, encoding: .utf8)
}

/// Every `.yaml` file in Sources/CivicDemo/Handbooks, sorted by name.
func bundledHandbookFiles() throws -> [String] {
    let tests = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
    let directory = tests.deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("Sources/CivicDemo/Handbooks")
    return try FileManager.default.contentsOfDirectory(atPath: directory.path).filter { $0.hasSuffix(".yaml") }.sorted()
}

/// A minimal valid handbook with one points scheme; `rules` is spliced in as YAML lines (indented 6).
func smallHandbook(rules: String, extra: String = "") -> String {
    """
    jurisdiction: testville
    version: 1
    title: {en: Testville, zh: 测试村}
    schemes:
      - id: village
        title: {en: Village points, zh: 村积分}
        subjects: [person]
        scale: {type: points, base: 1000, floor: 0, ceiling: 1200}
        negative_expiry_days: 365
        grades:
          bands:
            - {grade: A, minimum: 960}
            - {grade: B, minimum: 850}
            - {grade: D, minimum: 0}
        rules:
    \(rules)
    \(extra)
    """
}

func messages(_ diagnostics: [Diagnostic]) -> [String] { diagnostics.map(\.description) }
