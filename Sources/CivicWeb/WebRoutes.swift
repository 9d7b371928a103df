public import CivicAPI
import CivicAccess
import CivicCore
import Foundation
public import Hummingbird

extension WebServices {
    /// Registers every page on the API's router.
    public func register(on router: Router<APIRequestContext>) {
        router.get("static/:file") { request, context in
            let name = context.parameters.get("file") ?? ""
            guard let response = self.statics.response(for: name, ifNoneMatch: request.headers[.ifNoneMatch]) else {
                throw HTTPError(.notFound)
            }
            return response
        }
        registerHome(on: router)
        registerSession(on: router)
        registerPassword(on: router)
        registerPublic(on: router)
        registerCertificates(on: router)
        registerAssessor(on: router)
        registerCommittee(on: router)
        registerAdmin(on: router)
        registerAudit(on: router)
        registerPortal(on: router)
    }

    func registerHome(on router: Router<APIRequestContext>) {
        get(router, "/") { page in
            let handbooks = try await page.engine.handbooks()
            var boards: [[String: Any]] = []
            for jurisdiction in try await page.store.jurisdictions().sorted(by: { $0.id < $1.id })
            where handbooks.current(for: jurisdiction.id) != nil {
                boards.append(["id": jurisdiction.id.rawValue, "name": page.text(jurisdiction.name)])
            }
            var model: [String: Any] = ["boards": boards]
            if let role = page.caller.account?.role { model["home"] = Navigation.home(for: role) }
            return page.render("home", title: page.text("home.title"), model: model)
        }
    }
}
