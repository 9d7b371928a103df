import Foundation
import Testing
@testable import CivicWeb

@Suite struct CatalogTests {
    static func catalogs() throws -> (en: Catalog, zh: Catalog) {
        let root = try #require(Bundle.module(for: Catalog.self))
        return (try Catalog(language: .en, directory: root.appendingPathComponent("Locales/en")),
                try Catalog(language: .zh, directory: root.appendingPathComponent("Locales/zh")))
    }

    /// Every text exists in both languages: a key in one catalog and not the other would show as `[area.key]`.
    @Test func bothLanguagesHaveTheSameKeys() throws {
        let (en, zh) = try Self.catalogs()
        #expect(en.keys.count > 50)
        #expect(en.keys.subtracting(zh.keys).sorted() == [])
        #expect(zh.keys.subtracting(en.keys).sorted() == [])
    }

    /// No text is empty, and the Chinese catalog is not a copy of the English one.
    @Test func textsAreTranslated() throws {
        let (en, zh) = try Self.catalogs()
        for key in en.keys {
            #expect(!en[key].isEmpty, "\(key) is empty in English")
            #expect(!zh[key].isEmpty, "\(key) is empty in Chinese")
        }
        let same = en.keys.filter { en[$0] == zh[$0] && en[$0].contains(where: \.isLetter) && en[$0].count > 3 }
        #expect(same.count * 20 < en.keys.count, "untranslated: \(same.sorted().prefix(10))")
    }

    /// Placeholders match: a `{name}` in English is in Chinese too.
    @Test func placeholdersMatch() throws {
        let (en, zh) = try Self.catalogs()
        let pattern = try Regex(#"\{[a-zA-Z]+\}"#)
        for key in en.keys {
            let english = Set(en[key].matches(of: pattern).map { String(en[key][$0.range]) })
            let chinese = Set(zh[key].matches(of: pattern).map { String(zh[key][$0.range]) })
            #expect(english == chinese, "\(key): \(english) vs \(chinese)")
        }
    }

    /// Every `{{t.area.key}}` a template uses exists in the catalogs.
    @Test func templatesUseKnownKeys() throws {
        let (en, _) = try Self.catalogs()
        let root = try #require(Bundle.module(for: Catalog.self)).appendingPathComponent("Templates")
        let pattern = try Regex(#"\{\{\s*t\.([a-zA-Z]+)\.([a-zA-Z0-9]+)\s*\}\}"#)
        var missing: [String] = []
        let files = FileManager.default.enumerator(at: root, includingPropertiesForKeys: nil)?.compactMap { $0 as? URL } ?? []
        #expect(files.contains { $0.lastPathComponent == "layout.mustache" })
        for file in files where file.pathExtension == "mustache" {
            let text = try String(contentsOf: file, encoding: .utf8)
            for match in text.matches(of: pattern) {
                let key = String(text[match.range]).trimmingCharacters(in: CharacterSet(charactersIn: "{} ")).dropFirst(2)
                if !en.keys.contains(String(key)) { missing.append("\(file.lastPathComponent): \(key)") }
            }
        }
        #expect(missing == [])
    }
}

extension Bundle {
    /// The CivicWeb resource folder (Resources/) inside its bundle.
    static func module(for _: Catalog.Type) -> URL? {
        WebResources.root
    }
}
