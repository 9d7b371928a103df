/// Someone or something rated: a person, a household or an organisation.
///
/// The record holds what the schemes need and nothing more: no national identity
/// number is ever stored, and lists show only `maskedName`.
public struct Subject: Hashable, Sendable, Codable, Identifiable {
    public typealias ID = Identifier<Subject>

    public var id: ID
    public var kind: SubjectKind
    public var name: String
    public var jurisdiction: Jurisdiction.ID
    /// The household a person belongs to; households share a rating and a quota.
    public var household: ID?
    /// For age exemptions ("villagers aged 80 and over are exempt").
    public var birthDate: Day?
    /// Recorded circumstances that exemptions can name: "disability", "carer".
    public var attributes: Set<String>
    public var registeredOn: Day

    public init(
        id: ID, kind: SubjectKind, name: String, jurisdiction: Jurisdiction.ID, household: ID? = nil,
        birthDate: Day? = nil, attributes: Set<String> = [], registeredOn: Day
    ) {
        self.id = id
        self.kind = kind
        self.name = name
        self.jurisdiction = jurisdiction
        self.household = household
        self.birthDate = birthDate
        self.attributes = attributes
        self.registeredOn = registeredOn
    }

    private enum CodingKeys: String, CodingKey {
        case id, kind, name, jurisdiction, household, birthDate, attributes, registeredOn
    }

    /// Encodes `attributes` sorted, so the same subject always gives the same JSON.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(id, forKey: .id)
        try container.encode(kind, forKey: .kind)
        try container.encode(name, forKey: .name)
        try container.encode(jurisdiction, forKey: .jurisdiction)
        try container.encodeIfPresent(household, forKey: .household)
        try container.encodeIfPresent(birthDate, forKey: .birthDate)
        try container.encode(attributes.sorted(), forKey: .attributes)
        try container.encode(registeredOn, forKey: .registeredOn)
    }

    /// The name as shown on public lists: first character, then asterisks ("Wang Fang" -> "W*******").
    public var maskedName: String {
        guard let first = name.first else { return "*" }
        return String(first) + String(repeating: "*", count: max(1, min(name.count - 1, 6)))
    }
}

/// A person who acts in the system: assessor, reviewer, authority feed, administrator.
///
/// An actor may also be a subject (most assessors are villagers); the link is
/// what lets the store refuse a decision about oneself or one's household.
public struct Actor: Hashable, Sendable, Codable, Identifiable {
    public typealias ID = Identifier<Actor>

    public var id: ID
    public var name: String
    public var roles: Set<Role>
    public var jurisdiction: Jurisdiction.ID
    /// The actor's own subject record, if they are rated too.
    public var subject: Subject.ID?

    public init(id: ID, name: String, roles: Set<Role>, jurisdiction: Jurisdiction.ID, subject: Subject.ID? = nil) {
        self.id = id
        self.name = name
        self.roles = roles
        self.jurisdiction = jurisdiction
        self.subject = subject
    }

    private enum CodingKeys: String, CodingKey { case id, name, roles, jurisdiction, subject }

    /// Encodes `roles` sorted, so the same actor always gives the same JSON.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(id, forKey: .id)
        try container.encode(name, forKey: .name)
        try container.encode(roles.map(\.rawValue).sorted(), forKey: .roles)
        try container.encode(jurisdiction, forKey: .jurisdiction)
        try container.encodeIfPresent(subject, forKey: .subject)
    }

    public enum Role: String, Hashable, Sendable, Codable, CaseIterable {
        case administrator, assessor, reviewer, authority, resident, auditor
    }
}
