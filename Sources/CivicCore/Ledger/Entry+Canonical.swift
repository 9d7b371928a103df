/// The one canonical byte encoding of an entry.
///
/// Two entries with the same content always encode to the same bytes, on every
/// store and platform, so a later tamper-evident log can hash and chain them.
/// Layout: the magic "CCE1", then each field in a fixed order as a one-byte tag
/// and a big-endian UInt32 length followed by UTF-8 (text) or big-endian bytes
/// (integers). Absent optional fields are omitted; a list repeats its tag once per element, in order.
extension Entry {
    public static let canonicalMagic: [UInt8] = Array("CCE1".utf8)

    public var canonicalBytes: [UInt8] {
        var out = Entry.canonicalMagic
        out.reserveCapacity(256)
        func text(_ tag: UInt8, _ value: String?) {
            guard let value else { return }
            let bytes = Array(value.utf8)
            out.append(tag)
            integer(UInt32(bytes.count), into: &out)
            out.append(contentsOf: bytes)
        }
        func number(_ tag: UInt8, _ value: Int64?) {
            guard let value else { return }
            out.append(tag)
            integer(UInt32(8), into: &out)
            integer(UInt64(bitPattern: value), into: &out)
        }
        text(0x01, id.rawValue)
        number(0x02, sequence)
        text(0x03, kind.rawValue)
        text(0x04, subject.rawValue)
        text(0x05, scheme.rawValue)
        text(0x06, handbookJurisdiction.rawValue)
        number(0x07, Int64(handbookVersion))
        text(0x08, rule?.rawValue)
        text(0x09, category)
        number(0x0A, points.hundredths)
        text(0x0B, dimension?.rawValue)
        number(0x0C, stars.map(Int64.init))
        number(0x0D, Int64(effectiveOn.ordinal))
        number(0x0E, expiresOn.map { Int64($0.ordinal) })
        text(0x0F, gradeCap?.rawValue)
        text(0x10, report?.rawValue)
        for decision in decisions { text(0x11, decision.rawValue) }
        text(0x12, references?.rawValue)
        number(0x13, Int64(recordedOn.ordinal))
        text(0x14, recordedBy.rawValue)
        text(0x15, note.isEmpty ? nil : note)
        number(0x16, occurredOn.map { Int64($0.ordinal) })
        return out
    }
}

private func integer<T: FixedWidthInteger>(_ value: T, into out: inout [UInt8]) {
    withUnsafeBytes(of: value.bigEndian) { out.append(contentsOf: $0) }
}
