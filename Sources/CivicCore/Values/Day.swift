/// A civil calendar day (proleptic Gregorian), with no time of day and no zone.
///
/// Entries start, expire and lock on days, and expiry must be exact to the day, so
/// the core never touches `Date` or a time zone. The ordinal counts days from
/// 1970-01-01, which makes comparison and arithmetic trivial and exact.
public struct Day: Hashable, Comparable, Sendable {
    public var ordinal: Int32

    public init(ordinal: Int32) { self.ordinal = ordinal }

    /// A valid calendar day, or `nil` (2026-02-30 is `nil`).
    public init?(year: Int, month: Int, day: Int) {
        guard (1...9999).contains(year), (1...12).contains(month),
              (1...Day.daysIn(month: month, year: year)).contains(day)
        else { return nil }
        self.ordinal = Int32(Day.daysFromCivil(year: year, month: month, day: day))
    }

    /// A day by its civil date without range checks, for arithmetic near the edges of the calendar
    /// (a lock-in five years after 9998-06-01). `day` must be valid for its month.
    init(civil year: Int, month: Int, day: Int) {
        self.ordinal = Int32(clamping: Day.daysFromCivil(year: year, month: month, day: day))
    }

    /// 1 January of `year`, for any year.
    public static func startOfYear(_ year: Int) -> Day { Day(civil: year, month: 1, day: 1) }

    /// Parses an ISO 8601 calendar date, `YYYY-MM-DD`, and nothing else.
    public init?(iso text: String) {
        let parts = text.split(separator: "-", omittingEmptySubsequences: false)
        guard parts.count == 3, parts[0].count == 4, parts[1].count == 2, parts[2].count == 2,
              parts.allSatisfy({ $0.allSatisfy(\.isASCIIDigit) }),
              let year = Int(parts[0]), let month = Int(parts[1]), let day = Int(parts[2])
        else { return nil }
        self.init(year: year, month: month, day: day)
    }

    public static func < (lhs: Day, rhs: Day) -> Bool { lhs.ordinal < rhs.ordinal }

    public var components: (year: Int, month: Int, day: Int) { Day.civilFromDays(Int(ordinal)) }
    public var year: Int { components.year }
    public var month: Month { let c = components; return Month(year: c.year, month: c.month)! }
    public var quarter: Quarter { let c = components; return Quarter(year: c.year, quarter: (c.month - 1) / 3 + 1)! }

    public func adding(days: Int) -> Day { Day(ordinal: ordinal + Int32(days)) }

    /// The same day of the month `months` later, clamped to the month's end (Jan 31 + 1 month = Feb 28 or 29).
    public func adding(months: Int) -> Day {
        let c = components
        let total = c.year * 12 + (c.month - 1) + months
        let year = total / 12, month = total % 12 + 1
        return Day(civil: year, month: month, day: min(c.day, Day.daysIn(month: month, year: year)))
    }

    public func adding(years: Int) -> Day { adding(months: years * 12) }

    /// Day of the week, 1 = Monday ... 7 = Sunday (ISO 8601). 1970-01-01 was a Thursday.
    public var weekday: Int {
        let offset = (Int(ordinal) + 3) % 7
        return (offset < 0 ? offset + 7 : offset) + 1
    }

    /// Monday to Friday. Public holidays are not modelled: a working-day deadline counts weekdays only.
    public var isWorkingDay: Bool { weekday <= 5 }

    /// The day `count` working days after `self` (`self` itself never counts).
    public func adding(workingDays count: Int) -> Day {
        var day = self
        var left = count
        while left > 0 {
            day = day.adding(days: 1)
            if day.isWorkingDay { left -= 1 }
        }
        return day
    }

    /// Days from `self` to `other`; positive when `other` is later.
    public func days(until other: Day) -> Int { Int(other.ordinal - ordinal) }

    /// Whole years of age on `day` for someone born on `self`.
    public func age(on day: Day) -> Int {
        let birth = components, now = day.components
        var years = now.year - birth.year
        if (now.month, now.day) < (birth.month, birth.day) { years -= 1 }
        return years
    }

    static func isLeap(_ year: Int) -> Bool { (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 }

    static func daysIn(month: Int, year: Int) -> Int {
        switch month {
        case 2: return isLeap(year) ? 29 : 28
        case 4, 6, 9, 11: return 30
        default: return 31
        }
    }

    // Howard Hinnant's days_from_civil / civil_from_days.
    static func daysFromCivil(year: Int, month: Int, day: Int) -> Int {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let mp = (month + 9) % 12
        let doy = (153 * mp + 2) / 5 + day - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146_097 + doe - 719_468
    }

    static func civilFromDays(_ days: Int) -> (year: Int, month: Int, day: Int) {
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146_096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let day = doy - (153 * mp + 2) / 5 + 1
        let month = mp < 10 ? mp + 3 : mp - 9
        return (yoe + era * 400 + (month <= 2 ? 1 : 0), month, day)
    }
}

extension Day: CustomStringConvertible, Codable {
    /// `YYYY-MM-DD`.
    public var description: String {
        let c = components
        return "\(pad(c.year, 4))-\(pad(c.month, 2))-\(pad(c.day, 2))"
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        let text = try container.decode(String.self)
        guard let day = Day(iso: text) else {
            throw DecodingError.dataCorruptedError(in: container, debugDescription: "'\(text)' is not a date (YYYY-MM-DD)")
        }
        self = day
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(description)
    }
}

func pad(_ value: Int, _ width: Int) -> String {
    let digits = String(value)
    return String(repeating: "0", count: max(0, width - digits.count)) + digits
}

/// A calendar month: the unit of the review cycle.
public struct Month: Hashable, Comparable, Sendable {
    public let year: Int
    public let month: Int

    public init?(year: Int, month: Int) {
        guard (1...9999).contains(year), (1...12).contains(month) else { return nil }
        self.year = year
        self.month = month
    }

    /// Parses `YYYY-MM`, digits only: "+026-01" is not a month, so every month has one text.
    public init?(iso text: String) {
        let parts = text.split(separator: "-", omittingEmptySubsequences: false)
        guard parts.count == 2, parts[0].count == 4, parts[1].count == 2,
              parts.allSatisfy({ $0.allSatisfy(\.isASCIIDigit) }),
              let year = Int(parts[0]), let month = Int(parts[1]) else { return nil }
        self.init(year: year, month: month)
    }

    public static func < (lhs: Month, rhs: Month) -> Bool { (lhs.year, lhs.month) < (rhs.year, rhs.month) }

    public var firstDay: Day { Day(year: year, month: month, day: 1)! }
    public var lastDay: Day { Day(year: year, month: month, day: Day.daysIn(month: month, year: year))! }
    public var next: Month { month == 12 ? Month(year: year + 1, month: 1)! : Month(year: year, month: month + 1)! }
    public var previous: Month { month == 1 ? Month(year: year - 1, month: 12)! : Month(year: year, month: month - 1)! }

    public func day(_ number: Int) -> Day {
        Day(year: year, month: month, day: min(max(1, number), Day.daysIn(month: month, year: year)))!
    }
}

extension Month: CustomStringConvertible, Codable {
    public var description: String { "\(pad(year, 4))-\(pad(month, 2))" }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        let text = try container.decode(String.self)
        guard let month = Month(iso: text) else {
            throw DecodingError.dataCorruptedError(in: container, debugDescription: "'\(text)' is not a month (YYYY-MM)")
        }
        self = month
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(description)
    }
}

/// A calendar quarter: the period of household star ratings.
public struct Quarter: Hashable, Comparable, Sendable {
    public let year: Int
    public let quarter: Int

    public init?(year: Int, quarter: Int) {
        guard (1...9999).contains(year), (1...4).contains(quarter) else { return nil }
        self.year = year
        self.quarter = quarter
    }

    /// Parses `YYYY-Qn`, digits only: "+026-Q1" is not a quarter, so every quarter has one text.
    public init?(iso text: String) {
        let parts = text.split(separator: "-", omittingEmptySubsequences: false)
        guard parts.count == 2, parts[0].count == 4, parts[1].count == 2, parts[1].first == "Q",
              parts[0].allSatisfy(\.isASCIIDigit), parts[1].dropFirst().allSatisfy(\.isASCIIDigit),
              let year = Int(parts[0]), let quarter = Int(parts[1].dropFirst()) else { return nil }
        self.init(year: year, quarter: quarter)
    }

    public static func < (lhs: Quarter, rhs: Quarter) -> Bool { (lhs.year, lhs.quarter) < (rhs.year, rhs.quarter) }

    public var firstDay: Day { Day(year: year, month: (quarter - 1) * 3 + 1, day: 1)! }
    public var lastDay: Day { Month(year: year, month: quarter * 3)!.lastDay }
}

extension Quarter: CustomStringConvertible, Codable {
    public var description: String { "\(pad(year, 4))-Q\(quarter)" }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        let text = try container.decode(String.self)
        guard let quarter = Quarter(iso: text) else {
            throw DecodingError.dataCorruptedError(in: container, debugDescription: "'\(text)' is not a quarter (YYYY-Qn)")
        }
        self = quarter
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(description)
    }
}

/// The period over which a rule's cap counts ("two trips a month").
public enum Period: String, Hashable, Sendable, Codable, CaseIterable {
    case month, quarter, year

    /// The first day of the period that contains `day`.
    public func start(containing day: Day) -> Day {
        switch self {
        case .month: day.month.firstDay
        case .quarter: day.quarter.firstDay
        case .year: Day.startOfYear(day.year)
        }
    }
}
