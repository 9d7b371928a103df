/// References that people read, copy by hand and quote on the telephone, for what they file on the web pages:
/// `c-2026-12-7K3M-Q9XP-D2H`. A letter for the kind, the month it was made in, ten characters of Crockford's
/// base 32 (digits and capitals without I, L, O and U, so nothing reads as something else) in groups of four,
/// and a check character that catches any one mistyped character and any swap of two neighbours (but 0 and Z).
///
/// The ten random characters carry 50 bits: at a million references of one kind in one month, the chance that
/// two coincide is about 1 in 2,000, and a coincidence is refused as a conflict, never merged (the product's
/// own choice of length). The randomness comes from the caller, so the core stays free of it.
public enum Reference {
    public enum Kind: String, Sendable, CaseIterable {
        /// A resident's claim of a good deed.
        case claim = "c"
        /// An assessor's report.
        case report = "r"
        /// An appeal.
        case appeal = "a"
        /// A reviewer's decision.
        case decision = "d"
    }

    /// Crockford's base 32 alphabet.
    static let alphabet: [Character] = Array("0123456789ABCDEFGHJKMNPQRSTVWXYZ")
    static let randomCount = 10

    /// A new reference of `kind`, made in `month`, with characters drawn from `generator`.
    public static func make(_ kind: Kind, month: Month, using generator: inout some RandomNumberGenerator) -> String {
        var body = ""
        for index in 0..<randomCount {
            if index > 0, index % 4 == 0 { body.append("-") }
            body.append(alphabet[Int(generator.next(upperBound: UInt8(alphabet.count)))])
        }
        let head = "\(kind.rawValue)-\(month)-"
        return head + body + String(check(head + body))
    }

    /// Whether `text` is a reference of `kind`: its shape, a real month, and its check character.
    public static func isValid(_ text: String, kind: Kind) -> Bool {
        let parts = text.split(separator: "-", omittingEmptySubsequences: false)
        guard parts.count == 6, parts[0] == kind.rawValue, Month(iso: "\(parts[1])-\(parts[2])") != nil,
              parts[3].count == 4, parts[4].count == 4, parts[5].count == 3,
              parts[3...].allSatisfy({ $0.allSatisfy { alphabet.contains($0) } }) else { return false }
        return text.last == check(String(text.dropLast()))
    }

    /// Luhn's algorithm in base 32 over every letter and digit of `text` (hyphens skipped): a single changed
    /// character always changes the result, and so does a swap of two neighbours unless they are 0 and Z.
    static func check(_ text: String) -> Character {
        let values = text.uppercased().compactMap { character -> Int? in
            character == "-" ? nil : alphabet.firstIndex(of: character) ?? Int(character.asciiValue ?? 0) % 32
        }
        let base = alphabet.count
        var sum = 0
        var double = true
        for value in values.reversed() {
            var addend = double ? value * 2 : value
            addend = addend / base + addend % base
            sum += addend
            double.toggle()
        }
        return alphabet[(base - sum % base) % base]
    }
}
