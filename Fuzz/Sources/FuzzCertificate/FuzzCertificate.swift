// The certificate token parser and verifier: what a relying party (or anyone, through
// POST /certificates/verify and the public verify page) hands the product, `CC1.<content>.<signature>`.
//
// Properties: nothing traps; a token that parses prints back as exactly its text (base64url without
// padding has one text per byte string) and parses again to itself; the verifier accepts only a token
// whose content was signed by the trusted key and whose validity covers the day, and for any content that
// decodes, a token signed here is accepted within its validity, expired after it, and refused with one
// bit of its signature or content changed.
@testable import CivicCertificates
@testable import CivicCore
import FuzzSupport

/// A fixed issuer key, so that seeds signed with it (Fuzz/corpus/certificate) reach the checks past the signature.
let signingKey = try! CertificateSigningKey(fileText: "civic-ed25519-private-key:" + Base64URL.encode((1...32).map { UInt8($0) }))
let verifier = CertificateVerifier(trusting: [signingKey.publicKey])
let checkDay = Day(year: 2026, month: 6, day: 15)!

@main
enum FuzzCertificate {
    static func main() { runFuzzer(fuzzCertificate) }
}

/// One input, 0 when every property holds. Also exported as LLVMFuzzerTestOneInput, which libFuzzer's
/// runtime library references even when its own `main` is not the one that runs.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzCertificate(_ data: UnsafePointer<UInt8>?, _ count: Int) -> CInt {
    let text = FuzzSupport.text(data, count)

    var token: CertificateToken?
    do throws(CertificateRejection) {
        let parsed = try CertificateToken(parsing: text)
        expect(parsed.text == text.trimmingWhitespace(), "token '\(text)' prints as '\(parsed.text)'")
        expect((try? CertificateToken(parsing: parsed.text)) == parsed, "token '\(parsed.text)' does not parse back")
        expect(parsed.signature.count == CertificateToken.signatureBytes, "a token with a \(parsed.signature.count)-byte signature")
        token = parsed
    } catch {
        guard case .malformed = error else { fail("token parse rejected '\(text)' with \(error), not malformed") }
    }

    let verification = verifier.verify(text, on: checkDay)
    if verification.isAccepted {
        guard let token, let certificate = verification.certificate else { fail("accepted '\(text)' without a token and a certificate") }
        expect(certificate.keyID == signingKey.publicKey.id, "accepted a certificate naming key \(certificate.keyID)")
        expect(signingKey.publicKey.isValidSignature(token.signature, for: token.payload), "accepted a bad signature")
        expect(certificate.isValid(on: checkDay), "accepted a certificate not valid on \(checkDay)")
    } else if let rejection = verification.rejection {
        _ = rejection.code
        _ = rejection.description
    }

    // Any content that decodes, signed here, verifies exactly as its days say.
    if let token, var certificate = try? Certificate(canonicalBytes: token.payload) {
        certificate.keyID = signingKey.publicKey.id
        let signed: CertificateToken
        do throws(CivicError) {
            signed = try signingKey.sign(certificate)
        } catch {
            fail("signing \(certificate) failed: \(error)")
        }
        let accepted = verifier.verify(signed.text, on: certificate.asOf)
        expect(accepted.isAccepted && accepted.certificate == certificate, "own token refused on its as-of day: \(accepted.rejection.map(\.description) ?? "")")
        if certificate.validUntil < Day(year: 9999, month: 12, day: 31)! {
            let late = verifier.verify(signed.text, on: certificate.validUntil.adding(days: 1))
            expect(late.rejection?.code == "expired", "own token not expired after its validity: \(late.rejection.map(\.description) ?? "accepted")")
        }
        var forged = signed
        let bit = token.payload.count % (forged.signature.count * 8)
        forged.signature[bit / 8] ^= UInt8(1 << (bit % 8))
        expect(!verifier.verify(forged.text, on: certificate.asOf).isAccepted, "accepted a token with a changed signature bit")
        var altered = signed
        let position = Certificate.canonicalMagic.count + token.signature.count % (altered.payload.count - Certificate.canonicalMagic.count)
        altered.payload[position] ^= 0x01
        expect(!verifier.verify(altered.text, on: certificate.asOf).isAccepted, "accepted a token with a changed content byte")
    }
    return 0
}
