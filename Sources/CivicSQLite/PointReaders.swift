import GRDB
import Synchronization

/// Read-only connections for an eligibility question's few indexed reads, used on the asking thread.
///
/// A read through the pool hops between threads three times (to the pool's waiting queue, to the reader's
/// queue, and back to the caller's executor), which on two cores costs more than the read itself once its
/// pages are cached. A point read instead takes an idle connection of its own and reads on the caller's
/// thread. It never waits: when every connection is busy it gives up at once and the caller reads through
/// the pool, so a thread of the cooperative pool is never parked on a lock. Only reads bounded by a handful
/// of index seeks go this way, since the calling thread is busy for as long as they take.
final class PointReaders: Sendable {
    private let idle: Mutex<[DatabaseQueue]>
    /// How much of the file each connection maps; SQLite caps it at its own build's limit (2 GB in Debian's).
    static let mappedBytesMax: Int64 = 1 << 40

    /// `count` read-only connections to the file at `path`, in WAL mode (the pool opened it first).
    init(path: String, count: Int, configuration: Configuration) throws {
        var configuration = configuration
        configuration.readonly = true
        // The file is in WAL mode already; a read-only connection cannot set it, only use it.
        configuration.journalMode = .default
        configuration.prepareDatabase { db in
            // Pages mapped rather than copied in by a read() each: a question's few pages are all over a large file.
            try db.execute(sql: "PRAGMA mmap_size = \(PointReaders.mappedBytesMax)")
        }
        configuration.label = "CivicSQLite.point"
        idle = Mutex(try (0..<count).map { _ in try DatabaseQueue(path: path, configuration: configuration) })
    }

    /// `body` in a read transaction of its own on an idle connection, on this thread; nil at once if none is idle.
    func read<T>(_ body: (Database) throws -> T) throws -> T? {
        guard let queue = idle.withLock({ $0.popLast() }) else { return nil }
        defer { idle.withLock { $0.append(queue) } }
        return try queue.inDatabase { db in
            // A deferred transaction, as the pool's reads: every statement of `body` sees one snapshot.
            try db.beginTransaction(.deferred)
            defer {
                do { try db.commit() } catch { try? db.rollback() }
            }
            return try body(db)
        }
    }
}
