// The web pages' urlencoded form parser (`application/x-www-form-urlencoded`, every POST from a page)
// and the header parameter reader that finds a multipart boundary and a part's name and filename.
//
// Properties: nothing traps; the parsed form, written back as a browser would send it (every byte
// outside the unreserved set percent-encoded), parses to the same fields (when no value holds a lone CR,
// which the engine refuses anyway); a header parameter that is found is a piece of the header.
@testable import CivicWeb
import Foundation
import FuzzSupport

@main
enum FuzzForm {
    static func main() { runFuzzer(fuzzForm) }
}

/// One input, 0 when every property holds. Also exported as LLVMFuzzerTestOneInput, which libFuzzer's
/// runtime library references even when its own `main` is not the one that runs.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzForm(_ data: UnsafePointer<UInt8>?, _ count: Int) -> CInt {
    let text = FuzzSupport.text(data, count)
    let form = Form(urlEncoded: text)
    for name in form.fields.keys {
        _ = form[name]
        _ = form.values(name)
    }
    // CR LF become LF; a value that still holds a CR had a lone one (CR CR LF reads as CR LF), which the
    // engine refuses as a control character, and is not written back: there is nothing to compare.
    if !form.fields.contains(where: { $0.key.utf8.contains(0x0D) || $0.value.contains { $0.utf8.contains(0x0D) } }) {
        let again = Form(urlEncoded: encode(form.fields))
        expect(again.fields == form.fields, "form \(form.fields) written back reads as \(again.fields)")
    }

    for name in ["boundary", "name", "filename"] {
        if let value = Form.parameter(name, in: text) {
            expect(value.isEmpty || text.contains(value), "parameter \(name)=\(value.debugDescription) is not in the header")
        }
    }
    return 0
}

/// The fields as a browser encodes them: names sorted, values in order, everything but A-Z a-z 0-9 - . _ ~ percent-encoded.
func encode(_ fields: [String: [String]]) -> String {
    func escape(_ text: String) -> String {
        text.utf8.map { byte in
            switch byte {
            case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
                 UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"), UInt8(ascii: "~"):
                String(UnicodeScalar(byte))
            default:
                "%" + String(byte, radix: 16, uppercase: true).leftPadded
            }
        }.joined()
    }
    return fields.keys.sorted().flatMap { name in fields[name]!.map { escape(name) + "=" + escape($0) } }.joined(separator: "&")
}

extension String {
    var leftPadded: String { count == 1 ? "0" + self : self }
}
