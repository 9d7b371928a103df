import CivicCore
import Foundation

/// The problem details the API publishes in both languages, by message code, and the choice between them.
///
/// Most problem details are for the developer of a relying party and are written in English; a refusal a
/// clerk at a counter may read aloud (which measure was meant) is given in the caller's language.
enum ProblemText {
    enum Language: String {
        case en, zh

        /// The caller's language from `Accept-Language`: the tag with the highest q-value among English and
        /// Chinese (`zh`, `zh-CN`, `zh-Hans`...), English when neither is asked for.
        init(acceptLanguage: String?) {
            var best: (language: Language, quality: Double)?
            for part in (acceptLanguage ?? "").split(separator: ",").prefix(32) {
                let fields = part.split(separator: ";").map { $0.trimmingCharacters(in: .whitespaces) }
                guard let tag = fields.first, let primary = tag.split(separator: "-").first?.lowercased(),
                      let language = Language(rawValue: primary) else { continue }
                var quality = 1.0
                for field in fields.dropFirst() where field.hasPrefix("q=") { quality = Double(field.dropFirst(2)) ?? 0 }
                guard quality > 0 else { continue }
                if best == nil || quality > best!.quality { best = (language, quality) }
            }
            self = best?.language ?? .en
        }
    }

    /// Message code -> English and Chinese text with `{name}` placeholders.
    static let catalog: [String: (en: String, zh: String)] = [
        "ambiguous-measure": (
            en: "measure '{measure}' is defined by more than one scheme: {candidates}; ask again naming one with ?scheme=",
            zh: "措施 '{measure}' 由多个方案定义：{candidates}；请用 ?scheme= 指明其中一个后重新查询"),
    ]

    static func format(_ code: String, _ language: Language, _ values: [String: String]) -> String {
        guard let texts = catalog[code] else { return code }
        var text = language == .zh ? texts.zh : texts.en
        for (name, value) in values { text = text.replacingOccurrences(of: "{\(name)}", with: value) }
        return text
    }

    /// The refusal of a measure id that several schemes define, each candidate named with its jurisdiction and title.
    static func ambiguous(_ ambiguity: MeasureAmbiguity, language: Language) -> APIError {
        let listed = ambiguity.candidates.map { candidate in
            let title = language == .zh ? candidate.title.zh : candidate.title.en
            return language == .zh ? "\(candidate.scheme)（\(candidate.jurisdiction)，\(title)）" : "\(candidate.scheme) (\(candidate.jurisdiction), \(title))"
        }.joined(separator: language == .zh ? "、" : ", ")
        var error = APIError(.badRequest, code: "ambiguous-measure",
                             format("ambiguous-measure", language, ["measure": ambiguity.measure.rawValue, "candidates": listed]),
                             at: "query scheme", headers: ["Content-Language": language.rawValue])
        error.candidates = ambiguity.candidates
        return error
    }
}
