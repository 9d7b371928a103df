import CivicCore
import Foundation
import NIOSSL
import PostgresNIO

/// Where and how to connect, read from a `postgres://` URL.
///
/// `postgres://user:password@host:port/database` (or `postgresql://`), with
/// optional query items: `sslmode` (`disable`, `prefer` (the default) or
/// `require`), `search_path` (the schema that holds the tables, for several
/// deployments in one database), and `pool_max` (connections in the pool, 20 by
/// default), and `pooler` (`transaction` behind a pooler such as PgBouncer that hands each transaction
/// any server connection). User, password and database may be percent-encoded.
public struct PostgresSettings: Sendable, CustomStringConvertible {
    public enum TLSMode: String, Sendable { case disable, prefer, require }

    /// What sits between the store and PostgreSQL.
    ///
    /// `none`: the store's connections are PostgreSQL sessions of their own, and the schema is named once, as a
    /// startup parameter of each. `transaction`: a pooler (PgBouncer in `pool_mode = transaction`) may hand
    /// every transaction, and every statement outside one, to a different server session, and refuses startup
    /// parameters it cannot track (PgBouncer 1.18 tracks `search_path` in none of its modes). The store then
    /// keeps no session state at all: the schema is set with `set_config(..., true)` at the start of every
    /// transaction, and statements that would run on their own run in one.
    public enum Pooler: String, Sendable { case none, transaction }

    public var host: String
    public var port: Int
    public var username: String
    public var password: String?
    public var database: String?
    public var tls: TLSMode
    /// The schema the store's tables live in; `nil` for the server's default search path.
    public var searchPath: String?
    public var connectionsMax: Int
    public var pooler: Pooler

    /// Connections the pool opens at most, and the limit on `pool_max`.
    public static let connectionsDefault = 20
    public static let connectionsLimit = 500

    /// Whether `text` names a PostgreSQL database rather than a file.
    public static func isPostgresURL(_ text: String) -> Bool {
        text.hasPrefix("postgres://") || text.hasPrefix("postgresql://")
    }

    public init(url text: String) throws {
        guard PostgresSettings.isPostgresURL(text), let components = URLComponents(string: text) else {
            throw CivicError(.invalidInput, "'\(PostgresSettings.redacted(text))' is not a postgres:// URL")
        }
        guard let host = components.host, !host.isEmpty else {
            throw CivicError(.invalidInput, "the PostgreSQL URL names no host: use postgres://user:password@host:port/database")
        }
        self.host = host
        port = components.port ?? 5432
        guard let user = components.percentEncodedUser.flatMap({ $0.removingPercentEncoding }), !user.isEmpty else {
            throw CivicError(.invalidInput, "the PostgreSQL URL names no user: use postgres://user:password@host:port/database")
        }
        username = user
        password = components.percentEncodedPassword.flatMap { $0.removingPercentEncoding }
        let path = components.percentEncodedPath.drop { $0 == "/" }
        database = path.isEmpty ? nil : String(path).removingPercentEncoding
        tls = .prefer
        searchPath = nil
        connectionsMax = PostgresSettings.connectionsDefault
        pooler = .none
        for item in components.queryItems ?? [] {
            let value = item.value ?? ""
            switch item.name {
            case "sslmode":
                guard let mode = TLSMode(rawValue: value) else {
                    throw CivicError(.invalidInput, "sslmode '\(value)' is not disable, prefer or require")
                }
                tls = mode
            case "search_path", "schema":
                guard value.range(of: "^[a-z_][a-z0-9_]{0,62}$", options: .regularExpression) != nil else {
                    throw CivicError(.invalidInput, "search_path '\(value)' is not a plain lower-case schema name")
                }
                searchPath = value
            case "pool_max":
                guard let count = Int(value), (1...PostgresSettings.connectionsLimit).contains(count) else {
                    throw CivicError(.invalidInput, "pool_max '\(value)' is not a number from 1 to \(PostgresSettings.connectionsLimit)")
                }
                connectionsMax = count
            case "pooler":
                guard let mode = Pooler(rawValue: value) else {
                    throw CivicError(.invalidInput, "pooler '\(value)' is not none or transaction")
                }
                pooler = mode
            default:
                throw CivicError(.invalidInput, "unknown PostgreSQL URL option '\(item.name)' (known: sslmode, search_path, pool_max, pooler)")
            }
        }
    }

    /// The URL without its password, for messages and logs.
    public var description: String {
        var text = "postgres://\(username)@\(host):\(port)/\(database ?? "")"
        var options: [String] = []
        if let searchPath { options.append("search_path=\(searchPath)") }
        if pooler != .none { options.append("pooler=\(pooler.rawValue)") }
        if !options.isEmpty { text += "?" + options.joined(separator: "&") }
        return text
    }

    /// `text` with any password replaced by `***`, for error messages about URLs that did not parse.
    public static func redacted(_ text: String) -> String {
        text.replacingOccurrences(of: "://([^:/@]*):[^@]*@", with: "://$1:***@", options: .regularExpression)
    }

    private var startupParameters: [(String, String)] {
        var parameters = [("application_name", "civic")]
        if let searchPath, pooler == .none { parameters.append(("search_path", searchPath)) }
        return parameters
    }

    /// The schema to set at the start of every transaction: only behind a transaction pooler.
    var transactionSearchPath: String? {
        pooler == .transaction ? searchPath : nil
    }

    func connectionConfiguration() throws -> PostgresConnection.Configuration {
        let tlsSetting: PostgresConnection.Configuration.TLS
        switch tls {
        case .disable: tlsSetting = .disable
        case .prefer: tlsSetting = .prefer(try NIOSSLContext(configuration: .makeClientConfiguration()))
        case .require: tlsSetting = .require(try NIOSSLContext(configuration: .makeClientConfiguration()))
        }
        var configuration = PostgresConnection.Configuration(
            host: host, port: port, username: username, password: password, database: database, tls: tlsSetting)
        configuration.options.additionalStartupParameters = startupParameters
        configuration.options.connectTimeout = .seconds(10)
        return configuration
    }

    func clientConfiguration() throws -> PostgresClient.Configuration {
        let tlsSetting: PostgresClient.Configuration.TLS
        switch tls {
        case .disable: tlsSetting = .disable
        case .prefer: tlsSetting = .prefer(.makeClientConfiguration())
        case .require: tlsSetting = .require(.makeClientConfiguration())
        }
        var configuration = PostgresClient.Configuration(
            host: host, port: port, username: username, password: password, database: database, tls: tlsSetting)
        configuration.options.additionalStartupParameters = startupParameters
        configuration.options.maximumConnections = connectionsMax
        return configuration
    }
}

extension PostgresSettings {
    /// The same server and database with the tables in `schema`.
    public func inSchema(_ schema: String) -> PostgresSettings {
        var settings = self
        settings.searchPath = schema
        return settings
    }
}

/// Scratch schemas for tests and benchmarks: each run gets its own schema in one
/// shared database, named by `CIVIC_TEST_POSTGRES_URL`, and drops it afterwards.
package enum PostgresScratch {
    package static let environmentKey = "CIVIC_TEST_POSTGRES_URL"

    /// The test database's URL, or `nil` when PostgreSQL is not available.
    package static var url: String? {
        guard let text = ProcessInfo.processInfo.environment[environmentKey], !text.isEmpty else { return nil }
        return text
    }

    package static let unavailableReason =
        "PostgreSQL tests skipped: \(environmentKey) is not set (scripts/test sets it when PostgreSQL 15 is installed)"

    /// A fresh schema name, unique enough for concurrent test runs.
    package static func newSchema(_ prefix: String = "t") -> String {
        "\(prefix)_\(UUID().uuidString.replacingOccurrences(of: "-", with: "").lowercased().prefix(16))"
    }

    /// The test database's settings with the tables in a new, not yet existing schema.
    package static func settings(schema: String = newSchema()) throws -> PostgresSettings {
        guard let url else { throw CivicError(.notFound, unavailableReason) }
        return try PostgresSettings(url: url).inSchema(schema)
    }

    /// Runs statements on one plain connection to `settings`' database (outside any store).
    package static func execute(_ statements: [String], on settings: PostgresSettings) async throws {
        let connection = try await PostgresConnection.connect(
            configuration: try settings.connectionConfiguration(), id: 99, logger: PostgresStore.logger)
        do {
            for statement in statements {
                if let schema = settings.transactionSearchPath {
                    // Behind a transaction pooler each statement may land on another session: name the schema with it.
                    try await connection.query("BEGIN", logger: PostgresStore.logger)
                    try await connection.query("SELECT set_config('search_path', \(schema), true)", logger: PostgresStore.logger)
                    try await connection.query(PostgresQuery(unsafeSQL: statement), logger: PostgresStore.logger)
                    try await connection.query("COMMIT", logger: PostgresStore.logger)
                } else {
                    try await connection.query(PostgresQuery(unsafeSQL: statement), logger: PostgresStore.logger)
                }
            }
            try await connection.close()
        } catch {
            try? await connection.close()
            throw PostgresStore.storageError(error, doing: "running an administrative statement")
        }
    }

    /// Drops the schema `settings` names, with everything in it.
    package static func drop(_ settings: PostgresSettings) async throws {
        guard let schema = settings.searchPath else { return }
        var plain = settings
        plain.searchPath = nil
        try await execute(["DROP SCHEMA IF EXISTS \(schema) CASCADE"], on: plain)
    }
}
