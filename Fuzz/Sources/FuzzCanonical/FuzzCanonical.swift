// The canonical decoder: a certificate's signed content read back from its bytes (the only canonical
// encoding the product decodes; the ledger's entries are only ever encoded, to be hashed).
//
// Properties: nothing traps; a refusal is `malformed` with its reason; content that decodes is exactly
// the canonical bytes of what it decodes to (one byte string per certificate, or a signature could be
// replayed over a second reading), decodes again to the same certificate, and survives the JSON form
// the API answers with unchanged.
@testable import CivicCore
import Foundation
import FuzzSupport

@main
enum FuzzCanonical {
    static func main() { runFuzzer(fuzzCanonical) }
}

/// One input, 0 when every property holds. Also exported as LLVMFuzzerTestOneInput, which libFuzzer's
/// runtime library references even when its own `main` is not the one that runs.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzCanonical(_ data: UnsafePointer<UInt8>?, _ count: Int) -> CInt {
    let input = bytes(data, count)
    let certificate: Certificate
    do throws(CertificateRejection) {
        certificate = try Certificate(canonicalBytes: input)
    } catch {
        guard case .malformed(let why) = error, !why.isEmpty else { fail("canonical bytes refused with \(error), not malformed") }
        return 0
    }
    expect(certificate.canonicalBytes == input, "content decodes but is not canonical: \(input)")
    expect((try? Certificate(canonicalBytes: certificate.canonicalBytes)) == certificate, "\(certificate) does not decode again")
    expect(certificate.version == Certificate.formatVersion, "decoded format version \(certificate.version)")
    expect(Certificate.isValidSerial(certificate.serial), "decoded serial '\(certificate.serial)'")
    expect(certificate.asOf <= certificate.validUntil, "decoded a certificate that ends before it starts")
    do {
        let json = try JSONEncoder().encode(certificate)
        let again = try JSONDecoder().decode(Certificate.self, from: json)
        expect(again == certificate, "\(certificate) changes through JSON: \(again)")
    } catch {
        fail("\(certificate) does not survive JSON: \(error)")
    }
    return 0
}
