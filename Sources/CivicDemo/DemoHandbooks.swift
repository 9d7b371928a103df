public import CivicCore
import CivicHandbook
import Foundation

/// The handbooks the demo publishes, bundled as YAML files: a city with a points
/// scheme and a company scheme, a village with a yearly quota, a village with
/// household stars.
///
/// Beside them the product bundles the other reported schemes (`bundledFiles()`),
/// which the demo does not publish: an operator publishes one onto its jurisdiction
/// with `civic handbook publish --bundled FILE` (docs/schemes.md).
public enum DemoHandbooks {
    /// File names in publishing order (the city first, its villages after).
    public static let files = ["rongcheng.yaml", "zhaojiashan.yaml", "yangqiao.yaml"]

    /// Every bundled handbook file, the demo's and the others, sorted by name.
    public static func bundledFiles() throws -> [String] {
        guard let directory = Bundle.module.resourceURL?.appendingPathComponent("Handbooks", isDirectory: true),
              let names = try? FileManager.default.contentsOfDirectory(atPath: directory.path) else {
            throw CivicError(.corrupted, "the bundled handbooks directory is missing")
        }
        return names.filter { $0.hasSuffix(".yaml") }.sorted()
    }

    /// The text of a bundled handbook file; the name may leave out `.yaml`.
    public static func text(_ file: String) throws -> String {
        let name = file.hasSuffix(".yaml") ? String(file.dropLast(".yaml".count)) : file
        guard !name.isEmpty, !name.contains("/"),
              let url = Bundle.module.url(forResource: name, withExtension: "yaml", subdirectory: "Handbooks")
                ?? Bundle.module.url(forResource: name, withExtension: "yaml") else {
            let known = ((try? bundledFiles()) ?? []).joined(separator: ", ")
            throw CivicError(.notFound, "no bundled handbook '\(file)' (bundled: \(known))")
        }
        return try String(contentsOf: url, encoding: .utf8)
    }

    /// Every bundled handbook, parsed and checked, with its source text.
    public static func load() throws -> [(handbook: Handbook, source: String)] {
        try files.map { file in
            let source = try text(file)
            do {
                return (try HandbookLoader.load(source, file: file), source)
            } catch {
                throw CivicError(.corrupted, "the bundled demo handbook \(file) does not lint: \(error)")
            }
        }
    }
}
