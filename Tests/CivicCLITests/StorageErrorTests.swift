@testable import CivicCLI
import CivicCore
import Testing

/// A storage failure on the command line names the database it happened in: SQLite's
/// own text ("database or disk is full") says the cause but not the file. scripts/fault-test checks the
/// same on a real full tmpfs and a read-only mount.
struct StorageErrorTests {
    let full = CivicError(.storage, "committing changes failed: SQLite error 13: database or disk is full")

    @Test("a storage failure names the database given with --database, in either spelling")
    func namesTheDatabase() {
        #expect(storageNote(full, arguments: ["report", "import", "feed.csv", "--database", "/srv/county.db"]) == " (database: /srv/county.db)")
        #expect(storageNote(full, arguments: ["verify", "--database=sqlite:/srv/county.db"]) == " (database: /srv/county.db)")
    }

    @Test("a PostgreSQL location is named without its password")
    func hidesThePassword() {
        let note = storageNote(full, arguments: ["verify", "--database", "postgres://civic:s3cret-pw@db.example:5432/civic"])
        #expect(note.contains("db.example"), "\(note)")
        #expect(!note.contains("s3cret-pw"), "\(note)")
    }

    @Test("no note for other errors, for the access database's own failures, or when the message already names the file")
    func onlyWhereItHelps() {
        let arguments = ["verify", "--database", "/srv/county.db"]
        #expect(storageNote(CivicError(.invalidInput, "--month: '13' is not a month"), arguments: arguments) == "")
        #expect(storageNote(CivicError(.storage, "saving a token failed in the access database: SQLite error 13"), arguments: arguments) == "")
        #expect(storageNote(CivicError(.storage, "cannot open database '/srv/county.db': busy"), arguments: arguments) == "")
    }
}
