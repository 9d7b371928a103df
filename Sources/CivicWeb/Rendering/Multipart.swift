/// A `multipart/form-data` body (RFC 7578 over RFC 2046) split into its parts, read whole and strictly.
///
/// The pages read uploads with this rather than a general-purpose streaming parser: every malformed or
/// truncated body is a thrown `Multipart.Malformed`, never a trap, whatever the bytes or the boundary.
/// What it accepts: an optional preamble, then `--BOUNDARY`, optional spaces or tabs, CR LF; each part's
/// header lines (`Name: value`, CR LF, the name an RFC 9110 token, the value any bytes but CR and LF) and an
/// empty line; its content up to CR LF `--BOUNDARY`; and the close delimiter `--BOUNDARY--` after the last
/// part. Anything after the close delimiter (the epilogue) is ignored.
struct Multipart {
    struct Part: Equatable {
        /// Header names as sent, values with surrounding spaces and tabs removed, in order.
        var headers: [(name: String, value: String)]
        var body: [UInt8]

        /// The first header of that name, compared without regard to case.
        func header(_ name: String) -> String? {
            let wanted = name.lowercased()
            return headers.first { $0.name.lowercased() == wanted }?.value
        }

        static func == (lhs: Part, rhs: Part) -> Bool {
            lhs.body == rhs.body && lhs.headers.map(\.name) == rhs.headers.map(\.name) && lhs.headers.map(\.value) == rhs.headers.map(\.value)
        }
    }

    struct Malformed: Error, Equatable {
        var reason: String
    }

    /// RFC 2046: a boundary has 1 to 70 characters.
    static let boundaryLengthMax = 70
    /// Bounds on what one part may declare, so a hostile body cannot make the reader work hard.
    static let headersPerPartMax = 32
    static let partsMax = 1_000

    var parts: [Part] = []

    init(_ bytes: [UInt8], boundary: String) throws(Malformed) {
        let dashBoundary = Array("--\(boundary)".utf8)
        guard (1...Multipart.boundaryLengthMax).contains(boundary.utf8.count) else {
            throw Malformed(reason: "the boundary must have 1 to \(Multipart.boundaryLengthMax) characters")
        }
        guard !boundary.utf8.contains(where: { $0 == 0x0D || $0 == 0x0A }) else { throw Malformed(reason: "the boundary holds a line break") }
        let delimiter = Array("\r\n".utf8) + dashBoundary
        // The first delimiter opens the body or follows the preamble's last line break.
        var position: Int
        if bytes.starts(with: dashBoundary) {
            position = dashBoundary.count
        } else if let found = Multipart.find(delimiter, in: bytes, from: 0) {
            position = found + delimiter.count
        } else {
            throw Malformed(reason: "no boundary")
        }
        while true {
            // After a delimiter: `--` closes the body; otherwise transport padding and a line break open a part.
            if bytes[position...].starts(with: [0x2D, 0x2D]) {
                guard !parts.isEmpty else { throw Malformed(reason: "no part") }
                return
            }
            while position < bytes.count, bytes[position] == 0x20 || bytes[position] == 0x09 { position += 1 }
            guard bytes[position...].starts(with: [0x0D, 0x0A]) else { throw Malformed(reason: "a boundary is not followed by a line break") }
            position += 2
            guard parts.count < Multipart.partsMax else { throw Malformed(reason: "more than \(Multipart.partsMax) parts") }
            var headers: [(name: String, value: String)] = []
            while true {
                guard let end = Multipart.find([0x0D, 0x0A], in: bytes, from: position) else { throw Malformed(reason: "the part's headers are cut short") }
                if end == position {
                    position += 2
                    break
                }
                let line = bytes[position..<end]
                guard let colon = line.firstIndex(of: 0x3A), colon > line.startIndex,
                      line[..<colon].allSatisfy(Multipart.isTokenCharacter) else {
                    throw Malformed(reason: "a header line is not 'Name: value'")
                }
                guard !line.contains(0x0A), !line.contains(0x0D) else { throw Malformed(reason: "a header line holds a bare line break") }
                guard headers.count < Multipart.headersPerPartMax else { throw Malformed(reason: "more than \(Multipart.headersPerPartMax) headers in a part") }
                var value = line[(colon + 1)...]
                while let first = value.first, first == 0x20 || first == 0x09 { value = value.dropFirst() }
                while let last = value.last, last == 0x20 || last == 0x09 { value = value.dropLast() }
                headers.append((String(decoding: line[..<colon], as: UTF8.self), String(decoding: value, as: UTF8.self)))
                position = end + 2
            }
            guard let end = Multipart.find(delimiter, in: bytes, from: position) else {
                throw Malformed(reason: "a part is not closed by a boundary (is the body truncated?)")
            }
            parts.append(Part(headers: headers, body: Array(bytes[position..<end])))
            position = end + delimiter.count
        }
    }

    /// RFC 9110 `tchar`: the characters of a header name.
    static func isTokenCharacter(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "0")...UInt8(ascii: "9"): true
        default: Array("!#$%&'*+-.^_`|~".utf8).contains(byte)
        }
    }

    /// The first index of `needle` in `haystack` at or after `start`. The needle is at most 76 bytes, so the
    /// plain scan costs at most that many comparisons per byte.
    static func find(_ needle: [UInt8], in haystack: [UInt8], from start: Int) -> Int? {
        guard let first = needle.first, haystack.count >= needle.count else { return nil }
        var index = start
        let last = haystack.count - needle.count
        while index <= last {
            if haystack[index] == first, haystack[index..<(index + needle.count)].elementsEqual(needle) { return index }
            index += 1
        }
        return nil
    }
}
