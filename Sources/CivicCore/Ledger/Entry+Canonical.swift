/// The one canonical byte encoding of an entry (see `CanonicalWriter`).
///
/// The transparency log hashes these bytes, so they never change for a stored
/// entry: a new field gets a new tag, and "CCE1" names this layout.
extension Entry {
    public static let canonicalMagic: [UInt8] = Array("CCE1".utf8)

    public var canonicalBytes: [UInt8] {
        var out = CanonicalWriter(magic: "CCE1")
        out.text(0x01, id.rawValue)
        out.number(0x02, sequence)
        out.text(0x03, kind.rawValue)
        out.text(0x04, subject.rawValue)
        out.text(0x05, scheme.rawValue)
        out.text(0x06, handbookJurisdiction.rawValue)
        out.number(0x07, Int64(handbookVersion))
        out.text(0x08, rule?.rawValue)
        out.text(0x09, category)
        out.points(0x0A, points)
        out.text(0x0B, dimension?.rawValue)
        out.number(0x0C, stars.map(Int64.init))
        out.day(0x0D, effectiveOn)
        out.day(0x0E, expiresOn)
        out.text(0x0F, gradeCap?.rawValue)
        out.text(0x10, report?.rawValue)
        for decision in decisions { out.text(0x11, decision.rawValue) }
        out.text(0x12, references?.rawValue)
        out.day(0x13, recordedOn)
        out.text(0x14, recordedBy.rawValue)
        out.text(0x15, note.isEmpty ? nil : note)
        out.day(0x16, occurredOn)
        // Absent unless set, so the bytes of every entry written before these terms existed are unchanged.
        out.number(0x17, gradeCapLockYears.map(Int64.init))
        if gradeCapUntilRemedied == true { out.flag(0x18, true) }
        return out.bytes
    }
}
