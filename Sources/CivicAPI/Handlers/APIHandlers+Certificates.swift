import CivicCertificates
import CivicCore
import OpenAPIRuntime

extension APIHandlers {
    func issueCertificate(_ input: Operations.IssueCertificate.Input) async throws -> Operations.IssueCertificate.Output {
        guard case .json(let body) = input.body else { throw APIError(.unsupportedMediaType, "send the request as application/json") }
        let subject = try await visibility.require(input.path.subjectId)
        let (token, certificate) = try await services.issueCertificate(for: subject, scheme: body.scheme, validDays: body.validDays,
                                                                            measure: body.measure)
        struct Issued: Encodable { var token: String; var certificate: Certificate }
        return .created(.init(body: .json(try Self.object(Issued(token: token, certificate: certificate)))))
    }

    func verifyCertificate(_ input: Operations.VerifyCertificate.Input) async throws -> Operations.VerifyCertificate.Output {
        guard case .json(let body) = input.body else { throw APIError(.unsupportedMediaType, "send the token as application/json") }
        let check = await services.checkCertificate(body.token)
        struct Result: Encodable {
            var accepted: Bool
            var reason: String?
            var message: String?
            var checkedOn: Day
            var certificate: Certificate?
            var current: Bool?
        }
        let verification = check.verification
        let result = Result(accepted: verification.isAccepted, reason: verification.rejection?.code, message: verification.rejection?.description,
                            checkedOn: check.checkedOn, certificate: verification.certificate, current: check.current)
        return .ok(.init(body: .json(try Self.object(result))))
    }
}
