import CivicCore
import GRDB
import GRDBSQLite

/// Reads one row's columns in order, turning stored text and integers back
/// into domain values. A value that cannot be read is a `corrupted` error
/// naming the column, never the value.
struct RowReader {
    /// Where the columns come from: a row, or the current row of a statement that a cursor is stepping
    /// (read with SQLite's own column functions, nothing copied and nothing generic in between).
    private enum Source {
        case row(Row)
        case statement(SQLiteStatement)
    }

    private let source: Source
    let table: String
    private var index = 0

    init(_ row: Row, table: String, startingAt index: Int = 0) {
        self.source = .row(row)
        self.table = table
        self.index = index
    }

    /// Reads the row `statement` stands on; valid until the statement steps again.
    init(statement: SQLiteStatement, table: String, startingAt index: Int = 0) {
        self.source = .statement(statement)
        self.table = table
        self.index = index
    }

    private func failure(_ reason: String) -> CivicError {
        CivicError(.corrupted, "stored \(table) row has \(reason) in column \(index + 1)")
    }

    /// One stored value with its SQLite storage class. Every read checks the class: SQLite's columns
    /// take any value unless the schema says otherwise, and its conversions would read text as 0.
    /// (Decoding GRDB's `String?` or `Int64?` checks it too, but through a generic path that looks up
    /// Optional's metadata for every column of every row, a tenth of a large read's time.)
    private enum Stored {
        case null, integer(Int64), real(Double), text(String), blob([UInt8])
    }

    private func stored() throws -> Stored {
        switch source {
        case .statement(let statement):
            let column = CInt(index)
            switch sqlite3_column_type(statement, column) {
            case SQLITE_NULL: return .null
            case SQLITE_INTEGER: return .integer(sqlite3_column_int64(statement, column))
            case SQLITE_FLOAT: return .real(sqlite3_column_double(statement, column))
            case SQLITE_TEXT:
                let count = Int(sqlite3_column_bytes(statement, column))
                guard let bytes = sqlite3_column_text(statement, column) else { return .text("") }
                return .text(String(decoding: UnsafeBufferPointer(start: bytes, count: count), as: UTF8.self))
            default:
                let count = Int(sqlite3_column_bytes(statement, column))
                guard let bytes = sqlite3_column_blob(statement, column) else { return .blob([]) }
                return .blob(Array(UnsafeRawBufferPointer(start: bytes, count: count)))
            }
        case .row(let row):
            switch try row.decode(DatabaseValue.self, atIndex: index).storage {
            case .null: return .null
            case .int64(let value): return .integer(value)
            case .double(let value): return .real(value)
            case .string(let text): return .text(text)
            case .blob(let data): return .blob(Array(data))
            }
        }
    }

    private func textValue(_ stored: Stored) throws -> String? {
        switch stored {
        case .null: return nil
        case .text(let text): return text
        case .blob(let bytes):
            guard let text = String(validating: bytes, as: UTF8.self) else { throw failure("bytes that are not UTF-8 text") }
            return text
        case .integer, .real: throw failure("a number where text belongs")
        }
    }

    private func integerValue(_ stored: Stored) throws -> Int64? {
        switch stored {
        case .null: return nil
        case .integer(let value): return value
        case .real(let value):
            guard let exact = Int64(exactly: value) else { throw failure("a fraction where an integer belongs") }
            return exact
        case .text, .blob: throw failure("text where an integer belongs")
        }
    }

    mutating func text() throws -> String {
        defer { index += 1 }
        guard let value = try textValue(stored()) else { throw failure("a missing text") }
        return value
    }

    mutating func optionalText() throws -> String? {
        defer { index += 1 }
        return try textValue(stored())
    }

    mutating func integer() throws -> Int64 {
        defer { index += 1 }
        guard let value = try integerValue(stored()) else { throw failure("a missing integer") }
        return value
    }

    mutating func optionalInteger() throws -> Int64? {
        defer { index += 1 }
        return try integerValue(stored())
    }

    mutating func int() throws -> Int { Int(try integer()) }
    mutating func optionalInt() throws -> Int? { try optionalInteger().map { Int($0) } }

    mutating func identifier<Tag>(_: Tag.Type = Tag.self) throws -> Identifier<Tag> { Identifier(try text()) }
    mutating func optionalIdentifier<Tag>(_: Tag.Type = Tag.self) throws -> Identifier<Tag>? { try optionalText().map { Identifier($0) } }

    mutating func day() throws -> Day { try dayValue(integer()) }
    mutating func optionalDay() throws -> Day? { try optionalInteger().map(dayValue) }

    private func dayValue(_ ordinal: Int64) throws -> Day {
        guard let value = Int32(exactly: ordinal) else { throw failure("an out-of-range day") }
        return Day(ordinal: value)
    }

    mutating func points() throws -> Points { Points(hundredths: try integer()) }
    mutating func optionalPoints() throws -> Points? { try optionalInteger().map(Points.init(hundredths:)) }

    mutating func month() throws -> Month {
        guard let value = Month(iso: try text()) else { index -= 1; throw failure("an invalid month") }
        return value
    }

    mutating func value<Value: RawRepresentable>(_: Value.Type = Value.self) throws -> Value where Value.RawValue == String {
        guard let value = Value(rawValue: try text()) else { index -= 1; throw failure("an unknown code") }
        return value
    }

    mutating func optionalValue<Value: RawRepresentable>(_: Value.Type = Value.self) throws -> Value? where Value.RawValue == String {
        guard let text = try optionalText() else { return nil }
        guard let value = Value(rawValue: text) else { index -= 1; throw failure("an unknown code") }
        return value
    }

    mutating func strings() throws -> [String] {
        do { return try JSONColumn.strings(try text()) } catch { index -= 1; throw failure("unreadable JSON") }
    }

    mutating func integers() throws -> [String: Int64] {
        do { return try JSONColumn.integers(try text()) } catch { index -= 1; throw failure("unreadable JSON") }
    }

    mutating func json<Value: Decodable>(_ type: Value.Type) throws -> Value {
        do { return try JSONColumn.decode(type, from: try text()) } catch { index -= 1; throw failure("unreadable JSON") }
    }

    mutating func skip(_ count: Int = 1) { index += count }

    /// Goes to column `index` (0-based) of the same row.
    mutating func move(to index: Int) { self.index = index }

    /// Whether column `index` (0-based) of the same row is NULL.
    func isNull(at index: Int) throws -> Bool {
        var probe = self
        probe.index = index
        if case .null = try probe.stored() { return true }
        return false
    }
}

extension Row {
    /// Every row of `statement`, each decoded in place as the cursor reaches it. `fetchAll` would
    /// first copy each row (every column into a value, its column names into an array), then decode the copy.
    static func decodeAll<Value>(_ statement: Statement, arguments: StatementArguments = StatementArguments(),
                                 _ decode: (Row) throws -> Value) throws -> [Value] {
        var values: [Value] = []
        let rows = try Row.fetchCursor(statement, arguments: arguments)
        while let row = try rows.next() { values.append(try decode(row)) }
        return values
    }

    /// Every row of `statement` read straight from SQLite's columns by `decode`, for the large reads
    /// (entries, subjects, standings) where GRDB's row values cost more than the rows themselves.
    static func readAll<Value>(_ statement: Statement, arguments: StatementArguments = StatementArguments(), table: String,
                               _ decode: (inout RowReader) throws -> Value) throws -> [Value] {
        var values: [Value] = []
        try forEachRow(statement, arguments: arguments, table: table) { values.append(try decode(&$0)) }
        return values
    }

    /// Hands `body` a reader on each row of `statement` in turn.
    static func forEachRow(_ statement: Statement, arguments: StatementArguments = StatementArguments(), table: String,
                           _ body: (inout RowReader) throws -> Void) throws {
        let rows = try StepCursor(statement, arguments: arguments)
        while try rows.next() != nil {
            var reader = RowReader(statement: statement.sqliteStatement, table: table)
            try body(&reader)
        }
    }
}

/// Steps a statement and nothing else: the rows are read from the statement itself (`RowReader`). GRDB's row
/// cursor builds a table of the statement's lowercased column names first, which costs more than the few rows
/// of a question's reads.
final class StepCursor: DatabaseCursor {
    typealias Element = Void
    let _statement: Statement
    var _isDone = false

    /// Binds `arguments` (checking their count), which also resets the statement.
    init(_ statement: Statement, arguments: StatementArguments) throws {
        _statement = statement
        try statement.setArguments(arguments)
    }

    deinit {
        // As GRDB's cursors do: a statement left in the middle of its rows would hold its read open.
        sqlite3_reset(_statement.sqliteStatement)
    }

    func _element(sqliteStatement: SQLiteStatement) throws {}
}

// MARK: - Column lists and arguments, one pair per table, in the same order.

extension Jurisdiction {
    static let columns = "id, name_en, name_zh, parent"

    var arguments: StatementArguments { [id.rawValue, name.en, name.zh, parent?.rawValue] }

    init(reading row: Row) throws {
        var reader = RowReader(row, table: "jurisdiction")
        self.init(id: try reader.identifier(), name: LocalizedText(en: try reader.text(), zh: try reader.text()),
                  parent: try reader.optionalIdentifier())
    }
}

extension Subject {
    static let columns = "id, kind, name, jurisdiction, household, birth_date, attributes, registered_on"

    var arguments: StatementArguments {
        [id.rawValue, kind.rawValue, name, jurisdiction.rawValue, household?.rawValue,
         birthDate.map { Int64($0.ordinal) }, JSONColumn.array(attributes.sorted()), Int64(registeredOn.ordinal)]
    }

    init(reading row: Row) throws {
        var reader = RowReader(row, table: "subject")
        try self.init(reader: &reader)
    }

    init(reader: inout RowReader) throws {
        self.init(
            id: try reader.identifier(), kind: try reader.value(), name: try reader.text(),
            jurisdiction: try reader.identifier(), household: try reader.optionalIdentifier(),
            birthDate: try reader.optionalDay(), attributes: Set(try reader.strings()), registeredOn: try reader.day())
    }
}

extension Actor {
    static let columns = "id, name, roles, jurisdiction, subject"

    var arguments: StatementArguments {
        [id.rawValue, name, JSONColumn.array(roles.map(\.rawValue).sorted()), jurisdiction.rawValue, subject?.rawValue]
    }

    init(reading row: Row) throws {
        var reader = RowReader(row, table: "actor")
        let id: ID = try reader.identifier()
        let name = try reader.text()
        var roles = Set<Role>()
        for text in try reader.strings() {
            guard let role = Role(rawValue: text) else { throw CivicError(.corrupted, "stored actor row has an unknown role") }
            roles.insert(role)
        }
        self.init(id: id, name: name, roles: roles, jurisdiction: try reader.identifier(), subject: try reader.optionalIdentifier())
    }
}

extension PublishedHandbook {
    static let columns = "jurisdiction, version, handbook, source, published_on, published_by"

    func arguments() throws -> StatementArguments {
        [handbook.jurisdiction.rawValue, handbook.version, try JSONColumn.encode(handbook), source,
         Int64(publishedOn.ordinal), publishedBy.rawValue]
    }

    init(reading row: Row) throws {
        var reader = RowReader(row, table: "handbook", startingAt: 2)
        self.init(handbook: try reader.json(Handbook.self), source: try reader.text(), publishedOn: try reader.day(),
                  publishedBy: try reader.identifier())
    }
}

extension Report {
    static let columns = """
        id, subject, scheme, rule, handbook_jurisdiction, handbook_version, reporter, reporter_role, \
        occurred_on, filed_on, cycle, statement, evidence, duration_days, stars, source_record, status
        """

    func arguments(status: ReportStatus) throws -> StatementArguments {
        [id.rawValue, subject.rawValue, scheme.rawValue, rule.rawValue, handbookJurisdiction.rawValue, handbookVersion,
         reporter.rawValue, reporterRole.rawValue, Int64(occurredOn.ordinal), Int64(filedOn.ordinal), cycle.description,
         statement, evidence.isEmpty ? "[]" : try JSONColumn.encode(evidence), durationDays, stars, sourceRecord,
         status.rawValue]
    }

    /// A report and its status, from `Report.columns`.
    static func reading(_ row: Row) throws -> (Report, ReportStatus) {
        var reader = RowReader(row, table: "report")
        let id: ID = try reader.identifier()
        let subject: Subject.ID = try reader.identifier()
        let scheme: Scheme.ID = try reader.identifier()
        let rule: Rule.ID = try reader.identifier()
        let handbookJurisdiction: Jurisdiction.ID = try reader.identifier()
        let handbookVersion = try reader.int()
        let reporter: Actor.ID = try reader.identifier()
        let reporterRole: ReporterRole = try reader.value()
        let occurredOn = try reader.day()
        let filedOn = try reader.day()
        let cycle = try reader.month()
        let statement = try reader.text()
        let evidence = try reader.json([Evidence].self)
        let report = Report(
            id: id, subject: subject, scheme: scheme, rule: rule, handbookVersion: handbookVersion,
            handbookJurisdiction: handbookJurisdiction, reporter: reporter, reporterRole: reporterRole,
            occurredOn: occurredOn, filedOn: filedOn, cycle: cycle, statement: statement, evidence: evidence,
            durationDays: try reader.optionalInt(), stars: try reader.optionalInt(), sourceRecord: try reader.optionalText())
        return (report, try reader.value())
    }
}

extension Decision {
    static let columns = "id, report, reviewer, outcome, adjusted_points, reason, decided_on"

    var arguments: StatementArguments {
        let outcomeCode: String, adjusted: Int64?
        switch outcome {
        case .approve: (outcomeCode, adjusted) = ("approve", nil)
        case .reject: (outcomeCode, adjusted) = ("reject", nil)
        case .adjust(let points): (outcomeCode, adjusted) = ("adjust", points.hundredths)
        }
        return [id.rawValue, report.rawValue, reviewer.rawValue, outcomeCode, adjusted, reason, Int64(decidedOn.ordinal)]
    }

    init(reading row: Row) throws {
        var reader = RowReader(row, table: "decision")
        let id: ID = try reader.identifier()
        let report: Report.ID = try reader.identifier()
        let reviewer: Actor.ID = try reader.identifier()
        let outcome: Outcome
        switch try reader.text() {
        case "approve": outcome = .approve; reader.skip()
        case "reject": outcome = .reject; reader.skip()
        case "adjust": outcome = .adjust(try reader.points())
        default: throw CivicError(.corrupted, "stored decision row has an unknown outcome")
        }
        self.init(id: id, report: report, reviewer: reviewer, outcome: outcome, reason: try reader.text(),
                  decidedOn: try reader.day())
    }
}

extension Cycle {
    static let columns = "jurisdiction, month, closed_on, closed_by"

    var arguments: StatementArguments {
        [jurisdiction.rawValue, month.description, Int64(closedOn.ordinal), closedBy.rawValue]
    }

    init(reading row: Row) throws {
        var reader = RowReader(row, table: "cycle")
        self.init(jurisdiction: try reader.identifier(), month: try reader.month(), closedOn: try reader.day(),
                  closedBy: try reader.identifier())
    }
}

extension Entry {
    static let columns = """
        sequence, id, kind, subject, scheme, handbook_jurisdiction, handbook_version, rule, category, points, \
        dimension, stars, occurred_on, effective_on, expires_on, grade_cap, report, decisions, referenced_entry, \
        recorded_on, recorded_by, note, grade_cap_lock_years, grade_cap_until_remedied
        """

    /// The same columns as a migration older than v6-entry-cap-terms reads them: the cap terms did not exist
    /// yet, so no entry had any.
    static let columnsBeforeCapTerms = """
        sequence, id, kind, subject, scheme, handbook_jurisdiction, handbook_version, rule, category, points, \
        dimension, stars, occurred_on, effective_on, expires_on, grade_cap, report, decisions, referenced_entry, \
        recorded_on, recorded_by, note, NULL, NULL
        """

    var arguments: StatementArguments {
        [sequence, id.rawValue, kind.rawValue, subject.rawValue, scheme.rawValue, handbookJurisdiction.rawValue,
         handbookVersion, rule?.rawValue, category, points.hundredths, dimension?.rawValue, stars,
         occurredOn.map { Int64($0.ordinal) }, Int64(effectiveOn.ordinal), expiresOn.map { Int64($0.ordinal) },
         gradeCap?.rawValue, report?.rawValue, JSONColumn.array(decisions.lazy.map(\.rawValue)), references?.rawValue,
         Int64(recordedOn.ordinal), recordedBy.rawValue, note, gradeCapLockYears.map { Int64($0) },
         gradeCapUntilRemedied == true ? 1 as Int64? : nil]
    }

    init(reading row: Row) throws {
        var reader = RowReader(row, table: "entry")
        try self.init(reader: &reader)
    }

    init(reader: inout RowReader) throws {
        let sequence = try reader.integer()
        let id: ID = try reader.identifier()
        let kind: Kind = try reader.value()
        let subject: Subject.ID = try reader.identifier()
        let scheme: Scheme.ID = try reader.identifier()
        let handbookJurisdiction: Jurisdiction.ID = try reader.identifier()
        let handbookVersion = try reader.int()
        let rule: Rule.ID? = try reader.optionalIdentifier()
        let category = try reader.optionalText()
        let points = try reader.points()
        let dimension: Dimension.ID? = try reader.optionalIdentifier()
        let stars = try reader.optionalInt()
        let occurredOn = try reader.optionalDay()
        let effectiveOn = try reader.day()
        let expiresOn = try reader.optionalDay()
        let gradeCap: Grade? = try reader.optionalIdentifier()
        let report: Report.ID? = try reader.optionalIdentifier()
        let decisions = try reader.strings().map { Decision.ID($0) }
        let references: ID? = try reader.optionalIdentifier()
        self.init(
            id: id, sequence: sequence, kind: kind, subject: subject, scheme: scheme,
            handbookJurisdiction: handbookJurisdiction, handbookVersion: handbookVersion, rule: rule, category: category,
            points: points, dimension: dimension, stars: stars, occurredOn: occurredOn, effectiveOn: effectiveOn,
            expiresOn: expiresOn, gradeCap: gradeCap, report: report, decisions: decisions, references: references,
            recordedOn: try reader.day(), recordedBy: try reader.identifier(), note: try reader.text(),
            gradeCapLockYears: try reader.optionalInt(), gradeCapUntilRemedied: try reader.optionalInt() == 1)
    }
}

extension Standing {
    /// 24 columns; `Listing.columns` follow them in joined reads.
    static let columns = """
        subject, scheme, as_of, score, grade, lock_grade, lock_since, lock_until, capped_by, dimensions, \
        active_entries, active_rules, last_sequence, earned_year, earned_this_year, earned_previous_year, \
        quota_year, quota_required, quota_earned, quota_exempt_members, quota_members, listing_count, \
        next_change, folded_through
        """
    static let columnCount = 24

    var arguments: StatementArguments {
        [subject.rawValue, scheme.rawValue, Int64(asOf.ordinal), score.hundredths, grade?.rawValue,
         lock?.grade.rawValue, lock.map { Int64($0.since.ordinal) }, lock.map { Int64($0.until.ordinal) },
         cappedBy?.rawValue,
         dimensions.isEmpty ? "{}" : JSONColumn.object(dimensions.lazy.map { (key: $0.key.rawValue, value: $0.value.hundredths) }),
         activeEntries, activeRules.isEmpty ? "[]" : JSONColumn.array(activeRules.lazy.map(\.rawValue)), lastSequence,
         earned.year, earned.thisYear.hundredths, earned.previousYear.hundredths,
         quota?.year, quota?.required.hundredths, quota?.earned.hundredths, quota?.exemptMembers, quota?.members,
         listings.count, nextChange.map { Int64($0.ordinal) }, foldedThrough]
    }

    /// A standing without its listings, from `Standing.columns`.
    init(reading row: Row) throws {
        var reader = RowReader(row, table: "standing")
        try self.init(reader: &reader)
    }

    /// A standing from a reader at its first column; the reader is left after `Standing.columns`.
    init(reader: inout RowReader) throws {
        let subject: Subject.ID = try reader.identifier()
        let scheme: Scheme.ID = try reader.identifier()
        let asOf = try reader.day()
        let score = try reader.points()
        let grade: Grade? = try reader.optionalIdentifier()
        let lockGrade: Grade? = try reader.optionalIdentifier()
        let lockSince = try reader.optionalDay()
        let lockUntil = try reader.optionalDay()
        var lock: Lock?
        if let lockGrade, let lockSince, let lockUntil { lock = Lock(grade: lockGrade, since: lockSince, until: lockUntil) }
        let cappedBy: Entry.ID? = try reader.optionalIdentifier()
        var dimensions: [Dimension.ID: Points] = [:]
        for (key, value) in try reader.integers() { dimensions[Dimension.ID(key)] = Points(hundredths: value) }
        let activeEntries = try reader.int()
        let activeRules = try reader.strings().map { Rule.ID($0) }
        let lastSequence = try reader.integer()
        let earned = EarnedPoints(year: try reader.int(), thisYear: try reader.points(), previousYear: try reader.points())
        var quota: QuotaStatus?
        if let year = try reader.optionalInt() {
            quota = QuotaStatus(year: year, required: try reader.points(), earned: try reader.points(),
                                exemptMembers: try reader.int(), members: try reader.int())
        }
        // The quota columns are read only when present, so the last two are found by place.
        reader.move(to: 22)
        let nextChange = try reader.optionalDay(), foldedThrough = try reader.optionalInteger()
        self.init(subject: subject, scheme: scheme, asOf: asOf, score: score, grade: grade, lock: lock, cappedBy: cappedBy,
                  dimensions: dimensions, listings: [], activeEntries: activeEntries, activeRules: activeRules,
                  lastSequence: lastSequence, earned: earned, quota: quota,
                  nextChange: nextChange, foldedThrough: foldedThrough)
    }
}

extension Listing {
    static let columns = "list, criterion, since, ends_on, end_reason, entry, domain, reason"
    /// `columns` prefixed with the listing table's alias, for joins.
    static let qualifiedColumns = qualified(columns, alias: "l")

    func arguments(subject: Subject.ID, scheme: Scheme.ID, position: Int) -> StatementArguments {
        [subject.rawValue, scheme.rawValue, position, list.rawValue, criterion.rawValue, Int64(since.ordinal),
         endsOn.map { Int64($0.ordinal) }, endReason?.rawValue, entry?.rawValue, domain?.rawValue, reason]
    }

    init(reading row: Row, startingAt index: Int) throws {
        var reader = RowReader(row, table: "listing", startingAt: index)
        try self.init(reader: &reader)
    }

    init(reader: inout RowReader) throws {
        self.init(list: try reader.value(), criterion: try reader.identifier(), since: try reader.day(),
                  endsOn: try reader.optionalDay(), endReason: try reader.optionalValue(), entry: try reader.optionalIdentifier(),
                  domain: try reader.optionalValue(), reason: try reader.text())
    }
}

/// `"a, b"` as `"t.a, t.b"`, for joins.
func qualified(_ columns: String, alias: String) -> String {
    columns.split(separator: ",").map { (column: Substring) -> String in alias + "." + String(column.drop { $0 == " " }) }
        .joined(separator: ", ")
}
