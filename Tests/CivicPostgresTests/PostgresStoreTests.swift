import CivicCore
@testable import CivicPostgres
import CivicTesting
import Foundation
import PostgresNIO
import Testing

/// What only PostgreSQL shows: guards that hold against raw SQL, concurrent
/// clients, and schema migrations.
@Suite("PostgreSQL store", .enabled(if: PostgresAvailability.isAvailable, "CIVIC_TEST_POSTGRES_URL is not set"))
struct PostgresStoreTests {
    /// Runs one raw statement on the store's schema and returns PostgreSQL's SQLSTATE, or nil if it succeeded.
    func rawState(_ store: PostgresStore, _ sql: String) async -> String? {
        do {
            _ = try await store.raw(sql)
            return nil
        } catch {
            return PostgresStore.sqlState(error) ?? "no SQLSTATE: \(error)"
        }
    }

    func integer(_ store: PostgresStore, _ sql: String) async throws -> Int64 {
        let rows = try await store.raw(sql)
        return try rows[0].decode(Int64.self)
    }

    func seed(_ store: PostgresStore) async throws {
        var changes = ChangeSet(expectedLedgerHead: 0)
        changes.jurisdictions = [makeJurisdiction()]
        changes.subjects = [makeSubject(), makeSubject(id: "subject-2")]
        changes.actors = [makeActor(), makeActor(id: "reviewer-1", roles: [.reviewer]), makeActor(id: "admin-1", roles: [.administrator])]
        changes.handbooks = [makePublishedHandbook()]
        changes.reports = [makeReport()]
        changes.decisions = [makeDecision()]
        changes.entries = [makeEntry(sequence: 1), makeEntry(sequence: 2, subject: "subject-2")]
        changes.standings = [makeStandingWithEveryField()]
        changes.cycles = [makeCycle()]
        changes.announceAdverseEntries()
        try await store.commit(changes)
    }

    @Test func rawSQLCannotRewriteHistory() async throws {
        // UPDATE, DELETE and TRUNCATE of entries, decisions, handbooks, cycles, notices and report content are refused
        // by triggers, as are an INSERT that leaves a gap, a decision by the reporter and a second one by the same
        // reviewer; a report's status may still move; nothing changed.
        try await ScratchSchemas.with { schemas in
            let store = try await schemas.newStore()
            try await seed(store)
            let refused = [
                "UPDATE entry SET points = 0 WHERE sequence = 1",
                "DELETE FROM entry WHERE sequence = 2",
                "TRUNCATE entry CASCADE",
                "UPDATE decision SET reason = 'rewritten'",
                "DELETE FROM decision",
                "UPDATE handbook SET source = 'other'",
                "DELETE FROM handbook",
                "UPDATE cycle SET closed_by = 'someone'",
                "DELETE FROM cycle",
                "UPDATE report SET statement = 'rewritten'",
                "UPDATE report SET status = 'approved', subject = 'subject-2'",
                "DELETE FROM report",
                "UPDATE notice SET created_on = 0",
                "DELETE FROM notice",
                "TRUNCATE notice CASCADE",
                "INSERT INTO decision (id, report, reviewer, outcome, reason, decided_on) VALUES ('d-self', 'report-1', 'assessor-1', 'approve', 'mine', 0)",
                "INSERT INTO decision (id, report, reviewer, outcome, reason, decided_on) VALUES ('d-again', 'report-1', 'reviewer-1', 'approve', 'again', 0)",
                "INSERT INTO entry (sequence, id, kind, subject, scheme, handbook_jurisdiction, handbook_version, points, effective_on, recorded_on, recorded_by) VALUES (4, 'gap', 'deed', 'subject-1', 'civic', 'rongcheng', 1, 100, 0, 0, 'admin-1')",
                "INSERT INTO entry (sequence, id, kind, subject, scheme, handbook_jurisdiction, handbook_version, points, effective_on, recorded_on, recorded_by) VALUES (3, 'x3', 'deed', 'subject-1', 'civic', 'rongcheng', 1, 100, 0, 0, 'admin-1'), (5, 'x5', 'deed', 'subject-1', 'civic', 'rongcheng', 1, 100, 0, 0, 'admin-1')",
            ]
            let before = try await StoreSnapshot.capture(store)
            for sql in refused {
                #expect(await rawState(store, sql) == "P0001", "\(sql)")
            }
            #expect(try await StoreSnapshot.capture(store) == before)
            #expect(await rawState(store, "UPDATE report SET status = 'approved' WHERE id = 'report-1'") == nil)
            #expect(try await store.report("report-1")?.status == .approved)
            // A contiguous raw insert is accepted: the trigger checks the rule, not the client.
            #expect(await rawState(store, "INSERT INTO entry (sequence, id, kind, subject, scheme, handbook_jurisdiction, handbook_version, points, effective_on, recorded_on, recorded_by) VALUES (3, 'raw-3', 'deed', 'subject-1', 'civic', 'rongcheng', 1, 100, 0, 0, 'admin-1')") == nil)
            #expect(try await store.ledgerHead() == 3)
            #expect(try await store.integrityCheck() == [])
        }
    }

    @Test func largeCommitsGoByCopyAndReadBackExactly() async throws {
        // Commits of hundreds of entries and standings take the COPY path: awkward text (tabs, newlines, backslashes,
        // quotes, braces, Chinese) reads back byte for byte, a duplicate id in such a commit is a conflict that
        // leaves nothing behind, and replacing many standings drops their old listings.
        try await ScratchSchemas.with { schemas in
            let store = try await schemas.newStore()
            try await store.commit(changes { $0.jurisdictions = [makeJurisdiction()]; $0.subjects = [makeSubject()] })
            let awkward = "tab\there\nnew line \\ back\\slash \"quoted\" {brace,comma} \\N 空格 — end"
            var entries: [Entry] = []
            for index in 1...400 {
                let rule: Rule.ID? = index == 7 ? "r\\x" : nil
                let category: String? = index.isMultiple(of: 3) ? awkward : nil
                let decisions: [Decision.ID] = index == 5 ? ["d\"1", "d\\2", "d,3", "{d}"] : []
                let note = index.isMultiple(of: 2) ? awkward : ""
                entries.append(makeEntry(sequence: Int64(index), kind: .remedy, rule: rule, category: category,
                                         points: Points(hundredths: Int64(index)), decisions: decisions, note: note))
            }
            var standings: [Standing] = []
            for index in 0..<300 {
                let dimensions: [CivicCore.Dimension.ID: Points] = index == 1 ? ["a\"b": Points(1), "c\\d": Points(-2)] : [:]
                let listings: [Listing] = index.isMultiple(of: 2) ? [makeListing(reason: awkward), makeListing(list: .red, criterion: "red-a")] : []
                let rules: [Rule.ID] = index == 3 ? ["r\"1", "r\t2"] : []
                standings.append(makeStanding(subject: Subject.ID("s-\(index)"), dimensions: dimensions, listings: listings, activeRules: rules))
            }
            try await store.commit(changes(head: 0) { $0.entries = entries; $0.standings = standings })
            #expect(try await store.entries(after: 0, limit: 1_000) == entries)
            #expect(try await store.entries(after: 0, limit: 1_000).map(\.canonicalBytes) == entries.map(\.canonicalBytes))
            #expect(try await store.standings(after: nil, limit: 1_000) == standings.sorted { $0.subject < $1.subject })
            #expect(try await store.listings(on: .red, activeOn: makeDay("2026-04-01"), limit: 1_000).count == 150)

            let before = try await StoreSnapshot.capture(store)
            await #expect(throws: CivicError.self) {
                try await store.commit(changes(head: 400) {
                    $0.entries = (401...700).map { makeEntry(sequence: Int64($0), kind: .remedy) } + [makeEntry(sequence: 701, id: "entry-3", kind: .remedy)]
                })
            }
            do {
                try await store.commit(changes(head: 400) {
                    $0.entries = (401...700).map { makeEntry(sequence: Int64($0), kind: .remedy) } + [makeEntry(sequence: 701, id: "entry-3", kind: .remedy)]
                })
            } catch let error as CivicError {
                #expect(error.code == .conflict, "\(error)")
            }
            #expect(try await StoreSnapshot.capture(store) == before)

            let replaced = standings.map { standing in
                var copy = standing
                copy.listings = []
                copy.score = Points(900)
                return copy
            }
            try await store.commit(changes { $0.standings = replaced })
            #expect(try await store.standings(after: nil, limit: 1_000) == replaced.sorted { $0.subject < $1.subject })
            #expect(try await store.listings(on: .red, activeOn: makeDay("2026-04-01"), limit: 1_000).isEmpty)
            #expect(try await store.integrityCheck() == [])
        }
    }

    @Test func integrityCheckNoticesADisabledGuard() async throws {
        // An operator who disables or drops a guard trigger is found out by the integrity check.
        try await ScratchSchemas.with { schemas in
            let store = try await schemas.newStore()
            try await seed(store)
            #expect(try await store.integrityCheck() == [])
            #expect(await rawState(store, "ALTER TABLE entry DISABLE TRIGGER entry_no_update") == nil)
            #expect(await rawState(store, "DROP TRIGGER decision_no_delete ON decision") == nil)
            #expect(try await store.integrityCheck() == [
                "the guard trigger entry_no_update is disabled", "the guard trigger decision_no_delete is missing",
            ])
        }
    }

    @Test func twoClientsAppendingAtOnceOneWins() async throws {
        // Two clients commit entries against the same head at the same moment: the ledger lock makes one wait,
        // and it then finds the head moved and gets concurrentWrite; the ledger holds exactly the winner's entries.
        try await ScratchSchemas.with { schemas in
            let settings = try ScratchSchemas.newSettings()
            let first = try await schemas.store(on: settings)
            let second = try await schemas.store(on: settings)
            try await first.commit(changes { $0.subjects = [makeSubject(), makeSubject(id: "subject-2")] })
            func append(_ store: PostgresStore, _ subject: Subject.ID) async -> CivicError.Code? {
                do {
                    try await store.commit(changes(head: 0) {
                        $0.entries = (1...50).map { makeEntry(sequence: Int64($0), id: Entry.ID("\(subject)-\($0)"), subject: subject) }
                    })
                    return nil
                } catch let error as CivicError {
                    return error.code
                } catch {
                    return .storage
                }
            }
            async let a = append(first, "subject-1")
            async let b = append(second, "subject-2")
            let outcomes = await [a, b]
            #expect(outcomes.filter { $0 == nil }.count == 1, "\(outcomes)")
            #expect(outcomes.filter { $0 == .concurrentWrite }.count == 1, "\(outcomes)")
            let entries = try await first.entries(after: 0, limit: 1_000)
            #expect(entries.count == 50)
            #expect(Set(entries.map(\.subject)).count == 1)
        }
    }

    @Test func twoReviewersAtOnceOneWins() async throws {
        // Two reviewers decide the same report at the same moment, each having seen no decision: one is refused.
        try await ScratchSchemas.with { schemas in
            let settings = try ScratchSchemas.newSettings()
            let first = try await schemas.store(on: settings)
            let second = try await schemas.store(on: settings)
            try await first.commit(changes { $0.reports = [makeReport(id: "report-x")] })
            func decide(_ store: PostgresStore, _ id: Decision.ID) async -> CivicError.Code? {
                do {
                    try await store.commit(changes {
                        $0.decisions = [makeDecision(id: id, report: "report-x")]
                        $0.expectedDecisionCounts = ["report-x": 0]
                    })
                    return nil
                } catch let error as CivicError {
                    return error.code
                } catch {
                    return .storage
                }
            }
            async let a = decide(first, "d-a")
            async let b = decide(second, "d-b")
            let outcomes = await [a, b]
            #expect(outcomes.filter { $0 == nil }.count == 1, "\(outcomes)")
            #expect(outcomes.filter { $0 == .concurrentWrite }.count == 1, "\(outcomes)")
            #expect(try await first.report("report-x")?.decisions.count == 1)
        }
    }

    @Test func engineRetriesWhenAnotherClientMovedTheLedger() async throws {
        // A cycle close planned against head 0 waits for another client's uncommitted append, is refused with
        // concurrentWrite once that commits, and the engine plans again and closes the cycle after it.
        try await ScratchSchemas.with { schemas in
            let settings = try ScratchSchemas.newSettings()
            let first = try await schemas.store(on: settings)
            let second = try await schemas.store(on: settings)
            let setup = Engine(store: first, clock: FixedDayClock(makeDay("2026-01-01")))
            _ = try await setup.register(makeJurisdiction())
            try await setup.addSubjects([makeSubject(), makeSubject(id: "subject-2")])
            for actor in [makeActor(), makeActor(id: "reviewer-1", roles: [.reviewer]), makeActor(id: "admin-1", roles: [.administrator])] {
                _ = try await setup.addActor(actor)
            }
            _ = try await setup.publish(makeHandbook(), source: "# test", by: "admin-1")
            let march = Engine(store: first, clock: FixedDayClock(makeDay("2026-03-10")))
            _ = try await march.file(ReportRequest(
                id: "r-1", subject: "subject-1", rule: "2.5", reporter: "assessor-1", role: .assessor, occurredOn: makeDay("2026-03-09"),
                statement: "Helped a neighbour", evidence: [Evidence(kind: .photo, reference: "a"), Evidence(kind: .photo, reference: "b")]))
            _ = try await march.decide(makeDecision(id: "d-1", report: "r-1", decidedOn: makeDay("2026-03-10")))
            let closer = Engine(store: second, clock: FixedDayClock(makeDay("2026-03-31")))

            let summary = try await first.client.withConnection { connection in
                let logger = PostgresStore.logger
                try await connection.query("BEGIN", logger: logger)
                try await first.nameSchemaIfPooled(on: connection)
                try await connection.query("LOCK TABLE entry IN SHARE ROW EXCLUSIVE MODE", logger: logger)
                try await PostgresStore.insert([makeEntry(sequence: 1, id: "other-client", subject: "subject-2", points: Points(1))],
                                               into: Entry.table, as: .entry, on: connection) { $0.bind(&$1) }
                let closing = Task { try await closer.closeCycle("rongcheng", month: makeMonth("2026-03"), by: "admin-1") }
                var waited = false
                for _ in 0..<600 {
                    let waiting = try await integer(first, """
                        SELECT count(*) FROM pg_locks l JOIN pg_class c ON c.oid = l.relation
                        WHERE NOT l.granted AND c.relname = 'entry' AND c.relnamespace = to_regnamespace(current_schema())
                        """)
                    if waiting > 0 { waited = true; break }
                    try await Task.sleep(for: .milliseconds(50))
                }
                #expect(waited, "the cycle close never waited for the ledger lock")
                try await connection.query("COMMIT", logger: logger)
                return try await closing.value
            }
            #expect(summary.entered == 1)
            let entries = try await first.entries(after: 0, limit: 10)
            #expect(entries.map(\.id) == ["other-client", "e:r-1"])
            #expect(entries.last?.report == "r-1")
            #expect(try await first.cycles().map(\.month) == [makeMonth("2026-03")])
        }
    }

    @Test func migrationsAreIdempotentAndRecorded() async throws {
        // Opening a store again on a migrated schema changes nothing; each migration is recorded once.
        try await ScratchSchemas.with { schemas in
            let settings = try ScratchSchemas.newSettings()
            let store = try await schemas.store(on: settings)
            try await seed(store)
            let before = try await StoreSnapshot.capture(store)
            let again = try await schemas.store(on: settings)
            #expect(try await StoreSnapshot.capture(again) == before)
            #expect(try await integer(again, "SELECT count(*) FROM civic_schema_migration") == Int64(PostgresSchema.migrations.count))
            #expect(try await integer(again, "SELECT max(version) FROM civic_schema_migration") == PostgresSchema.latestVersion)
            // Two processes opening a fresh schema at once: the advisory lock lets one migrate, the other waits and finds it done.
            let fresh = try ScratchSchemas.newSettings()
            async let one = schemas.store(on: fresh)
            async let two = schemas.store(on: fresh)
            let (a, _) = try await (one, two)
            #expect(try await integer(a, "SELECT count(*) FROM civic_schema_migration") == Int64(PostgresSchema.migrations.count))
        }
    }

    @Test func aNewerSchemaIsRefused() async throws {
        // A database migrated by a newer program is refused with a storage error, and left as it was.
        try await ScratchSchemas.with { schemas in
            let settings = try ScratchSchemas.newSettings()
            let store = try await schemas.store(on: settings)
            #expect(await rawState(store, "INSERT INTO civic_schema_migration (version, name) VALUES (\(PostgresSchema.latestVersion + 1), 'future')") == nil)
            do {
                _ = try await schemas.store(on: settings)
                Issue.record("a newer schema was accepted")
            } catch let error as CivicError {
                #expect(error.code == .storage)
                #expect(error.message.contains("newer"), "\(error)")
            }
            #expect(try await integer(store, "SELECT max(version) FROM civic_schema_migration") == PostgresSchema.latestVersion + 1)
        }
    }
}

/// A store set for a transaction pooler keeps nothing in the server session between transactions: connected
/// directly, with one connection so that every call shares one session, the session's search path is never
/// set, no temporary table outlives the commit that staged standings, and no advisory lock or prepared
/// statement is left behind. What PgBouncer would hand to the next client is a clean session.
@Suite("PostgreSQL store behind a transaction pooler", .enabled(if: PostgresAvailability.isAvailable, "CIVIC_TEST_POSTGRES_URL is not set"))
struct TransactionPoolerTests {
    @Test func noSessionStateOutlivesATransaction() async throws {
        try await ScratchSchemas.with { schemas in
            var settings = try ScratchSchemas.newSettings()
            settings.pooler = .transaction
            settings.connectionsMax = 1
            let store = try await schemas.store(on: settings)
            let access = try await PostgresAccessStore(sharing: store)
            try await store.commit(changes { $0.jurisdictions = [makeJurisdiction()]; $0.subjects = [makeSubject()] })
            // 300 standings take the COPY path through the staging table.
            let standings = (0..<300).map { makeStanding(subject: Subject.ID("s-\($0)")) }
            try await store.commit(changes { $0.standings = standings })
            #expect(try await store.standings(after: nil, limit: 1_000).count == 300)
            #expect(try await access.accountCount() == 0)
            _ = try await store.standingsAndLastEntry(subject: "s-1")

            // The one session, seen from outside any transaction of the store's.
            let session = try await store.client.withConnection { connection in
                try await connection.query("""
                    SELECT current_setting('search_path'),
                           (SELECT count(*) FROM pg_class WHERE relnamespace = pg_my_temp_schema()),
                           (SELECT count(*) FROM pg_locks WHERE pid = pg_backend_pid() AND locktype = 'advisory'),
                           (SELECT count(*) FROM pg_prepared_statements)
                    """, logger: PostgresStore.logger).collect().first!.decode((String, Int64, Int64, Int64).self)
            }
            #expect(!session.0.contains(settings.searchPath!), "the session's search_path was set: \(session.0)")
            #expect(session.1 == 0, "a temporary table outlived its transaction")
            #expect(session.2 == 0 && session.3 == 0)
        }
    }
}

/// Reading `postgres://` URLs and failing to connect: needs no server.
struct PostgresSettingsTests {
    @Test func aWrongAddressFailsFastWithoutThePassword() async throws {
        // A server that does not answer is a storage error naming the address, never the password.
        var settings = try PostgresSettings(url: "postgres://civic:s3cret-pw@127.0.0.1:1/civic?sslmode=disable")
        settings.connectionsMax = 1
        do {
            _ = try await PostgresStore(settings: settings)
            Issue.record("connected to a closed port")
        } catch let error as CivicError {
            #expect(error.code == .storage)
            #expect(error.message.contains("127.0.0.1:1"), "\(error)")
            #expect(!error.description.contains("s3cret-pw"))
        }
    }

    @Test func readsEveryPart() throws {
        // User, password, host, port, database and options are read, percent-decoded, and the password never printed.
        let settings = try PostgresSettings(url: "postgresql://ci%40vic:p%40ss@db.example:6432/civic_prod?sslmode=require&search_path=tenant_1&pool_max=8")
        #expect(settings.username == "ci@vic")
        #expect(settings.password == "p@ss")
        #expect(settings.host == "db.example")
        #expect(settings.port == 6432)
        #expect(settings.database == "civic_prod")
        #expect(settings.tls == .require)
        #expect(settings.searchPath == "tenant_1")
        #expect(settings.connectionsMax == 8)
        #expect(!settings.description.contains("p@ss"))
        let defaults = try PostgresSettings(url: "postgres://civic@localhost/civic")
        #expect(defaults.port == 5432 && defaults.tls == .prefer && defaults.searchPath == nil && defaults.password == nil)
    }

    @Test(arguments: [
        "postgres://localhost/civic", "postgres://civic@/civic", "mysql://civic@localhost/civic",
        "postgres://civic@localhost/civic?sslmode=maybe", "postgres://civic@localhost/civic?search_path=Robert';DROP",
        "postgres://civic@localhost/civic?pool_max=0", "postgres://civic@localhost/civic?colour=blue",
        "postgres://civic@localhost/civic?pooler=statement",
    ])
    func refusesBadURLs(_ url: String) throws {
        // A URL without user or host, of another scheme, or with an unknown or unsafe option is invalid input.
        #expect(throws: CivicError.self) { try PostgresSettings(url: url) }
        do { _ = try PostgresSettings(url: url) } catch let error as CivicError { #expect(error.code == .invalidInput) }
    }

    @Test func behindATransactionPoolerTheSchemaIsNoStartupParameter() throws {
        // PgBouncer refuses a search_path startup parameter in every pool mode; with pooler=transaction the schema
        // is named by each transaction instead, and the description says which mode the store runs in.
        let direct = try PostgresSettings(url: "postgres://civic@db.example/civic?search_path=tenant_1")
        #expect(direct.pooler == .none && direct.transactionSearchPath == nil)
        #expect(try direct.connectionConfiguration().options.additionalStartupParameters.contains { $0 == ("search_path", "tenant_1") })
        let pooled = try PostgresSettings(url: "postgres://civic@db.example:6432/civic?search_path=tenant_1&pooler=transaction")
        #expect(pooled.pooler == .transaction && pooled.transactionSearchPath == "tenant_1")
        #expect(try pooled.connectionConfiguration().options.additionalStartupParameters.map(\.0) == ["application_name"])
        #expect(try pooled.clientConfiguration().options.additionalStartupParameters.map(\.0) == ["application_name"])
        #expect(pooled.description == "postgres://civic@db.example:6432/civic?search_path=tenant_1&pooler=transaction")
        #expect(pooled.inSchema("tenant_2").transactionSearchPath == "tenant_2")
    }

    @Test func migrationScriptsSplitIntoStatements() {
        // Semicolons inside quotes and function bodies do not split a statement.
        let statements = PostgresSchema.statements("""
            CREATE TABLE a (b TEXT DEFAULT ';');
            CREATE FUNCTION f() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'x;y'; RETURN NULL; END $$;
            SELECT 1
            """)
        #expect(statements.count == 3)
        #expect(statements[1].hasSuffix("END $$"))
        #expect(PostgresSchema.migrations.flatMap { PostgresSchema.statements($0.sql) }.allSatisfy { !$0.isEmpty })
    }

    @Test func redactsPasswords() {
        // Error messages about unreadable URLs hide the password.
        #expect(PostgresSettings.redacted("postgres://civic:secret@host/db") == "postgres://civic:***@host/db")
    }
}
