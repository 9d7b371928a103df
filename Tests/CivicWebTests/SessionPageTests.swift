import CivicAccess
import CivicAPITesting
import CivicWeb
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Testing

@Suite struct SessionPageTests {
    /// Signing in with the right password sets an HttpOnly session cookie and lands on the role's home;
    /// signing out revokes the session, so the old cookie no longer opens the pages.
    @Test func signInAndOut() async throws {
        let web = try await WebWorld.make()
        try await web.application().test(.router) { client in
            let browser = Browser(client)
            let page = try await browser.signIn("demo-reviewer", web.world.passwords["demo-reviewer"]!)
            #expect(page.status == .seeOther)
            #expect(page.location == "/committee")
            let setCookie = page.headers[values: .setCookie].first { $0.hasPrefix("civic_session=") } ?? ""
            #expect(setCookie.contains("HttpOnly") && setCookie.contains("SameSite=Lax"))
            let session = try #require(browser.cookies["civic_session"])

            let home = try await browser.get("/")
            #expect(home.text.contains("Demo reviewer"))
            #expect(home.headers[.cacheControl] == "no-store")

            let out = try await browser.post("/logout", [])
            #expect(out.status == .seeOther)
            #expect(browser.cookies["civic_session"] == nil)
            let stale = Browser(client)
            stale.cookies = ["civic_session": session]
            #expect(try await stale.get("/").text.contains("Demo reviewer") == false)
        }
    }

    /// A wrong password re-renders the form with the reason and sets no session; the count of failures rises.
    @Test func wrongPassword() async throws {
        let web = try await WebWorld.make()
        try await web.application().test(.router) { client in
            let browser = Browser(client)
            let page = try await browser.signIn("demo-resident", "not the password")
            #expect(page.status == .unauthorized)
            #expect(page.text.contains("role=\"alert\""))
            #expect(page.text.contains("value=\"demo-resident\""))
            #expect(browser.cookies["civic_session"] == nil)
            #expect(try await web.world.access.signInFailures(Account.ID("demo-resident"), from: "unknown").failures == 1)
        }
    }

    /// A form posted without this browser's anti-forgery token is refused and changes nothing.
    @Test func forgedFormIsRefused() async throws {
        let web = try await WebWorld.make()
        try await web.application().test(.router) { client in
            let browser = Browser(client)
            _ = try await browser.get("/login")
            let forged = try await browser.post("/login", [("username", "demo-resident"), ("password", web.world.passwords["demo-resident"]!)],
                                                csrf: String(repeating: "0", count: 64))
            #expect(forged.status == .forbidden)
            #expect(browser.cookies["civic_session"] == nil)
            // Another browser's token does not work either: the token is bound to the cookie.
            let other = Browser(client)
            let token = try await other.formToken("/login")
            let crossed = try await browser.post("/login", [("username", "demo-resident"), ("password", web.world.passwords["demo-resident"]!)], csrf: token)
            #expect(crossed.status == .forbidden)
        }
    }

    /// Sign-in goes back to the page that asked for it, and `next` never leaves the site.
    @Test func signInRedirects() async throws {
        let web = try await WebWorld.make()
        try await web.application().test(.router) { client in
            let browser = Browser(client)
            let login = try await browser.get("/login?next=//evil.example/")
            #expect(Browser.value(of: "next", in: login.text) == "")
            let token = try await browser.formToken("/login")
            let signedIn = try await browser.post("/login", [("username", "demo-resident"), ("password", web.world.passwords["demo-resident"]!),
                                                            ("next", "https://evil.example/")], csrf: token)
            #expect(signedIn.location == "/portal")
            let back = Browser(client)
            let form = try await back.formToken("/login?next=/admin/subjects")
            let returned = try await back.post("/login", [("username", "demo-admin"), ("password", web.world.passwords["demo-admin"]!),
                                                         ("next", "/admin/subjects")], csrf: form)
            #expect(returned.location == "/admin/subjects")
        }
    }

    /// `next` after sign-in only leads into the site's own page areas: a tab, a backslash, an escaped
    /// slash, a scheme or an unknown area all send the person to their home page instead.
    @Test func signInNextIsAllowListed() async throws {
        let web = try await WebWorld.make()
        try await web.application().test(.router) { client in
            let hostile = ["/\t/evil.example", "/\\evil.example", "/%5Cevil.example", "/%2F%2Fevil.example", "/\r\nLocation: x",
                           "/ /evil.example", "https://evil.example/", "//evil.example", "/login", "/anything/else", "/portal/../..//evil.example",
                           "/portal/%2e%2e", "/admin?x=\"><script>"]
            for next in hostile {
                let browser = Browser(client)
                let token = try await browser.formToken("/login")
                let signedIn = try await browser.post("/login", [("username", "demo-resident"), ("password", web.world.passwords["demo-resident"]!),
                                                                ("next", next)], csrf: token)
                #expect(signedIn.location == "/portal", "next=\(next.debugDescription) led to \(signedIn.location ?? "nothing")")
            }
            let browser = Browser(client)
            let token = try await browser.formToken("/login")
            let kept = try await browser.post("/login", [("username", "demo-resident"), ("password", web.world.passwords["demo-resident"]!),
                                                        ("next", "/portal/entries?page=2")], csrf: token)
            #expect(kept.location == "/portal/entries?page=2")
        }
    }

    /// Past the bounds on password checks the sign-in form comes back with 429, Retry-After and the
    /// catalog's words in the reader's language, and nothing is counted against the account.
    @Test func busySignInSpeaksTheReadersLanguage() async throws {
        let web = try await WebWorld.make(api: { configuration in
            configuration.passwordChecksConcurrentMax = 1
            configuration.passwordChecksQueuedMax = 0
        })
        let hasher = web.world.services.authenticator.hasher
        let (held, holding) = AsyncStream.makeStream(of: Void.self)
        let (release, releasing) = AsyncStream.makeStream(of: Void.self)
        let holder = Task {
            try await hasher.withPlace(address: "198.51.100.20") {
                holding.yield()
                for await _ in release { break }
            }
        }
        for await _ in held { break }
        try await web.application().test(.router) { client in
            let browser = Browser(client, language: "zh-CN")
            let busy = try await browser.signIn("demo-resident", web.world.passwords["demo-resident"]!)
            #expect(busy.status == .tooManyRequests)
            #expect(busy.headers[.retryAfter] == "1")
            #expect(busy.text.contains("当前正在核验的登录过多"))
            #expect(browser.cookies["civic_session"] == nil)
            #expect(try await web.world.access.signInFailures("demo-resident", from: "unknown").failures == 0)
        }
        releasing.yield()
        try await holder.value
    }

    /// The anti-forgery token is bound to the session: an attacker's own form cookie and token, sent
    /// with a victim's session cookie, are refused and change nothing (the victim stays signed in).
    @Test func formTokenIsBoundToTheSession() async throws {
        let web = try await WebWorld.make()
        try await web.application().test(.router) { client in
            let attacker = Browser(client)
            let attackerToken = try await attacker.formToken("/login")
            let attackerFormCookie = try #require(attacker.cookies["civic_form"])

            let victim = Browser(client)
            _ = try await victim.signIn("demo-reviewer", web.world.passwords["demo-reviewer"]!)
            let session = try #require(victim.cookies["civic_session"])
            // The victim's own token works with their session; the attacker's pair does not.
            let forged = Browser(client)
            forged.cookies = ["civic_session": session, "civic_form": attackerFormCookie]
            let refused = try await forged.post("/logout", [], csrf: attackerToken)
            #expect(refused.status == .forbidden)
            #expect(try await victim.get("/").text.contains("Demo reviewer"))
            // A token made before signing in stops working once the session exists.
            let before = Browser(client)
            let early = try await before.formToken("/login")
            _ = try await before.signIn("demo-admin", web.world.passwords["demo-admin"]!)
            #expect(try await before.post("/logout", [], csrf: early).status == .forbidden)
            #expect(try await before.post("/logout", []).status == .seeOther)
        }
    }

    /// The home page speaks the browser's language, a `?lang=` switch is remembered, and both name the
    /// jurisdictions' boards in that language.
    @Test func homeInBothLanguages() async throws {
        let web = try await WebWorld.make()
        try await web.application().test(.router) { client in
            let chinese = Browser(client, language: "zh-CN,zh;q=0.9,en;q=0.5")
            let zh = try await chinese.get("/")
            #expect(zh.text.contains("<html lang=\"zh-Hans\">"))
            #expect(zh.text.contains("赵家山村"))
            #expect(zh.text.contains("hreflang=\"en\""))
            let english = try await chinese.get("/?lang=en")
            #expect(english.text.contains("<html lang=\"en\">"))
            #expect(english.text.contains("Zhaojiashan Village"))
            #expect(try await chinese.get("/").text.contains("<html lang=\"en\">"))
            #expect(zh.headers[.contentSecurityPolicy]?.contains("default-src 'self'") == true)
        }
    }

    /// The stylesheet is served with a validator, and a matching If-None-Match answers 304.
    @Test func staticFiles() async throws {
        let web = try await WebWorld.make()
        try await web.application().test(.router) { client in
            let css = try await client.execute(uri: "/static/style.css", method: .get)
            #expect(css.status == .ok)
            #expect(css.headers[.contentType] == "text/css; charset=utf-8")
            let etag = try #require(css.headers[.eTag])
            let again = try await client.execute(uri: "/static/style.css", method: .get, headers: [.ifNoneMatch: etag])
            #expect(again.status == .notModified)
            #expect(try await client.execute(uri: "/static/nothing.css", method: .get).status == .notFound)
        }
    }
}

extension HTTPField.Name {
    static let contentSecurityPolicy = HTTPField.Name("Content-Security-Policy")!
}

@Suite struct AbsentValueTests {
    /// An absent value in a page's model is absent on the page: the sign-in form without an error shows no
    /// alert (and never the word "nil"), and with one shows it.
    @Test func absentValuesRenderNothing() async throws {
        let web = try await WebWorld.make()
        try await web.application().test(.router) { client in
            let browser = Browser(client)
            let clean = try await browser.get("/login")
            #expect(!clean.text.contains("role=\"alert\""))
            #expect(!clean.text.contains(">nil<"))
            let refused = try await browser.signIn("demo-auditor", "wrong password here")
            #expect(refused.text.contains("role=\"alert\""))
        }
    }
}
