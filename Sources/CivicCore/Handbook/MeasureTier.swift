/// One step of a graduated measure: "deposit waived at 650 or more", "deposit halved at 600 or more".
///
/// A measure with tiers answers not only yes or no but which tier applies and its value. Tiers are
/// tried in the order the handbook lists them and the first whose condition holds is the answer, so a
/// handbook lists the most demanding tier first; lint refuses a tier that an earlier one always
/// pre-empts, because the order would then silently decide a subject's deposit or loan rate.
public struct MeasureTier: Hashable, Sendable, Codable, Identifiable {
    public typealias ID = Identifier<MeasureTier>

    public var id: ID
    /// What the tier means to a reader ("Deposit waived"); for a named level it is the level's name.
    public var title: LocalizedText
    /// When the tier applies; written `when:` in the handbook.
    public var condition: Condition
    public var value: TierValue

    public init(id: ID, title: LocalizedText, condition: Condition, value: TierValue) {
        self.id = id
        self.title = title
        self.condition = condition
        self.value = value
    }

    /// The most tiers one measure may have: enough for a grade table, few enough to read on one page.
    public static let tiersPerMeasureMax = 20
}

/// What a tier gives or takes: an amount with its unit, or a named level (the tier itself).
public enum TierValue: Hashable, Sendable, Codable {
    /// An exact amount (to the hundredth, like points) in a published unit: 50 percent, 3,000 yuan, -0.5 percentage points.
    case amount(Points, TierUnit)
    /// A named level ("gold member"): the tier's id and title are the value.
    case level

    public var amount: Points? {
        if case .amount(let amount, _) = self { return amount }
        return nil
    }

    public var unit: TierUnit? {
        if case .amount(_, let unit) = self { return unit }
        return nil
    }
}

extension TierValue {
    private enum CodingKeys: String, CodingKey { case kind, amount, unit }

    /// `{"kind": "amount", "amount": "50", "unit": "percent"}` or `{"kind": "level"}`: the shape the API publishes.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        switch try container.decode(String.self, forKey: .kind) {
        case "amount": self = .amount(try container.decode(Points.self, forKey: .amount), try container.decode(TierUnit.self, forKey: .unit))
        case "level": self = .level
        case let other:
            throw DecodingError.dataCorruptedError(forKey: .kind, in: container, debugDescription: "unknown tier value kind '\(other)'")
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        switch self {
        case .amount(let amount, let unit):
            try container.encode("amount", forKey: .kind)
            try container.encode(amount, forKey: .amount)
            try container.encode(unit, forKey: .unit)
        case .level:
            try container.encode("level", forKey: .kind)
        }
    }
}

/// The units a tier's amount may be given in. A closed list, so that every interface can name the unit
/// in the reader's language from its catalogs.
///
/// An amount is always what applies to the subject, never what is taken off, so that it reads one way only:
/// a deposit waived is 0 percent of the ordinary deposit, halved 50, raised by half 150; a loan rate half a
/// point lower is -0.5 percentage points.
public enum TierUnit: String, Hashable, Sendable, Codable, CaseIterable {
    /// The share of the ordinary price, deposit or fee the subject pays.
    case percent
    /// The change to an ordinary interest rate: negative is lower.
    case percentagePoints = "percentage-points"
    /// An amount of money: a deposit of 300 yuan, a loan of up to 50,000 yuan.
    case yuan
    case days
    case months
}

/// The tier a decision chose, as an answer carries it: the condition stays in the handbook.
public struct TierAnswer: Hashable, Sendable, Codable {
    public var id: MeasureTier.ID
    public var title: LocalizedText
    public var value: TierValue

    public init(id: MeasureTier.ID, title: LocalizedText, value: TierValue) {
        self.id = id
        self.title = title
        self.value = value
    }

    public init(_ tier: MeasureTier) { self.init(id: tier.id, title: tier.title, value: tier.value) }
}
