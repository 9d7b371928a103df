import CivicCore
import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// The files of a SQLite database hold password and token hashes, evidence photos and personal
/// records: they are created readable and writable by their owner only (0600), and a database that
/// anyone else may write is refused, because whoever can write it can rewrite the record.
enum DatabaseFile {
    /// The files SQLite keeps beside a database in WAL mode.
    static let companions = ["-wal", "-shm", "-journal"]

    /// Before opening: refuses a database (or companion file) that group or others may write, and
    /// creates a missing database file with mode 0600 so SQLite (which gives its WAL and SHM files
    /// the database file's mode) never makes a file anyone else can read.
    static func prepare(_ path: String) throws {
        if path.isEmpty || path == ":memory:" || path.hasPrefix("file:") { return }
        for file in [path] + companions.map({ path + $0 }) {
            var info = stat()
            guard stat(file, &info) == 0 else { continue }
            if info.st_mode & (S_IWGRP | S_IWOTH) != 0 {
                throw CivicError(.refused, "the database file '\(file)' may be written by group or others (mode \(String(info.st_mode & 0o777, radix: 8))); make it chmod 600 before starting")
            }
        }
        // In WAL mode SQLite writes beside the database even to read it (the -wal and -shm files), so on a
        // read-only file or directory all it can say is "unable to open database file". Say which, and why.
        if access(path, F_OK) == 0, access(path, W_OK) != 0 {
            throw CivicError(.storage, "the database file '\(path)' is read-only (\(String(cString: strerror(errno)))); make it writable (chmod 600 as its owner, or mount its filesystem read-write)")
        }
        let directory = URL(fileURLWithPath: path).deletingLastPathComponent().path
        if access(directory, W_OK) != 0 {
            throw CivicError(.storage, "the directory '\(directory)' of the database '\(path)' is read-only (\(String(cString: strerror(errno)))): SQLite writes its -wal and -shm files there even to read; make it writable")
        }
        let descriptor = open(path, O_CREAT | O_EXCL | O_WRONLY | O_CLOEXEC, 0o600)
        if descriptor >= 0 {
            close(descriptor)
        } else if errno != EEXIST {
            throw CivicError(.storage, "cannot create the database file '\(path)': \(String(cString: strerror(errno)))")
        }
    }

    /// After opening: takes read access away from group and others on the database and its companion
    /// files (a database made by an older version may be 0644).
    static func restrict(_ path: String) {
        if path.isEmpty || path == ":memory:" || path.hasPrefix("file:") { return }
        for file in [path] + companions.map({ path + $0 }) {
            var info = stat()
            guard stat(file, &info) == 0, info.st_mode & 0o077 != 0 else { continue }
            _ = chmod(file, info.st_mode & 0o700)
        }
    }
}
