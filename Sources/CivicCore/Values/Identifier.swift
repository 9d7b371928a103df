/// A caller-chosen identifier, typed by what it names so that a subject id can
/// never be passed where a rule code is expected.
///
/// Every write carries one: repeating a write with the same id is a no-op, and
/// reusing an id for different content is refused.
public struct Identifier<Tag>: Hashable, Comparable, Sendable, Codable, CustomStringConvertible, ExpressibleByStringLiteral {
    public let rawValue: String

    /// Wraps a string without checking it; for values read back from a store.
    public init(_ rawValue: String) { self.rawValue = rawValue }

    public init(stringLiteral value: String) { self.rawValue = value }

    /// Checks the text against `Identifier.syntax`.
    public init(validating text: String, field: String) throws(CivicError) {
        guard Identifier.isValid(text) else {
            throw CivicError(.invalidInput, "\(field) '\(text.prefix(80))' is not a valid identifier: \(Identifier.syntax)")
        }
        self.rawValue = text
    }

    public static var syntax: String {
        "1 to \(Limits.identifierLengthMax) characters from A-Z a-z 0-9 . _ : -\(plusAllowed ? " +" : ""), starting with a letter or digit"
    }

    /// Whether this kind of identifier may carry `+` (`PlusSignIdentifiers`); asked only when a `+` is met.
    static var plusAllowed: Bool { Tag.self is any PlusSignIdentifiers.Type }

    public static func isValid(_ text: String) -> Bool {
        guard let first = text.unicodeScalars.first, text.utf8.count <= Limits.identifierLengthMax else { return false }
        func allowed(_ scalar: Unicode.Scalar) -> Bool {
            switch scalar {
            case "A"..."Z", "a"..."z", "0"..."9", ".", "_", ":", "-": true
            case "+": plusAllowed
            default: false
            }
        }
        let startsWell = ("A"..."Z").contains(first) || ("a"..."z").contains(first) || ("0"..."9").contains(first)
        return startsWell && text.unicodeScalars.allSatisfy(allowed)
    }

    public static func < (lhs: Identifier, rhs: Identifier) -> Bool { lhs.rawValue < rhs.rawValue }

    public var description: String { rawValue }

    public init(from decoder: any Decoder) throws {
        rawValue = try decoder.singleValueContainer().decode(String.self)
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(rawValue)
    }
}

/// A kind of identifier that may also carry `+`: grades as the schemes publish them (A+++, AA+, A+, A-).
/// Other identifiers never do, so that none of them reads differently in a URL's query.
public protocol PlusSignIdentifiers {}

/// Text in the two languages every page and notice is shown in.
public struct LocalizedText: Hashable, Sendable, Codable {
    public var en: String
    public var zh: String

    public init(en: String, zh: String) {
        self.en = en
        self.zh = zh
    }

    public func text(for language: Language) -> String { language == .zh ? zh : en }
}

public enum Language: String, Sendable, Codable, CaseIterable { case en, zh }

/// Every bound the product holds to, named in one place.
public enum Limits {
    public static let identifierLengthMax = 128
    public static let statementLengthMax = 4_000
    /// The longest a deed may be said to have lasted (about a hundred years; openapi.yaml says the same).
    public static let durationDaysMax = 36_500
    public static let evidencePerReportMax = 20
    public static let rulesPerSchemeMax = 2_000
    public static let schemesPerHandbookMax = 50
    public static let gradeBandsMax = 20
    public static let membersPerHouseholdMax = 50
    public static let jurisdictionDepthMax = 10
    /// Change points a single subject's history may have in one fold; far above any real record.
    public static let foldStepsMax = 1_000_000
    public static let pageSizeMax = 10_000
    public static let importRowsMax = 5_000_000
}

/// Dictionaries keyed by identifiers encode as JSON objects (`{"courtyard": 400}`),
/// whose keys an encoder can sort, rather than as arrays of alternating keys and
/// values in the dictionary's own, unstable order: the same value gives the same JSON.
extension Identifier: CodingKeyRepresentable {
    private struct Key: CodingKey {
        var stringValue: String
        var intValue: Int? { nil }
        init(stringValue: String) { self.stringValue = stringValue }
        init?(intValue: Int) { nil }
    }

    public var codingKey: any CodingKey { Key(stringValue: rawValue) }

    public init?<T: CodingKey>(codingKey: T) { self.init(codingKey.stringValue) }
}
