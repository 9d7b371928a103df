public import CivicCore
import Foundation
import Logging
package import PostgresNIO

/// The store for deployments that outgrow one machine: PostgreSQL 15 or later,
/// through postgres-nio's connection pool.
///
/// It behaves exactly like `SQLiteStore` (the same behaviour suite runs against
/// both) and, like it, leaves the ledger's invariants to the database: unique
/// ids, foreign keys, a statement trigger that refuses any insert that does not
/// continue the ledger without a gap, and triggers that refuse every UPDATE,
/// DELETE and TRUNCATE of history. A `psql` session is held to the same rules
/// as this store.
///
/// Every `commit` is one READ COMMITTED transaction that takes explicit locks
/// before it checks anything: the ledger table in SHARE ROW EXCLUSIVE mode when
/// the commit appends entries (so appenders queue, readers never wait), and
/// the rows of the reports whose decision counts it checks. Serialisation
/// failures and deadlocks (SQLSTATE 40001, 40P01) are retried a bounded number
/// of times; see `docs/scaling.md` for why locks rather than SERIALIZABLE.
public final class PostgresStore: Store {
    /// The connection pool. Exposed to the package's tests and benchmarks, which check the raw database.
    package let client: PostgresClient
    /// Where the store connects, without the password: for messages.
    public let location: String
    private let running: Task<Void, Never>
    /// Handbook publications already decoded (they never change).
    let publishedHandbooks = PublishedHandbooks()

    /// How many times a commit is tried when PostgreSQL reports a serialisation failure or a deadlock.
    static let transactionAttemptsMax = 5
    /// Rows per multi-row INSERT; PostgreSQL binds at most 65,535 values per statement.
    static let rowsPerStatementMax = 1_000
    static let logger = Logger(label: "CivicPostgres", factory: { _ in SwiftLogNoOpLogHandler() })

    /// Connects to the database at `url`
    /// (`postgres://user:password@host:port/database?sslmode=disable&search_path=schema`),
    /// brings its schema up to date and opens a connection pool.
    ///
    /// Refuses a database whose schema was written by a newer version of this program.
    public convenience init(url: String) async throws {
        try await self.init(settings: try PostgresSettings(url: url))
    }

    /// Connects with parsed settings; see `init(url:)`.
    public init(settings: PostgresSettings) async throws {
        location = settings.description
        // Migrate on a connection of its own first: it reports a wrong address or
        // password at once, where the pool would keep retrying in the background.
        let connection: PostgresConnection
        do {
            connection = try await PostgresConnection.connect(
                configuration: try settings.connectionConfiguration(), id: 1, logger: PostgresStore.logger)
        } catch {
            throw PostgresStore.storageError(error, doing: "connecting to \(settings.description)")
        }
        do {
            try await PostgresSchema.migrate(connection, creatingSchema: settings.searchPath)
            try? await connection.close()
        } catch {
            try? await connection.close()
            throw PostgresStore.storageError(error, doing: "migrating the database schema")
        }
        let client = PostgresClient(configuration: try settings.clientConfiguration(), backgroundLogger: PostgresStore.logger)
        self.client = client
        running = Task { await client.run() }
    }

    deinit {
        running.cancel()
    }

    /// Closes the pool's connections; the store cannot be used afterwards.
    public func close() async {
        running.cancel()
        await running.value
    }

    // MARK: Transactions

    /// Runs `body` in one transaction at `isolation`, retrying the whole of it
    /// when PostgreSQL reports a serialisation failure or a deadlock.
    func transaction<T: Sendable>(
        _ action: String, isolation: String = "READ COMMITTED", readOnly: Bool = false,
        _ body: (PostgresConnection) async throws -> T
    ) async throws -> T {
        try await PostgresStore.transaction(on: client, action, isolation: isolation, readOnly: readOnly, body)
    }

    /// `transaction` on any pool: the access store's transactions are run the same way.
    static func transaction<T: Sendable>(
        on client: PostgresClient, _ action: String, isolation: String = "READ COMMITTED", readOnly: Bool = false,
        _ body: (PostgresConnection) async throws -> T
    ) async throws -> T {
        var attempt = 0
        while true {
            attempt += 1
            do {
                return try await client.withConnection { connection in
                    try await connection.query(
                        PostgresQuery(unsafeSQL: "BEGIN ISOLATION LEVEL \(isolation)\(readOnly ? " READ ONLY" : "")"),
                        logger: PostgresStore.logger)
                    do {
                        let result = try await body(connection)
                        try await connection.query("COMMIT", logger: PostgresStore.logger)
                        return result
                    } catch {
                        _ = try? await connection.query("ROLLBACK", logger: PostgresStore.logger)
                        throw error
                    }
                }
            } catch let error as PSQLError where PostgresStore.isTransient(error) && attempt < PostgresStore.transactionAttemptsMax {
                // Another transaction won; back off a little, more each time, and try again.
                try await Task.sleep(for: .milliseconds(10 * attempt * attempt))
                continue
            } catch {
                throw PostgresStore.storageError(error, doing: action)
            }
        }
    }

    /// One read in one snapshot: queries that belong together see the same committed state.
    func read<T: Sendable>(_ action: String, _ body: (PostgresConnection) async throws -> T) async throws -> T {
        try await transaction(action, isolation: "REPEATABLE READ", readOnly: true, body)
    }

    /// One query on a pooled connection, outside an explicit transaction (one statement sees one snapshot).
    func single<T: Sendable>(_ action: String, _ body: (PostgresConnection) async throws -> T) async throws -> T {
        do {
            return try await client.withConnection { try await body($0) }
        } catch {
            throw PostgresStore.storageError(error, doing: action)
        }
    }

    /// A single query outside an explicit transaction, its rows collected.
    func rows(_ action: String, _ query: PostgresQuery) async throws -> [PostgresRow] {
        do {
            return try await client.query(query, logger: PostgresStore.logger).collect()
        } catch {
            throw PostgresStore.storageError(error, doing: action)
        }
    }

    // MARK: Errors

    /// SQLSTATE of a server error, if the error came from the server.
    static func sqlState(_ error: any Error) -> String? {
        (error as? PSQLError)?.serverInfo?[.sqlState]
    }

    /// Serialisation failure or deadlock: the transaction may succeed if tried again.
    static func isTransient(_ error: PSQLError) -> Bool {
        guard let state = error.serverInfo?[.sqlState] else { return false }
        return state == "40001" || state == "40P01"
    }

    /// A storage failure, described without SQL arguments or row content.
    ///
    /// PostgreSQL's primary message names tables, columns and constraints; the
    /// values go into its DETAIL field, which never reaches the message.
    static func storageError(_ error: any Error, doing action: String) -> CivicError {
        if let error = error as? CivicError { return error }
        if let error = error as? PSQLError {
            if let info = error.serverInfo {
                let state = info[.sqlState] ?? "?????"
                if state == "40001" || state == "40P01" {
                    return CivicError(.concurrentWrite, "\(action) failed: other writers kept winning (SQLSTATE \(state))")
                }
                return CivicError(.storage, "\(action) failed: PostgreSQL error \(state): \(info[.message] ?? "no message")")
            }
            let cause = error.underlying.map { " (\($0))" } ?? ""
            return CivicError(.storage, "\(action) failed: \(error.code)\(cause)")
        }
        if error is CancellationError { return CivicError(.storage, "\(action) was cancelled") }
        return CivicError(.storage, "\(action) failed: \(type(of: error)): \(error)")
    }
}
