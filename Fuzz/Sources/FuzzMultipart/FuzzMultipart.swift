// The web pages' multipart/form-data parser (a resident's or an assessor's photo from a phone): the
// input's first line is the request's Content-Type header, the rest is the body, read as the page
// handler reads it.
//
// Properties: nothing traps (the parser is fed a hostile boundary and body); an unreadable body is a
// thrown error; a form that parses, written back as multipart with its own boundary, parses to the same
// fields and files, byte for byte (fields whose CR LF became LF and that hold no other CR).
@testable import CivicWeb
import FuzzSupport
import NIOCore

@main
enum FuzzMultipart {
    static func main() { runFuzzer(fuzzMultipart) }
}

/// One input, 0 when every property holds. Also exported as LLVMFuzzerTestOneInput, which libFuzzer's
/// runtime library references even when its own `main` is not the one that runs.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzMultipart(_ data: UnsafePointer<UInt8>?, _ count: Int) -> CInt {
    let (head, body) = splitFirstLine(bytes(data, count))
    let contentType = String(decoding: head, as: UTF8.self)
    guard let boundary = Form.parameter("boundary", in: contentType) else { return 0 }
    let form: Form
    do {
        form = try Form(multipart: ByteBuffer(bytes: body), boundary: boundary)
    } catch {
        return 0
    }
    // A field's CR LF become LF; a value that still holds a CR had a lone one (CR CR LF reads as CR LF), which
    // the engine refuses as a control character. Such a form is not written back: there is nothing to compare.
    if form.fields.values.contains(where: { $0.contains { $0.utf8.contains(0x0D) } }) { return 0 }
    // Written back only when the names, filenames and types can be written and the content cannot close a part early.
    let delimiter = Array("\r\n--\(boundary)".utf8)
    func plain(_ text: String) -> Bool { !text.contains { "\"\r\n;".contains($0) } && text == text.trimmingCharacters(in: .whitespaces) }
    // A multipart body holds at least one part (RFC 2046), so an empty form has no written form.
    let writable = !boundary.isEmpty && plain(boundary) && !(form.fields.isEmpty && form.files.isEmpty)
        && form.fields.allSatisfy { name, values in plain(name) && values.allSatisfy { !contains(Array($0.utf8) + [0x0D], delimiter) } }
        && form.files.allSatisfy { name, files in
            plain(name) && files.allSatisfy { plain($0.filename) && !$0.filename.isEmpty && plain($0.contentType) && !$0.contentType.isEmpty
                && !contains($0.bytes + [0x0D], delimiter) }
        }
    guard writable else { return 0 }
    let written = write(form, boundary: boundary)
    let again: Form
    do {
        again = try Form(multipart: ByteBuffer(bytes: written), boundary: boundary)
    } catch {
        fail("form \(form.fields) written back does not parse: \(error)")
    }
    expect(again.fields == form.fields, "fields \(form.fields) written back read as \(again.fields)")
    expect(again.files.mapValues { $0.map(\.bytes) } == form.files.mapValues { $0.map(\.bytes) }, "files change when written back")
    expect(again.files.mapValues { $0.map(\.filename) } == form.files.mapValues { $0.map(\.filename) }, "filenames change when written back")
    return 0
}

func contains(_ haystack: [UInt8], _ needle: [UInt8]) -> Bool {
    guard !needle.isEmpty, haystack.count >= needle.count else { return false }
    return (0...(haystack.count - needle.count)).contains { haystack[$0..<($0 + needle.count)].elementsEqual(needle) }
}

/// The form as a browser writes it: one part per value, fields then files, names sorted.
func write(_ form: Form, boundary: String) -> [UInt8] {
    var out: [UInt8] = []
    func part(_ headers: String, _ content: [UInt8]) {
        out += Array("--\(boundary)\r\n\(headers)\r\n\r\n".utf8) + content + Array("\r\n".utf8)
    }
    for name in form.fields.keys.sorted() {
        for value in form.fields[name]! { part("Content-Disposition: form-data; name=\"\(name)\"", Array(value.utf8)) }
    }
    for name in form.files.keys.sorted() {
        for file in form.files[name]! {
            part("Content-Disposition: form-data; name=\"\(name)\"; filename=\"\(file.filename)\"\r\nContent-Type: \(file.contentType)", file.bytes)
        }
    }
    out += Array("--\(boundary)--\r\n".utf8)
    return out
}
