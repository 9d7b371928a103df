import CivicAPI
import Foundation
import Hummingbird
import NIOCore
import Synchronization

/// A posted form: `application/x-www-form-urlencoded` fields, or `multipart/form-data` fields and files
/// (a photo from a phone). Field values are trimmed of surrounding whitespace.
public struct Form: Sendable {
    public struct File: Sendable {
        public var filename: String
        public var contentType: String
        public var bytes: [UInt8]
    }

    public private(set) var fields: [String: [String]] = [:]
    public private(set) var files: [String: [File]] = [:]

    public subscript(_ name: String) -> String? {
        fields[name]?.first.map { $0.trimmingCharacters(in: .whitespacesAndNewlines) }
    }

    /// Every value of a repeated field (checkboxes, multi-selects), trimmed, empty ones dropped.
    public func values(_ name: String) -> [String] {
        (fields[name] ?? []).map { $0.trimmingCharacters(in: .whitespacesAndNewlines) }.filter { !$0.isEmpty }
    }

    /// The non-empty uploads of a file field.
    public func files(_ name: String) -> [File] { (files[name] ?? []).filter { !$0.bytes.isEmpty } }

    init(urlEncoded text: String) {
        for pair in text.split(separator: "&", omittingEmptySubsequences: true) {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            let name = Form.decode(parts[0])
            let value = parts.count > 1 ? Form.decode(parts[1]) : ""
            fields[name, default: []].append(value)
        }
    }

    init(multipart buffer: ByteBuffer, boundary: String) throws {
        for part in try Multipart(Array(buffer: buffer), boundary: boundary).parts {
            guard let disposition = part.header("Content-Disposition"), let name = Form.parameter("name", in: disposition) else { continue }
            if let filename = Form.parameter("filename", in: disposition) {
                let type = part.header("Content-Type") ?? "application/octet-stream"
                files[name, default: []].append(File(filename: filename, contentType: type, bytes: part.body))
            } else {
                fields[name, default: []].append(String(decoding: part.body, as: UTF8.self).replacingOccurrences(of: "\r\n", with: "\n"))
            }
        }
    }

    /// Browsers send a textarea's line breaks as CR LF; the store keeps them as LF (a lone CR is a
    /// control character the engine refuses).
    static func decode(_ text: Substring) -> String {
        (String(text).replacingOccurrences(of: "+", with: " ").removingPercentEncoding ?? "").replacingOccurrences(of: "\r\n", with: "\n")
    }

    /// `name="value"` from a header like Content-Disposition.
    static func parameter(_ name: String, in header: String) -> String? {
        for piece in header.split(separator: ";") {
            let field = piece.trimmingCharacters(in: .whitespaces)
            guard field.lowercased().hasPrefix(name + "=") else { continue }
            var value = field.dropFirst(name.count + 1)
            if value.hasPrefix("\""), value.hasSuffix("\""), value.count >= 2 { value = value.dropFirst().dropLast() }
            return String(value)
        }
        return nil
    }
}

/// Holds a request's form once it has been read.
final class ParsedForm: Sendable {
    private let form = Mutex<Form?>(nil)

    func value(_ read: () async throws -> Form) async throws -> Form {
        if let known = form.withLock({ $0 }) { return known }
        let parsed = try await read()
        form.withLock { $0 = parsed }
        return parsed
    }
}

extension Page {
    /// The posted form (the body was read in full, within the server's limits, before the route ran),
    /// parsed once per request.
    public func form() async throws -> Form {
        try await parsedForm.value(readForm)
    }

    private func readForm() async throws -> Form {
        let buffer = try await request.body.collect(upTo: web.api.configuration.evidenceBytesMax + 64 * 1024)
        let contentType = request.headers[.contentType] ?? ""
        if contentType.lowercased().hasPrefix("multipart/form-data") {
            guard let boundary = Form.parameter("boundary", in: contentType) else {
                throw APIError(.badRequest, "the multipart form has no boundary")
            }
            do {
                return try Form(multipart: buffer, boundary: boundary)
            } catch {
                throw APIError(.badRequest, "the multipart form is malformed or truncated")
            }
        }
        return Form(urlEncoded: String(buffer: buffer))
    }
}
