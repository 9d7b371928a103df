import CivicAccess
import Foundation
import Hummingbird
import NIOCore

/// `GET /access-events`: the access trail for auditors and administrators, written by hand like the
/// transparency routes (tag audit, filtered out of generation); openapi.yaml documents it and it passes
/// the same middleware and policy table as every operation.
struct AuditRoutes {
    let services: APIServices

    func register(on router: Router<APIRequestContext>) {
        router.get("/access-events") { request, context -> Response in
            _ = try Policy.admit(context.caller, to: .listAccessEvents)
            let query = request.uri.queryParameters
            let limit = try query["limit"].map { text -> Int in
                guard let value = Int(text) else { throw APIError(.badRequest, "limit must be a whole number", at: "query limit") }
                return value
            }
            let paging = try Paging(limit: limit, cursor: query["cursor"].map(String.init), configuration: services.configuration)
            let after = try paging.cursor.map { text -> Int64 in
                guard let value = Int64(text) else { throw APIError(.badRequest, "cursor is not one this server issued", at: "query cursor") }
                return value
            }
            let events = try await services.access.accessEvents(after: after, limit: paging.limit + 1)
            let items = Array(events.prefix(paging.limit))
            var page: [String: Any] = ["items": items.map { event -> [String: Any] in
                var item: [String: Any] = ["sequence": event.sequence, "at": event.at, "kind": event.kind.rawValue]
                if let actor = event.actor { item["actor"] = actor.rawValue }
                if let target = event.target { item["target"] = target }
                if let address = event.address { item["address"] = address }
                return item
            }]
            if events.count > paging.limit, let last = items.last { page["nextCursor"] = Paging.encode(String(last.sequence)) }
            let data = try JSONSerialization.data(withJSONObject: page, options: [.sortedKeys, .withoutEscapingSlashes])
            return EligibilityRoutes.json(ByteBuffer(bytes: data))
        }
    }
}
