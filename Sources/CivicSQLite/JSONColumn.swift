import Foundation

/// The JSON text of the store's nested columns: lists of identifiers and maps
/// of identifiers to hundredths of a point.
///
/// These columns are written for every entry and every standing, up to a
/// million rows in one commit, so the common shapes are encoded and decoded
/// by hand: a `JSONEncoder` per row would cost more than the insert itself.
/// The output is plain compact JSON with sorted keys, so SQLite's own JSON
/// functions and any other reader see ordinary JSON. Anything the fast path
/// does not recognise (escapes, whitespace) goes through Foundation's decoder,
/// so hand-edited but valid JSON still reads back.
enum JSONColumn {
    /// `["a","b"]`, in the given order.
    static func array(_ strings: some Sequence<String>) -> String {
        var out = "["
        var first = true
        for string in strings {
            if !first { out.append(",") }
            first = false
            appendQuoted(string, to: &out)
        }
        out.append("]")
        return out
    }

    /// `{"a":150,"b":-50}`, keys sorted by their UTF-8 bytes.
    static func object(_ pairs: some Sequence<(key: String, value: Int64)>) -> String {
        let sorted = pairs.sorted { $0.key.utf8.lexicographicallyPrecedes($1.key.utf8) }
        var out = "{"
        for (offset, pair) in sorted.enumerated() {
            if offset > 0 { out.append(",") }
            appendQuoted(pair.key, to: &out)
            out.append(":")
            out.append(String(pair.value))
        }
        out.append("}")
        return out
    }

    static func strings(_ text: String) throws -> [String] {
        if let fast = fastStrings(text) { return fast }
        return try JSONDecoder().decode([String].self, from: Data(text.utf8))
    }

    static func integers(_ text: String) throws -> [String: Int64] {
        if let fast = fastIntegers(text) { return fast }
        return try JSONDecoder().decode([String: Int64].self, from: Data(text.utf8))
    }

    /// Any Codable value, with sorted keys so equal values give equal text.
    static func encode(_ value: some Encodable) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return String(decoding: try encoder.encode(value), as: UTF8.self)
    }

    static func decode<T: Decodable>(_ type: T.Type, from text: String) throws -> T {
        try JSONDecoder().decode(type, from: Data(text.utf8))
    }

    private static func appendQuoted(_ string: String, to out: inout String) {
        out.append("\"")
        if string.utf8.allSatisfy({ $0 >= 0x20 && $0 != UInt8(ascii: "\"") && $0 != UInt8(ascii: "\\") }) {
            out.append(string)
        } else {
            for scalar in string.unicodeScalars {
                switch scalar {
                case "\"": out.append("\\\"")
                case "\\": out.append("\\\\")
                case "\n": out.append("\\n")
                case "\r": out.append("\\r")
                case "\t": out.append("\\t")
                case _ where scalar.value < 0x20:
                    let hex = String(scalar.value, radix: 16)
                    out.append("\\u" + String(repeating: "0", count: 4 - hex.count) + hex)
                default: out.unicodeScalars.append(scalar)
                }
            }
        }
        out.append("\"")
    }

    /// Compact text without escapes, as `array` writes it; `nil` for anything else.
    private static func fastStrings(_ text: String) -> [String]? {
        let bytes = Array(text.utf8)
        guard bytes.first == UInt8(ascii: "["), bytes.last == UInt8(ascii: "]"),
              !bytes.contains(UInt8(ascii: "\\")) else { return nil }
        var result: [String] = []
        var index = 1
        let end = bytes.count - 1
        if index == end { return result }
        while true {
            guard index < end, bytes[index] == UInt8(ascii: "\"") else { return nil }
            let start = index + 1
            guard let close = bytes[start..<end].firstIndex(of: UInt8(ascii: "\"")) else { return nil }
            result.append(String(decoding: bytes[start..<close], as: UTF8.self))
            index = close + 1
            if index == end { return result }
            guard bytes[index] == UInt8(ascii: ",") else { return nil }
            index += 1
        }
    }

    /// Compact text without escapes, as `object` writes it; `nil` for anything else.
    private static func fastIntegers(_ text: String) -> [String: Int64]? {
        let bytes = Array(text.utf8)
        guard bytes.first == UInt8(ascii: "{"), bytes.last == UInt8(ascii: "}"),
              !bytes.contains(UInt8(ascii: "\\")) else { return nil }
        var result: [String: Int64] = [:]
        var index = 1
        let end = bytes.count - 1
        if index == end { return result }
        while true {
            guard index < end, bytes[index] == UInt8(ascii: "\"") else { return nil }
            let start = index + 1
            guard let close = bytes[start..<end].firstIndex(of: UInt8(ascii: "\"")),
                  close + 1 < end, bytes[close + 1] == UInt8(ascii: ":") else { return nil }
            let key = String(decoding: bytes[start..<close], as: UTF8.self)
            let numberStart = close + 2
            let numberEnd = bytes[numberStart..<end].firstIndex(of: UInt8(ascii: ",")) ?? end
            guard let value = Int64(String(decoding: bytes[numberStart..<numberEnd], as: UTF8.self)),
                  result.updateValue(value, forKey: key) == nil else { return nil }
            if numberEnd == end { return result }
            index = numberEnd + 1
        }
    }
}
