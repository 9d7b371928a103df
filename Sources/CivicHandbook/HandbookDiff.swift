public import CivicCore

/// What a new handbook version adds, removes and changes, item by item.
///
/// A pure comparison of two handbooks, for `civic handbook diff` and for a
/// reviewer approving a publication: each changed rule lists its changed fields
/// ("points -3 → -5"), so nobody has to compare two files by eye.
public struct HandbookDiff: Hashable, Sendable, CustomStringConvertible {
    public enum Kind: String, Hashable, Sendable { case added, removed, changed }

    public enum Item: String, Hashable, Sendable { case handbook, scheme, grade, rule, list, measure }

    public struct Change: Hashable, Sendable, CustomStringConvertible {
        public var kind: Kind
        public var item: Item
        /// The scheme the item belongs to; `nil` for the handbook and for schemes themselves.
        public var scheme: Scheme.ID?
        /// The item's id: a scheme id, grade, rule code, list id or measure id (the jurisdiction for the handbook).
        public var id: String
        /// For a change, each changed field as "key old → new"; for an addition, a short summary.
        public var details: [String]

        public init(kind: Kind, item: Item, scheme: Scheme.ID?, id: String, details: [String]) {
            self.kind = kind
            self.item = item
            self.scheme = scheme
            self.id = id
            self.details = details
        }

        /// "~ rule R-LITTER: points -3 → -5".
        public var description: String {
            let mark = switch kind {
            case .added: "+"
            case .removed: "-"
            case .changed: "~"
            }
            let head = "\(mark) \(item.rawValue) \(id)"
            return details.isEmpty ? head : head + ": " + details.joined(separator: "; ")
        }
    }

    public var jurisdiction: Jurisdiction.ID
    public var oldVersion: Int
    public var newVersion: Int
    public var changes: [Change]

    public var isEmpty: Bool { changes.isEmpty }

    public init(from old: Handbook, to new: Handbook) {
        jurisdiction = new.jurisdiction
        oldVersion = old.version
        newVersion = new.version
        var changes: [Change] = []
        var handbookFields = HandbookDiff.fieldChanges(
            [("title.en", old.title.en), ("title.zh", old.title.zh)], [("title.en", new.title.en), ("title.zh", new.title.zh)])
        if old.jurisdiction != new.jurisdiction {
            handbookFields.insert("jurisdiction \(old.jurisdiction) → \(new.jurisdiction)", at: 0)
        }
        if !handbookFields.isEmpty {
            changes.append(Change(kind: .changed, item: .handbook, scheme: nil, id: new.jurisdiction.rawValue, details: handbookFields))
        }
        let oldSchemes = Dictionary(old.schemes.map { ($0.id, $0) }, uniquingKeysWith: { first, _ in first })
        let newIDs = Set(new.schemes.map(\.id))
        for scheme in new.schemes {
            guard let before = oldSchemes[scheme.id] else {
                changes.append(Change(kind: .added, item: .scheme, scheme: nil, id: scheme.id.rawValue,
                                      details: ["\(scheme.title.en), \(scheme.rules.count) rule(s)"]))
                continue
            }
            changes += HandbookDiff.schemeChanges(before, scheme)
        }
        for scheme in old.schemes where !newIDs.contains(scheme.id) {
            changes.append(Change(kind: .removed, item: .scheme, scheme: nil, id: scheme.id.rawValue, details: [scheme.title.en]))
        }
        self.changes = changes
    }

    static func schemeChanges(_ old: Scheme, _ new: Scheme) -> [Change] {
        var changes: [Change] = []
        let fields = fieldChanges(old.fieldTexts, new.fieldTexts)
        if !fields.isEmpty {
            changes.append(Change(kind: .changed, item: .scheme, scheme: nil, id: new.id.rawValue, details: fields))
        }
        changes += compare(old: gradeItems(old), new: gradeItems(new), item: .grade, scheme: new.id)
        changes += compare(old: old.rules.map { ($0.id.rawValue, $0.fieldTexts, $0.summary) },
                           new: new.rules.map { ($0.id.rawValue, $0.fieldTexts, $0.summary) }, item: .rule, scheme: new.id)
        changes += compare(old: old.lists.map { ($0.id.rawValue, $0.fieldTexts, $0.title.en) },
                           new: new.lists.map { ($0.id.rawValue, $0.fieldTexts, $0.title.en) }, item: .list, scheme: new.id)
        changes += compare(old: old.measures.map { ($0.id.rawValue, $0.fieldTexts, $0.title.en) },
                           new: new.measures.map { ($0.id.rawValue, $0.fieldTexts, $0.title.en) }, item: .measure, scheme: new.id)
        return changes
    }

    typealias Fields = [(key: String, value: String)]

    /// Grades as comparable items: the band's minimum and title with the grade's lock-in.
    static func gradeItems(_ scheme: Scheme) -> [(id: String, fields: Fields, summary: String)] {
        guard let grades = scheme.grades else { return [] }
        return grades.bands.map { band in
            let lockIn = grades.lockIn(for: band.grade).map { "\($0.years) year\($0.years == 1 ? "" : "s")" } ?? "-"
            let fields: Fields = [
                ("minimum", band.minimum.description), ("title.en", band.title?.en ?? "-"), ("title.zh", band.title?.zh ?? "-"),
                ("lock_in", lockIn),
            ]
            return (band.grade.rawValue, fields, "minimum \(band.minimum)")
        }
    }

    static func compare(old: [(id: String, fields: Fields, summary: String)], new: [(id: String, fields: Fields, summary: String)],
                        item: Item, scheme: Scheme.ID) -> [Change] {
        let before = Dictionary(old.map { ($0.id, $0) }, uniquingKeysWith: { first, _ in first })
        let after = Set(new.map(\.id))
        var changes: [Change] = []
        for entry in new {
            guard let previous = before[entry.id] else {
                changes.append(Change(kind: .added, item: item, scheme: scheme, id: entry.id, details: [entry.summary]))
                continue
            }
            let fields = fieldChanges(previous.fields, entry.fields)
            if !fields.isEmpty { changes.append(Change(kind: .changed, item: item, scheme: scheme, id: entry.id, details: fields)) }
        }
        for entry in old where !after.contains(entry.id) {
            changes.append(Change(kind: .removed, item: item, scheme: scheme, id: entry.id, details: [entry.summary]))
        }
        return changes
    }

    /// "points -3 → -5" for each key whose text differs.
    static func fieldChanges(_ old: Fields, _ new: Fields) -> [String] {
        let before = Dictionary(old.map { ($0.key, $0.value) }, uniquingKeysWith: { first, _ in first })
        return new.compactMap { key, value in
            guard let previous = before[key], previous != value else { return nil }
            return "\(key) \(quoted(previous)) → \(quoted(value))"
        }
    }

    /// Texts with spaces are quoted so the arrow stays readable; numbers and codes are not.
    static func quoted(_ text: String) -> String { text.contains(" ") ? "'\(text)'" : text }

    /// The diff for a terminal: the versions, then one line per change, grouped by scheme.
    public var description: String {
        var lines = ["\(jurisdiction): version \(oldVersion) → \(newVersion)"]
        if changes.isEmpty {
            lines.append("  no changes")
            return lines.joined(separator: "\n")
        }
        // Changes come scheme by scheme in the new file's order; each scheme gets one heading.
        var groups: [String] = []
        for change in changes {
            let key = change.item == .scheme ? change.id : change.scheme?.rawValue ?? ""
            if !groups.contains(key) { groups.append(key) }
        }
        for key in groups {
            if key.isEmpty {
                for change in changes where change.item == .handbook { lines.append("  \(change)") }
                continue
            }
            if let heading = changes.first(where: { $0.item == .scheme && $0.id == key }) {
                lines.append("  \(heading)")
            } else {
                lines.append("  ~ scheme \(key)")
            }
            for inner in changes where inner.scheme?.rawValue == key { lines.append("      \(inner)") }
        }
        return lines.joined(separator: "\n")
    }

    /// The same as `description`: the human-readable rendering.
    public var rendered: String { description }
}

extension Rule {
    /// "Litter (-3)": the title with what the rule does.
    var summary: String {
        "\(title.en) (\(points?.signedDescription ?? "rates \(dimension?.rawValue ?? "-")"))"
    }
}
