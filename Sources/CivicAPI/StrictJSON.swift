/// Reads a JSON request body once, before the operation decodes it, for what a decoder lets pass:
/// a key given twice in one object (decoders keep one of the two silently, so the request would not
/// mean what one reader of it thinks), and control characters inside strings (a NUL cuts a text short
/// in C libraries; escapes rewrite what terminals and logs show). Line feeds and tabs may stand in
/// strings; the operation's own checks decide where text may span lines.
///
/// Errors name the place as `body.field[index].field`, without echoing the value.
struct StrictJSON {
    /// The deepest nesting a body may have.
    static let depthMax = 64

    private let bytes: [UInt8]
    private var index = 0

    private init(_ bytes: [UInt8]) { self.bytes = bytes }

    /// Throws a 400 `APIError` for a duplicate key or a control character; leaves malformed JSON to
    /// the decoder, which says where it broke.
    static func check(_ bytes: [UInt8]) throws {
        var reader = StrictJSON(bytes)
        reader.skipSpace()
        do {
            try reader.value(path: "body", depth: 0)
        } catch let error as Malformed {
            _ = error  // the decoder reports malformed JSON with its own location
        }
    }

    private struct Malformed: Error {}

    private mutating func skipSpace() {
        while index < bytes.count, [0x20, 0x09, 0x0A, 0x0D].contains(bytes[index]) { index += 1 }
    }

    private mutating func value(path: String, depth: Int) throws {
        guard depth <= Self.depthMax else {
            throw APIError(.badRequest, "the body nests deeper than \(Self.depthMax) levels", at: path)
        }
        guard index < bytes.count else { throw Malformed() }
        switch bytes[index] {
        case UInt8(ascii: "{"):
            index += 1
            var keys = Set<String>()
            skipSpace()
            if index < bytes.count, bytes[index] == UInt8(ascii: "}") { index += 1; return }
            while true {
                skipSpace()
                guard index < bytes.count, bytes[index] == UInt8(ascii: "\"") else { throw Malformed() }
                let key = try string(path: path + ".<key>")
                let child = path + "." + key
                guard keys.insert(key).inserted else {
                    throw APIError(.badRequest, code: "duplicate-field", "the field '\(key.prefix(64))' is given twice in one object", at: child)
                }
                skipSpace()
                guard index < bytes.count, bytes[index] == UInt8(ascii: ":") else { throw Malformed() }
                index += 1
                skipSpace()
                try value(path: child, depth: depth + 1)
                skipSpace()
                guard index < bytes.count else { throw Malformed() }
                if bytes[index] == UInt8(ascii: ",") { index += 1; continue }
                if bytes[index] == UInt8(ascii: "}") { index += 1; return }
                throw Malformed()
            }
        case UInt8(ascii: "["):
            index += 1
            skipSpace()
            if index < bytes.count, bytes[index] == UInt8(ascii: "]") { index += 1; return }
            var position = 0
            while true {
                skipSpace()
                try value(path: path + "[\(position)]", depth: depth + 1)
                position += 1
                skipSpace()
                guard index < bytes.count else { throw Malformed() }
                if bytes[index] == UInt8(ascii: ",") { index += 1; continue }
                if bytes[index] == UInt8(ascii: "]") { index += 1; return }
                throw Malformed()
            }
        case UInt8(ascii: "\""):
            _ = try string(path: path)
        default:
            // A number or a literal: runs to the next delimiter; the decoder checks its form.
            while index < bytes.count, ![UInt8(ascii: ","), UInt8(ascii: "}"), UInt8(ascii: "]"), 0x20, 0x09, 0x0A, 0x0D].contains(bytes[index]) {
                index += 1
            }
        }
    }

    /// Reads a string at `index` (on its opening quote), decoding escapes; refuses control characters
    /// other than line feed and tab, whether raw or escaped.
    private mutating func string(path: String) throws -> String {
        index += 1
        var scalars = String.UnicodeScalarView()
        var start = index
        func refuse(_ value: UInt32) -> APIError {
            let hex = String(value, radix: 16, uppercase: true)
            let code = "U+" + String(repeating: "0", count: max(0, 4 - hex.count)) + hex
            return APIError(.badRequest, code: "control-character",
                            "a text contains a control character (\(code)); only line feeds and tabs are allowed in text", at: path)
        }
        func allowed(_ value: UInt32) -> Bool {
            value == 0x0A || value == 0x09 || !(value < 0x20 || (0x7F...0x9F).contains(value))
        }
        while index < bytes.count {
            let byte = bytes[index]
            if byte == UInt8(ascii: "\"") {
                scalars.append(contentsOf: String(decoding: bytes[start..<index], as: UTF8.self).unicodeScalars)
                index += 1
                for scalar in scalars where !allowed(scalar.value) { throw refuse(scalar.value) }
                return String(scalars)
            }
            if byte < 0x20 { throw refuse(UInt32(byte)) }
            if byte == UInt8(ascii: "\\") {
                scalars.append(contentsOf: String(decoding: bytes[start..<index], as: UTF8.self).unicodeScalars)
                index += 1
                guard index < bytes.count else { throw Malformed() }
                let escape = bytes[index]
                index += 1
                switch escape {
                case UInt8(ascii: "n"): scalars.append("\n")
                case UInt8(ascii: "t"): scalars.append("\t")
                case UInt8(ascii: "r"): throw refuse(0x0D)
                case UInt8(ascii: "b"): throw refuse(0x08)
                case UInt8(ascii: "f"): throw refuse(0x0C)
                case UInt8(ascii: "u"):
                    guard index + 4 <= bytes.count, let unit = UInt32(String(decoding: bytes[index..<index + 4], as: UTF8.self), radix: 16) else {
                        throw Malformed()
                    }
                    index += 4
                    if !allowed(unit) { throw refuse(unit) }
                    // Surrogate pairs are left to the decoder; only their validity is its business.
                    if let scalar = Unicode.Scalar(unit) { scalars.append(scalar) }
                default: scalars.append(Unicode.Scalar(escape))
                }
                start = index
                continue
            }
            index += 1
        }
        throw Malformed()
    }
}
