public import Foundation

/// The words of the pages in one language: `AREA.json` files of flat `key: text` pairs, so
/// `{{t.AREA.key}}` in a template and `catalog["AREA.key"]` in code name the same text.
public struct Catalog: Sendable {
    public let language: Language
    /// Area -> key -> text.
    public let areas: [String: [String: String]]

    public init(language: Language, areas: [String: [String: String]]) {
        self.language = language
        self.areas = areas
    }

    /// Reads every `*.json` file in `directory`; a file that is not an object of strings is an error
    /// naming the file.
    public init(language: Language, directory: URL) throws {
        var areas: [String: [String: String]] = [:]
        let files = try FileManager.default.contentsOfDirectory(at: directory, includingPropertiesForKeys: nil)
            .filter { $0.pathExtension == "json" }
        for file in files {
            let data = try Data(contentsOf: file)
            do {
                areas[file.deletingPathExtension().lastPathComponent] = try JSONDecoder().decode([String: String].self, from: data)
            } catch {
                throw CatalogError(file: file.lastPathComponent, language: language, detail: "not an object of strings: \(error)")
            }
        }
        self.init(language: language, areas: areas)
    }

    /// The text for `area.key`; the key itself, bracketed, if missing (a test keeps catalogs complete).
    public subscript(_ key: String) -> String {
        let parts = key.split(separator: ".", maxSplits: 1)
        guard parts.count == 2, let text = areas[String(parts[0])]?[String(parts[1])] else { return "[\(key)]" }
        return text
    }

    /// The text for `area.key` with `{name}` placeholders filled in.
    public func format(_ key: String, _ values: [String: String]) -> String {
        var text = self[key]
        for (name, value) in values {
            text = text.replacingOccurrences(of: "{\(name)}", with: value)
        }
        return text
    }

    /// Every `area.key`, for the completeness test.
    public var keys: Set<String> {
        Set(areas.flatMap { area, texts in texts.keys.map { "\(area).\($0)" } })
    }

    /// Whether a text from outside (a query parameter) has the shape of a key: `area.key`, letters and digits.
    static func isKey(_ text: String) -> Bool {
        let parts = text.split(separator: ".", omittingEmptySubsequences: false)
        return parts.count == 2 && text.utf8.count <= 64 && parts.allSatisfy { !$0.isEmpty && $0.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber) } }
    }

    /// The catalog as Mustache sees it (`t.area.key`).
    var mustacheValue: [String: Any] { areas.mapValues { $0 as Any } }
}

public struct CatalogError: Error, CustomStringConvertible {
    public var file: String
    public var language: Language
    public var detail: String
    public var description: String { "catalog \(language.rawValue)/\(file): \(detail)" }
}
