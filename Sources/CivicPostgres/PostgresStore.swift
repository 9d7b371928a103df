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
    /// The pool with the way each unit of work on it names its schema; the access store shares it.
    package let pool: PostgresPool
    /// Where the store connects, without the password: for messages.
    public let location: String
    private let running: Task<Void, Never>
    /// Whether the store reads a streaming replica: it never migrates, and refuses every write.
    public let readsReplica: Bool
    /// The schema named in the URL: the payload of the store's change notifications.
    let schema: String?
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
    public convenience init(settings: PostgresSettings) async throws {
        try await self.init(settings: settings, replica: false)
    }

    /// A store that reads a streaming replica (PostgreSQL `hot_standby`) of a primary this program migrated: it
    /// checks that the replica holds the schema version this program knows, changes nothing, and refuses
    /// every commit. Reads that may lag by the replica's delay (eligibility checks, public lists, exports)
    /// go to it; writes go to a store on the primary.
    public static func replica(settings: PostgresSettings) async throws -> PostgresStore {
        try await PostgresStore(settings: settings, replica: true)
    }

    private init(settings: PostgresSettings, replica: Bool) async throws {
        location = settings.description
        readsReplica = replica
        schema = settings.searchPath
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
            if replica {
                try await PostgresSchema.requireCurrent(connection, localSearchPath: settings.transactionSearchPath)
            } else {
                try await PostgresSchema.migrate(connection, creatingSchema: settings.searchPath, localSearchPath: settings.transactionSearchPath)
            }
            try? await connection.close()
        } catch {
            try? await connection.close()
            throw PostgresStore.storageError(error, doing: replica ? "checking the replica's schema" : "migrating the database schema")
        }
        let client = PostgresClient(configuration: try settings.clientConfiguration(), backgroundLogger: PostgresStore.logger)
        self.client = client
        pool = PostgresPool(client: client, transactionSearchPath: settings.transactionSearchPath)
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
        try await PostgresStore.transaction(on: pool, action, isolation: isolation, readOnly: readOnly, body)
    }

    /// `transaction` on any pool: the access store's transactions are run the same way.
    static func transaction<T: Sendable>(
        on pool: PostgresPool, _ action: String, isolation: String = "READ COMMITTED", readOnly: Bool = false,
        _ body: (PostgresConnection) async throws -> T
    ) async throws -> T {
        var attempt = 0
        while true {
            attempt += 1
            do {
                return try await pool.client.withConnection { connection in
                    try await connection.query(
                        PostgresQuery(unsafeSQL: "BEGIN ISOLATION LEVEL \(isolation)\(readOnly ? " READ ONLY" : "")"),
                        logger: PostgresStore.logger)
                    do {
                        if let schema = pool.transactionSearchPath {
                            // Behind a transaction pooler: the setting ends with the transaction, as the pooler needs.
                            try await PostgresStore.nameSchema(schema, on: connection)
                        }
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
        if pool.transactionSearchPath != nil { return try await transaction(action, body) }
        do {
            return try await client.withConnection { try await body($0) }
        } catch {
            throw PostgresStore.storageError(error, doing: action)
        }
    }

    /// A single query outside an explicit transaction, its rows collected.
    func rows(_ action: String, _ query: PostgresQuery) async throws -> [PostgresRow] {
        try await PostgresStore.rows(on: pool, action, query)
    }

    /// One statement on `pool`: on its own, or behind a transaction pooler in a transaction that names the schema.
    static func rows(on pool: PostgresPool, _ action: String, _ query: PostgresQuery) async throws -> [PostgresRow] {
        if pool.transactionSearchPath != nil {
            return try await transaction(on: pool, action) { try await $0.query(query, logger: PostgresStore.logger).collect() }
        }
        do {
            return try await pool.client.query(query, logger: PostgresStore.logger).collect()
        } catch {
            throw PostgresStore.storageError(error, doing: action)
        }
    }

    /// Runs one raw statement on the store's schema, its errors as PostgreSQL reported them: for tests that
    /// show what the database itself refuses.
    package func raw(_ sql: String) async throws -> [PostgresRow] {
        guard let schema = pool.transactionSearchPath else {
            return try await client.query(PostgresQuery(unsafeSQL: sql), logger: PostgresStore.logger).collect()
        }
        return try await client.withConnection { connection in
            try await connection.query("BEGIN", logger: PostgresStore.logger)
            do {
                try await PostgresStore.nameSchema(schema, on: connection)
                let rows = try await connection.query(PostgresQuery(unsafeSQL: sql), logger: PostgresStore.logger).collect()
                try await connection.query("COMMIT", logger: PostgresStore.logger)
                return rows
            } catch {
                _ = try? await connection.query("ROLLBACK", logger: PostgresStore.logger)
                throw error
            }
        }
    }

    /// Names the store's schema for the transaction just begun on `connection`, where a transaction pooler
    /// needs it (tests that run their own transactions call it after `BEGIN`).
    package func nameSchemaIfPooled(on connection: PostgresConnection) async throws {
        if let schema = pool.transactionSearchPath { try await PostgresStore.nameSchema(schema, on: connection) }
    }

    static func nameSchema(_ schema: String, on connection: PostgresConnection) async throws {
        try await connection.query("SELECT set_config('search_path', \(schema), true)", logger: PostgresStore.logger)
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

/// A connection pool, with what every unit of work on it must set first.
package struct PostgresPool: Sendable {
    package let client: PostgresClient
    /// The schema each transaction sets for itself; nil where the connection's startup parameter names it
    /// (no transaction pooler) or no schema was named.
    let transactionSearchPath: String?
}
