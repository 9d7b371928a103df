/// The fixed taxonomy a rule's category comes from.
///
/// Each category belongs to one domain of conduct, so that a measure can be
/// limited to conduct in its own domain. Some categories are protected: the
/// product refuses to score them at all (see the README's scope).
public struct Category: Hashable, Sendable, Codable, CustomStringConvertible {
    public let code: String
    public let domain: Domain
    public let title: LocalizedText

    public var description: String { code }

    public init(from decoder: any Decoder) throws {
        let code = try decoder.singleValueContainer().decode(String.self)
        guard let category = Category.named(code) else {
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: "unknown category '\(code)'"))
        }
        self = category
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(code)
    }

    init(_ code: String, _ domain: Domain, en: String, zh: String) {
        self.code = code
        self.domain = domain
        self.title = LocalizedText(en: en, zh: zh)
    }

    public static func named(_ code: String) -> Category? { all.first { $0.code == code } }

    /// The categories a rule may use.
    public static let all: [Category] = [
        Category("neighbourly-help", .community, en: "Helping neighbours and people in need", zh: "邻里互助"),
        Category("volunteering", .community, en: "Volunteering", zh: "志愿服务"),
        Category("family-care", .family, en: "Care for elderly or dependent family", zh: "孝老爱亲"),
        Category("dispute-settlement", .community, en: "Settling disputes", zh: "调解纠纷"),
        Category("honours", .community, en: "Honours and awards", zh: "荣誉表彰"),
        Category("donation", .community, en: "Donations of money, blood or organs", zh: "捐赠"),
        Category("workplace", .employment, en: "Conduct at work", zh: "爱岗敬业"),
        Category("sanitation", .environment, en: "Litter, waste and sanitation", zh: "环境卫生"),
        Category("animal-keeping", .environment, en: "Keeping animals", zh: "畜禽饲养"),
        Category("public-order", .publicOrder, en: "Public order and nuisance", zh: "公共秩序"),
        Category("traffic", .transport, en: "Road traffic", zh: "交通安全"),
        Category("housing-and-land", .housing, en: "Building, renovation and land use", zh: "建房与用地"),
        Category("public-health", .health, en: "Public health rules (smoking bans)", zh: "公共卫生"),
        Category("financial-credit", .finance, en: "Loans, credit cards and repayments", zh: "金融信用"),
        Category("tax", .tax, en: "Taxes", zh: "纳税"),
        Category("court-enforcement", .judicial, en: "Court judgments and their enforcement", zh: "司法执行"),
        Category("commercial-conduct", .commerce, en: "Business conduct, contracts, product quality", zh: "商业诚信"),
        Category("regulatory-compliance", .commerce, en: "Licences, inspections and fines of regulators", zh: "行政监管"),
    ]

    /// Categories that no rule may use. Each names what is refused and why.
    public static let protected: [String: String] = [
        "political-expression": "political expression",
        "religion": "religion or belief",
        "petitioning": "petitioning the government",
        "reproduction": "reproductive choices",
        "refusal-of-investigation": "refusing an investigation",
        "speech": "speech, messages or social media",
        "online-activity": "internet history or online activity",
        "associations": "associations and whom a person knows",
        "relatives": "the conduct of relatives",
        "biometric-identification": "identification from cameras or faces",
        "ethnicity": "ethnicity or origin",
    ]
}

/// A domain of conduct; a measure acts only on conduct in its own domain unless
/// the handbook names the legal basis for the link.
public enum Domain: String, Hashable, Sendable, Codable, CaseIterable {
    case community, family, employment, environment, publicOrder = "public-order", transport, housing, health
    case finance, tax, judicial, commerce
}
