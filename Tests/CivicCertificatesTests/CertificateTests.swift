import CivicCertificates
import CivicCore
import Testing

/// Signed certificates: what the shop owner with home-made five-star stickers could not fake.
struct CertificateTests {
    static let asOf = Day(year: 2026, month: 4, day: 1)!

    func issue(_ key: CertificateSigningKey, grade: Grade? = "A", score: Points = Points(1001), validityDays: Int = 90) throws -> (Certificate, CertificateToken) {
        let subject = Subject(id: "p-3", kind: .person, name: "Wang Wei", jurisdiction: "testville", registeredOn: Day(year: 2026, month: 1, day: 1)!)
        let standing = Standing(subject: "p-3", scheme: "testville-points", asOf: Self.asOf, score: score, grade: grade)
        let handbook = Handbook(jurisdiction: "testville", version: 2, title: LocalizedText(en: "T", zh: "T"), schemes: [])
        let certificate = try Certificate.make(standing: standing, subject: subject, handbook: handbook, validityDays: validityDays,
                                               serial: "0123456789abcdef0123456789abcdef", keyID: key.publicKey.id)
        return (certificate, try key.sign(certificate))
    }

    @Test func genuineCertificateVerifiesAndRoundTrips() throws {
        // A certificate signed by a trusted key verifies on any day of its validity and reads back field for field.
        let key = CertificateSigningKey()
        let (certificate, token) = try issue(key)
        #expect(certificate.maskedName == "W******")
        #expect(certificate.validUntil == Day(year: 2026, month: 6, day: 29)!)
        let verifier = CertificateVerifier(trusting: [key.publicKey])
        for day in [Self.asOf, Day(year: 2026, month: 6, day: 29)!] {
            let result = verifier.verify(token.text, on: day)
            #expect(result.rejection == nil)
            #expect(result.certificate == certificate)
        }
        #expect(token.text.hasPrefix("CC1."))
        #expect(!token.text.contains("Wang"), "the full name never travels")
    }

    @Test func alteredGradeIsRejectedAsBadSignature() throws {
        // The sticker story: upgrading the grade in the content breaks the signature.
        let key = CertificateSigningKey()
        let (certificate, token) = try issue(key, grade: "B")
        var forged = certificate
        forged.grade = "AAA"
        let altered = CertificateToken(payload: forged.canonicalBytes, signature: token.signature).text
        let result = CertificateVerifier(trusting: [key.publicKey]).verify(altered, on: Self.asOf)
        #expect(result.rejection == .badSignature)
        #expect(result.certificate?.grade == "AAA", "the forged claim is shown so the verifier can see what was claimed")
    }

    @Test func certificateSignedByAnotherKeyWithTheSameIdIsRejected() throws {
        // A forger who signs with their own key but names the issuer's key id fails the signature check.
        let issuer = CertificateSigningKey(), forger = CertificateSigningKey()
        let (certificate, _) = try issue(issuer)
        let forgedSignature = try forger.sign(Certificate(
            serial: certificate.serial, subject: certificate.subject, maskedName: certificate.maskedName, kind: certificate.kind,
            jurisdiction: certificate.jurisdiction, scheme: certificate.scheme, handbookVersion: certificate.handbookVersion,
            grade: certificate.grade, score: certificate.score, asOf: certificate.asOf, validUntil: certificate.validUntil,
            issuer: certificate.issuer, keyID: forger.publicKey.id)).signature
        let token = CertificateToken(payload: certificate.canonicalBytes, signature: forgedSignature).text
        #expect(CertificateVerifier(trusting: [issuer.publicKey]).verify(token, on: Self.asOf).rejection == .badSignature)
        // Signed by the forger under the forger's own id, it names a key nobody trusts.
        let (_, own) = try issue(forger)
        #expect(CertificateVerifier(trusting: [issuer.publicKey]).verify(own.text, on: Self.asOf).rejection == .unknownKey(forger.publicKey.id))
    }

    @Test func expiredAndEarlyCertificatesAreRejectedWithTheirDays() throws {
        // Validity is inclusive of both ends; a day after, it is expired; a day before the as-of day, not yet valid.
        let key = CertificateSigningKey()
        let (_, token) = try issue(key, validityDays: 1)
        let verifier = CertificateVerifier(trusting: [key.publicKey])
        #expect(verifier.verify(token.text, on: Self.asOf).isAccepted)
        #expect(verifier.verify(token.text, on: Self.asOf.adding(days: 1)).rejection == .expired(validUntil: Self.asOf, checkedOn: Self.asOf.adding(days: 1)))
        #expect(verifier.verify(token.text, on: Self.asOf.adding(days: -1)).rejection == .notYetValid(asOf: Self.asOf, checkedOn: Self.asOf.adding(days: -1)))
    }

    @Test func malformedTokensSayWhatIsWrong() throws {
        // Truncated, garbled or re-encoded tokens are malformed, each with a reason, never a crash.
        let key = CertificateSigningKey()
        let (_, token) = try issue(key)
        let verifier = CertificateVerifier(trusting: [key.publicKey])
        let text = token.text
        let parts = text.split(separator: ".").map(String.init)
        let cases: [(String, String)] = [
            ("", "three parts"),
            ("CC2.\(parts[1]).\(parts[2])", "three parts"),
            ("CC1.\(parts[1])", "three parts"),
            (CertificateToken(payload: token.payload, signature: Array(token.signature.prefix(40))).text, "signature has 40 bytes"),
            (CertificateToken(payload: Array(token.payload.dropLast(3)), signature: token.signature).text, "more than remain"),
            ("CC1.\(parts[1])*.\(parts[2])", "not base64url"),
            ("CC1.\(Base64URL.encode(Array("hello".utf8))).\(parts[2])", "magic"),
        ]
        for (input, reason) in cases {
            let rejection = verifier.verify(input, on: Self.asOf).rejection
            guard case .malformed(let why) = rejection else {
                Issue.record("'\(input.prefix(20))' gave \(String(describing: rejection))")
                continue
            }
            #expect(why.contains(reason), "\(why)")
        }
    }

    @Test func keysRoundTripThroughTheirTextForms() throws {
        // A key file read back signs certificates the printed public key verifies; a damaged file is refused without echoing it.
        let key = CertificateSigningKey()
        let reread = try CertificateSigningKey(fileText: key.fileText)
        #expect(reread.publicKey == key.publicKey)
        #expect(try CertificatePublicKey(text: key.publicKey.text).id == key.publicKey.id)
        #expect(key.publicKey.id.count == 16)
        #expect(throws: CivicError.self) { try CertificateSigningKey(fileText: "civic-ed25519-private-key:AAAA") }
        #expect(throws: CivicError.self) { try CertificatePublicKey(text: "rsa:AAAA") }
    }

    @Test func base64URLRoundTripsEveryLength() {
        // The hand-written codec agrees with itself for every length and refuses padding and non-canonical tails.
        for length in 0..<70 {
            let bytes = (0..<length).map { UInt8(truncatingIfNeeded: $0 * 37 + 11) }
            #expect(Base64URL.decode(Base64URL.encode(bytes)) == bytes)
        }
        #expect(Base64URL.encode(Array("foobar".utf8)) == "Zm9vYmFy")
        #expect(Base64URL.encode(Array("fo".utf8)) == "Zm8")
        #expect(Base64URL.decode("Zm8=") == nil)
        #expect(Base64URL.decode("Zm9") == nil, "non-zero unused bits would give two texts for one byte string")
        #expect(Base64URL.decode("Z") == nil)
    }
}
