public import CivicCore
public import CivicPostgres
import CivicSQLite
import Foundation

/// Where the data lives, as named by `--database`: the one place that picks a store.
///
/// - a file path, or `sqlite:PATH`: the embedded SQLite store;
/// - `postgres://user:password@host:port/database` (or `postgresql://`): PostgreSQL,
///   with the options `PostgresSettings` lists (`sslmode`, `search_path`, `pool_max`).
public enum StoreLocation: Sendable, CustomStringConvertible {
    case sqlite(path: String)
    case postgres(PostgresSettings)

    public init(_ text: String) throws {
        if PostgresSettings.isPostgresURL(text) {
            self = .postgres(try PostgresSettings(url: text))
        } else if text.hasPrefix("sqlite:") {
            let path = String(text.dropFirst("sqlite:".count)).replacingOccurrences(of: "^//", with: "", options: .regularExpression)
            guard !path.isEmpty else { throw CivicError(.invalidInput, "--database: 'sqlite:' names no file") }
            self = .sqlite(path: path)
        } else if text.contains("://") {
            throw CivicError(.invalidInput, "--database: '\(PostgresSettings.redacted(text))' is neither a file nor a postgres:// URL")
        } else {
            guard !text.isEmpty else { throw CivicError(.invalidInput, "--database is empty") }
            self = .sqlite(path: text)
        }
    }

    /// The location without any password, for messages.
    public var description: String {
        switch self {
        case .sqlite(let path): path
        case .postgres(let settings): settings.description
        }
    }

    /// Opens the store. Without `creating`, a SQLite file must already exist (so a
    /// mistyped path does not silently start an empty database); a PostgreSQL
    /// database must exist on the server, and its schema is created or brought up to date.
    public func open(creating: Bool = false) async throws -> any Store {
        switch self {
        case .sqlite(let path):
            if !creating && !FileManager.default.fileExists(atPath: path) {
                throw CivicError(.notFound, "no database at '\(path)': run `civic init` or `civic demo` first, or pass --database")
            }
            do {
                return try SQLiteStore(path: path)
            } catch let error as CivicError {
                throw error
            } catch {
                throw CivicError(.storage, "cannot open database '\(path)': \(error)")
            }
        case .postgres(let settings):
            return try await PostgresStore(settings: settings)
        }
    }

    /// Whether the location already holds a database with anything in it.
    public func holdsData() async throws -> Bool {
        switch self {
        case .sqlite(let path):
            guard FileManager.default.fileExists(atPath: path) else { return false }
        case .postgres:
            break
        }
        let store = try await open()
        return try await !isEmpty(store)
    }
}

/// Whether a store holds no record at all: no jurisdiction, subject, actor, handbook or entry.
func isEmpty(_ store: any Store) async throws -> Bool {
    guard try await store.ledgerHead() == 0, try await store.subjectCount() == 0 else { return false }
    guard try await store.jurisdictions().isEmpty, try await store.actors().isEmpty else { return false }
    guard try await store.handbooks().isEmpty, try await store.cycles().isEmpty else { return false }
    return try await store.standings(after: nil, limit: 1).isEmpty
}

/// Problems the store's own integrity check finds; every store the CLI opens has one.
func integrityProblems(_ store: any Store) async throws -> [String] {
    guard let checking = store as? any IntegrityChecking else { throw CivicError(.storage, "this store has no integrity check") }
    return try await checking.integrityCheck()
}
