public import CivicCore
internal import Yams

/// Reads a handbook file (YAML) into a checked `Handbook`, reporting every problem with its line.
///
/// One pass reports everything it can find: syntax, unknown keys, missing or
/// mistyped fields, duplicate ids, references to grades, rules, dimensions and
/// lists that do not exist, rules in protected categories, inconsistent scales,
/// and (as warnings) measures that reach across domains without a legal basis.
/// See docs/handbook.md for the format and the full list of checks.
public enum HandbookLoader {
    /// Parses and checks a handbook. The handbook is `nil` when there is any error; warnings alone keep it.
    public static func parse(_ text: String, file: String) -> HandbookParseResult {
        let reader = Reader(file: file)
        let handbook = reader.document(text)
        let diagnostics = reader.sortedDiagnostics
        return HandbookParseResult(handbook: reader.hasErrors ? nil : handbook, diagnostics: diagnostics)
    }

    /// Every problem in a handbook file, errors and warnings, in file order.
    public static func lint(_ text: String, file: String) -> [Diagnostic] {
        parse(text, file: file).diagnostics
    }

    /// The handbook, or a `HandbookError` carrying every diagnostic when there is an error.
    /// Warnings do not stop loading; read them from `parse` when they matter.
    public static func load(_ text: String, file: String) throws(HandbookError) -> Handbook {
        let result = parse(text, file: file)
        guard let handbook = result.handbook else { throw HandbookError(diagnostics: result.diagnostics) }
        return handbook
    }
}

/// The outcome of parsing a handbook: the handbook when it has no errors, and every diagnostic.
public struct HandbookParseResult: Hashable, Sendable {
    public var handbook: Handbook?
    public var diagnostics: [Diagnostic]

    public init(handbook: Handbook?, diagnostics: [Diagnostic]) {
        self.handbook = handbook
        self.diagnostics = diagnostics
    }

    public var errors: [Diagnostic] { diagnostics.filter(\.isError) }
    public var warnings: [Diagnostic] { diagnostics.filter { !$0.isError } }
    public var hasErrors: Bool { diagnostics.contains(where: \.isError) }
}

/// The keys each mapping of the format allows; anything else is reported as unknown.
enum Keys {
    static let document = ["jurisdiction", "version", "title", "schemes"]
    static let scheme = [
        "id", "title", "subjects", "scale", "grades", "rules", "quota", "exemptions", "lists", "measures",
        "negative_expiry_days", "appeal_days", "appeal_decision_days", "appeal_decision_working_days", "calendar",
    ]
    static let grades = ["bands", "lock_ins"]
    static let band = ["grade", "minimum", "title"]
    static let lockIn = ["grade", "years"]
    static let quota = ["points_per_person_yearly"]
    static let calendar = ["collect_day", "report_day", "committee_day"]
}

/// Defaults for optional fields, named in one place and documented in docs/handbook.md.
enum Defaults {
    static let appealDays = 30
    static let appealDecision = AppealDeadline.days(30)
    static let calendar = CycleCalendar()
}

extension Reader {
    /// The whole file: syntax first, then the document's fields.
    func document(_ text: String) -> Handbook? {
        let root: Node
        do {
            guard let node = try Yams.compose(yaml: text) else {
                report(.error, "the file is empty: a handbook needs 'jurisdiction', 'version', 'title' and 'schemes'", .root, line: 1, column: 1)
                return nil
            }
            root = node
        } catch {
            syntaxError(error)
            return nil
        }
        let path = FieldPath.root
        guard let fields = fields(root, path, allowed: Keys.document) else { return nil }
        let jurisdiction: Jurisdiction.ID? = required(fields, "jurisdiction").flatMap { identifier($0, path.key("jurisdiction"), what: "jurisdiction id") }
        let version = required(fields, "version").flatMap { integer($0, path.key("version"), in: 1...Int(Int32.max), "is not a version: versions count 1, 2, 3...") }
        let title = required(fields, "title").flatMap { localized($0, path.key("title")) }
        var schemes: [Scheme] = []
        if let node = required(fields, "schemes"), let items = list(node, path.key("schemes")) {
            if items.count > Limits.schemesPerHandbookMax {
                error("\(items.count) schemes; a handbook holds at most \(Limits.schemesPerHandbookMax)", path.key("schemes"), node)
            }
            var ids = DuplicateCheck("scheme id")
            for (index, item) in items.prefix(Limits.schemesPerHandbookMax).enumerated() {
                let schemePath = path.key("schemes").index(index)
                let unique = uniqueID(item, key: "id", schemePath, &ids)
                if let scheme = scheme(item, schemePath), unique { schemes.append(scheme) }
            }
        }
        guard let jurisdiction, let version, let title else { return nil }
        return Handbook(jurisdiction: jurisdiction, version: version, title: title, schemes: schemes)
    }

    /// False, after reporting it, when the item's id (as written) was already used in this scope.
    /// Checked before the item is read, so a duplicate is reported even when the item has other errors.
    func uniqueID(_ item: Node, key: String, _ path: FieldPath, _ check: inout DuplicateCheck) -> Bool {
        guard let node = item.mapping?[key], case .scalar(let scalar) = node, !Reader.isNull(node) else { return true }
        return check.first(scalar.string, node, path.key(key), self)
    }

    /// The `id` value node of an item, to point duplicates at it.
    func idNode(_ item: Node, key: String = "id") -> Node {
        item.mapping?[key] ?? item
    }

    private func syntaxError(_ error: any Error) {
        guard let yaml = error as? YamlError else {
            report(.error, "invalid YAML: \(error)", .root, line: 1, column: 1)
            return
        }
        switch yaml {
        case .scanner(let context, let problem, let mark, _), .parser(let context, let problem, let mark, _),
             .composer(let context, let problem, let mark, _):
            let while_ = context.map { "\($0.text) (line \($0.mark.line), column \($0.mark.column)): " } ?? ""
            report(.error, "invalid YAML: \(while_)\(problem)", .root, line: mark.line, column: mark.column)
        case .duplicatedKeysInMapping(let duplicates, let context):
            let keys = Reader.quotedList(duplicates.sorted())
            report(.error, "invalid YAML: duplicate key \(keys) in one mapping: each key may appear once", .root,
                   line: context.mark.line, column: context.mark.column)
        case .reader(let problem, _, _, _):
            report(.error, "invalid YAML: cannot read the text: \(problem)", .root, line: 1, column: 1)
        default:
            report(.error, "invalid YAML: \(yaml)", .root, line: 1, column: 1)
        }
    }
}
