import CivicAPI
import CivicCore

/// Evidence requirements and counts in the page's language ("2 photos or 1 video", "2 张照片或 1 段视频"),
/// from the `evidence` catalog, instead of the core's English `EvidenceRequirement.description`.
enum EvidenceWording {
    /// "2 photos", "1 video": the catalog's `evidence.KIND.one` / `evidence.KIND.other` with `{count}`.
    static func count(_ page: Page, _ kind: Evidence.Kind, _ count: Int) -> String {
        page.text("evidence.\(kind.rawValue)" + (count == 1 ? "One" : "Other"), ["count": String(count)])
    }

    /// One alternative ("2 photos and 1 document"), its kinds in a fixed order.
    static func alternative(_ page: Page, _ alternative: [Evidence.Kind: Int]) -> String {
        let parts = Evidence.Kind.allCases.compactMap { kind in alternative[kind].map { count(page, kind, $0) } }
        return parts.joined(separator: page.text("evidence.and"))
    }

    /// The whole requirement: its alternatives joined by "or".
    static func requirement(_ page: Page, _ requirement: EvidenceRequirement) -> String {
        requirement.anyOf.map { alternative(page, $0) }.joined(separator: page.text("evidence.or"))
    }

    /// What was attached, counted by kind ("1 photo"), or the catalog's "nothing".
    static func attached(_ page: Page, _ evidence: [Evidence]) -> String {
        var counts: [Evidence.Kind: Int] = [:]
        for item in evidence { counts[item.kind, default: 0] += 1 }
        return counts.isEmpty ? page.text("evidence.nothing") : alternative(page, counts)
    }

    /// The evidence kind a file's first bytes show, with its media type; nil for anything else.
    static func classify(_ bytes: [UInt8]) -> (kind: Evidence.Kind, mediaType: String)? {
        let known: [(String, Evidence.Kind)] = [("image/jpeg", .photo), ("image/png", .photo), ("video/mp4", .video), ("application/pdf", .document)]
        return known.first { EvidenceSignature.matches(bytes, mediaType: $0.0) }.map { ($0.1, $0.0) }
    }
}
