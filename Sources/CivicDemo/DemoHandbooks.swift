public import CivicCore
import CivicHandbook
import Foundation

/// The handbooks the demo publishes, bundled as YAML files: a city with a points
/// scheme and a company scheme, a village with a yearly quota, a village with
/// household stars.
public enum DemoHandbooks {
    /// File names in publishing order (the city first, its villages after).
    public static let files = ["rongcheng.yaml", "zhaojiashan.yaml", "yangqiao.yaml"]

    /// The text of a bundled handbook file.
    public static func text(_ file: String) throws -> String {
        let name = (file as NSString).deletingPathExtension
        guard let url = Bundle.module.url(forResource: name, withExtension: "yaml", subdirectory: "Handbooks")
            ?? Bundle.module.url(forResource: name, withExtension: "yaml") else {
            throw CivicError(.notFound, "the demo handbook '\(file)' is not bundled")
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
