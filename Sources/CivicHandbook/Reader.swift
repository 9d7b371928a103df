internal import CivicCore
internal import Yams

/// A field path such as `schemes[0].rules[3].points`, for diagnostics.
struct FieldPath: CustomStringConvertible {
    var description: String

    static let root = FieldPath(description: "")

    func key(_ name: String) -> FieldPath { FieldPath(description: description.isEmpty ? name : description + "." + name) }
    func index(_ position: Int) -> FieldPath { FieldPath(description: description + "[\(position)]") }
}

/// A mapping whose keys were checked against the allowed ones.
struct Fields {
    let node: Node
    let path: FieldPath
    private let values: [String: (key: Node, value: Node)]

    init(node: Node, path: FieldPath, values: [String: (key: Node, value: Node)]) {
        self.node = node
        self.path = path
        self.values = values
    }

    subscript(_ key: String) -> Node? { values[key]?.value }

    func has(_ key: String) -> Bool { values[key] != nil }

    var keys: [String] { values.keys.sorted() }

    /// The node of the key itself, to point at a field that should not be there.
    func keyNode(_ key: String) -> Node? { values[key]?.key }
}

/// Walks composed YAML nodes and records every problem instead of stopping at the first.
///
/// Each read returns `nil` when the value is unusable, after recording why; callers
/// carry on with the fields they could read so one pass reports everything.
final class Reader {
    let file: String
    private(set) var diagnostics: [Diagnostic] = []
    /// Bounds recursion of nested conditions so a hostile file cannot exhaust the stack.
    static let conditionDepthMax = 16

    init(file: String) { self.file = file }

    var hasErrors: Bool { diagnostics.contains(where: \.isError) }

    // MARK: Reporting

    func error(_ message: String, _ path: FieldPath, _ node: Node?) {
        report(.error, message, path, node)
    }

    func warning(_ message: String, _ path: FieldPath, _ node: Node?) {
        report(.warning, message, path, node)
    }

    /// An error published in both languages.
    func error(en message: String, zh messageZH: String, _ path: FieldPath, _ node: Node?) {
        report(.error, message, path, node, zh: messageZH)
    }

    func report(_ severity: Diagnostic.Severity, _ message: String, _ path: FieldPath, line: Int, column: Int, zh messageZH: String? = nil) {
        diagnostics.append(Diagnostic(severity: severity, file: file, line: line, column: column, path: path.description, message: message,
                                      messageZH: messageZH))
    }

    private func report(_ severity: Diagnostic.Severity, _ message: String, _ path: FieldPath, _ node: Node?, zh messageZH: String? = nil) {
        report(severity, message, path, line: node?.mark?.line ?? 0, column: node?.mark?.column ?? 0, zh: messageZH)
    }

    /// Diagnostics in file order; problems found at the same place keep the order they were found in.
    var sortedDiagnostics: [Diagnostic] {
        diagnostics.enumerated().sorted { ($0.element.line, $0.element.column, $0.offset) < ($1.element.line, $1.element.column, $1.offset) }
            .map(\.element)
    }

    // MARK: Shapes

    static func isNull(_ node: Node) -> Bool {
        guard case .scalar(let scalar) = node, scalar.style == .plain || scalar.style == .any else { return false }
        return ["", "~", "null", "Null", "NULL"].contains(scalar.string)
    }

    /// How a value looks, for "expected ..., found ..." messages.
    static func describe(_ node: Node) -> String {
        switch node {
        case .mapping: return "a mapping"
        case .sequence: return "a list"
        case .alias: return "an alias"
        case .scalar(let scalar):
            if isNull(node) { return "nothing" }
            let text = scalar.string.count > 40 ? String(scalar.string.prefix(40)) + "..." : scalar.string
            return "'\(text)'"
        }
    }

    /// The mapping at `node`, with unknown keys reported as errors.
    func fields(_ node: Node, _ path: FieldPath, allowed: [String]) -> Fields? {
        guard case .mapping(let mapping) = node else {
            error("expected a mapping with keys \(Reader.quotedList(allowed)), found \(Reader.describe(node))", path, node)
            return nil
        }
        var values: [String: (key: Node, value: Node)] = [:]
        for (key, value) in mapping {
            guard case .scalar(let scalar) = key, !Reader.isNull(key) else {
                error("a key must be plain text, found \(Reader.describe(key))", path, key)
                continue
            }
            let name = scalar.string
            guard allowed.contains(name) else {
                error(unknownKeyMessage(name, allowed: allowed, path: path), path.key(name), key)
                continue
            }
            values[name] = (key, value)
        }
        return Fields(node: node, path: path, values: values)
    }

    private func unknownKeyMessage(_ name: String, allowed: [String], path: FieldPath) -> String {
        var message = "unknown key '\(name)'"
        if let suggestion = Reader.closest(to: name, in: allowed) {
            message += "; did you mean '\(suggestion)'?"
        } else {
            message += "; allowed keys here: \(Reader.quotedList(allowed))"
        }
        let lowered = name.lowercased()
        let negative = ["negative", "deduct", "sanction", "penalt", "minus", "black", "fault", "bad"].contains { lowered.contains($0) }
        let quotaLike = ["quota", "target", "minimum", "at_least", "required"].contains { lowered.contains($0) }
        let actorLike = ["assessor", "reviewer", "collector", "inspector", "official", "reporter", "report", "entries", "deeds"].contains { lowered.contains($0) }
        if negative && (quotaLike || path.description.hasSuffix("quota")) {
            message += " (CivicCredit has no quota for negative entries: deductions are never a target to fill)"
        } else if (actorLike && quotaLike) || (quotaLike && path.description.contains(".rules[")) {
            // A number of reports, entries or deductions someone must produce is a quota on assessors, which invites
            // invented deeds and faults; the only quota is the yearly minimum of good deeds a resident earns.
            message += " (CivicCredit has no quota or target for reports, entries or deductions per assessor, reviewer or period; the only quota is the scheme's yearly points_per_person_yearly of good deeds)"
        }
        return message
    }

    /// The value of a required field, or an error at the mapping that lacks it.
    func required(_ fields: Fields, _ key: String, hint: String? = nil) -> Node? {
        if let node = fields[key], !Reader.isNull(node) { return node }
        let node = fields[key] ?? fields.node
        error("missing required field '\(key)'" + (hint.map { ": \($0)" } ?? ""), fields.path.key(key), fields[key] == nil ? fields.keyNodeOrSelf : node)
        return nil
    }

    // MARK: Scalars

    func text(_ node: Node, _ path: FieldPath) -> String? {
        guard case .scalar(let scalar) = node, !Reader.isNull(node) else {
            error("expected text, found \(Reader.describe(node))", path, node)
            return nil
        }
        let text = scalar.string.strippingBlanks()
        guard !text.isEmpty else {
            error("expected text, found an empty string", path, node)
            return nil
        }
        return text
    }

    func integer(_ node: Node, _ path: FieldPath) -> Int? {
        guard case .scalar(let scalar) = node, scalar.style == .plain || scalar.style == .any, !Reader.isNull(node) else {
            error("expected a whole number, found \(Reader.describe(node))", path, node)
            return nil
        }
        var digits = Substring(scalar.string)
        if digits.hasPrefix("+") || digits.hasPrefix("-") { digits = digits.dropFirst() }
        guard !digits.isEmpty, digits.count <= 12, digits.allSatisfy({ $0.isASCII && $0.isNumber }), let value = Int(scalar.string) else {
            error("expected a whole number, found \(Reader.describe(node))", path, node)
            return nil
        }
        return value
    }

    /// A whole number within `range`; `what` names the rule broken ("must be at least 1").
    func integer(_ node: Node, _ path: FieldPath, in range: ClosedRange<Int>, _ what: String) -> Int? {
        guard let value = integer(node, path) else { return nil }
        guard range.contains(value) else {
            error("\(value) \(what)", path, node)
            return nil
        }
        return value
    }

    /// A count of days: never negative.
    func days(_ node: Node, _ path: FieldPath, minimum: Int = 0) -> Int? {
        guard let value = integer(node, path) else { return nil }
        guard value >= minimum else {
            error(value < 0 ? "days cannot be negative (\(value))" : "must be at least \(minimum) day\(minimum == 1 ? "" : "s"), found \(value)", path, node)
            return nil
        }
        return value
    }

    /// Exact decimal points from the scalar's text, never through a binary float.
    func points(_ node: Node, _ path: FieldPath) -> Points? {
        guard case .scalar(let scalar) = node, !Reader.isNull(node) else {
            error("expected points such as 5, -3 or +0.5, found \(Reader.describe(node))", path, node)
            return nil
        }
        guard let value = Points(parsing: scalar.string) else {
            error("'\(scalar.string)' is not a points amount: write a whole number or at most two decimals, such as 5, -3, +0.5 or 2.25", path, node)
            return nil
        }
        return value
    }

    func identifier<Tag>(_ node: Node, _ path: FieldPath, what: String) -> Identifier<Tag>? {
        guard let text = text(node, path) else { return nil }
        guard Identifier<Tag>.isValid(text) else {
            error("'\(text.prefix(80))' is not a valid \(what): \(Identifier<Tag>.syntax)", path, node)
            return nil
        }
        return Identifier<Tag>(text)
    }

    /// One of a fixed set of words, with the allowed ones listed on error.
    func choice<Value: RawRepresentable & CaseIterable>(_ node: Node, _ path: FieldPath, what: String) -> Value? where Value.RawValue == String {
        guard let text = text(node, path) else { return nil }
        guard let value = Value(rawValue: text) else {
            error("unknown \(what) '\(text)'; allowed: \(Reader.quotedList(Value.allCases.map(\.rawValue)))", path, node)
            return nil
        }
        return value
    }

    /// `{en: ..., zh: ...}`: every title is published in both languages.
    func localized(_ node: Node, _ path: FieldPath) -> LocalizedText? {
        guard let fields = fields(node, path, allowed: ["en", "zh"]) else { return nil }
        let en = required(fields, "en").flatMap { text($0, path.key("en")) }
        let zh = required(fields, "zh").flatMap { text($0, path.key("zh")) }
        guard let en, let zh else { return nil }
        return LocalizedText(en: en, zh: zh)
    }

    func list(_ node: Node, _ path: FieldPath, nonEmpty: Bool = true) -> [Node]? {
        guard case .sequence(let sequence) = node else {
            error("expected a list, found \(Reader.describe(node))", path, node)
            return nil
        }
        let items = Array(sequence)
        if nonEmpty && items.isEmpty {
            error("the list is empty", path, node)
            return nil
        }
        return items
    }

    // MARK: Helpers

    static func quotedList(_ words: [String]) -> String { words.map { "'\($0)'" }.joined(separator: ", ") }

    /// The allowed word closest to a typo, if it is close enough to be the likely intent.
    static func closest(to word: String, in candidates: [String]) -> String? { Suggestions.closest(to: word, in: candidates) }
}

extension Fields {
    /// Where to point when a field is missing: the mapping itself.
    var keyNodeOrSelf: Node { node }
}

/// Remembers ids already used in one scope, to report duplicates with the first use.
struct DuplicateCheck {
    let what: String
    private var seen: [String: Int] = [:]

    init(_ what: String) { self.what = what }

    /// True the first time; on a repeat, reports the duplicate and returns false.
    mutating func first(_ id: String, _ node: Node, _ path: FieldPath, _ reader: Reader) -> Bool {
        if let line = seen[id] {
            reader.error("duplicate \(what) '\(id)': already used at line \(line)", path, node)
            return false
        }
        seen[id] = node.mark?.line ?? 0
        return true
    }
}

extension String {
    /// The text without leading and trailing spaces, tabs and line breaks.
    func strippingBlanks() -> String {
        var text = Substring(self)
        while let first = text.first, first.isWhitespace { text = text.dropFirst() }
        while let last = text.last, last.isWhitespace { text = text.dropLast() }
        return String(text)
    }
}
