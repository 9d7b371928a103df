import Testing
@testable import CivicWeb

@Suite struct LanguageTests {
    /// An explicit choice beats the cookie, which beats the browser's preferences.
    @Test func explicitChoiceWins() {
        #expect(Language.negotiate(query: "zh", cookie: "en", acceptLanguage: "en") == .zh)
        #expect(Language.negotiate(query: nil, cookie: "zh", acceptLanguage: "en-GB,en;q=0.9") == .zh)
        #expect(Language.negotiate(query: "fr", cookie: nil, acceptLanguage: "zh-CN") == .zh)
    }

    /// Accept-Language picks the supported language with the highest quality, whatever the order.
    @Test func acceptLanguageQualities() {
        #expect(Language.negotiate(query: nil, cookie: nil, acceptLanguage: "fr;q=1, en;q=0.3, zh-Hans;q=0.8") == .zh)
        #expect(Language.negotiate(query: nil, cookie: nil, acceptLanguage: "zh;q=0, en-US") == .en)
        #expect(Language.negotiate(query: nil, cookie: nil, acceptLanguage: "de, fr") == .en)
        #expect(Language.negotiate(query: nil, cookie: nil, acceptLanguage: nil) == .en)
    }
}
