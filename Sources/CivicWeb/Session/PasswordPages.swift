import CivicAPI
import CivicAccess
import CivicCore
import Foundation
import HTTPTypes
import Hummingbird

/// A signed-in person changes their own password: the current one, the new one twice. The new one passes
/// the same policy as a new account's (12 to 128 characters, not a common password); every other session of
/// the account ends with the change, and the change is in the access trail.
extension WebServices {
    func registerPassword(on router: Router<APIRequestContext>) {
        get(router, "/account/password") { page in
            _ = try page.account
            return self.passwordPage(page, errors: [:], status: .ok)
        }
        post(router, "/account/password") { page in
            let account = try page.account
            let form = try await page.form()
            let current = form.fields["current"]?.first ?? ""
            let new = form.fields["password"]?.first ?? ""
            let again = form.fields["repeat"]?.first ?? ""
            guard !current.isEmpty else { return self.passwordPage(page, errors: ["current": page.text("account.currentMissing")], status: .unprocessableContent) }
            guard new == again else { return self.passwordPage(page, errors: ["repeat": page.text("account.repeatDiffers")], status: .unprocessableContent) }
            let configuration = self.api.configuration
            do {
                let ended = try await self.api.authenticator.changePassword(of: account.id, current: current, new: new, address: ClientAddress.current,
                                                                           keeping: page.caller.token?.id)
                return page.redirect("/account/password", done: ended == 0 ? "account.changed" : "account.changedOthersEnded")
            } catch let error as APIError {
                let message: String
                var field = error.location ?? "password"
                switch error.code {
                case "current-password-wrong": message = page.text("account.currentWrong")
                case "common-password": message = page.text("account.passwordCommon")
                case "password-unchanged": message = page.text("account.passwordUnchanged")
                case "password-control-characters": message = page.text("account.passwordControl")
                case "password-length":
                    message = page.text("account.passwordLength", ["min": String(configuration.passwordLengthMin), "max": String(configuration.passwordLengthMax)])
                default:
                    if error.status == .tooManyRequests {
                        field = "current"
                        message = page.text("login.busy")
                    } else {
                        throw error
                    }
                }
                let status: HTTPResponse.Status = error.status == .tooManyRequests ? .tooManyRequests : .unprocessableContent
                return self.passwordPage(page, errors: [field: message], status: status)
            }
        }
    }

    func passwordPage(_ page: Page, errors: [String: String], status: HTTPResponse.Status) -> Response {
        let configuration = api.configuration
        let model: [String: Any] = [
            "errors": errors,
            "hint": page.text("account.passwordHint", ["min": String(configuration.passwordLengthMin), "max": String(configuration.passwordLengthMax)]),
        ]
        return page.render("account/password", title: page.text("account.title"), model: model, status: status)
    }
}
