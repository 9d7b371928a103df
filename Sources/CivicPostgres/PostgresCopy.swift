import CivicCore
import PostgresNIO

/// Rows in COPY's text format, for the large writes of a commit (a cycle close
/// appends up to a million entries and rewrites as many standings): one COPY
/// streams them with none of the parsing and planning that multi-row INSERTs
/// of tens of thousands of bound values cost. The rows go through the same
/// constraints and triggers (the ledger's statement trigger fires for COPY).
struct CopyText {
    private(set) var text = ""
    private var atLineStart = true

    /// Rows per COPY chunk sent to the server.
    static let rowsPerChunk = 5_000

    init() { text.reserveCapacity(1 << 20) }

    private mutating func separate() {
        if !atLineStart { text.append("\t") }
        atLineStart = false
    }

    /// Backslash, tab, newline and carriage return escaped, as COPY's text format wants.
    private mutating func appendEscaped(_ value: String) {
        if value.utf8.allSatisfy({ $0 != UInt8(ascii: "\\") && $0 != UInt8(ascii: "\t") && $0 != UInt8(ascii: "\n") && $0 != UInt8(ascii: "\r") }) {
            text.append(value)
            return
        }
        for scalar in value.unicodeScalars {
            switch scalar {
            case "\\": text.append("\\\\")
            case "\t": text.append("\\t")
            case "\n": text.append("\\n")
            case "\r": text.append("\\r")
            default: text.unicodeScalars.append(scalar)
            }
        }
    }

    mutating func field(_ value: String?) {
        separate()
        if let value { appendEscaped(value) } else { text.append("\\N") }
    }

    mutating func field(_ value: Int64?) {
        separate()
        if let value { text.append(String(value)) } else { text.append("\\N") }
    }

    mutating func field(_ value: Day?) { field(value.map { Int64($0.ordinal) }) }

    /// A `text[]` literal: every element quoted, `"` and `\` escaped inside the quotes.
    mutating func field(array values: [String]) {
        var literal = "{"
        for (index, value) in values.enumerated() {
            if index > 0 { literal.append(",") }
            literal.append("\"")
            for scalar in value.unicodeScalars {
                if scalar == "\"" || scalar == "\\" { literal.append("\\") }
                literal.unicodeScalars.append(scalar)
            }
            literal.append("\"")
        }
        literal.append("}")
        separate()
        appendEscaped(literal)
    }

    mutating func endRow() {
        text.append("\n")
        atLineStart = true
    }

    var isEmpty: Bool { text.isEmpty }

    mutating func take() -> ByteBuffer {
        let buffer = ByteBuffer(string: text)
        text.removeAll(keepingCapacity: true)
        return buffer
    }
}

extension PostgresStore {
    /// Sends `records` with one COPY into `table`, in chunks of `CopyText.rowsPerChunk` rows.
    static func copy<Record>(
        _ records: some Collection<Record>, into table: String, columns: [String], as kind: RecordKind, on connection: PostgresConnection,
        row: (Record, inout CopyText) throws -> Void
    ) async throws {
        if records.isEmpty { return }
        try await kind.mappingErrors {
            try await connection.copyFrom(table: table, columns: columns, logger: PostgresStore.logger) { writer in
                var text = CopyText()
                var rows = 0
                for record in records {
                    try row(record, &text)
                    text.endRow()
                    rows += 1
                    if rows == CopyText.rowsPerChunk {
                        try await writer.write(text.take())
                        rows = 0
                    }
                }
                if !text.isEmpty { try await writer.write(text.take()) }
            }
        }
    }
}

extension Entry {
    func copyRow(_ text: inout CopyText) {
        text.field(sequence); text.field(id.rawValue); text.field(kind.rawValue); text.field(subject.rawValue)
        text.field(scheme.rawValue); text.field(handbookJurisdiction.rawValue); text.field(Int64(handbookVersion))
        text.field(rule?.rawValue); text.field(category); text.field(points.hundredths); text.field(dimension?.rawValue)
        text.field(stars.map(Int64.init)); text.field(occurredOn); text.field(effectiveOn); text.field(expiresOn)
        text.field(gradeCap?.rawValue); text.field(report?.rawValue); text.field(array: decisions.map(\.rawValue))
        text.field(references?.rawValue); text.field(recordedOn); text.field(recordedBy.rawValue); text.field(note)
        text.field(gradeCapLockYears.map(Int64.init)); text.field(gradeCapUntilRemedied == true ? Int64(1) : nil)
    }
}

extension Standing {
    func copyRow(_ text: inout CopyText) throws {
        text.field(subject.rawValue); text.field(scheme.rawValue); text.field(asOf); text.field(score.hundredths)
        text.field(grade?.rawValue); text.field(lock?.grade.rawValue); text.field(lock?.since); text.field(lock?.until)
        text.field(cappedBy?.rawValue)
        text.field(dimensions.isEmpty ? "{}" : try jsonText(Dictionary(uniqueKeysWithValues: dimensions.map { ($0.key.rawValue, $0.value.hundredths) })))
        text.field(Int64(activeEntries)); text.field(array: activeRules.map(\.rawValue)); text.field(lastSequence)
        text.field(Int64(earned.year)); text.field(earned.thisYear.hundredths); text.field(earned.previousYear.hundredths)
        text.field(quota.map { Int64($0.year) }); text.field(quota?.required.hundredths); text.field(quota?.earned.hundredths)
        text.field(quota.map { Int64($0.exemptMembers) }); text.field(quota.map { Int64($0.members) })
        text.field(Int64(listings.count)); text.field(nextChange); text.field(foldedThrough)
    }
}

extension Listing {
    func copyRow(_ text: inout CopyText, subject: Subject.ID, scheme: Scheme.ID, position: Int) {
        text.field(subject.rawValue); text.field(scheme.rawValue); text.field(Int64(position)); text.field(list.rawValue)
        text.field(criterion.rawValue); text.field(since); text.field(endsOn); text.field(endReason?.rawValue)
        text.field(entry?.rawValue); text.field(domain?.rawValue); text.field(reason)
    }
}
