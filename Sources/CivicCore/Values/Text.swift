/// Checks on free text that people type: names, statements, reasons, notes.
///
/// Control characters are refused, not cleaned: a NUL cuts a text short in C libraries (a database
/// driver stores `"\u{0}Hidden"` as an empty string), a carriage return or escape sequence rewrites what
/// a terminal or a log shows, and a bidirectional override makes a name read differently from how it
/// sorts and compares. Line feeds and tabs are allowed only where the text is prose.
public enum Text {
    /// The first character of `text` that a text of its kind may not hold, with its position
    /// (counted in Unicode scalars from 1), or nil when every character may stand.
    public static func forbiddenCharacter(in text: String, lineBreaks: Bool) -> (scalar: Unicode.Scalar, position: Int)? {
        for (index, scalar) in text.unicodeScalars.enumerated() {
            let value = scalar.value
            if lineBreaks, value == 0x0A || value == 0x09 { continue }
            let control = value < 0x20 || (0x7F...0x9F).contains(value)
            let bidirectional = (0x202A...0x202E).contains(value) || (0x2066...0x2069).contains(value)
            let separator = value == 0x2028 || value == 0x2029
            if control || bidirectional || separator { return (scalar, index + 1) }
        }
        return nil
    }

    /// Throws `invalidInput` naming `field` when `text` holds a character its kind may not.
    public static func check(_ text: String, field: String, lineBreaks: Bool = false, at location: String? = nil) throws(CivicError) {
        guard let found = forbiddenCharacter(in: text, lineBreaks: lineBreaks) else { return }
        let hex = String(found.scalar.value, radix: 16, uppercase: true)
        let code = "U+" + String(repeating: "0", count: max(0, 4 - hex.count)) + hex
        let allowed = lineBreaks ? " (only line feeds and tabs are allowed)" : ""
        throw CivicError(.invalidInput, "\(field) contains a control character (\(code)) at character \(found.position)\(allowed)",
                         at: location ?? field)
    }
}
