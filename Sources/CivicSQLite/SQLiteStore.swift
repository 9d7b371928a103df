public import CivicCore
import CivicLog
import Foundation
package import GRDB

/// The embedded store: one SQLite file, read and written through GRDB.
///
/// The ledger's invariants are enforced by the database itself (unique ids,
/// a gapless sequence, triggers that refuse to update or delete history), so
/// the store, a migration script and the `sqlite3` shell are all held to them.
/// Every `commit` is one immediate write transaction; readers see committed
/// snapshots only (WAL mode), and never block the writer.
public final class SQLiteStore: Store {
    /// How the store opens its file.
    public struct Options: Sendable {
        /// `FULL` (the default) makes every commit durable across a power cut;
        /// `NORMAL` in WAL mode may lose the last commits on power loss but
        /// never corrupts the file.
        public var synchronous: Synchronous
        /// How long a writer waits for another process's lock before failing.
        public var busyTimeoutSeconds: Double
        /// How many read connections the pool may open at once.
        public var readersMax: Int
        /// Read connections kept beside the pool for a question's indexed reads on the asking thread
        /// (`PointReaders`); by default one per processor, as many as the threads that can ask at once.
        public var pointReaders: Int

        public init(synchronous: Synchronous = .full, busyTimeoutSeconds: Double = 5, readersMax: Int = 5,
                    pointReaders: Int? = nil) {
            self.synchronous = synchronous
            self.busyTimeoutSeconds = busyTimeoutSeconds
            self.readersMax = readersMax
            self.pointReaders = pointReaders ?? ProcessInfo.processInfo.activeProcessorCount
        }
    }

    public enum Synchronous: String, Sendable {
        case full = "FULL"
        case normal = "NORMAL"
    }

    /// The connection (queue) or connection pool under the store. Exposed to
    /// the package's tests and benchmarks, which check the raw database.
    package let writer: any DatabaseWriter
    /// Full log tiles already read for a proof (they never change): see `FullTileCache`.
    let fullTiles = FullTileCache()
    /// Handbook publications already decoded (they never change).
    let publishedHandbooks = PublishedHandbooks()
    /// Connections for reads on the asking thread; none for a database in memory.
    let pointReaders: PointReaders?

    /// Opens (creating if needed) the database file at `path`, in WAL mode,
    /// and brings its schema up to date.
    public convenience init(path: String, options: Options = Options()) throws {
        var configuration = SQLiteStore.configuration(options)
        configuration.maximumReaderCount = options.readersMax
        configuration.journalMode = .wal
        try DatabaseFile.prepare(path)
        let pool: DatabasePool
        do {
            pool = try DatabasePool(path: path, configuration: configuration)
            DatabaseFile.restrict(path)
            // GRDB sets `synchronous = NORMAL` on the writer when it enables WAL,
            // after `prepareDatabase` ran; the writer connection lives as long as
            // the pool, so setting it once here holds for every commit.
            try pool.writeWithoutTransaction { db in
                try db.execute(sql: "PRAGMA synchronous = \(options.synchronous.rawValue)")
            }
        } catch {
            throw SQLiteStore.storageError(error, doing: "opening the database")
        }
        try self.init(writer: pool) {
            // After the migrations, so that the connections see the schema they read.
            options.pointReaders > 0 ? try PointReaders(path: path, count: options.pointReaders, configuration: configuration) : nil
        }
    }

    /// A private database in memory, gone when the store is released: for tests.
    public static func inMemory() throws -> SQLiteStore {
        do {
            let queue = try DatabaseQueue(configuration: configuration(Options()))
            return try SQLiteStore(writer: queue)
        } catch let error as CivicError {
            throw error
        } catch {
            throw storageError(error, doing: "opening an in-memory database")
        }
    }

    private init(writer: any DatabaseWriter, pointReaders: () throws -> PointReaders? = { nil }) throws {
        self.writer = writer
        do {
            let migrator = Schema.migrator
            if try writer.read({ try migrator.hasBeenSuperseded($0) }) {
                throw CivicError(.storage, "the database was written by a newer version of this program")
            }
            try migrator.migrate(writer)
        } catch let error as CivicError {
            throw error
        } catch {
            throw SQLiteStore.storageError(error, doing: "migrating the database schema")
        }
        do {
            self.pointReaders = try pointReaders()
        } catch {
            throw SQLiteStore.storageError(error, doing: "opening the database's read connections")
        }
    }

    private static func configuration(_ options: Options) -> Configuration {
        var configuration = Configuration()
        configuration.foreignKeysEnabled = true
        configuration.busyMode = .timeout(options.busyTimeoutSeconds)
        configuration.label = "CivicSQLite"
        let synchronous = options.synchronous.rawValue
        configuration.prepareDatabase { db in
            // Per connection: durability, and delete triggers that also fire for
            // rows removed by `INSERT OR REPLACE`, so REPLACE cannot rewrite history.
            try db.execute(sql: "PRAGMA synchronous = \(synchronous); PRAGMA recursive_triggers = ON")
        }
        return configuration
    }

    /// A storage failure, described without SQL arguments or row content.
    static func storageError(_ error: any Error, doing action: String) -> CivicError {
        if let error = error as? CivicError { return error }
        if let error = error as? DatabaseError {
            // SQLite's own message names tables and columns, never bound values.
            return CivicError(.storage, "\(action) failed: SQLite error \(error.extendedResultCode.rawValue): \(error.message ?? "no message")")
        }
        return CivicError(.storage, "\(action) failed: \(type(of: error))")
    }
}
