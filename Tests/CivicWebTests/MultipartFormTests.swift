@testable import CivicWeb
import CivicAPITesting
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import Testing

/// The pages' multipart/form-data reader on hostile bodies (found by scripts/fuzz multipart; the inputs are
/// kept in Fuzz/regressions/multipart). A malformed body is a thrown error and a 400, never a trap that
/// would take the whole server down with it.
@Suite struct MultipartFormTests {
    static let boundary = "b7f3a"

    static func body(_ text: String) -> ByteBuffer { ByteBuffer(string: text) }

    @Test("a well-formed body gives its fields and files, CR LF in a field kept as LF")
    func wellFormed() throws {
        let form = try Form(multipart: Self.body(
            "preamble\r\n--b7f3a\r\nContent-Disposition: form-data; name=\"statement\"\r\n\r\nline one\r\nline two\r\n"
                + "--b7f3a \t\r\ncontent-disposition: form-data; name=\"photos\"; filename=\"a.png\"\r\nContent-Type:  image/png \r\n\r\n\u{1}\u{2}\r\n"
                + "--b7f3a--\r\nepilogue"), boundary: Self.boundary)
        #expect(form.fields == ["statement": ["line one\nline two"]])
        #expect(form.files("photos").map(\.filename) == ["a.png"])
        #expect(form.files("photos").map(\.contentType) == ["image/png"])
        #expect(form.files("photos").map(\.bytes) == [[1, 2]])
    }

    @Test("a header name with a byte above 0x7F is refused, not a trap (the parser used before indexed a 128-entry table with it)")
    func nonASCIIHeaderName() {
        var bytes = Array("--b7f3a\r\nConten".utf8) + [0xF4] + Array("-Type: image/png\r\n\r\nx\r\n--b7f3a--\r\n".utf8)
        #expect(throws: Multipart.Malformed.self) { try Form(multipart: ByteBuffer(bytes: bytes), boundary: Self.boundary) }
        bytes = Array("--b7f3a\r\n".utf8) + [0xC3, 0xA9] + Array(": x\r\n\r\nx\r\n--b7f3a--\r\n".utf8)
        #expect(throws: Multipart.Malformed.self) { try Form(multipart: ByteBuffer(bytes: bytes), boundary: Self.boundary) }
    }

    @Test("an empty or overlong boundary is refused, not a precondition failure")
    func badBoundaries() {
        #expect(throws: Multipart.Malformed.self) { try Form(multipart: Self.body("--\r\n\r\nx\r\n----\r\n"), boundary: "") }
        #expect(throws: Multipart.Malformed.self) {
            try Form(multipart: Self.body("--b\r\n\r\nx\r\n--b--\r\n"), boundary: String(repeating: "b", count: 71))
        }
        #expect(Form.parameter("boundary", in: "multipart/form-data; boundary=\"\"") == "")
    }

    @Test("truncated bodies, missing line breaks and bodies without parts are refused")
    func truncated() {
        for text in ["--b7f3a\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\nno closing boundary",
                     "--b7f3a\r\nContent-Disposition: form-data; name=\"a\"\r\n",
                     "--b7f3a\r\nContent-Disposition form-data\r\n\r\nx\r\n--b7f3a--\r\n",
                     "--b7f3aX\r\n\r\nx\r\n--b7f3a--", "--b7f3a--\r\n", "no boundary at all", ""] {
            #expect(throws: Multipart.Malformed.self, "\(text.debugDescription)") { try Form(multipart: Self.body(text), boundary: Self.boundary) }
        }
    }

    @Test("a signed-in page POST with the fuzzer's body answers 400 and the server keeps serving")
    func serverSurvives() async throws {
        let web = try await WebWorld.make()
        try await web.application().test(.router) { client in
            let browser = Browser(client)
            _ = try await browser.signIn("demo-assessor", web.world.passwords["demo-assessor"]!)
            let bytes = Array("--b7f3a\r\nConten".utf8) + [0xF4] + Array("-Type: image/png\r\n\r\nx\r\n--b7f3a--\r\n".utf8)
            let refused = try await browser.send(.post, "/assessor/reports", body: ByteBuffer(bytes: bytes),
                                                 contentType: "multipart/form-data; boundary=b7f3a")
            #expect(refused.status == .badRequest)
            let empty = try await browser.send(.post, "/assessor/reports", body: Self.body("--\r\n\r\nx\r\n----\r\n"),
                                               contentType: "multipart/form-data; boundary=\"\"")
            #expect(empty.status == .badRequest)
            #expect(try await browser.get("/assessor").status == .ok)
        }
    }
}
