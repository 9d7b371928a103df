import CivicCertificates
import CivicCore
import OpenAPIRuntime

extension APIHandlers {
    var signingKey: CertificateSigningKey {
        get throws {
            guard let key = services.certificateKey else {
                throw APIError(.serviceUnavailable, code: "no-certificate-key", "this server has no certificate key (civic serve --certificate-key)")
            }
            return key
        }
    }

    func issueCertificate(_ input: Operations.IssueCertificate.Input) async throws -> Operations.IssueCertificate.Output {
        guard case .json(let body) = input.body else { throw APIError(.unsupportedMediaType, "send the request as application/json") }
        let subject = try await visibility.require(input.path.subjectId)
        let key = try signingKey
        let standings = try await engine.standings(of: subject.id, asOf: today())
        let standing: Standing
        if let scheme = body.scheme {
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
        let certificate = try Certificate.make(standing: standing, subject: subject, handbook: handbook,
                                               validityDays: body.validDays ?? Certificate.defaultValidityDays, serial: serial, keyID: key.publicKey.id)
        let token = try key.sign(certificate)
        struct Issued: Encodable { var token: String; var certificate: Certificate }
        return .created(.init(body: .json(try Self.object(Issued(token: token.text, certificate: certificate)))))
    }

    func verifyCertificate(_ input: Operations.VerifyCertificate.Input) async throws -> Operations.VerifyCertificate.Output {
        guard case .json(let body) = input.body else { throw APIError(.unsupportedMediaType, "send the token as application/json") }
        let day = today()
        let trusted = services.certificateKey.map { [$0.publicKey] } ?? []
        let verification = CertificateVerifier(trusting: trusted).verify(body.token, on: day)
        var current: Bool?
        if verification.isAccepted, let certificate = verification.certificate {
            // Only whether the certified grade and score still hold: never the standing itself.
            let standing = try? await engine.standings(of: certificate.subject, asOf: day).first { $0.scheme == certificate.scheme }
            current = standing.map { $0.grade == certificate.grade && $0.score == certificate.score } ?? false
        }
        struct Result: Encodable {
            var accepted: Bool
            var reason: String?
            var message: String?
            var checkedOn: Day
            var certificate: Certificate?
            var current: Bool?
        }
        let result = Result(accepted: verification.isAccepted, reason: verification.rejection?.code, message: verification.rejection?.description,
                            checkedOn: day, certificate: verification.certificate, current: current)
        return .ok(.init(body: .json(try Self.object(result))))
    }
}
