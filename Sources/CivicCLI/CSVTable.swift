import CSV
import CivicCore
import Foundation

/// A CSV file read whole and checked: the header names known columns, every row
/// has exactly as many fields as the header (a truncated file fails on its last
/// row), and each row remembers its line for error messages.
struct CSVTable {
    struct Row {
        var line: Int
        var fields: [String: String]
        subscript(column: String) -> String? { fields[column].flatMap { $0.isEmpty ? nil : $0 } }

        /// A required column's value; empty is missing.
        func required(_ column: String) throws(CivicError) -> String {
            guard let value = self[column] else { throw CivicError(.invalidInput, "missing \(column)") }
            return value
        }
    }


    static func read(_ path: String, required: [String], optional: [String]) throws(CivicError) -> [Row] {
        let text = try InputFile.text(path)
        return try parse(text, file: path, required: required, optional: optional)
    }

    static func parse(_ text: String, file: String, required: [String], optional: [String]) throws(CivicError) -> [Row] {
        try checkQuotes(text, file: file)
        let reader: CSVReader
        do {
            reader = try CSVReader(string: text, hasHeaderRow: true)
        } catch {
            throw CivicError(.invalidInput, "no header row", at: "\(file):1")
        }
        guard let header = reader.headerRow?.map({ $0.trimmingCharacters(in: .whitespaces) }) else {
            throw CivicError(.invalidInput, "no header row", at: "\(file):1")
        }
        for column in header where !required.contains(column) && !optional.contains(column) {
            throw CivicError(.invalidInput, "unknown column '\(column)' (known: \((required + optional).joined(separator: ", ")))", at: "\(file):1")
        }
        for column in required where !header.contains(column) {
            throw CivicError(.invalidInput, "missing column '\(column)'", at: "\(file):1")
        }
        if Set(header).count != header.count { throw CivicError(.invalidInput, "a column appears twice", at: "\(file):1") }
        var rows: [Row] = []
        var line = 1
        while let fields = reader.next() {
            line += 1
            if fields.count == 1 && fields[0].isEmpty { continue }
            guard fields.count == header.count else {
                throw CivicError(.invalidInput, "row has \(fields.count) fields, the header has \(header.count) (is the file truncated?)", at: "\(file):\(line)")
            }
            guard rows.count < Limits.importRowsMax else { throw CivicError(.invalidInput, "more than \(Limits.importRowsMax) rows", at: "\(file):\(line)") }
            rows.append(Row(line: line, fields: Dictionary(uniqueKeysWithValues: zip(header, fields))))
        }
        if let error = reader.error { throw CivicError(.invalidInput, "cannot parse CSV: \(error)", at: "\(file):\(line)") }
        return rows
    }

    /// RFC 4180 inside quoted fields, which the CSV reader lets pass: a quote in a quoted field is doubled
    /// or closes the field (the reader dropped the character after a lone one, so a malformed row was read
    /// with its text changed), and every quoted field closes (a truncated file). Scanned in bytes: a quote
    /// followed by a combining mark is one character with it.
    static func checkQuotes(_ text: String, file: String) throws(CivicError) {
        let bytes = Array(text.utf8)
        let quote = UInt8(ascii: "\""), comma = UInt8(ascii: ","), cr = UInt8(ascii: "\r"), lf = UInt8(ascii: "\n")
        var line = 1, index = 0, quoted = false, fieldStart = true, quoteLine = 1
        while index < bytes.count {
            let byte = bytes[index]
            if quoted {
                if byte == quote {
                    if index + 1 < bytes.count, bytes[index + 1] == quote {
                        index += 2
                        continue
                    }
                    quoted = false
                    if index + 1 < bytes.count, ![comma, cr, lf].contains(bytes[index + 1]) {
                        throw CivicError(.invalidInput, "a quote inside a quoted field is not doubled (\"\" stands for one quote)", at: "\(file):\(line)")
                    }
                } else if byte == lf {
                    line += 1
                }
            } else if byte == quote, fieldStart {
                quoted = true
                quoteLine = line
            } else {
                if byte == lf { line += 1 }
                fieldStart = byte == comma || byte == lf || (byte == cr && fieldStart)
            }
            if !quoted, byte == quote { fieldStart = false }
            index += 1
        }
        if quoted { throw CivicError(.invalidInput, "a quoted field is never closed (is the file truncated?)", at: "\(file):\(quoteLine)") }
    }
}

/// Runs `body`, adding `location` (file and line, or item) to any error it throws.
func located<T>(_ location: String, _ body: () throws(CivicError) -> T) throws(CivicError) -> T {
    do {
        return try body()
    } catch {
        throw CivicError(error.code, error.message, at: error.location.map { "\(location), \($0)" } ?? location)
    }
}
