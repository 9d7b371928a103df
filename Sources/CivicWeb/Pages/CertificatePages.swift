import CivicAPI
import CivicCore
import Foundation
import HTTPTypes
import Hummingbird

/// A resident's rating certificate: issued on request, shown with a QR code that opens the
/// verification page, printable, and downloadable as its text.
extension WebServices {
    func registerCertificates(on router: Router<APIRequestContext>) {
        get(router, "/portal/certificate") { page in
            let subject = try await page.resident(.issueCertificate).subject
            return try await Self.certificateForm(page, subject: subject, error: nil, validDays: String(Certificate.defaultValidityDays))
        }

        post(router, "/portal/certificate") { page in
            let subject = try await page.resident(.issueCertificate).subject
            let form = try await page.form()
            let validText = form["validDays"] ?? ""
            guard let validDays = Int(validText), (1...Certificate.validityDaysMax).contains(validDays) else {
                return try await Self.certificateForm(page, subject: subject, error: page.text("certificate.badValidity"), validDays: validText,
                                                      status: .badRequest)
            }
            let issued: (token: String, certificate: Certificate)
            do {
                let measure = form["measure"].flatMap { $0.isEmpty ? nil : $0 }
                issued = try await self.api.issueCertificate(for: subject, scheme: form["scheme"], validDays: validDays, measure: measure)
            } catch let error as APIError where error.status.code < 500 {
                return try await Self.certificateForm(page, subject: subject, error: error.detail, validDays: validText, status: error.status)
            }
            return try await Self.certificatePage(page, issued.token, issued.certificate)
        }

        get(router, "/portal/certificate/download") { page in
            _ = try await page.resident(.issueCertificate)
            let text = page.query("c") ?? ""
            let check = await self.api.checkCertificate(text)
            guard check.verification.isAccepted, let certificate = check.verification.certificate,
                  certificate.subject == page.caller.account?.subject else { throw PageError.notFound }
            var headers = HTTPFields()
            headers[.contentType] = "text/plain; charset=utf-8"
            headers[.contentDisposition] = "attachment; filename=\"certificate-\(certificate.serial).txt\""
            headers[.cacheControl] = "no-store"
            let body = "\(text)\n" + (Self.verifyURL(page, token: text).map { "\n\($0)\n" } ?? "")
            return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(string: body)))
        }
    }

    static func certificateForm(_ page: Page, subject: Subject, error: String?, validDays: String, status: HTTPResponse.Status = .ok) async throws -> Response {
        let handbooks = try await page.engine.handbooks()
        let standings = try await page.engine.standings(of: subject.id, asOf: page.today)
        let schemes: [[String: Any]] = standings.map { standing in
            let title = handbooks.scheme(standing.scheme).map { page.text($0.scheme.title) } ?? standing.scheme.rawValue
            return ["id": standing.scheme.rawValue, "title": title, "grade": standing.grade?.rawValue ?? "", "score": standing.score.description]
        }
        let measures: [[String: Any]] = standings.flatMap { standing -> [[String: Any]] in
            guard let scheme = handbooks.scheme(standing.scheme)?.scheme else { return [] }
            return scheme.measures.map { ["id": $0.id.rawValue, "title": page.text($0.title), "scheme": page.text(scheme.title)] }
        }
        let model: [String: Any] = ["schemes": schemes, "hasSchemes": !schemes.isEmpty, "error": error as Any, "validDays": validDays,
                                    "hasKey": page.web.api.certificateKey != nil, "measures": measures]
        return page.render("public/certificate-form", title: page.text("certificate.title"), model: model, status: status)
    }

    static func certificatePage(_ page: Page, _ token: String, _ certificate: Certificate) async throws -> Response {
        let url = verifyURL(page, token: token)
        let qr = try url.map { try QRCode($0, correction: .medium) }
        let jurisdictions = try await page.store.jurisdictions()
        let issuer = jurisdictions.first { $0.id == certificate.issuer }.map { page.text($0.name) } ?? certificate.issuer.rawValue
        let scheme = try await page.engine.handbooks().scheme(certificate.scheme).map { page.text($0.scheme.title) } ?? certificate.scheme.rawValue
        let model: [String: Any] = [
            "qr": qr?.svg(moduleSize: 4, quietZone: 4, title: page.text("certificate.scan")) as Any,
            "url": url as Any, "token": token, "download": "/portal/certificate/download?c=" + Page.escapeQuery(token),
            "maskedName": certificate.maskedName, "scheme": scheme, "grade": certificate.grade?.rawValue as Any,
            "score": certificate.score.description, "asOf": certificate.asOf.description, "validUntil": certificate.validUntil.description,
            "issuer": issuer, "serial": certificate.serial, "log": WebServices.logChecked(page, certificate) as Any,
            "measure": try await measureModel(page, certificate) as Any,
        ]
        return page.render("public/certificate", title: page.text("certificate.issuedTitle"), model: model, status: .created)
    }

    /// The measure a certificate states, in the reader's language: its title and answer, and the tier with its
    /// value, with titles from the handbook version the certificate names.
    static func measureModel(_ page: Page, _ certificate: Certificate) async throws -> [String: Any]? {
        guard let certified = certificate.measure else { return nil }
        let scheme = try await page.engine.handbooks().version(certificate.handbookVersion, of: certificate.issuer)?.scheme(certificate.scheme)
        let measure = scheme?.measure(certified.measure)
        var model: [String: Any] = [
            "line": page.text("certificate.measureAnswer", [
                "title": measure.map { page.text($0.title) } ?? certified.measure.rawValue,
                "answer": page.text(certified.applies ? "certificate.measureApplies" : "certificate.measureNotApplies"),
            ]),
        ]
        if let tier = certified.tier {
            let title = measure?.tiers?.first { $0.id == tier }?.title ?? LocalizedText(en: tier.rawValue, zh: tier.rawValue)
            model["tier"] = page.words(TierAnswer(id: tier, title: title, value: certified.value ?? .level))
        }
        return model
    }

    /// The verification page's address with the certificate filled in, on the configured public
    /// address only: never on the request's `Host` header, which whoever sends the request chooses.
    /// Without a public address there is no link (and no QR code); the certificate text still verifies.
    static func verifyURL(_ page: Page, token: String) -> String? {
        page.web.configuration.publicURL.map { "\($0)/verify?c=\(Page.escapeQuery(token))" }
    }
}

extension HTTPField.Name {
    static let contentDisposition = HTTPField.Name("Content-Disposition")!
}
