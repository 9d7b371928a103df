/// Writes the product's canonical byte encodings: a four-byte magic naming the
/// record type and version, then each field in a fixed order as a one-byte tag
/// and a big-endian UInt32 length followed by UTF-8 (text) or big-endian bytes
/// (integers). Absent optional fields are omitted; a list repeats its tag once per
/// element, in order. Two records with the same content encode to the same bytes
/// on every store and platform, which is what the transparency log hashes.
public struct CanonicalWriter: Sendable {
    public private(set) var bytes: [UInt8]

    public init(magic: String) {
        bytes = Array(magic.utf8)
        bytes.reserveCapacity(256)
    }

    public mutating func text(_ tag: UInt8, _ value: String?) {
        guard let value else { return }
        bytes.append(tag)
        append(UInt32(value.utf8.count))
        bytes.append(contentsOf: value.utf8)
    }

    public mutating func number(_ tag: UInt8, _ value: Int64?) {
        guard let value else { return }
        bytes.append(tag)
        append(UInt32(8))
        append(UInt64(bitPattern: value))
    }

    public mutating func flag(_ tag: UInt8, _ value: Bool) {
        number(tag, value ? 1 : 0)
    }

    public mutating func day(_ tag: UInt8, _ value: Day?) {
        number(tag, value.map { Int64($0.ordinal) })
    }

    public mutating func points(_ tag: UInt8, _ value: Points?) {
        number(tag, value?.hundredths)
    }

    /// Each piece of evidence as two fields: its kind, then its reference (a content digest or URI).
    public mutating func evidence(_ kindTag: UInt8, _ referenceTag: UInt8, _ items: [Evidence]) {
        for item in items {
            text(kindTag, item.kind.rawValue)
            text(referenceTag, item.reference)
        }
    }

    private mutating func append<T: FixedWidthInteger>(_ value: T) {
        withUnsafeBytes(of: value.bigEndian) { bytes.append(contentsOf: $0) }
    }
}
