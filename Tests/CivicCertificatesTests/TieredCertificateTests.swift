import CivicCertificates
import CivicCore
import Testing

/// A certificate may state one measure's answer beside the standing: the tier and its value travel signed,
/// read back field for field, and cannot be raised without breaking the signature.
struct TieredCertificateTests {
    static let asOf = Day(year: 2026, month: 4, day: 1)!

    static let deposit = Measure(
        id: "flat-deposit", title: LocalizedText(en: "Flat deposit", zh: "租房押金"), kind: .reward, domain: .housing, condition: .always,
        tiers: [MeasureTier(id: "none", title: LocalizedText(en: "No deposit", zh: "免押金"), condition: .gradeAtLeast("A"), value: .amount(.zero, .percent)),
                MeasureTier(id: "half", title: LocalizedText(en: "Half the deposit", zh: "押金减半"), condition: .gradeAtLeast("B"),
                            value: .amount(Points(50), .percent)),
                MeasureTier(id: "member", title: LocalizedText(en: "Member", zh: "会员"), condition: .gradeAtLeast("C"), value: .level)])

    static func issue(_ key: CertificateSigningKey, grade: Grade, measure: Measure.ID? = "flat-deposit") throws -> (Certificate, CertificateToken) {
        let subject = Subject(id: "p-3", kind: .person, name: "Wang Wei", jurisdiction: "testville", registeredOn: Day(year: 2026, month: 1, day: 1)!)
        let grades = GradeScale(bands: [GradeBand(grade: "A", minimum: Points(960)), GradeBand(grade: "B", minimum: Points(850)),
                                        GradeBand(grade: "C", minimum: Points(600)), GradeBand(grade: "D", minimum: .zero)])
        let scheme = Scheme(id: "testville-points", title: LocalizedText(en: "T", zh: "T"), subjectKinds: [.person],
                            scale: .points(PointsScale(base: Points(1000))), grades: grades, measures: [deposit])
        let standing = Standing(subject: "p-3", scheme: "testville-points", asOf: asOf, score: Points(900), grade: grade, lastSequence: 3)
        let handbook = Handbook(jurisdiction: "testville", version: 2, title: LocalizedText(en: "T", zh: "T"), schemes: [scheme])
        let certificate = try Certificate.make(standing: standing, subject: subject, handbook: handbook, serial: "0123456789abcdef0123456789abcdef",
                                               keyID: key.publicKey.id, measure: measure)
        return (certificate, try key.sign(certificate))
    }

    @Test func aTierRoundTripsSigned() throws {
        // Proves the tier, its amount and unit are in the signed bytes and read back equal, for an amount, a level and no tier.
        let key = CertificateSigningKey()
        let verifier = CertificateVerifier(trusting: [key.publicKey])
        let expected: [(Grade, CertifiedMeasure)] = [
            ("B", CertifiedMeasure(measure: "flat-deposit", applies: true, tier: "half", value: .amount(Points(50), .percent))),
            ("C", CertifiedMeasure(measure: "flat-deposit", applies: true, tier: "member", value: .level)),
            ("D", CertifiedMeasure(measure: "flat-deposit", applies: false)),
        ]
        for (grade, answer) in expected {
            let (certificate, token) = try Self.issue(key, grade: grade)
            #expect(certificate.measure == answer, "grade \(grade)")
            let result = verifier.verify(token.text, on: Self.asOf)
            #expect(result.rejection == nil)
            #expect(result.certificate == certificate, "grade \(grade): read back field for field")
        }
        // Without a measure the bytes are those of a plain rating certificate.
        let (plain, _) = try Self.issue(key, grade: "B", measure: nil)
        #expect(plain.measure == nil && !plain.canonicalBytes.contains(0x11))
    }

    @Test func aRaisedTierBreaksTheSignature() throws {
        let key = CertificateSigningKey()
        let (certificate, token) = try Self.issue(key, grade: "B")
        var forged = certificate
        forged.measure = CertifiedMeasure(measure: "flat-deposit", applies: true, tier: "none", value: .amount(.zero, .percent))
        let altered = CertificateToken(payload: forged.canonicalBytes, signature: token.signature).text
        #expect(CertificateVerifier(trusting: [key.publicKey]).verify(altered, on: Self.asOf).rejection == .badSignature)
    }

    @Test func malformedMeasureFieldsAreRefused() throws {
        // An amount without its unit, or a tier for a measure that does not apply, is malformed whatever the signature.
        let key = CertificateSigningKey()
        let (certificate, _) = try Self.issue(key, grade: "B")
        var noUnit = certificate.canonicalBytes
        let unitTag = try #require(noUnit.lastIndex(of: 0x15))
        noUnit.removeSubrange(unitTag...)
        #expect(throws: CertificateRejection.malformed("a tier's amount and unit come together")) { try Certificate(canonicalBytes: noUnit) }
        var denied = certificate
        denied.measure?.applies = false
        #expect(throws: CertificateRejection.malformed("the tier is not a valid id of a measure that applies")) {
            try Certificate(canonicalBytes: denied.canonicalBytes)
        }
        // A measure the scheme does not define is refused when issuing, at the measure.
        let error = try #require(throws: CivicError.self) { try Self.issue(key, grade: "B", measure: "no-such-measure") }
        #expect(error.location == "measure" && error.code == .notFound)
    }
}
