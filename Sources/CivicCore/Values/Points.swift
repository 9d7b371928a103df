/// A signed amount of credit points, kept as an exact count of hundredths.
///
/// Handbooks award half points ("help read a water meter: +0.5"), and weighted
/// schemes divide; a binary floating-point value would drift, so points are
/// fixed-point everywhere: in rules, entries, scores and the store.
public struct Points: Hashable, Comparable, Sendable, AdditiveArithmetic {
    /// The amount in hundredths of a point: `Points(hundredths: 50)` is half a point.
    public var hundredths: Int64

    public init(hundredths: Int64) { self.hundredths = hundredths }

    public init(_ whole: Int) { self.hundredths = Int64(whole) * 100 }

    public static let zero = Points(hundredths: 0)

    public static func + (lhs: Points, rhs: Points) -> Points { Points(hundredths: lhs.hundredths + rhs.hundredths) }
    public static func - (lhs: Points, rhs: Points) -> Points { Points(hundredths: lhs.hundredths - rhs.hundredths) }
    public static prefix func - (value: Points) -> Points { Points(hundredths: -value.hundredths) }
    public static func < (lhs: Points, rhs: Points) -> Bool { lhs.hundredths < rhs.hundredths }

    public var isNegative: Bool { hundredths < 0 }
    public var isPositive: Bool { hundredths > 0 }

    /// The value clamped to a closed range; `nil` bounds are open.
    public func clamped(floor: Points?, ceiling: Points?) -> Points {
        var value = self
        if let floor, value < floor { value = floor }
        if let ceiling, value > ceiling { value = ceiling }
        return value
    }

    /// The largest whole part a points amount is read with: twelve digits.
    public static let wholeMax: UInt = 999_999_999_999

    /// Parses "12", "-3", "+0.5", "2.25". At most two decimal places; no exponent.
    public init?(parsing text: String) {
        var text = Substring(text.trimmingWhitespace())
        var sign: Int64 = 1
        if text.hasPrefix("+") { text = text.dropFirst() } else if text.hasPrefix("-") { sign = -1; text = text.dropFirst() }
        let parts = text.split(separator: ".", omittingEmptySubsequences: false)
        guard (1...2).contains(parts.count), let wholeText = parts.first, !wholeText.isEmpty,
              wholeText.count <= 12, wholeText.allSatisfy(\.isASCIIDigit), let whole = Int64(wholeText)
        else { return nil }
        var fraction: Int64 = 0
        if parts.count == 2 {
            let fractionText = parts[1]
            guard (1...2).contains(fractionText.count), fractionText.allSatisfy(\.isASCIIDigit),
                  let digits = Int64(fractionText)
            else { return nil }
            fraction = fractionText.count == 1 ? digits * 10 : digits
        }
        self.hundredths = sign * (whole * 100 + fraction)
    }
}

extension Points: CustomStringConvertible {
    /// "1000", "-0.5", "2.25": the shortest exact decimal form.
    public var description: String {
        let magnitude = hundredths.magnitude
        let whole = magnitude / 100
        let fraction = magnitude % 100
        let sign = hundredths < 0 ? "-" : ""
        if fraction == 0 { return "\(sign)\(whole)" }
        if fraction % 10 == 0 { return "\(sign)\(whole).\(fraction / 10)" }
        return "\(sign)\(whole).\(fraction < 10 ? "0" : "")\(fraction)"
    }

    /// The amount with an explicit sign, as a change: "+1", "-3", "+0.5", "0".
    public var signedDescription: String { hundredths > 0 ? "+\(description)" : description }
}

extension Points: Codable {
    /// Points travel as their exact decimal text ("-0.5"), never as a binary float.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if let whole = try? container.decode(Int.self) {
            // The same bound as the text form (at most 12 digits), so a whole number never overflows the
            // hundredths and every amount read prints as text that reads back.
            guard whole.magnitude <= Points.wholeMax else {
                throw DecodingError.dataCorruptedError(in: container, debugDescription: "\(whole) is outside the points range")
            }
            self.init(whole)
            return
        }
        let text = try container.decode(String.self)
        guard let value = Points(parsing: text) else {
            throw DecodingError.dataCorruptedError(in: container, debugDescription: "'\(text)' is not a points amount")
        }
        self = value
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(description)
    }
}

extension Character {
    var isASCIIDigit: Bool { isASCII && isWholeNumber }
}

extension StringProtocol {
    func trimmingWhitespace() -> String {
        var scalars = Substring(self)
        while let first = scalars.first, first.isWhitespace { scalars = scalars.dropFirst() }
        while let last = scalars.last, last.isWhitespace { scalars = scalars.dropLast() }
        return String(scalars)
    }
}
