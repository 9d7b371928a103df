import CivicAccess
import CivicCore
import CivicPostgres
import CivicSQLite
import Foundation

/// Copies the access data of a deployment (accounts with their measures and households, tokens and
/// sessions, the access trail with its sequence numbers, evidence) into an empty access store, then reads
/// both sides back and compares them record by record.
///
/// Two kinds of rows are left behind, on purpose: sign-in throttle rows (a few minutes of delay for an
/// address that guessed wrong; the copy starts everyone afresh) and idempotency records (a retry of a
/// write sent before the migration runs again on the new database; writers are stopped for a migration).
struct AccessCopier {
    let source: any AccessStore
    let target: any AccessStore
    let pageSize: Int

    static let left = "sign-in throttle rows and idempotency records are not copied: throttles start afresh, and a retry of a write sent before the migration runs again"

    func copy() async throws -> [String: Int] {
        var counts = ["accounts": 0, "tokens": 0, "access events": 0, "evidence files": 0]
        var cursor: Account.ID?
        for _ in 0..<StoreCopier.pagesMax {
            let page = try await source.accounts(after: cursor, limit: pageSize)
            guard let last = page.last else { break }
            for account in page {
                try await target.insert(account)
                for token in try await source.tokens(of: account.id) { try await target.insert(token) }
                counts["tokens", default: 0] += try await target.tokens(of: account.id).count
            }
            counts["accounts", default: 0] += page.count
            cursor = last.id
        }
        var sequence: Int64?
        for _ in 0..<StoreCopier.pagesMax {
            let page = try await source.accessEvents(after: sequence, limit: pageSize)
            guard let last = page.last else { break }
            for event in page {
                let copied = try await target.recordAccessEvent(event)
                guard copied == event.sequence else {
                    throw CivicError(.storage, "access event \(event.sequence) was copied as \(copied): the source's access trail has a gap, which the copy cannot keep")
                }
            }
            counts["access events", default: 0] += page.count
            sequence = last.sequence
        }
        var digest: String?
        for _ in 0..<StoreCopier.pagesMax {
            let page = try await source.blobs(after: digest, limit: max(1, min(pageSize, 64)))  // evidence files are up to 8 MiB each
            guard let last = page.last else { break }
            for blob in page { _ = try await target.storeBlob(blob) }
            counts["evidence files", default: 0] += page.count
            digest = last.digest
        }
        return counts
    }

    /// Reads both sides back: the same accounts, tokens, events and evidence.
    func verify() async throws {
        func mismatch(_ what: String) -> CivicError { CivicError(.storage, "the access copy differs from its source: \(what)") }
        var cursor: Account.ID?
        for _ in 0..<StoreCopier.pagesMax {
            let page = try await source.accounts(after: cursor, limit: pageSize)
            guard let last = page.last else { break }
            guard try await target.accounts(after: cursor, limit: pageSize) == page else { throw mismatch("accounts after '\(cursor?.rawValue ?? "")'") }
            for account in page where try await source.tokens(of: account.id) != target.tokens(of: account.id) {
                throw mismatch("the tokens of account '\(account.id)'")
            }
            cursor = last.id
        }
        guard try await source.accountCount() == target.accountCount() else { throw mismatch("the number of accounts") }
        var sequence: Int64?
        for _ in 0..<StoreCopier.pagesMax {
            let page = try await source.accessEvents(after: sequence, limit: pageSize)
            guard try await target.accessEvents(after: sequence, limit: pageSize) == page else { throw mismatch("access events after \(sequence ?? 0)") }
            guard let last = page.last else { break }
            sequence = last.sequence
        }
        var digest: String?
        for _ in 0..<StoreCopier.pagesMax {
            let page = try await source.blobs(after: digest, limit: 16)
            guard try await target.blobs(after: digest, limit: 16) == page else { throw mismatch("evidence after '\(digest ?? "")'") }
            guard let last = page.last else { break }
            digest = last.digest
        }
    }
}

extension StoreLocation {
    /// The access store that belongs with this ledger by default: the same PostgreSQL database, or the SQLite file
    /// beside the ledger's. Nil for a SQLite ledger with no access file when `creating` is false: nothing to copy.
    func defaultAccessStore(ledger: any Store, creating: Bool) async throws -> (any AccessStore)? {
        switch self {
        case .postgres:
            guard let postgres = ledger as? PostgresStore else { throw CivicError(.storage, "the PostgreSQL ledger store did not open as one") }
            return try await PostgresAccessStore(sharing: postgres)
        case .sqlite(let path):
            let accessPath = SQLiteAccessStore.path(besideLedger: path)
            guard creating || FileManager.default.fileExists(atPath: accessPath) else { return nil }
            return try openAccessStore(at: accessPath)
        }
    }
}
