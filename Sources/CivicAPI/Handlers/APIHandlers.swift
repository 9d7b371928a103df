import CivicAccess
import CivicCore
import Foundation

/// The generated operations, implemented over the engine and the access store. Each runs after the
/// policy table admitted the caller (`PolicyMiddleware`); handlers apply the caller's reach to the
/// particular subject, report or file named.
struct APIHandlers: APIProtocol {
    let services: APIServices

    var engine: Engine { services.engine }
    var store: any Store { services.observed }
    var caller: Caller { Caller.current }

    /// How far the caller reaches in this operation, as the policy table said.
    var reach: Reach {
        get throws {
            guard let admission = Admission.current else { throw APIError(.forbidden, "the request did not pass the policy table") }
            return admission.reach
        }
    }

    var visibility: SubjectVisibility {
        get throws { SubjectVisibility(store: store, caller: caller, reach: try reach) }
    }

    /// The domain actor the caller acts as; writes are recorded under it.
    func actingActor() throws -> Actor.ID {
        guard let actor = caller.account?.actor else {
            throw APIError(.forbidden, code: "no-actor", "this account is not linked to an actor in the registry, so it cannot record anything")
        }
        return actor
    }

    func today() -> Day { engine.clock.today() }
}

/// Reading `limit` and `cursor`, and writing `nextCursor`.
struct Paging {
    var limit: Int
    var cursor: String?

    init(limit: Int?, cursor: String?, configuration: APIConfiguration) throws {
        let limit = limit ?? configuration.pageSizeDefault
        guard (1...configuration.pageSizeMax).contains(limit) else {
            throw APIError(.badRequest, "limit must be from 1 to \(configuration.pageSizeMax)", at: "query limit")
        }
        self.limit = limit
        if let cursor {
            guard let decoded = Paging.decode(cursor) else {
                throw APIError(.badRequest, "cursor is not one this server issued; pass the nextCursor of the previous page", at: "query cursor")
            }
            self.cursor = decoded
        }
    }

    static func encode(_ key: String) -> String {
        Data(("c1:" + key).utf8).base64EncodedString().replacingOccurrences(of: "+", with: "-")
            .replacingOccurrences(of: "/", with: "_").replacingOccurrences(of: "=", with: "")
    }

    static func decode(_ cursor: String) -> String? {
        var text = cursor.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        while text.count % 4 != 0 { text += "=" }
        guard cursor.utf8.count <= 256, let data = Data(base64Encoded: text), let decoded = String(data: data, encoding: .utf8),
              decoded.hasPrefix("c1:") else { return nil }
        return String(decoded.dropFirst(3))
    }

    /// A page of `items` sorted by `key`, starting after the cursor.
    func page<T>(_ items: [T], key: (T) -> String) -> (items: [T], next: String?) {
        let start = cursor.map { cursor in items.firstIndex { key($0) > cursor } ?? items.endIndex } ?? items.startIndex
        let slice = Array(items[start...].prefix(limit))
        let next = start + slice.count < items.count ? slice.last.map { Paging.encode(key($0)) } : nil
        return (slice, next)
    }
}
