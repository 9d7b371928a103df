public import CivicCore
import PostgresNIO

extension PostgresStore {
    /// Rows of one query, each turned into a value.
    func fetch<T>(_ action: String, _ query: PostgresQuery, _ transform: (PostgresRow) throws -> T) async throws -> [T] {
        try await rows(action, query).map(transform)
    }

    // MARK: Registry

    public func jurisdictions() async throws -> [Jurisdiction] {
        try await fetch("reading jurisdictions",
                        PostgresQuery(unsafeSQL: "SELECT \(Jurisdiction.table.list) FROM jurisdiction ORDER BY id"),
                        Jurisdiction.init(reading:))
    }

    public func subject(_ id: Subject.ID) async throws -> Subject? {
        try await fetch("reading a subject", "SELECT \(unescaped: Subject.table.list) FROM subject WHERE id = \(id.rawValue)",
                        Subject.init(reading:)).first
    }

    public func subjects(_ ids: [Subject.ID]) async throws -> [Subject] {
        if ids.isEmpty { return [] }
        let unique = Array(Set(ids.map(\.rawValue))).sorted()
        return try await fetch("reading subjects",
                               "SELECT \(unescaped: Subject.table.list) FROM subject WHERE id = ANY(\(unique)) ORDER BY id",
                               Subject.init(reading:))
    }

    public func subjects(after cursor: Subject.ID?, limit: Int) async throws -> [Subject] {
        precondition(limit >= 0, "a page limit is never negative")
        return try await fetch("reading subjects", PostgresStore.subjectsQuery(after: cursor, limit: limit), Subject.init(reading:))
    }

    static func subjectsQuery(after cursor: Subject.ID?, limit: Int) -> PostgresQuery {
        if let cursor {
            return "SELECT \(unescaped: Subject.table.list) FROM subject WHERE id > \(cursor.rawValue) ORDER BY id LIMIT \(Int64(limit))"
        }
        return "SELECT \(unescaped: Subject.table.list) FROM subject ORDER BY id LIMIT \(Int64(limit))"
    }

    public func members(of household: Subject.ID) async throws -> [Subject] {
        try await fetch("reading household members",
                        "SELECT \(unescaped: Subject.table.list) FROM subject WHERE household = \(household.rawValue) ORDER BY id",
                        Subject.init(reading:))
    }

    public func subjectCount() async throws -> Int {
        try await fetch("counting subjects", "SELECT count(*) FROM subject") { Int(try $0.decode(Int64.self)) }.first ?? 0
    }

    public func subjectIDs(every stride: Int) async throws -> [Subject.ID] {
        precondition(stride > 0, "a stride is positive")
        return try await fetch("reading subject ids", """
            SELECT id FROM (SELECT id, row_number() OVER (ORDER BY id) AS position FROM subject) AS numbered
            WHERE position % \(stride) = 0 ORDER BY id
            """) { Subject.ID(try $0.decode(String.self)) }
    }

    public func actor(_ id: Actor.ID) async throws -> Actor? {
        try await fetch("reading an actor", "SELECT \(unescaped: Actor.table.list) FROM actor WHERE id = \(id.rawValue)",
                        Actor.init(reading:)).first
    }

    public func actors() async throws -> [Actor] {
        try await fetch("reading actors", PostgresQuery(unsafeSQL: "SELECT \(Actor.table.list) FROM actor ORDER BY id"),
                        Actor.init(reading:))
    }

    // MARK: Handbooks

    public func handbooks() async throws -> [PublishedHandbook] {
        let count = try await fetch("counting handbooks", "SELECT count(*) FROM handbook") { Int(try $0.decode(Int64.self)) }.first ?? 0
        return try await publishedHandbooks.all(count: count) { skipping in
            try await fetch("reading handbooks",
                            PostgresQuery(unsafeSQL: "SELECT \(PublishedHandbook.table.list) FROM handbook ORDER BY position OFFSET \(skipping)"),
                            PublishedHandbook.init(reading:))
        }
    }

    // MARK: Workflow

    public func report(_ id: Report.ID) async throws -> ReportRecord? {
        try await records("reading a report", where: "id = $1", decisionsWhere: "r.id = $1") { $0.append(id.rawValue) }.first
    }

    public func reportID(sourceRecord: String) async throws -> Report.ID? {
        try await fetch("finding a report by source record",
                        "SELECT id FROM report WHERE source_record = \(sourceRecord) ORDER BY id LIMIT 1") {
            Report.ID(try $0.decode(String.self))
        }.first
    }

    public func reports(statuses: Set<ReportStatus>, throughCycle cycle: Month) async throws -> [ReportRecord] {
        if statuses.isEmpty { return [] }
        let codes = statuses.map(\.rawValue).sorted()
        return try await records("reading reports", where: "status = ANY($1) AND cycle <= $2",
                                 decisionsWhere: "r.status = ANY($1) AND r.cycle <= $2") {
            $0.append(codes)
            $0.append(cycle.description)
        }
    }

    public func reports(subject: Subject.ID) async throws -> [ReportRecord] {
        try await records("reading a subject's reports", where: "subject = $1", decisionsWhere: "r.subject = $1") {
            $0.append(subject.rawValue)
        }
    }

    /// Reports matching `filter` in (cycle, id) order, each with its decisions in
    /// (decided on, id) order: two queries in one snapshot, however many reports match.
    private func records(
        _ action: String, where filter: String, decisionsWhere decisionFilter: String, bind: (inout PostgresBindings) -> Void
    ) async throws -> [ReportRecord] {
        var bindings = PostgresBindings()
        bind(&bindings)
        let reportQuery = PostgresQuery(
            unsafeSQL: "SELECT \(Report.table.list) FROM report WHERE \(filter) ORDER BY cycle, id", binds: bindings)
        let decisionQuery = PostgresQuery(unsafeSQL: """
            SELECT \(Decision.table.qualified("d")) FROM decision d JOIN report r ON r.id = d.report
            WHERE \(decisionFilter) ORDER BY d.report, d.decided_on, d.id
            """, binds: bindings)
        return try await read(action) { connection in
            let reports = try await connection.query(reportQuery, logger: PostgresStore.logger).collect().map(Report.reading)
            if reports.isEmpty { return [] }
            var decisions: [Report.ID: [Decision]] = [:]
            for row in try await connection.query(decisionQuery, logger: PostgresStore.logger).collect() {
                let decision = try Decision(reading: row)
                decisions[decision.report, default: []].append(decision)
            }
            return reports.map { report, status in
                ReportRecord(report: report, status: status, decisions: decisions[report.id] ?? [])
            }
        }
    }

    public func decision(_ id: Decision.ID) async throws -> Decision? {
        try await fetch("reading a decision", "SELECT \(unescaped: Decision.table.list) FROM decision WHERE id = \(id.rawValue)",
                        Decision.init(reading:)).first
    }

    public func cycles() async throws -> [Cycle] {
        try await fetch("reading cycles", PostgresQuery(unsafeSQL: "SELECT \(Cycle.table.list) FROM cycle ORDER BY position"),
                        Cycle.init(reading:))
    }

    // MARK: Ledger

    public func ledgerHead() async throws -> Int64 {
        try await fetch("reading the ledger head", "SELECT coalesce(max(sequence), 0) FROM entry") { try $0.decode(Int64.self) }.first ?? 0
    }

    public func entry(_ id: Entry.ID) async throws -> Entry? {
        try await fetch("reading an entry", "SELECT \(unescaped: Entry.table.list) FROM entry WHERE id = \(id.rawValue)",
                        Entry.init(reading:)).first
    }

    public func entries(subject: Subject.ID) async throws -> [Entry] {
        try await fetch("reading a subject's entries",
                        "SELECT \(unescaped: Entry.table.list) FROM entry WHERE subject = \(subject.rawValue) ORDER BY sequence",
                        Entry.init(reading:))
    }

    public func entries(after sequence: Int64, limit: Int) async throws -> [Entry] {
        precondition(limit >= 0, "a page limit is never negative")
        return try await fetch(
            "reading entries",
            "SELECT \(unescaped: Entry.table.list) FROM entry WHERE sequence > \(sequence) ORDER BY sequence LIMIT \(Int64(limit))",
            Entry.init(reading:))
    }

    /// Three queries per page in one snapshot, whatever its size: the subjects,
    /// then every entry and every standing whose subject falls in the page's id
    /// range, each read in index order and split by subject.
    public func ledgers(after cursor: Subject.ID?, limit: Int) async throws -> [SubjectLedger] {
        precondition(limit >= 0, "a page limit is never negative")
        return try await read("reading ledgers") { connection in
            try await PostgresStore.ledgerPage(connection, after: cursor, limit: limit, wanted: nil)
        }
    }

    /// The page's subjects and standings, then each subject's last sequence from the entry index alone;
    /// entries are decoded only for the subjects `wanted` names: in one pass over the range when they
    /// are most of the page, otherwise by subject (`= ANY`), as the SQLite store does.
    public func ledgers(after cursor: Subject.ID?, limit: Int,
                        readingEntries wanted: @escaping @Sendable (Subject, [Standing], Int64) -> Bool) async throws -> [SubjectLedger] {
        precondition(limit >= 0, "a page limit is never negative")
        return try await read("reading ledgers") { connection in
            try await PostgresStore.ledgerPage(connection, after: cursor, limit: limit, wanted: wanted)
        }
    }

    private static func ledgerPage(_ connection: PostgresConnection, after cursor: Subject.ID?, limit: Int,
                                   wanted: (@Sendable (Subject, [Standing], Int64) -> Bool)?) async throws -> [SubjectLedger] {
        let subjects = try await connection.query(PostgresStore.subjectsQuery(after: cursor, limit: limit), logger: PostgresStore.logger)
            .collect().map(Subject.init(reading:))
        guard let first = subjects.first?.id.rawValue, let last = subjects.last?.id.rawValue else { return [] }

        var standings: [Subject.ID: [Standing]] = [:]
        var bindings = PostgresBindings()
        bindings.append(first)
        bindings.append(last)
        for standing in try await PostgresStore.standings(connection, where: "subject >= $1 AND subject <= $2", bindings: bindings) {
            standings[standing.subject, default: []].append(standing)
        }

        // Whose entries to read: everyone's, or those `wanted` names given their last sequence.
        var reading: Set<Subject.ID>?
        if let wanted {
            var lastEntry: [Subject.ID: Int64] = [:]
            let heads = try await connection.query(
                "SELECT subject, MAX(sequence) FROM entry WHERE subject >= \(first) AND subject <= \(last) GROUP BY subject",
                logger: PostgresStore.logger)
            for try await (subject, sequence) in heads.decode((String, Int64).self) { lastEntry[Subject.ID(subject)] = sequence }
            reading = Set(subjects.lazy.filter { wanted($0, standings[$0.id] ?? [], lastEntry[$0.id] ?? 0) }.map(\.id))
        }

        var entries: [Subject.ID: [Entry]] = [:]
        let entryRows: PostgresRowSequence
        if let reading, reading.count * 2 < subjects.count {
            let ids = reading.map(\.rawValue)
            entryRows = try await connection.query(
                "SELECT \(unescaped: Entry.table.list) FROM entry WHERE subject = ANY(\(ids)::text[]) ORDER BY subject, sequence",
                logger: PostgresStore.logger)
        } else {
            entryRows = try await connection.query(
                "SELECT \(unescaped: Entry.table.list) FROM entry WHERE subject >= \(first) AND subject <= \(last) ORDER BY subject, sequence",
                logger: PostgresStore.logger)
        }
        for try await row in entryRows {
            let entry = try Entry(reading: row)
            if let reading, !reading.contains(entry.subject) { continue }
            entries[entry.subject, default: []].append(entry)
        }
        return subjects.map { subject in
            let read = reading?.contains(subject.id) ?? true
            return SubjectLedger(subject: subject, entries: read ? entries[subject.id] ?? [] : [], standings: standings[subject.id] ?? [],
                                 entriesRead: read)
        }
    }

    // MARK: Projections

    /// Two statements on one connection, the standings first: an entry appended between them only makes
    /// the standings look stale, so the question folds instead.
    public func standingsAndLastEntry(subject: Subject.ID) async throws -> (standings: [Standing], lastEntry: Int64) {
        var bindings = PostgresBindings()
        bindings.append(subject.rawValue)
        return try await single("reading a subject's standings") { connection in
            let standings = try await PostgresStore.standings(connection, where: "subject = $1", bindings: bindings)
            let rows = try await connection.query("SELECT MAX(sequence) FROM entry WHERE subject = \(subject.rawValue)", logger: PostgresStore.logger)
            var last: Int64 = 0
            for try await row in rows { last = try row.decode(Int64?.self) ?? 0 }
            return (standings, last)
        }
    }

    /// Two statements on one connection, the standings first (as `standingsAndLastEntry`); the second reads the
    /// subject, its last entry's sequence and the catalog's counts together.
    public func subjectSnapshot(_ id: Subject.ID) async throws -> SubjectSnapshot? {
        var bindings = PostgresBindings()
        bindings.append(id.rawValue)
        return try await single("reading a subject's standings") { connection in
            let standings = try await PostgresStore.standings(connection, where: "subject = $1", bindings: bindings)
            let rows = try await connection.query("""
                SELECT \(unescaped: Subject.table.list), (SELECT MAX(sequence) FROM entry WHERE subject = \(id.rawValue)),
                       (SELECT count(*) FROM handbook), (SELECT count(*) FROM jurisdiction)
                FROM subject WHERE id = \(id.rawValue)
                """, logger: PostgresStore.logger)
            var snapshot: SubjectSnapshot?
            for try await row in rows {
                let subject = try Subject(reading: row)
                var counts = ColumnReader(row, table: "subject", startingAt: Subject.table.names.count)
                let last = try counts.optionalInteger() ?? 0
                let catalog = CatalogVersion(handbooks: Int(try counts.integer()), jurisdictions: Int(try counts.integer()))
                snapshot = SubjectSnapshot(subject: subject, standings: standings, lastEntry: last, catalog: catalog)
            }
            return snapshot
        }
    }

    public func standings(subject: Subject.ID) async throws -> [Standing] {
        var bindings = PostgresBindings()
        bindings.append(subject.rawValue)
        return try await single("reading a subject's standings") { connection in
            try await PostgresStore.standings(connection, where: "subject = $1", bindings: bindings)
        }
    }

    public func standings(after cursor: StandingKey?, limit: Int) async throws -> [Standing] {
        precondition(limit >= 0, "a page limit is never negative")
        var bindings = PostgresBindings()
        let filter: String
        if let cursor {
            bindings.append(cursor.subject.rawValue)
            bindings.append(cursor.scheme.rawValue)
            bindings.append(Int64(limit))
            filter = "(subject, scheme) > ($1, $2)"
        } else {
            bindings.append(Int64(limit))
            filter = "TRUE"
        }
        return try await single("reading standings") { connection in
            try await PostgresStore.standings(connection, where: filter, bindings: bindings, limited: true)
        }
    }

    /// Standings matching `filter`, in (subject, scheme) order, with their
    /// listings joined in (one query). With `limited`, the last binding caps
    /// the number of standings, not of joined rows.
    static func standings(
        _ connection: PostgresConnection, where filter: String, bindings: PostgresBindings, limited: Bool = false
    ) async throws -> [Standing] {
        let limit = limited ? "LIMIT $\(bindings.count)" : ""
        let query = PostgresQuery(unsafeSQL: """
            SELECT s.*, \(Listing.table.qualified("l"))
            FROM (SELECT \(Standing.table.list) FROM standing WHERE \(filter) ORDER BY subject, scheme \(limit)) s
            LEFT JOIN listing l ON l.subject = s.subject AND l.scheme = s.scheme
            ORDER BY s.subject, s.scheme, l.position
            """, binds: bindings)
        var standings: [Standing] = []
        for try await row in try await connection.query(query, logger: PostgresStore.logger) {
            let access = row.makeRandomAccess()
            let subject = try access[0].decode(String.self)
            let scheme = try access[1].decode(String.self)
            if let previous = standings.last, previous.subject.rawValue == subject, previous.scheme.rawValue == scheme {
                // Another listing of the same standing.
            } else {
                standings.append(try Standing(reading: row))
            }
            if access[Standing.table.names.count].bytes != nil {
                standings[standings.count - 1].listings.append(try Listing(reading: row, startingAt: Standing.table.names.count))
            }
        }
        return standings
    }

    public func listings(on list: ListKind, activeOn day: Day, limit: Int) async throws -> [ListedSubject] {
        precondition(limit >= 0, "a page limit is never negative")
        return try await fetch("reading listings", """
            SELECT subject, scheme, \(unescaped: Listing.table.list) FROM listing
            WHERE list = \(list.rawValue) AND since <= \(day.stored) AND (ends_on IS NULL OR ends_on > \(day.stored))
            ORDER BY since, subject, scheme, position LIMIT \(Int64(limit))
            """) { row in
            var reader = ColumnReader(row, table: "listing")
            return ListedSubject(subject: try reader.identifier(), scheme: try reader.identifier(),
                                 listing: try Listing(reading: row, startingAt: 2))
        }
    }
}
