public import CivicCore

/// The languages every page is written in.
public enum Language: String, Sendable, CaseIterable, Hashable {
    case en
    case zh

    /// The value of `<html lang>`.
    public var htmlTag: String { self == .en ? "en" : "zh-Hans" }

    /// The language's own name, for the switch.
    public var ownName: String { self == .en ? "English" : "中文" }

    public var other: Language { self == .en ? .zh : .en }

    /// The handbook's text in this language.
    public func pick(_ text: LocalizedText) -> String { self == .en ? text.en : text.zh }

    /// The language for a request: an explicit `?lang=`, then the remembered cookie, then the best
    /// match in `Accept-Language` (by its q-values), then English.
    public static func negotiate(query: String?, cookie: String?, acceptLanguage: String?) -> Language {
        if let query, let language = Language(code: query) { return language }
        if let cookie, let language = Language(code: cookie) { return language }
        guard let acceptLanguage else { return .en }
        var best: (language: Language, quality: Double)?
        for part in acceptLanguage.split(separator: ",").prefix(32) {
            let fields = part.split(separator: ";").map { $0.trimmingCharacters(in: .whitespaces) }
            guard let tag = fields.first, let language = Language(code: tag) else { continue }
            var quality = 1.0
            for field in fields.dropFirst() where field.hasPrefix("q=") {
                quality = Double(field.dropFirst(2)) ?? 0
            }
            guard quality > 0 else { continue }
            if best == nil || quality > best!.quality { best = (language, quality) }
        }
        return best?.language ?? .en
    }

    /// `en`, `en-GB`, `zh`, `zh-CN`, `zh-Hans`... (case-insensitive); nil for anything else.
    public init?(code: some StringProtocol) {
        let primary = code.split(separator: "-").first.map { $0.lowercased() } ?? ""
        switch primary {
        case "en": self = .en
        case "zh": self = .zh
        default: return nil
        }
    }
}
