import Crypto
import Foundation
import HTTPTypes
import Hummingbird

/// The stylesheet, scripts and icons, read into memory at start and served with an ETag.
struct StaticFiles: Sendable {
    struct File: Sendable {
        var bytes: [UInt8]
        var contentType: String
        var etag: String
    }

    let files: [String: File]

    init(directory: URL) throws {
        var files: [String: File] = [:]
        for url in try FileManager.default.contentsOfDirectory(at: directory, includingPropertiesForKeys: nil) {
            let name = url.lastPathComponent
            guard !name.hasPrefix(".") else { continue }
            let bytes = [UInt8](try Data(contentsOf: url))
            let digest = SHA256.hash(data: bytes).prefix(8).map { String(format: "%02x", $0) }.joined()
            files[name] = File(bytes: bytes, contentType: Self.contentType(of: url.pathExtension), etag: "\"\(digest)\"")
        }
        self.files = files
    }

    static func contentType(of pathExtension: String) -> String {
        switch pathExtension {
        case "css": "text/css; charset=utf-8"
        case "js": "text/javascript; charset=utf-8"
        case "svg": "image/svg+xml"
        case "png": "image/png"
        case "ico": "image/x-icon"
        default: "application/octet-stream"
        }
    }

    func response(for name: String, ifNoneMatch: String?) -> Response? {
        guard let file = files[name] else { return nil }
        var headers: HTTPFields = [.contentType: file.contentType, .eTag: file.etag, .cacheControl: "public, max-age=3600"]
        headers[.xContentTypeOptions] = "nosniff"
        if ifNoneMatch == file.etag { return Response(status: .notModified, headers: headers) }
        return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: file.bytes)))
    }
}

extension HTTPField.Name {
    static let xContentTypeOptions = HTTPField.Name("X-Content-Type-Options")!
    static let contentSecurityPolicy = HTTPField.Name("Content-Security-Policy")!
    static let referrerPolicy = HTTPField.Name("Referrer-Policy")!
    static let xFrameOptions = HTTPField.Name("X-Frame-Options")!
}
