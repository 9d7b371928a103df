import CivicCore
import HTTPTypes
import Hummingbird
import Synchronization

/// What one request's reads were served from, filled in by the handler that read, and how far the request
/// must see: the write position its `Civic-Read-After` header or cookie names.
final class ReadReceipt: Sendable {
    /// A write this request must see, if it named one.
    let readAfter: WritePosition?
    private let served = Mutex<(fromReplica: Bool, ledgerPosition: Int64)?>(nil)

    init(readAfter: WritePosition?) { self.readAfter = readAfter }

    /// The request's receipt while its handler runs.
    @TaskLocal static var current: ReadReceipt?

    func record(fromReplica: Bool, ledgerPosition: Int64) {
        served.withLock { $0 = (fromReplica, ledgerPosition) }
    }

    var recorded: (fromReplica: Bool, ledgerPosition: Int64)? { served.withLock { $0 } }
}

extension HTTPField.Name {
    /// The ledger position (the last entry's sequence number) an answer reflects at least.
    static let civicLedgerPosition = HTTPField.Name("Civic-Ledger-Position")!
    /// `primary` or `replica`: which database answered a read that may be served by a replica.
    static let civicReadFrom = HTTPField.Name("Civic-Read-From")!
    /// On a successful write: the primary's write position after it; send it back as `Civic-Read-After`.
    static let civicWritePosition = HTTPField.Name("Civic-Write-Position")!
    /// On a read: a write position the answer must include (from `Civic-Write-Position`).
    static let civicReadAfter = HTTPField.Name("Civic-Read-After")!
}

/// Reads that may lag state where they stand; writes say where they landed, so that the writer's next read
/// includes them.
///
/// On every request: a `Civic-Read-After` header (or the `civic_read_after` cookie a write set) is read; a
/// header that is not a write position is a 400. After a read that may be served by a replica, the answer
/// carries `Civic-Ledger-Position` and `Civic-Read-From`. With a replica, a successful write's answer carries
/// `Civic-Write-Position` and sets the cookie for a minute, so a browser's next page reads its own write too.
struct ReadRoutingMiddleware: RouterMiddleware {
    typealias Context = APIRequestContext
    let replica: ReadReplica?
    let secureCookies: Bool

    static let cookieName = "civic_read_after"
    /// Far longer than a replica within the lag bound takes to replay a write.
    static let cookieSeconds = 60

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        var readAfter: WritePosition?
        if let text = request.headers[.civicReadAfter] {
            guard let position = WritePosition(text) else {
                throw APIError(.badRequest, "Civic-Read-After is not a write position such as 0/16B3748 (send back a Civic-Write-Position)",
                               at: "header Civic-Read-After")
            }
            readAfter = position
        } else if let cookie = request.cookies[Self.cookieName] {
            // A cookie is the browser's, not the caller's words: one that does not read is ignored.
            readAfter = WritePosition(cookie.value)
        }
        let receipt = ReadReceipt(readAfter: readAfter)
        var response = try await ReadReceipt.$current.withValue(receipt) { try await next(request, context) }
        if let served = receipt.recorded {
            response.headers[.civicLedgerPosition] = String(served.ledgerPosition)
            response.headers[.civicReadFrom] = served.fromReplica ? "replica" : "primary"
        }
        if let replica, Self.isWrite(request), (200..<300).contains(response.status.code),
           let position = try? await replica.writePosition() {
            response.headers[.civicWritePosition] = position.description
            response.headers[values: .setCookie].append(
                "\(Self.cookieName)=\(position); Path=/; Max-Age=\(Self.cookieSeconds); HttpOnly; SameSite=Lax\(secureCookies ? "; Secure" : "")")
        }
        return response
    }

    /// A request that may change the record: not the reads sent by POST (eligibility batches, lints, previews).
    static func isWrite(_ request: Request) -> Bool {
        guard [.post, .put, .patch, .delete].contains(request.method) else { return false }
        let path = request.uri.path
        return !path.hasPrefix("/eligibility/") && path != "/handbooks/lint" && path != "/handbooks/preview"
    }
}

extension APIServices {
    /// The store a read that may lag goes to, and whether it is the replica: the replica when there is one
    /// and it may answer this request (see `ReadReplica`), else the primary.
    func readStore() async -> (store: any Store, fromReplica: Bool) {
        if let readReplica, await readReplica.admits(after: ReadReceipt.current?.readAfter) {
            return (readReplica.store, true)
        }
        return (observed, false)
    }

    /// The eligibility service a check goes to, by the same rule.
    func eligibilityService() async -> (service: EligibilityService, fromReplica: Bool) {
        if let readReplica, await readReplica.admits(after: ReadReceipt.current?.readAfter) {
            return (readReplica.eligibility, true)
        }
        return (eligibility, false)
    }

    /// Notes on the request's receipt where its read came from and the ledger position it reflects.
    func recordRead(fromReplica: Bool, ledgerPosition: Int64) {
        ReadReceipt.current?.record(fromReplica: fromReplica, ledgerPosition: ledgerPosition)
    }
}
