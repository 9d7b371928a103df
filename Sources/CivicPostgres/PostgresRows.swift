import CivicCore
import Foundation
import PostgresNIO

/// A table's columns in insert order, with the cast each bound value needs
/// (JSON is bound as text and cast to `jsonb`).
struct TableColumns {
    var table: String
    var names: [String]
    var casts: [String: String] = [:]

    var list: String { names.joined(separator: ", ") }
    /// The column list with a table alias, for joins.
    func qualified(_ alias: String) -> String { names.map { "\(alias).\($0)" }.joined(separator: ", ") }

    /// `($1, $2::jsonb, ...), (...)` for `rows` rows.
    func placeholders(rows: Int) -> String {
        var text = ""
        text.reserveCapacity(rows * names.count * 6)
        var number = 0
        for row in 0..<rows {
            if row > 0 { text += ", " }
            text += "("
            for (index, name) in names.enumerated() {
                number += 1
                if index > 0 { text += ", " }
                text += "$\(number)"
                if let cast = casts[name] { text += "::\(cast)" }
            }
            text += ")"
        }
        return text
    }
}

/// Reads one row's columns in order, turning stored values back into domain
/// values. A value that cannot be read is a `corrupted` error naming the
/// column, never the value.
struct ColumnReader {
    let row: PostgresRandomAccessRow
    let table: String
    private(set) var index: Int

    init(_ row: PostgresRow, table: String, startingAt index: Int = 0) {
        self.row = row.makeRandomAccess()
        self.table = table
        self.index = index
    }

    private func failure(_ reason: String) -> CivicError {
        CivicError(.corrupted, "stored \(table) row has \(reason) in column \(index + 1)")
    }

    private mutating func decode<T: PostgresDecodable>(_: T.Type) throws -> T? where T._DecodableType == T {
        defer { index += 1 }
        do {
            return try row[index].decode(T?.self)
        } catch {
            throw failure("a value of an unexpected type")
        }
    }

    func isNull(at offset: Int = 0) -> Bool { row[index + offset].bytes == nil }

    mutating func text() throws -> String {
        guard let value = try decode(String.self) else { index -= 1; throw failure("a missing text") }
        return value
    }

    mutating func optionalText() throws -> String? { try decode(String.self) }

    mutating func integer() throws -> Int64 {
        guard let value = try decode(Int64.self) else { index -= 1; throw failure("a missing integer") }
        return value
    }

    mutating func optionalInteger() throws -> Int64? { try decode(Int64.self) }

    mutating func optionalBool() throws -> Bool? { try decode(Bool.self) }

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
        guard let value = try decode([String].self) else { index -= 1; throw failure("a missing list") }
        return value
    }

    /// A `jsonb` column, read as its text and decoded.
    mutating func json<Value: Decodable>(_ type: Value.Type) throws -> Value {
        let text = try text()
        do { return try JSONDecoder().decode(type, from: Data(text.utf8)) } catch { index -= 1; throw failure("unreadable JSON") }
    }

    mutating func skip(_ count: Int = 1) { index += count }
}

/// JSON for the `jsonb` columns, with sorted keys so equal values give equal text.
func jsonText(_ value: some Encodable) throws -> String {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
    return String(decoding: try encoder.encode(value), as: UTF8.self)
}

extension Day {
    var stored: Int64 { Int64(ordinal) }
}

// MARK: - Columns, bindings and readers, one set per table, in the same order.

extension Jurisdiction {
    static let table = TableColumns(table: "jurisdiction", names: ["id", "name_en", "name_zh", "parent"])

    func bind(_ bindings: inout PostgresBindings) {
        bindings.append(id.rawValue); bindings.append(name.en); bindings.append(name.zh); bindings.append(parent?.rawValue)
    }

    init(reading row: PostgresRow) throws {
        var reader = ColumnReader(row, table: "jurisdiction")
        self.init(id: try reader.identifier(), name: LocalizedText(en: try reader.text(), zh: try reader.text()),
                  parent: try reader.optionalIdentifier())
    }
}

extension Subject {
    static let table = TableColumns(
        table: "subject", names: ["id", "kind", "name", "jurisdiction", "household", "birth_date", "attributes", "registered_on"])

    func bind(_ bindings: inout PostgresBindings) {
        bindings.append(id.rawValue); bindings.append(kind.rawValue); bindings.append(name); bindings.append(jurisdiction.rawValue)
        bindings.append(household?.rawValue); bindings.append(birthDate?.stored); bindings.append(attributes.sorted())
        bindings.append(registeredOn.stored)
    }

    init(reading row: PostgresRow) throws {
        var reader = ColumnReader(row, table: "subject")
        self.init(
            id: try reader.identifier(), kind: try reader.value(), name: try reader.text(),
            jurisdiction: try reader.identifier(), household: try reader.optionalIdentifier(),
            birthDate: try reader.optionalDay(), attributes: Set(try reader.strings()), registeredOn: try reader.day())
    }
}

extension Actor {
    static let table = TableColumns(table: "actor", names: ["id", "name", "roles", "jurisdiction", "subject"])

    func bind(_ bindings: inout PostgresBindings) {
        bindings.append(id.rawValue); bindings.append(name); bindings.append(roles.map(\.rawValue).sorted())
        bindings.append(jurisdiction.rawValue); bindings.append(subject?.rawValue)
    }

    init(reading row: PostgresRow) throws {
        var reader = ColumnReader(row, table: "actor")
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
    static let table = TableColumns(
        table: "handbook", names: ["jurisdiction", "version", "handbook", "source", "published_on", "published_by"],
        casts: ["handbook": "jsonb"])

    func bind(_ bindings: inout PostgresBindings) throws {
        bindings.append(handbook.jurisdiction.rawValue); bindings.append(Int64(handbook.version))
        bindings.append(try jsonText(handbook)); bindings.append(source); bindings.append(publishedOn.stored)
        bindings.append(publishedBy.rawValue)
    }

    init(reading row: PostgresRow) throws {
        var reader = ColumnReader(row, table: "handbook", startingAt: 2)
        self.init(handbook: try reader.json(Handbook.self), source: try reader.text(), publishedOn: try reader.day(),
                  publishedBy: try reader.identifier())
    }
}

extension Report {
    static let table = TableColumns(
        table: "report",
        names: ["id", "subject", "scheme", "rule", "handbook_jurisdiction", "handbook_version", "reporter", "reporter_role",
                "occurred_on", "filed_on", "cycle", "statement", "evidence", "duration_days", "stars", "source_record", "status"],
        casts: ["evidence": "jsonb"])

    func bind(_ bindings: inout PostgresBindings, status: ReportStatus) throws {
        bindings.append(id.rawValue); bindings.append(subject.rawValue); bindings.append(scheme.rawValue); bindings.append(rule.rawValue)
        bindings.append(handbookJurisdiction.rawValue); bindings.append(Int64(handbookVersion)); bindings.append(reporter.rawValue)
        bindings.append(reporterRole.rawValue); bindings.append(occurredOn.stored); bindings.append(filedOn.stored)
        bindings.append(cycle.description); bindings.append(statement)
        bindings.append(evidence.isEmpty ? "[]" : try jsonText(evidence))
        bindings.append(durationDays.map(Int64.init)); bindings.append(stars.map(Int64.init)); bindings.append(sourceRecord)
        bindings.append(status.rawValue)
    }

    /// A report and its status, from `Report.table`.
    static func reading(_ row: PostgresRow) throws -> (Report, ReportStatus) {
        var reader = ColumnReader(row, table: "report")
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
    static let table = TableColumns(
        table: "decision", names: ["id", "report", "reviewer", "outcome", "adjusted_points", "reason", "decided_on"])

    func bind(_ bindings: inout PostgresBindings) {
        let outcomeCode: String, adjusted: Int64?
        switch outcome {
        case .approve: (outcomeCode, adjusted) = ("approve", nil)
        case .reject: (outcomeCode, adjusted) = ("reject", nil)
        case .adjust(let points): (outcomeCode, adjusted) = ("adjust", points.hundredths)
        }
        bindings.append(id.rawValue); bindings.append(report.rawValue); bindings.append(reviewer.rawValue)
        bindings.append(outcomeCode); bindings.append(adjusted); bindings.append(reason); bindings.append(decidedOn.stored)
    }

    init(reading row: PostgresRow) throws {
        var reader = ColumnReader(row, table: "decision")
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
    static let table = TableColumns(table: "cycle", names: ["jurisdiction", "month", "closed_on", "closed_by"])

    func bind(_ bindings: inout PostgresBindings) {
        bindings.append(jurisdiction.rawValue); bindings.append(month.description); bindings.append(closedOn.stored)
        bindings.append(closedBy.rawValue)
    }

    init(reading row: PostgresRow) throws {
        var reader = ColumnReader(row, table: "cycle")
        self.init(jurisdiction: try reader.identifier(), month: try reader.month(), closedOn: try reader.day(),
                  closedBy: try reader.identifier())
    }
}

extension Entry {
    static let table = TableColumns(
        table: "entry",
        names: ["sequence", "id", "kind", "subject", "scheme", "handbook_jurisdiction", "handbook_version", "rule", "category",
                "points", "dimension", "stars", "occurred_on", "effective_on", "expires_on", "grade_cap", "report", "decisions",
                "referenced_entry", "recorded_on", "recorded_by", "note", "grade_cap_lock_years", "grade_cap_until_remedied"])

    /// The same columns as a migration older than entry-cap-terms (8) reads them: the cap terms did not exist
    /// yet, so no entry had any.
    static let listBeforeCapTerms = (table.names.dropLast(2) + ["NULL::bigint", "NULL::bigint"]).joined(separator: ", ")

    func bind(_ bindings: inout PostgresBindings) {
        bindings.append(sequence); bindings.append(id.rawValue); bindings.append(kind.rawValue); bindings.append(subject.rawValue)
        bindings.append(scheme.rawValue); bindings.append(handbookJurisdiction.rawValue); bindings.append(Int64(handbookVersion))
        bindings.append(rule?.rawValue); bindings.append(category); bindings.append(points.hundredths)
        bindings.append(dimension?.rawValue); bindings.append(stars.map(Int64.init)); bindings.append(occurredOn?.stored)
        bindings.append(effectiveOn.stored); bindings.append(expiresOn?.stored); bindings.append(gradeCap?.rawValue)
        bindings.append(report?.rawValue); bindings.append(decisions.map(\.rawValue)); bindings.append(references?.rawValue)
        bindings.append(recordedOn.stored); bindings.append(recordedBy.rawValue); bindings.append(note)
        bindings.append(gradeCapLockYears.map(Int64.init)); bindings.append(gradeCapUntilRemedied == true ? Int64(1) : nil)
    }

    init(reading row: PostgresRow) throws {
        var reader = ColumnReader(row, table: "entry")
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
        let dimension: CivicCore.Dimension.ID? = try reader.optionalIdentifier()
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
    /// 24 columns; `Listing.table` columns follow them in joined reads.
    static let table = TableColumns(
        table: "standing",
        names: ["subject", "scheme", "as_of", "score", "grade", "lock_grade", "lock_since", "lock_until", "capped_by", "dimensions",
                "active_entries", "active_rules", "last_sequence", "earned_year", "earned_this_year", "earned_previous_year",
                "quota_year", "quota_required", "quota_earned", "quota_exempt_members", "quota_members", "listing_count",
                "next_change", "folded_through"],
        casts: ["dimensions": "jsonb"])

    func bind(_ bindings: inout PostgresBindings) throws {
        bindings.append(subject.rawValue); bindings.append(scheme.rawValue); bindings.append(asOf.stored)
        bindings.append(score.hundredths); bindings.append(grade?.rawValue); bindings.append(lock?.grade.rawValue)
        bindings.append(lock?.since.stored); bindings.append(lock?.until.stored); bindings.append(cappedBy?.rawValue)
        bindings.append(dimensions.isEmpty ? "{}" : try jsonText(Dictionary(uniqueKeysWithValues: dimensions.map { ($0.key.rawValue, $0.value.hundredths) })))
        bindings.append(Int64(activeEntries)); bindings.append(activeRules.map(\.rawValue)); bindings.append(lastSequence)
        bindings.append(Int64(earned.year)); bindings.append(earned.thisYear.hundredths); bindings.append(earned.previousYear.hundredths)
        bindings.append(quota.map { Int64($0.year) }); bindings.append(quota?.required.hundredths); bindings.append(quota?.earned.hundredths)
        bindings.append(quota.map { Int64($0.exemptMembers) }); bindings.append(quota.map { Int64($0.members) })
        bindings.append(Int64(listings.count)); bindings.append(nextChange?.stored); bindings.append(foldedThrough)
    }

    /// A standing without its listings, from `Standing.table`.
    init(reading row: PostgresRow) throws {
        var reader = ColumnReader(row, table: "standing")
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
        var dimensions: [CivicCore.Dimension.ID: Points] = [:]
        for (key, value) in try reader.json([String: Int64].self) { dimensions[CivicCore.Dimension.ID(key)] = Points(hundredths: value) }
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
        var tail = ColumnReader(row, table: "standing", startingAt: 22)
        self.init(subject: subject, scheme: scheme, asOf: asOf, score: score, grade: grade, lock: lock, cappedBy: cappedBy,
                  dimensions: dimensions, listings: [], activeEntries: activeEntries, activeRules: activeRules,
                  lastSequence: lastSequence, earned: earned, quota: quota,
                  nextChange: try tail.optionalDay(), foldedThrough: try tail.optionalInteger())
    }
}

extension Listing {
    /// The listing's own columns, after subject, scheme and position.
    static let table = TableColumns(
        table: "listing", names: ["list", "criterion", "since", "ends_on", "end_reason", "entry", "domain", "reason"])
    static let insertTable = TableColumns(table: "listing", names: ["subject", "scheme", "position"] + table.names)

    func bind(_ bindings: inout PostgresBindings, subject: Subject.ID, scheme: Scheme.ID, position: Int) {
        bindings.append(subject.rawValue); bindings.append(scheme.rawValue); bindings.append(Int64(position))
        bindings.append(list.rawValue); bindings.append(criterion.rawValue); bindings.append(since.stored)
        bindings.append(endsOn?.stored); bindings.append(endReason?.rawValue); bindings.append(entry?.rawValue)
        bindings.append(domain?.rawValue); bindings.append(reason)
    }

    init(reading row: PostgresRow, startingAt index: Int) throws {
        var reader = ColumnReader(row, table: "listing", startingAt: index)
        self.init(list: try reader.value(), criterion: try reader.identifier(), since: try reader.day(),
                  endsOn: try reader.optionalDay(), endReason: try reader.optionalValue(), entry: try reader.optionalIdentifier(),
                  domain: try reader.optionalValue(), reason: try reader.text())
    }
}
