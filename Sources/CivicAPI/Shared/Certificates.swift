package import CivicCertificates
package import CivicCore

/// Issuing and checking rating certificates: one implementation for the API and the pages.
extension APIServices {
    package var signingKey: CertificateSigningKey {
        get throws {
            guard let key = certificateKey else {
                throw APIError(.serviceUnavailable, code: "no-certificate-key", "this server has no certificate key (civic serve --certificate-key)")
            }
            return key
        }
    }

    /// A signed certificate of one scheme's standing today; `scheme` may be omitted when only one scheme rates the subject.
    /// With `measure`, the certificate also states that measure's answer, with its tier and value.
    package func issueCertificate(for subject: Subject, scheme: String?, validDays: Int?, measure: String? = nil) async throws
        -> (token: String, certificate: Certificate) {
        let key = try signingKey
        let standings = try await engine.standings(of: subject.id, asOf: engine.clock.today())
        let standing: Standing
        if let scheme {
            guard let found = standings.first(where: { $0.scheme.rawValue == scheme }) else {
                throw APIError(.notFound, "scheme '\(scheme.prefix(128))' does not rate this subject", at: "body.scheme")
            }
            standing = found
        } else {
            guard standings.count == 1, let only = standings.first else {
                throw APIError(.badRequest, standings.isEmpty ? "no scheme rates this subject" : "more than one scheme rates this subject: name one",
                               at: "body.scheme")
            }
            standing = only
        }
        guard let handbook = try await engine.handbooks().scheme(standing.scheme)?.handbook else {
            throw APIError(.notFound, "no handbook for scheme '\(standing.scheme)'")
        }
        let serial = TokenSecret.hex((0..<16).map { _ in UInt8.random(in: 0...255) })
        // The ledger the standing was read from, as of the latest signed checkpoint of the log.
        let checkpoint = try await log?.store.latestCheckpoint()
        var measureID: Measure.ID?
        if let measure {
            guard Measure.ID.isValid(measure) else { throw APIError(.badRequest, "measure id is not valid: \(Measure.ID.syntax)", at: "body.measure") }
            measureID = Measure.ID(measure)
        }
        let made = Result { () throws(CivicError) -> Certificate in
            try Certificate.make(standing: standing, subject: subject, handbook: handbook,
                                 validityDays: validDays ?? Certificate.defaultValidityDays, serial: serial, keyID: key.publicKey.id,
                                 log: checkpoint.map { ($0.size, $0.root.base64) }, measure: measureID)
        }.mapError { error -> CivicError in
            // A measure the scheme lacks is a problem of the request's field.
            var located = error
            if located.location == "measure" { located.location = "body.measure" }
            return located
        }
        let certificate = try made.get()
        return (try key.sign(certificate).text, certificate)
    }

    /// What a verifier learns of a certificate text: accepted or why not, and whether the certified
    /// grade and score still hold today (never the standing itself).
    package struct CertificateCheck: Sendable {
        package var verification: CertificateVerification
        package var checkedOn: Day
        package var current: Bool?
    }

    package func checkCertificate(_ text: String) async -> CertificateCheck {
        let day = engine.clock.today()
        let trusted = certificateKey.map { [$0.publicKey] } ?? []
        let verification = CertificateVerifier(trusting: trusted).verify(text, on: day)
        var current: Bool?
        if verification.isAccepted, let certificate = verification.certificate {
            let standing = try? await engine.standings(of: certificate.subject, asOf: day).first { $0.scheme == certificate.scheme }
            current = standing.map { $0.grade == certificate.grade && $0.score == certificate.score } ?? false
            // A certificate of a measure's answer is current only while the answer, its tier and value, still hold.
            if current == true, let certified = certificate.measure {
                let decision = try? await engine.check(certificate.subject, measure: certified.measure, scheme: certificate.scheme, asOf: day)
                current = decision.map { $0.applies == certified.applies && $0.tier?.id == certified.tier && $0.tier?.value == certified.value } ?? false
            }
        }
        return CertificateCheck(verification: verification, checkedOn: day, current: current)
    }
}
