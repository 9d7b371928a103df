import CivicAccess
import CivicCore
import CivicSQLite
import Foundation
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// The command line in the access trail: `civic account`, `civic token` and `civic export` record who
/// ran them (`cli:<operating-system user>`) through the real binary, and no secret they print.
@Suite(.serialized)
struct AccessTrailCLITests {
    /// The user the binary should name: the password database's entry for this process's user.
    static var expectedActor: String {
        guard let entry = getpwuid(geteuid()), let name = entry.pointee.pw_name, let text = String(validatingCString: name) else {
            return "cli:uid-\(geteuid())"
        }
        return "cli:" + text
    }

    @Test("account add and assign, token issue and revoke, and export each leave one event by cli:<user>, with no secret in the trail")
    func commandsAreRecorded() async throws {
        let civic = try CivicRunner()
        defer { civic.remove() }
        #expect(try civic.run(["demo", "--residents", "60"]).status == 0)
        let store = try SQLiteStore(path: civic.path("civic.db"))
        let assessor = try #require(try await store.actors().first { $0.roles == [.assessor] })
        let household = try #require(try await store.subjects(after: nil, limit: 500).first { $0.kind == .household })

        let added = try civic.run(["account", "add", "--id", "field-1", "--role", "assessor", "--name", "Field officer", "--actor", assessor.id.rawValue])
        #expect(added.status == 0, "\(added.stderr)")
        let password = try #require(added.stderr.components(separatedBy: "password (shown once): ").last?.trimmingCharacters(in: .whitespacesAndNewlines))
        #expect(password.count >= 12)
        let assigned = try civic.run(["account", "assign", "--id", "field-1", "--household", household.id.rawValue])
        #expect(assigned.status == 0, "\(assigned.stderr)")
        let issued = try civic.run(["token", "issue", "--account", "field-1", "--scope", "read"])
        #expect(issued.status == 0, "\(issued.stderr)")
        let bearer = issued.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(bearer.hasPrefix("civic_"))
        let access = try SQLiteAccessStore(path: civic.path("civic-access.db"))
        let token = try #require(try await access.tokens(of: Account.ID("field-1")).first)
        #expect(token.issuedBy?.rawValue == Self.expectedActor)
        let revoked = try civic.run(["token", "revoke", token.id.rawValue])
        #expect(revoked.status == 0, "\(revoked.stderr)")
        let exported = try civic.run(["export", "--what", "subjects", "--output", civic.path("subjects.json")])
        #expect(exported.status == 0, "\(exported.stderr)")

        let events = try await access.accessEvents(after: nil, limit: 100)
        let byKind = events.map { "\($0.kind.rawValue) \($0.target ?? "-")" }
        #expect(byKind == ["account-created field-1", "households-assigned field-1", "token-issued \(token.id.rawValue)",
                           "token-revoked \(token.id.rawValue)", "export subjects (command line)"], "\(byKind)")
        #expect(events.allSatisfy { $0.actor?.rawValue == Self.expectedActor }, "\(events.map { $0.actor?.rawValue ?? "nil" })")
        // Neither the password nor the token secret is in the trail, nor anywhere in the access database's files.
        for event in events {
            let text = [event.actor?.rawValue, event.target, event.address].compactMap { $0 }.joined(separator: " ")
            #expect(!text.contains(password) && !text.contains(bearer))
        }
        for suffix in ["", "-wal"] {
            guard let bytes = FileManager.default.contents(atPath: civic.path("civic-access.db") + suffix) else { continue }
            #expect(bytes.range(of: Data(password.utf8)) == nil && bytes.range(of: Data(bearer.utf8)) == nil)
        }
    }
}
