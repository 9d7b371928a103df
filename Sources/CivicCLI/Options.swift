import ArgumentParser
import CivicCore
import CivicSQLite
import Foundation

/// Where the data lives and what day it is.
struct StoreOptions: ParsableArguments {
    @Option(name: .long, help: ArgumentHelp(
        "SQLite file (PATH or sqlite:PATH) or PostgreSQL URL (postgres://user:password@host:port/database).", valueName: "database"))
    var database: String = ProcessInfo.processInfo.environment["CIVIC_DATABASE"] ?? "civic.db"

    @Option(name: .customLong("as-of"), help: ArgumentHelp("Act as if today were this day (YYYY-MM-DD).", valueName: "day"))
    var asOf: String?

    @Option(name: .customLong("data-dir"), help: ArgumentHelp(
        "Directory for the files kept beside the data: signing keys, and with a SQLite database the access database (or CIVIC_DATA_DIR); default: beside a SQLite database file. A PostgreSQL URL is not a file: name one for the keys.",
        valueName: "path"))
    var dataDir: String? = ProcessInfo.processInfo.environment["CIVIC_DATA_DIR"]

    /// A file kept beside the data.
    enum DataFile: String {
        case certificateKey = "certificate-key"
        case logKey = "log-key"
        case accessDatabase = "access database"

        /// Its name inside `--data-dir`.
        var fileName: String {
            switch self {
            case .certificateKey: "civic.certificate-key"
            case .logKey: "civic.log-key"
            case .accessDatabase: "civic-access.db"
            }
        }
    }

    /// Where `file` lives: inside `--data-dir` when given; otherwise beside a SQLite database file
    /// (civic.db -> civic.db.certificate-key, civic.db.log-key, civic-access.db). A PostgreSQL URL is no
    /// place for a file, so there the directory must be named.
    func path(of file: DataFile) throws -> String {
        if let dataDir {
            guard !dataDir.isEmpty else { throw CivicError(.invalidInput, "--data-dir is empty") }
            return URL(fileURLWithPath: dataDir).appendingPathComponent(file.fileName).path
        }
        switch try location {
        case .sqlite(let path):
            switch file {
            case .certificateKey, .logKey: return path + "." + file.rawValue
            case .accessDatabase: return SQLiteAccessStore.path(besideLedger: path)
            }
        case .postgres:
            throw CivicError(.invalidInput, "with a PostgreSQL database, name a directory for the \(file.rawValue) with --data-dir (or CIVIC_DATA_DIR)")
        }
    }

    /// Creates `--data-dir` (readable by its owner only) if it does not exist yet; refuses a path that is not a directory.
    func createDataDirIfNeeded() throws {
        guard let dataDir else { return }
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: dataDir, isDirectory: &isDirectory) {
            guard isDirectory.boolValue else { throw CivicError(.invalidInput, "--data-dir: '\(dataDir)' is not a directory") }
            return
        }
        do {
            try FileManager.default.createDirectory(atPath: dataDir, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        } catch {
            throw CivicError(.storage, "--data-dir: cannot create '\(dataDir)': \(error.localizedDescription)")
        }
    }

    func today() throws -> Day {
        if let asOf { return try parseDay(asOf, field: "--as-of") }
        return SystemDayClock().today()
    }

    var location: StoreLocation {
        get throws { try StoreLocation(database) }
    }

    /// Whether there may be a database to read: a SQLite file that exists, or any PostgreSQL URL.
    var databaseMayExist: Bool {
        switch try? location {
        case .sqlite(let path)?: FileManager.default.fileExists(atPath: path)
        case .postgres?: true
        case nil: false
        }
    }

    /// Opens the existing database; refuses to create a SQLite file by accident (use `civic init` or `civic demo`).
    func engine(creating: Bool = false) async throws -> Engine {
        let today = try today()
        return Engine(store: try await location.open(creating: creating), clock: FixedDayClock(today))
    }
}

struct OutputOptions: ParsableArguments {
    @Flag(name: .long, help: "Print the result as JSON.")
    var json = false
}

/// The wall clock, read only at the edge: the local calendar day.
struct SystemDayClock: DayClock {
    func today() -> Day {
        let parts = Calendar.current.dateComponents([.year, .month, .day], from: Date())
        return Day(year: parts.year!, month: parts.month!, day: parts.day!)!
    }
}

/// Years a date given on the command line may fall in: wide enough for any record, far from the calendar's edges.
let supportedYears = 1900...2999

func parseDay(_ text: String, field: String) throws(CivicError) -> Day {
    guard let day = Day(iso: text) else { throw CivicError(.invalidInput, "\(field): '\(text)' is not a day (YYYY-MM-DD)") }
    guard supportedYears.contains(day.year) else {
        throw CivicError(.invalidInput, "\(field): \(text) is outside the years \(supportedYears.lowerBound)-\(supportedYears.upperBound)")
    }
    return day
}

func parseMonth(_ text: String, field: String) throws(CivicError) -> Month {
    guard let month = Month(iso: text) else { throw CivicError(.invalidInput, "\(field): '\(text)' is not a month (YYYY-MM)") }
    guard supportedYears.contains(month.year) else {
        throw CivicError(.invalidInput, "\(field): \(text) is outside the years \(supportedYears.lowerBound)-\(supportedYears.upperBound)")
    }
    return month
}

func parsePoints(_ text: String, field: String) throws(CivicError) -> Points {
    guard let points = Points(parsing: text) else { throw CivicError(.invalidInput, "\(field): '\(text)' is not a points amount (like 2, -3 or 0.5)") }
    return points
}

func identifier<T>(_ text: String, field: String) throws(CivicError) -> Identifier<T> {
    try Identifier<T>(validating: text, field: field)
}
