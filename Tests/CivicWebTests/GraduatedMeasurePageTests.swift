import CivicAccess
import CivicAPITesting
import CivicCore
import CivicWeb
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Testing

/// Graduated measures on the pages: the public handbook lists each tier with its value and condition in the
/// reader's language, and a certificate that states a measure shows the tier the engine decides, on the
/// issued page and on the verification page.
@Suite struct GraduatedMeasurePageTests {
    @Test func thePublicHandbookListsTiersInBothLanguages() async throws {
        let web = try await WebWorld.make()
        try await web.application().test(.router) { client in
            let english = try await Browser(client).get("/board/rongcheng/handbook")
            #expect(english.status == .ok)
            #expect(english.text.contains("<li>Loan rate 0.5 points lower: -0.5 percentage points, when grade AAA or higher</li>"), "\(english.text)")
            #expect(english.text.contains("<li>Loan rate 0.25 points lower: -0.25 percentage points, when grade AA or higher</li>"))
            #expect(english.text.contains("Tiers are tried in this order; the first that holds applies."))
            let chinese = try await Browser(client, language: "zh-CN").get("/board/yangqiao/handbook")
            #expect(chinese.text.contains("<li>免交押金：0%，条件：等级为excellent或更高</li>"), "\(chinese.text)")
            #expect(chinese.text.contains("<li>押金减半：50%，条件：等级为good或更高</li>"))
        }
    }

    @Test func aCertificateOfAMeasureShowsItsTier() async throws {
        let web = try await WebWorld.make()
        let resident = try #require(try await web.world.account(.resident).subject)
        let decision = try await web.world.services.engine.check(resident, measure: "loan-rate-discount", scheme: "city-points", asOf: TestWorld.today)
        try await web.application().test(.router) { client in
            let browser = Browser(client)
            _ = try await browser.signIn("demo-resident", web.world.passwords["demo-resident"]!)
            let form = try await browser.get("/portal/certificate")
            #expect(form.text.contains("<option value=\"loan-rate-discount\">"), "the form offers the scheme's measures")
            let issued = try await browser.post("/portal/certificate", [("scheme", "city-points"), ("measure", "loan-rate-discount"), ("validDays", "30")],
                                                tokenFrom: "/portal/certificate")
            #expect(issued.status == .created, "\(issued.text)")
            let answer = "Better rate on personal loans: \(decision.applies ? "applies" : "does not apply")"
            #expect(issued.text.contains(answer), "\(issued.text)")
            if let tier = decision.tier { #expect(issued.text.contains(tier.title.en)) }
            let token = try #require(issued.text.firstMatch(of: /CC1\.[A-Za-z0-9_\-]+\.[A-Za-z0-9_\-]+/).map { String($0.output) })
            let verified = try await Browser(client, language: "zh-CN").get("/verify?c=" + token)
            #expect(verified.text.contains("个人贷款利率优惠：\(decision.applies ? "适用" : "不适用")"), "\(verified.text)")

            // A measure the scheme lacks is a form error that issues nothing.
            let refused = try await browser.post("/portal/certificate", [("scheme", "city-points"), ("measure", "flat-rental-deposit"), ("validDays", "30")],
                                                 tokenFrom: "/portal/certificate")
            #expect(refused.status == .notFound && refused.text.contains("has no measure &#39;flat-rental-deposit&#39;"), "\(refused.text)")
        }
    }

    @Test func theVerificationPageShowsACertifiedTier() async throws {
        // Proves a certificate stating a graduated measure's tier shows the tier's title and value, in en and zh.
        let web = try await WebWorld.make()
        let residents = try await web.world.store.subjects(after: nil, limit: 10_000).filter { $0.jurisdiction == "yangqiao" && $0.kind == .person }
        var certified: (token: String, tier: TierAnswer)?
        for subject in residents {
            let decision = try await web.world.services.engine.check(subject.id, measure: "flat-rental-deposit", asOf: TestWorld.today)
            guard let tier = decision.tier else { continue }
            let issued = try await web.world.services.issueCertificate(for: subject, scheme: "resident-score", validDays: 30, measure: "flat-rental-deposit")
            #expect(issued.certificate.measure?.tier == tier.id && issued.certificate.measure?.value == tier.value)
            certified = (issued.token, tier)
            break
        }
        let (token, tier) = try #require(certified, "some Yangqiao resident gets a tier")
        let amount = try #require(tier.value.amount).description
        try await web.application().test(.router) { client in
            let english = try await Browser(client).get("/verify?c=" + token)
            #expect(english.text.contains("Lower deposit on village rental flats: applies"), "\(english.text)")
            #expect(english.text.contains("<dd class=\"tier\">\(tier.title.en): \(amount)%</dd>"))
            let chinese = try await Browser(client, language: "zh-CN").get("/verify?c=" + token)
            #expect(chinese.text.contains("村集体出租房押金优惠：适用"))
            #expect(chinese.text.contains("<dd class=\"tier\">\(tier.title.zh)：\(amount)%</dd>"), "\(chinese.text)")
        }
    }
}
