public import CivicCore
import GRDB

extension SQLiteStore {
    /// Runs `body` on a read connection, turning failures into `CivicError`s.
    func read<T: Sendable>(_ action: String, _ body: @escaping @Sendable (Database) throws -> T) async throws -> T {
        do {
            return try await writer.read(body)
        } catch {
            throw SQLiteStore.storageError(error, doing: action)
        }
    }

    // MARK: Registry

    public func jurisdictions() async throws -> [Jurisdiction] {
        try await read("reading jurisdictions") { db in
            try Row.fetchAll(db.cachedStatement(sql: "SELECT \(Jurisdiction.columns) FROM jurisdiction ORDER BY id"))
                .map(Jurisdiction.init(reading:))
        }
    }

    public func subject(_ id: Subject.ID) async throws -> Subject? {
        try await read("reading a subject") { db in
            try Row.fetchOne(db.cachedStatement(sql: "SELECT \(Subject.columns) FROM subject WHERE id = ?"),
                             arguments: [id.rawValue]).map(Subject.init(reading:))
        }
    }

    /// SQLite binds at most 32,766 values per statement; stay far below.
    static let idsPerQueryMax = 500

    public func subjects(_ ids: [Subject.ID]) async throws -> [Subject] {
        let unique = Array(Set(ids.map(\.rawValue))).sorted()
        return try await read("reading subjects") { db in
            var found: [Subject] = []
            var start = 0
            while start < unique.count {
                let chunk = Array(unique[start..<min(start + SQLiteStore.idsPerQueryMax, unique.count)])
                let marks = Array(repeating: "?", count: chunk.count).joined(separator: ", ")
                let statement = try db.cachedStatement(sql: "SELECT \(Subject.columns) FROM subject WHERE id IN (\(marks))")
                found += try Row.readAll(statement, arguments: StatementArguments(chunk), table: "subject") { try Subject(reader: &$0) }
                start += chunk.count
            }
            return found.sorted { $0.id < $1.id }
        }
    }

    public func subjects(after cursor: Subject.ID?, limit: Int) async throws -> [Subject] {
        precondition(limit >= 0, "a page limit is never negative")
        return try await read("reading subjects") { db in try SQLiteStore.subjects(db, after: cursor, limit: limit) }
    }

    static func subjects(_ db: Database, after cursor: Subject.ID?, limit: Int) throws -> [Subject] {
        let statement: Statement
        let arguments: StatementArguments
        if let cursor {
            statement = try db.cachedStatement(sql: "SELECT \(Subject.columns) FROM subject WHERE id > ? ORDER BY id LIMIT ?")
            arguments = [cursor.rawValue, limit]
        } else {
            statement = try db.cachedStatement(sql: "SELECT \(Subject.columns) FROM subject ORDER BY id LIMIT ?")
            arguments = [limit]
        }
        return try Row.readAll(statement, arguments: arguments, table: "subject") { try Subject(reader: &$0) }
    }

    public func members(of household: Subject.ID) async throws -> [Subject] {
        try await read("reading household members") { db in
            try Row.decodeAll(db.cachedStatement(sql: "SELECT \(Subject.columns) FROM subject WHERE household = ? ORDER BY id"),
                             arguments: [household.rawValue], Subject.init(reading:))
        }
    }

    public func subjectCount() async throws -> Int {
        try await read("counting subjects") { db in try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM subject") ?? 0 }
    }

    public func subjectIDs(every stride: Int) async throws -> [Subject.ID] {
        precondition(stride > 0, "a stride is positive")
        return try await read("reading subject ids") { db in
            try String.fetchAll(db.cachedStatement(sql: """
                SELECT id FROM (SELECT id, row_number() OVER (ORDER BY id) AS position FROM subject)
                WHERE position % ? = 0 ORDER BY id
                """), arguments: [stride]).map { Subject.ID($0) }
        }
    }

    public func actor(_ id: Actor.ID) async throws -> Actor? {
        try await read("reading an actor") { db in
            try Row.fetchOne(db.cachedStatement(sql: "SELECT \(Actor.columns) FROM actor WHERE id = ?"),
                             arguments: [id.rawValue]).map(Actor.init(reading:))
        }
    }

    public func actors() async throws -> [Actor] {
        try await read("reading actors") { db in
            try Row.decodeAll(db.cachedStatement(sql: "SELECT \(Actor.columns) FROM actor ORDER BY id"), Actor.init(reading:))
        }
    }

    // MARK: Handbooks

    public func handbooks() async throws -> [PublishedHandbook] {
        let count = try await read("counting handbooks") { db in
            try Int.fetchOne(db.cachedStatement(sql: "SELECT COUNT(*) FROM handbook")) ?? 0
        }
        return try await publishedHandbooks.all(count: count) { skipping in
            try await read("reading handbooks") { db in
                try Row.decodeAll(db.cachedStatement(sql: "SELECT \(PublishedHandbook.columns) FROM handbook ORDER BY position LIMIT -1 OFFSET ?"),
                                  arguments: [skipping], PublishedHandbook.init(reading:))
            }
        }
    }

    // MARK: Workflow

    public func report(_ id: Report.ID) async throws -> ReportRecord? {
        try await read("reading a report") { db in
            try SQLiteStore.records(
                db, where: "id = ?", arguments: [id.rawValue], decisionsWhere: "d.report = ?", decisionArguments: [id.rawValue]
            ).first
        }
    }

    public func reportID(sourceRecord: String) async throws -> Report.ID? {
        try await read("finding a report by source record") { db in
            try String.fetchOne(db.cachedStatement(sql: "SELECT id FROM report WHERE source_record = ? ORDER BY id LIMIT 1"),
                                arguments: [sourceRecord]).map { Report.ID($0) }
        }
    }

    public func reports(statuses: Set<ReportStatus>, throughCycle cycle: Month) async throws -> [ReportRecord] {
        if statuses.isEmpty { return [] }
        let codes = statuses.map(\.rawValue).sorted()
        let marks = Array(repeating: "?", count: codes.count).joined(separator: ", ")
        return try await read("reading reports") { db in
            try SQLiteStore.records(
                db, where: "status IN (\(marks)) AND cycle <= ?", arguments: StatementArguments(codes + [cycle.description]),
                decisionsWhere: "r.status IN (\(marks)) AND r.cycle <= ?", decisionArguments: StatementArguments(codes + [cycle.description]))
        }
    }

    public func reports(subject: Subject.ID) async throws -> [ReportRecord] {
        try await read("reading a subject's reports") { db in
            try SQLiteStore.records(db, where: "subject = ?", arguments: [subject.rawValue],
                                    decisionsWhere: "r.subject = ?", decisionArguments: [subject.rawValue])
        }
    }

    /// Reports matching `filter` in (cycle, id) order, each with its decisions in
    /// (decided on, id) order: two queries however many reports match.
    private static func records(
        _ db: Database, where filter: String, arguments: StatementArguments,
        decisionsWhere decisionFilter: String, decisionArguments: StatementArguments
    ) throws -> [ReportRecord] {
        let reports = try Row.fetchAll(
            db.cachedStatement(sql: "SELECT \(Report.columns) FROM report WHERE \(filter) ORDER BY cycle, id"), arguments: arguments
        ).map(Report.reading)
        if reports.isEmpty { return [] }
        var decisions: [Report.ID: [Decision]] = [:]
        let statement = try db.cachedStatement(sql: """
            SELECT \(qualified(Decision.columns, alias: "d")) FROM decision d JOIN report r ON r.id = d.report
            WHERE \(decisionFilter) ORDER BY d.report, d.decided_on, d.id
            """)
        for row in try Row.fetchAll(statement, arguments: decisionArguments) {
            let decision = try Decision(reading: row)
            decisions[decision.report, default: []].append(decision)
        }
        return reports.map { report, status in
            ReportRecord(report: report, status: status, decisions: decisions[report.id] ?? [])
        }
    }

    public func decision(_ id: Decision.ID) async throws -> Decision? {
        try await read("reading a decision") { db in
            try Row.fetchOne(db.cachedStatement(sql: "SELECT \(Decision.columns) FROM decision WHERE id = ?"),
                             arguments: [id.rawValue]).map(Decision.init(reading:))
        }
    }

    public func cycles() async throws -> [Cycle] {
        try await read("reading cycles") { db in
            try Row.decodeAll(db.cachedStatement(sql: "SELECT \(Cycle.columns) FROM cycle ORDER BY position"), Cycle.init(reading:))
        }
    }

    // MARK: Ledger

    public func ledgerHead() async throws -> Int64 {
        try await read("reading the ledger head") { db in try SQLiteStore.ledgerHead(db) }
    }

    static func ledgerHead(_ db: Database) throws -> Int64 {
        try Int64.fetchOne(db.cachedStatement(sql: "SELECT IFNULL(MAX(sequence), 0) FROM entry")) ?? 0
    }

    public func entry(_ id: Entry.ID) async throws -> Entry? {
        try await read("reading an entry") { db in
            try Row.fetchOne(db.cachedStatement(sql: "SELECT \(Entry.columns) FROM entry WHERE id = ?"),
                             arguments: [id.rawValue]).map(Entry.init(reading:))
        }
    }

    public func entries(subject: Subject.ID) async throws -> [Entry] {
        try await read("reading a subject's entries") { db in
            try Row.readAll(db.cachedStatement(sql: "SELECT \(Entry.columns) FROM entry WHERE subject = ? ORDER BY sequence"),
                             arguments: [subject.rawValue], table: "entry") { try Entry(reader: &$0) }
        }
    }

    public func entries(after sequence: Int64, limit: Int) async throws -> [Entry] {
        precondition(limit >= 0, "a page limit is never negative")
        return try await read("reading entries") { db in
            try Row.readAll(db.cachedStatement(sql: "SELECT \(Entry.columns) FROM entry WHERE sequence > ? ORDER BY sequence LIMIT ?"),
                             arguments: [sequence, limit], table: "entry") { try Entry(reader: &$0) }
        }
    }

    /// Three queries per page, whatever its size: the subjects, then every entry
    /// and every standing whose subject falls in the page's id range, each read
    /// in index order and split by subject.
    public func ledgers(after cursor: Subject.ID?, limit: Int) async throws -> [SubjectLedger] {
        precondition(limit >= 0, "a page limit is never negative")
        return try await read("reading ledgers") { db in try SQLiteStore.ledgerPage(db, after: cursor, limit: limit, wanted: nil) }
    }

    /// The page's subjects and standings, then each subject's last sequence from the entry index alone;
    /// entries are decoded only for the subjects `wanted` names: in one pass over the range when they
    /// are most of the page, otherwise one indexed read each.
    public func ledgers(after cursor: Subject.ID?, limit: Int,
                        readingEntries wanted: @escaping @Sendable (Subject, [Standing], Int64) -> Bool) async throws -> [SubjectLedger] {
        precondition(limit >= 0, "a page limit is never negative")
        return try await read("reading ledgers") { db in try SQLiteStore.ledgerPage(db, after: cursor, limit: limit, wanted: wanted) }
    }

    private static func ledgerPage(_ db: Database, after cursor: Subject.ID?, limit: Int,
                                   wanted: (@Sendable (Subject, [Standing], Int64) -> Bool)?) throws -> [SubjectLedger] {
        let subjects = try SQLiteStore.subjects(db, after: cursor, limit: limit)
        guard let first = subjects.first?.id.rawValue, let last = subjects.last?.id.rawValue else { return [] }

        var standings: [Subject.ID: [Standing]] = [:]
        for standing in try SQLiteStore.standings(db, where: "subject >= ? AND subject <= ?", arguments: [first, last]) {
            standings[standing.subject, default: []].append(standing)
        }

        // Whose entries to read: everyone's, or those `wanted` names given their last sequence.
        var reading: Set<Subject.ID>?
        if let wanted {
            var lastEntry: [Subject.ID: Int64] = [:]
            let heads = try Row.fetchCursor(db.cachedStatement(sql: """
                SELECT subject, MAX(sequence) FROM entry WHERE subject >= ? AND subject <= ? GROUP BY subject
                """), arguments: [first, last])
            while let row = try heads.next() { lastEntry[Subject.ID(try row.decode(String.self, atIndex: 0))] = try row.decode(Int64.self, atIndex: 1) }
            reading = Set(subjects.lazy.filter { wanted($0, standings[$0.id] ?? [], lastEntry[$0.id] ?? 0) }.map(\.id))
        }

        var entries: [Subject.ID: [Entry]] = [:]
        if let reading, reading.count * 2 < subjects.count {
            // In the page's order, so that neighbouring subjects' entries share the pages SQLite has just read.
            let statement = try db.cachedStatement(sql: "SELECT \(Entry.columns) FROM entry WHERE subject = ? ORDER BY sequence")
            for subject in subjects where reading.contains(subject.id) {
                entries[subject.id] = try Row.readAll(statement, arguments: [subject.id.rawValue], table: "entry") { try Entry(reader: &$0) }
            }
        } else {
            let statement = try db.cachedStatement(sql: """
                SELECT \(Entry.columns) FROM entry WHERE subject >= ? AND subject <= ? ORDER BY subject, sequence
                """)
            let subjectColumn = 3
            try Row.forEachRow(statement, arguments: [first, last], table: "entry") { reader in
                if let reading {
                    var subject = reader
                    subject.move(to: subjectColumn)
                    guard reading.contains(Subject.ID(try subject.text())) else { return }
                }
                let entry = try Entry(reader: &reader)
                entries[entry.subject, default: []].append(entry)
            }
        }
        return subjects.map { subject in
            let read = reading?.contains(subject.id) ?? true
            return SubjectLedger(subject: subject, entries: read ? entries[subject.id] ?? [] : [], standings: standings[subject.id] ?? [],
                                 entriesRead: read)
        }
    }

    // MARK: Projections

    public func standingsAndLastEntry(subject: Subject.ID) async throws -> (standings: [Standing], lastEntry: Int64) {
        try await read("reading a subject's standings") { db in
            let standings = try SQLiteStore.standings(db, where: "subject = ?", arguments: [subject.rawValue])
            let last = try Int64.fetchOne(db.cachedStatement(sql: "SELECT MAX(sequence) FROM entry WHERE subject = ?"),
                                          arguments: [subject.rawValue])
            return (standings, last ?? 0)
        }
    }

    /// One read transaction, so the four parts are one snapshot of the database; on the asking thread when a
    /// point reader is idle (`PointReaders`), otherwise through the pool.
    public func subjectSnapshot(_ id: Subject.ID) async throws -> SubjectSnapshot? {
        if let pointReaders {
            do {
                if let snapshot = try pointReaders.read({ try SQLiteStore.subjectSnapshot(id, in: $0) }) { return snapshot }
            } catch {
                throw SQLiteStore.storageError(error, doing: "reading a subject's standings")
            }
        }
        return try await read("reading a subject's standings") { try SQLiteStore.subjectSnapshot(id, in: $0) }
    }

    static func subjectSnapshot(_ id: Subject.ID, in db: Database) throws -> SubjectSnapshot? {
        let statement = try db.cachedStatement(sql: "SELECT \(Subject.columns) FROM subject WHERE id = ?")
        guard let subject = try Row.readAll(statement, arguments: [id.rawValue], table: "subject", { try Subject(reader: &$0) }).first else {
            return nil
        }
        let standings = try SQLiteStore.standings(db, where: "subject = ?", arguments: [id.rawValue])
        let counts = try db.cachedStatement(sql: """
            SELECT (SELECT MAX(sequence) FROM entry WHERE subject = ?), (SELECT COUNT(*) FROM handbook), (SELECT COUNT(*) FROM jurisdiction)
            """)
        var last: Int64 = 0, handbooks = 0, jurisdictions = 0
        try Row.forEachRow(counts, arguments: [id.rawValue], table: "entry") { reader in
            last = try reader.optionalInteger() ?? 0
            handbooks = Int(try reader.integer())
            jurisdictions = Int(try reader.integer())
        }
        return SubjectSnapshot(subject: subject, standings: standings, lastEntry: last,
                               catalog: CatalogVersion(handbooks: handbooks, jurisdictions: jurisdictions))
    }

    public func standings(subject: Subject.ID) async throws -> [Standing] {
        try await read("reading a subject's standings") { db in
            try SQLiteStore.standings(db, where: "subject = ?", arguments: [subject.rawValue])
        }
    }

    public func standings(after cursor: StandingKey?, limit: Int) async throws -> [Standing] {
        precondition(limit >= 0, "a page limit is never negative")
        return try await read("reading standings") { db in
            if let cursor {
                return try SQLiteStore.standings(
                    db, where: "(subject, scheme) > (?, ?)", arguments: [cursor.subject.rawValue, cursor.scheme.rawValue, limit], limited: true)
            }
            return try SQLiteStore.standings(db, where: "1", arguments: [limit], limited: true)
        }
    }

    /// Standings matching `filter`, in (subject, scheme) order, with their
    /// listings joined in (one query). With `limited`, the last argument caps
    /// the number of standings, not of joined rows.
    static func standings(_ db: Database, where filter: String, arguments: StatementArguments, limited: Bool = false) throws -> [Standing] {
        let statement = try db.cachedStatement(sql: """
            SELECT s.*, \(Listing.qualifiedColumns)
            FROM (SELECT \(Standing.columns) FROM standing WHERE \(filter) ORDER BY subject, scheme \(limited ? "LIMIT ?" : "")) s
            LEFT JOIN listing l ON l.subject = s.subject AND l.scheme = s.scheme
            ORDER BY s.subject, s.scheme, l.position
            """)
        var standings: [Standing] = []
        try Row.forEachRow(statement, arguments: arguments, table: "standing") { reader in
            var key = reader
            let subject = try key.text(), scheme = try key.text()
            if let previous = standings.last, previous.subject.rawValue == subject, previous.scheme.rawValue == scheme {
                // Another listing of the same standing.
            } else {
                standings.append(try Standing(reader: &reader))
            }
            if try !reader.isNull(at: Standing.columnCount) {
                var listing = RowReader(statement: statement.sqliteStatement, table: "listing", startingAt: Standing.columnCount)
                standings[standings.count - 1].listings.append(try Listing(reader: &listing))
            }
        }
        return standings
    }

    public func listings(on list: ListKind, activeOn day: Day, limit: Int) async throws -> [ListedSubject] {
        precondition(limit >= 0, "a page limit is never negative")
        return try await read("reading listings") { db in
            let statement = try db.cachedStatement(sql: """
                SELECT subject, scheme, \(Listing.columns) FROM listing
                WHERE list = ? AND since <= ? AND (ends_on IS NULL OR ends_on > ?)
                ORDER BY since, subject, scheme, position LIMIT ?
                """)
            return try Row.fetchAll(statement, arguments: [list.rawValue, Int64(day.ordinal), Int64(day.ordinal), limit]).map { row in
                var reader = RowReader(row, table: "listing")
                return ListedSubject(subject: try reader.identifier(), scheme: try reader.identifier(),
                                     listing: try Listing(reading: row, startingAt: 2))
            }
        }
    }
}
