/// A rating certificate: what a subject can show a landlord, a bank or a shop door,
/// and what anyone can check against the issuer's public key.
///
/// The certificate states one scheme's grade and score on one day and how long the
/// statement may be relied on. It carries the masked name only, never the full name.
/// Its signed content is `canonicalBytes`; the compact form that travels (in a QR code,
/// a URL, a message) is `CertificateToken`.
public struct Certificate: Hashable, Sendable, Codable {
    /// The format version of the canonical bytes; a verifier refuses versions it does not know.
    public static let formatVersion = 1
    /// Days a certificate is valid when the issuer does not say otherwise.
    public static let defaultValidityDays = 90
    /// The longest validity an issuer may give: a year and a day.
    public static let validityDaysMax = 366

    public var version: Int
    /// Unique per issue: 32 lower-case hex digits.
    public var serial: String
    public var subject: Subject.ID
    public var maskedName: String
    public var kind: SubjectKind
    public var jurisdiction: Jurisdiction.ID
    public var scheme: Scheme.ID
    public var handbookVersion: Int
    /// `nil` for a scheme without grade bands.
    public var grade: Grade?
    public var score: Points
    /// The day the standing was folded for.
    public var asOf: Day
    /// The last day the certificate may be relied on.
    public var validUntil: Day
    /// Who issued it: the jurisdiction that runs the scheme.
    public var issuer: Jurisdiction.ID
    /// The signing key's id (`CertificateKeyID`).
    public var keyID: String
    /// The transparency log's tree size and base64 root at the latest signed checkpoint when the
    /// certificate was issued: the ledger it was checked against, which anyone can later prove
    /// unchanged (docs/transparency.md). Absent when the issuer keeps no signed log.
    public var logSize: UInt64?
    public var logRoot: String?
    /// When the certificate is asked for one measure of the scheme ("deposit halved"): the answer on `asOf`,
    /// with its tier and value, so a landlord or a bank reads it from the certificate itself.
    public var measure: CertifiedMeasure?

    public init(
        version: Int = Certificate.formatVersion, serial: String, subject: Subject.ID, maskedName: String, kind: SubjectKind,
        jurisdiction: Jurisdiction.ID, scheme: Scheme.ID, handbookVersion: Int, grade: Grade?, score: Points, asOf: Day,
        validUntil: Day, issuer: Jurisdiction.ID, keyID: String, logSize: UInt64? = nil, logRoot: String? = nil,
        measure: CertifiedMeasure? = nil
    ) {
        self.version = version
        self.serial = serial
        self.subject = subject
        self.maskedName = maskedName
        self.kind = kind
        self.jurisdiction = jurisdiction
        self.scheme = scheme
        self.handbookVersion = handbookVersion
        self.grade = grade
        self.score = score
        self.asOf = asOf
        self.validUntil = validUntil
        self.issuer = issuer
        self.keyID = keyID
        self.logSize = logSize
        self.logRoot = logRoot
        self.measure = measure
    }

    /// A certificate for a standing, valid for `validityDays` days including `standing.asOf`.
    public static func make(
        standing: Standing, subject: Subject, handbook: Handbook, validityDays: Int = Certificate.defaultValidityDays,
        serial: String, keyID: String, log: (size: UInt64, root: String)? = nil, measure: Measure.ID? = nil
    ) throws(CivicError) -> Certificate {
        guard (1...validityDaysMax).contains(validityDays) else {
            throw CivicError(.invalidInput, "validity must be 1 to \(validityDaysMax) days, not \(validityDays)")
        }
        guard isValidSerial(serial) else { throw CivicError(.invalidInput, "serial must be 32 lower-case hex digits") }
        var certified: CertifiedMeasure?
        if let measure {
            guard let scheme = handbook.scheme(standing.scheme), let definition = scheme.measure(measure) else {
                throw CivicError.unknown("scheme '\(standing.scheme)' has no measure '\(measure)'", measure.rawValue,
                                         among: handbook.scheme(standing.scheme)?.measures.map(\.id.rawValue) ?? [], at: "measure")
            }
            let decision = definition.decide(standing, grades: scheme.grades)
            certified = CertifiedMeasure(measure: measure, applies: decision.applies, tier: decision.tier?.id, value: decision.tier?.value)
        }
        return Certificate(
            serial: serial, subject: subject.id, maskedName: subject.maskedName, kind: subject.kind, jurisdiction: subject.jurisdiction,
            scheme: standing.scheme, handbookVersion: handbook.version, grade: standing.grade, score: standing.score,
            asOf: standing.asOf, validUntil: standing.asOf.adding(days: validityDays - 1), issuer: handbook.jurisdiction, keyID: keyID,
            logSize: log?.size, logRoot: log?.root, measure: certified)
    }

    /// 44 characters of standard base64 ending in one '=': the text of 32 bytes.
    static func isBase64Hash(_ text: String) -> Bool {
        let bytes = Array(text.utf8)
        guard bytes.count == 44, bytes[43] == UInt8(ascii: "=") else { return false }
        return bytes[..<43].allSatisfy { (0x41...0x5A).contains($0) || (0x61...0x7A).contains($0) || (0x30...0x39).contains($0) || $0 == 0x2B || $0 == 0x2F }
    }

    static func isValidSerial(_ text: String) -> Bool {
        text.utf8.count == 32 && text.utf8.allSatisfy { (0x30...0x39).contains($0) || (0x61...0x66).contains($0) }
    }

    /// The magic that opens the signed bytes: a signature over anything else is never a certificate's.
    public static let canonicalMagic: [UInt8] = Array("CCC1".utf8)

    /// The one byte encoding that is signed, laid out as the ledger's entries are: the magic, then each
    /// field in a fixed order as a one-byte tag, a big-endian UInt32 length and the UTF-8 text.
    /// Every field is text (numbers in decimal), so the bytes decode without ambiguity; an absent grade is omitted.
    public var canonicalBytes: [UInt8] {
        var out = Certificate.canonicalMagic
        for (tag, value) in fields { append(tag, value, to: &out) }
        return out
    }

    /// Tag and text of every field, in canonical order.
    var fields: [(UInt8, String)] {
        var list: [(UInt8, String)] = [
            (0x01, String(version)), (0x02, serial), (0x03, subject.rawValue), (0x04, maskedName), (0x05, kind.rawValue),
            (0x06, jurisdiction.rawValue), (0x07, scheme.rawValue), (0x08, String(handbookVersion)),
        ]
        if let grade { list.append((0x09, grade.rawValue)) }
        list += [(0x0A, score.description), (0x0B, asOf.description), (0x0C, validUntil.description), (0x0D, issuer.rawValue), (0x0E, keyID)]
        if let logSize, let logRoot { list += [(0x0F, String(logSize)), (0x10, logRoot)] }
        if let measure {
            list += [(0x11, measure.measure.rawValue), (0x12, measure.applies ? "yes" : "no")]
            if let tier = measure.tier { list.append((0x13, tier.rawValue)) }
            if case .amount(let amount, let unit) = measure.value { list += [(0x14, amount.description), (0x15, unit.rawValue)] }
        }
        return list
    }

    /// Reads canonical bytes back; every problem is a `malformed` reason naming what is wrong.
    public init(canonicalBytes bytes: [UInt8]) throws(CertificateRejection) {
        guard bytes.count <= CertificateToken.payloadBytesMax else { throw .malformed("the certificate is longer than \(CertificateToken.payloadBytesMax) bytes") }
        guard bytes.starts(with: Certificate.canonicalMagic) else { throw .malformed("the content does not start with the certificate magic 'CCC1'") }
        var values: [UInt8: String] = [:]
        var position = Certificate.canonicalMagic.count
        var lastTag: UInt8 = 0
        while position < bytes.count {
            guard bytes.count - position >= 5 else { throw .malformed("a field is cut short at byte \(position)") }
            let tag = bytes[position]
            let length = bytes[(position + 1)...(position + 4)].reduce(0) { $0 << 8 | Int($1) }
            position += 5
            guard tag > lastTag else { throw .malformed("field \(tag) is out of order or repeated") }
            guard length <= bytes.count - position else { throw .malformed("field \(tag) claims \(length) bytes, more than remain") }
            guard let text = String(validating: bytes[position..<(position + length)], as: UTF8.self) else {
                throw .malformed("field \(tag) is not UTF-8 text")
            }
            values[tag] = text
            lastTag = tag
            position += length
        }
        func required(_ tag: UInt8, _ name: String) throws(CertificateRejection) -> String {
            guard let value = values[tag] else { throw .malformed("the \(name) is missing") }
            return value
        }
        guard let version = Int(try required(0x01, "format version")) else { throw .malformed("the format version is not a number") }
        guard version == Certificate.formatVersion else { throw .malformed("format version \(version) is not known (this verifier reads \(Certificate.formatVersion))") }
        for tag in values.keys where !(0x01...0x15).contains(tag) { throw .malformed("unknown field \(tag)") }
        let measure = try CertifiedMeasure.read(values)
        guard (values[0x0F] == nil) == (values[0x10] == nil) else { throw .malformed("the log's tree size and root come together") }
        let logSize = try values[0x0F].map { text throws(CertificateRejection) -> UInt64 in
            guard let size = UInt64(text), String(size) == text else { throw .malformed("the log's tree size is not a number") }
            return size
        }
        if let root = values[0x10], !Certificate.isBase64Hash(root) { throw .malformed("the log's root is not a base64 SHA-256 hash") }
        let serial = try required(0x02, "serial")
        guard Certificate.isValidSerial(serial) else { throw .malformed("the serial is not 32 hex digits") }
        guard let kind = SubjectKind(rawValue: try required(0x05, "subject kind")) else { throw .malformed("the subject kind is not known") }
        guard let handbookVersion = Int(try required(0x08, "handbook version")) else { throw .malformed("the handbook version is not a number") }
        guard let score = Points(parsing: try required(0x0A, "score")) else { throw .malformed("the score is not a points amount") }
        guard let asOf = Day(iso: try required(0x0B, "as-of day")) else { throw .malformed("the as-of day is not a date") }
        guard let validUntil = Day(iso: try required(0x0C, "valid-until day")) else { throw .malformed("the valid-until day is not a date") }
        guard asOf <= validUntil else { throw .malformed("the certificate ends (\(validUntil)) before its as-of day (\(asOf))") }
        self.init(
            version: version, serial: serial, subject: Subject.ID(try required(0x03, "subject")), maskedName: try required(0x04, "masked name"),
            kind: kind, jurisdiction: Jurisdiction.ID(try required(0x06, "jurisdiction")), scheme: Scheme.ID(try required(0x07, "scheme")),
            handbookVersion: handbookVersion, grade: values[0x09].map { Grade($0) }, score: score, asOf: asOf, validUntil: validUntil,
            issuer: Jurisdiction.ID(try required(0x0D, "issuer")), keyID: try required(0x0E, "key id"), logSize: logSize, logRoot: values[0x10],
            measure: measure)
        guard canonicalBytes == bytes else { throw .malformed("the content is not in canonical form") }
    }

    /// Whether the certificate may be relied on on `day`.
    public func isValid(on day: Day) -> Bool { asOf <= day && day <= validUntil }
}

/// One measure's answer as a certificate states it: whether it applies and, for a graduated measure, the
/// tier and its value. The tier's title is in the handbook version the certificate names.
public struct CertifiedMeasure: Hashable, Sendable, Codable {
    public var measure: Measure.ID
    public var applies: Bool
    public var tier: MeasureTier.ID?
    /// The tier's value; nil when no tier applies.
    public var value: TierValue?

    public init(measure: Measure.ID, applies: Bool, tier: MeasureTier.ID? = nil, value: TierValue? = nil) {
        self.measure = measure
        self.applies = applies
        self.tier = tier
        self.value = value
    }

    /// Fields 0x11 to 0x15 of canonical bytes; nil when the certificate states no measure.
    static func read(_ values: [UInt8: String]) throws(CertificateRejection) -> CertifiedMeasure? {
        guard let measure = values[0x11] else {
            guard (0x12...0x15).allSatisfy({ values[$0] == nil }) else { throw .malformed("a measure's answer without the measure") }
            return nil
        }
        guard Measure.ID.isValid(measure) else { throw .malformed("the measure is not a valid id") }
        let applies: Bool
        switch values[0x12] {
        case "yes": applies = true
        case "no": applies = false
        default: throw .malformed("whether the measure applies is not 'yes' or 'no'")
        }
        guard (values[0x14] == nil) == (values[0x15] == nil) else { throw .malformed("a tier's amount and unit come together") }
        guard let tierText = values[0x13] else {
            guard values[0x14] == nil else { throw .malformed("an amount without its tier") }
            return CertifiedMeasure(measure: Measure.ID(measure), applies: applies)
        }
        guard applies, MeasureTier.ID.isValid(tierText) else { throw .malformed("the tier is not a valid id of a measure that applies") }
        var value = TierValue.level
        if let amountText = values[0x14], let unitText = values[0x15] {
            guard let amount = Points(parsing: amountText) else { throw .malformed("the tier's amount is not a number") }
            guard let unit = TierUnit(rawValue: unitText) else { throw .malformed("the tier's unit is not known") }
            value = .amount(amount, unit)
        }
        return CertifiedMeasure(measure: Measure.ID(measure), applies: applies, tier: MeasureTier.ID(tierText), value: value)
    }
}

private func append(_ tag: UInt8, _ value: String, to out: inout [UInt8]) {
    let bytes = Array(value.utf8)
    out.append(tag)
    withUnsafeBytes(of: UInt32(bytes.count).bigEndian) { out.append(contentsOf: $0) }
    out.append(contentsOf: bytes)
}

/// Why a certificate is not accepted, with a stable code for machines and a sentence for people.
public enum CertificateRejection: Error, Hashable, Sendable, CustomStringConvertible {
    /// The token or its content cannot be read.
    case malformed(String)
    /// The signature does not match the content: altered, or signed by someone else.
    case badSignature
    /// The key id names no key this verifier trusts.
    case unknownKey(String)
    /// The validity ended before the day of verification.
    case expired(validUntil: Day, checkedOn: Day)
    /// The certificate speaks of a day after the day of verification.
    case notYetValid(asOf: Day, checkedOn: Day)

    public var code: String {
        switch self {
        case .malformed: "malformed"
        case .badSignature: "bad-signature"
        case .unknownKey: "unknown-key"
        case .expired: "expired"
        case .notYetValid: "not-yet-valid"
        }
    }

    public var description: String {
        switch self {
        case .malformed(let why): "malformed certificate: \(why)"
        case .badSignature: "bad signature: the certificate was altered or not signed by the key it names"
        case .unknownKey(let id): "unknown key id '\(id.prefix(64))': no trusted issuer key has this id"
        case .expired(let until, let day): "expired: valid until \(until), checked on \(day)"
        case .notYetValid(let asOf, let day): "not yet valid: issued as of \(asOf), checked on \(day)"
        }
    }
}
