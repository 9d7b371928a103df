package import CivicAccess
import Crypto

/// A stored evidence file: its digest and whether this upload added it.
package struct StoredUpload: Sendable {
    package var digest: String
    package var mediaType: String
    package var size: Int
    package var isNew: Bool

    /// How a report or appeal refers to it.
    package var reference: String { "sha256:\(digest)" }
}

extension APIServices {
    /// Stores uploaded evidence the one way the API and the pages both use: not empty, the first bytes
    /// matching the declared type, kept under its SHA-256 digest with the uploader's account.
    package func storeEvidence(_ bytes: [UInt8], mediaType: String, uploadedBy account: Account.ID) async throws -> StoredUpload {
        guard !bytes.isEmpty else { throw APIError(.badRequest, "the upload is empty", at: "body") }
        guard bytes.count <= configuration.evidenceBytesMax else {
            throw APIError(.contentTooLarge, "evidence may be at most \(configuration.evidenceBytesMax) bytes")
        }
        guard EvidenceSignature.matches(bytes, mediaType: mediaType) else {
            throw APIError(.unsupportedMediaType, "the content is not a \(mediaType) file: its first bytes do not match the type", at: "body")
        }
        let digest = TokenSecret.hex(SHA256.hash(data: bytes))
        let new = try await access.storeBlob(EvidenceBlob(digest: digest, mediaType: mediaType, bytes: bytes, uploadedBy: account, uploadedAt: now()))
        return StoredUpload(digest: digest, mediaType: mediaType, size: bytes.count, isNew: new)
    }
}

extension APIServices {
    /// Evidence content by its digest, if the caller's reach lets them see it: `ownUploads` sees what the
    /// account uploaded. Nil for a malformed digest, a missing file and one out of reach alike.
    ///
    /// A resident (whose account speaks for a subject) also sees the evidence behind what is recorded about
    /// them: every file a report or an appeal about their own record (or their household's) refers to,
    /// whoever uploaded it. Due process: a person answers evidence they can see.
    package func visibleEvidence(digest: String, reach: Reach, caller: Caller) async throws -> EvidenceBlob? {
        guard Self.isEvidenceDigest(digest), let blob = try await access.blob(digest: digest) else { return nil }
        if reach == .ownUploads, blob.uploadedBy != caller.account?.id {
            guard try await isAboutOwnRecord(reference: "sha256:\(digest)", caller: caller) else { return nil }
        }
        return blob
    }

    /// Whether a report or an appeal about the caller's own record (or their household's) refers to the evidence.
    private func isAboutOwnRecord(reference: String, caller: Caller) async throws -> Bool {
        guard let own = caller.account?.subject, let subject = try await observed.subject(own) else { return false }
        for id in [subject.id] + (subject.household.map { [$0] } ?? []) {
            for record in try await observed.reports(subject: id) where record.report.evidence.contains(where: { $0.reference == reference }) {
                return true
            }
            for record in try await observed.appeals(subject: id) where record.appeal.evidence.contains(where: { $0.reference == reference }) {
                return true
            }
        }
        return false
    }

    /// 64 lower-case hex digits, as evidence digests are written.
    package static func isEvidenceDigest(_ text: String) -> Bool {
        text.utf8.count == 64 && text.utf8.allSatisfy { (0x30...0x39).contains($0) || (0x61...0x66).contains($0) }
    }
}
