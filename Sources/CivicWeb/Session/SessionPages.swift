import CivicAPI
import CivicAccess
import CivicCore
import Foundation
import Hummingbird

extension WebServices {
    /// Sign-in and sign-out. A session is the same kind of token the API's `POST /sessions` issues,
    /// carried in an HttpOnly, SameSite=Lax cookie instead of a header.
    func registerSession(on router: Router<APIRequestContext>) {
        get(router, "/login") { page in
            if let role = page.caller.account?.role { return page.redirect(Navigation.home(for: role)) }
            return page.render("login", title: page.text("login.title"), model: Self.loginModel(page, username: "", error: nil))
        }

        post(router, "/login") { page in
            let form = try await page.form()
            let username = form["username"] ?? ""
            let password = form.fields["password"]?.first ?? ""
            guard !username.isEmpty, !password.isEmpty else {
                return page.render("login", title: page.text("login.title"),
                                   model: Self.loginModel(page, username: username, error: page.text("login.missing")), status: .badRequest)
            }
            let token: TokenRecord
            let bearer: String
            do {
                (token, bearer) = try await self.api.authenticator.signIn(username: username, password: password)
            } catch let error as APIError where error.status == .unauthorized {
                self.api.counters.signInFailures.increment()
                return page.render("login", title: page.text("login.title"),
                                   model: Self.loginModel(page, username: username, error: page.text("login.refused")), status: .unauthorized)
            }
            guard let account = try await self.api.access.account(token.account) else { throw PageError.signInRequired }
            let next = form["next"].flatMap(Self.safeNext) ?? Navigation.home(for: account.role)
            var response = page.redirect(next)
            response.setCookie(self.cookie(WebCookie.session, bearer, maxAge: Int(self.api.configuration.sessionSeconds)))
            return response
        }

        post(router, "/logout") { page in
            if let token = page.caller.token, token.kind == .session {
                _ = try await self.api.access.revokeToken(token.id, at: self.api.now())
                self.api.authenticator.forget(token: token.id)
            }
            var response = page.redirect("/", done: "flash.signedOut")
            response.setCookie(self.expired(WebCookie.session))
            return response
        }
    }

    static func loginModel(_ page: Page, username: String, error: String?) -> [String: Any] {
        ["username": username, "error": error as Any, "next": page.query("next").flatMap(safeNext) ?? ""]
    }

    /// Only a path on this site: never another host (`//evil`, `https://...`), so sign-in cannot bounce elsewhere.
    static func safeNext(_ next: String) -> String? {
        guard next.hasPrefix("/"), !next.hasPrefix("//"), !next.hasPrefix("/\\"), !next.contains("\r"), !next.contains("\n"),
              next.utf8.count <= 512, next != "/login" else { return nil }
        return next
    }
}
