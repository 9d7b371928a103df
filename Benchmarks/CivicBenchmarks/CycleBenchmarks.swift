import Benchmark
import CivicCore
import CivicSQLite
import CivicTesting
import Foundation
import GRDB

// Target 3: closing a monthly cycle over a large file-backed database
// (`BenchSettings.cycleSubjects` subjects, `cycleEntriesPerSubject` entries
// each), target under 60 s. The close reads every subject's ledger page by
// page, folds every standing and writes them all in one transaction.
//
// Beside it, the floor: one bare GRDB pass that reads the same entries in the
// same (subject, sequence) order through the same index, sums each subject's
// points and upserts the same number of standing rows in one transaction. No
// engine can close a cycle faster than it can read the ledger and write the
// standings, so the ratio says how much the engine adds to that I/O.

/// The prepared database, built once per scale and kept under `.benchmarkData/`.
final class CycleDatabase {
    let store: SQLiteStore
    let subjects: Int
    let entriesPerSubject: Int

    private init(store: SQLiteStore, subjects: Int, entriesPerSubject: Int) {
        self.store = store
        self.subjects = subjects
        self.entriesPerSubject = entriesPerSubject
    }

    nonisolated(unsafe) static var shared: CycleDatabase?

    /// Opens the cached database for the configured scale, building it first if there is none.
    static func load() async throws -> CycleDatabase {
        if let database = shared { return database }
        let subjects = BenchSettings.cycleSubjects, perSubject = BenchSettings.cycleEntriesPerSubject
        let name = "cycle-\(subjects)x\(perSubject)-v2.sqlite"
        let path = try BenchSettings.path(name)
        let ready = path + ".ready"
        if !FileManager.default.fileExists(atPath: ready) {
            try await build(at: path, subjects: subjects, perSubject: perSubject)
            try Data("built \(Date())\n".utf8).write(to: URL(fileURLWithPath: ready))
        }
        let database = CycleDatabase(store: try SQLiteStore(path: path), subjects: subjects, entriesPerSubject: perSubject)
        shared = database
        return database
    }

    /// Builds the database in a side file and moves it into place once complete.
    ///
    /// The registry and handbook go through the engine, so they are exactly what
    /// the store writes. Subjects and entries (the bulk) are inserted with bare
    /// GRDB statements in the store's column encoding, in transactions of 100,000
    /// rows; a sample is read back through the store and compared with the
    /// generator before the file is accepted. Then one refresh folds and stores
    /// every standing, so the measured close updates standings, as a monthly
    /// close does, rather than creating them.
    static func build(at path: String, subjects: Int, perSubject: Int) async throws {
        let building = try BenchSettings.freshDatabase((path as NSString).lastPathComponent + ".building")
        let started = ContinuousClock.now
        log("building \(subjects) subjects x \(perSubject) entries at \(building) (cached for later runs)")
        do {
            let store = try SQLiteStore(path: building)
            let engine = Engine(store: store, clock: FixedDayClock(BenchWorld.registeredOn))
            _ = try await engine.register(BenchWorld.jurisdiction())
            for actor in BenchWorld.actors() { _ = try await engine.addActor(actor) }
            _ = try await engine.publish(BenchWorld.handbook(), source: "# built in Swift by CivicBenchmarks", by: BenchWorld.administrator)

            // The entry indexes (by id, by subject) take rows in an order far from their own,
            // so give the writer a cache that holds them (2 GB); SQLite's default is 2 MB.
            try await store.writer.writeWithoutTransaction { try $0.execute(sql: "PRAGMA cache_size = -2000000") }
            let chunk = 100_000
            for start in stride(from: 0, to: subjects, by: chunk) {
                try await store.writer.write { db in
                    let statement = try db.makeStatement(sql: """
                        INSERT INTO subject (id, kind, name, jurisdiction, household, birth_date, attributes, registered_on)
                        VALUES (?, ?, ?, ?, NULL, NULL, '[]', ?)
                        """)
                    for index in start..<min(start + chunk, subjects) {
                        let subject = BenchWorld.subject(index)
                        try statement.execute(arguments: [subject.id.rawValue, subject.kind.rawValue, subject.name,
                                                          subject.jurisdiction.rawValue, Int64(subject.registeredOn.ordinal)])
                    }
                }
            }
            log("subjects written after \(started.duration(to: .now))")
            for round in 0..<perSubject {
                for start in stride(from: 0, to: subjects, by: chunk) {
                    try await store.writer.write { db in
                        let statement = try db.makeStatement(sql: RawIngest.entrySQL)
                        let notices = try db.makeStatement(sql: RawIngest.noticeSQL)
                        for index in start..<min(start + chunk, subjects) {
                            let sequence = BenchWorld.sequence(subject: index, round: round, subjects: subjects)
                            let entry = BenchWorld.entry(subject: index, round: round, sequence: sequence)
                            // The schema refuses an adverse deed without its notice.
                            if entry.kind == .deed && entry.isAdverse { try notices.execute(arguments: RawIngest.arguments(makeNotice(for: entry))) }
                            try statement.execute(arguments: RawIngest.arguments(entry))
                        }
                    }
                }
                log("entry round \(round + 1)/\(perSubject) written after \(started.duration(to: .now))")
            }
            // Pair assertion: what the store reads back is what the generator made.
            for index in Set([0, subjects / 2, subjects - 1]) {
                let expected = (0..<perSubject).map { round in
                    BenchWorld.entry(subject: index, round: round, sequence: BenchWorld.sequence(subject: index, round: round, subjects: subjects))
                }
                let stored = try await store.entries(subject: BenchWorld.subjectID(index))
                precondition(stored == expected, "generated entries of subject \(index) do not read back as written")
            }
            let head = try await store.ledgerHead()
            precondition(head == Int64(subjects * perSubject), "the generated ledger ends at \(head)")
            let refresh = try await Engine(store: store, clock: FixedDayClock(BenchWorld.asOf)).refreshStandings()
            precondition(refresh.standingsComputed == subjects, "the first refresh computed \(refresh.standingsComputed) standings")
            log("standings refreshed after \(started.duration(to: .now))")
            _ = try await store.writer.writeWithoutTransaction { try $0.checkpoint(.truncate) }
        }
        // The store is released above, so SQLite has closed the file and removed its WAL.
        BenchSettings.removeDatabase(at: path)
        try FileManager.default.moveItem(atPath: building, toPath: path)
        for suffix in ["-wal", "-shm"] { try? FileManager.default.removeItem(atPath: building + suffix) }
        log("database ready after \(started.duration(to: .now))")
    }

    /// The month after the last closed cycle (the first is January 2026), so every iteration closes a new one.
    func nextMonth() async throws -> Month {
        let closed = try await store.cycles().filter { $0.jurisdiction == BenchWorld.city }.map(\.month).max()
        return closed?.next ?? Month(year: 2026, month: 1)!
    }
}

/// Times the close's phases from its progress reports: one per page read and
/// folded; after the last, the summary and the single commit.
final class PageClock: @unchecked Sendable {
    // The engine reports progress from the task that runs the close, one call at a time; the lock makes that explicit.
    private let lock = NSLock()
    private let started = ContinuousClock.now
    private var first: ContinuousClock.Instant?
    private var last: ContinuousClock.Instant?
    private var pages = 0

    func tick() {
        lock.withLock {
            let now = ContinuousClock.now
            if first == nil { first = now }
            last = now
            pages += 1
        }
    }

    /// "N pages read and folded in X (first page after Y); then Z to summarise and commit".
    func report() -> String {
        lock.withLock {
            let end = ContinuousClock.now
            guard let first, let last else { return "no page reported, \(started.duration(to: end)) in all" }
            return "\(pages) pages read and folded in \(started.duration(to: last)) (first after \(started.duration(to: first))); "
                + "then \(last.duration(to: end)) to summarise and commit; \(started.duration(to: end)) in all"
        }
    }
}

func log(_ message: String) {
    FileHandle.standardError.write(Data("[CivicBenchmarks] \(message)\n".utf8))
}

/// The floor: read every entry in (subject, sequence) order, sum points per subject, upsert one standing row each.
enum RawCycle {
    static func run(_ writer: any DatabaseWriter, asOf: Day) throws -> Int {
        try writer.writeWithoutTransaction { db in
            var written = 0
            try db.inTransaction(.immediate) {
                let upsert = try db.cachedStatement(sql: RawIngest.standingSQL)
                let rows = try Row.fetchCursor(db, sql: "SELECT subject, points, sequence FROM entry ORDER BY subject, sequence")
                var subject: String?
                var total: Int64 = 0, count = 0, last: Int64 = 0
                func flush() throws {
                    guard let id = subject else { return }
                    let score = Points(hundredths: min(max(100_000 + total, 0), 120_000))
                    let standing = Standing(subject: Subject.ID(id), scheme: BenchWorld.scheme, asOf: asOf, score: score,
                                            grade: rongchengGrade(score), activeEntries: count, lastSequence: last,
                                            earned: EarnedPoints(year: asOf.year))
                    try upsert.execute(arguments: RawIngest.arguments(standing))
                    written += 1
                }
                while let row = try rows.next() {
                    let id: String = row[0]
                    if id != subject {
                        try flush()
                        subject = id
                        total = 0
                        count = 0
                    }
                    total &+= row[1] as Int64
                    last = row[2]
                    count += 1
                }
                try flush()
                return .commit
            }
            return written
        }
    }
}

func registerCycleBenchmarks() {
    let configuration = Benchmark.Configuration(
        metrics: [.wallClock, .throughput, .cpuTotal, .peakMemoryResident], warmupIterations: 0,
        maxDuration: .seconds(3_600), maxIterations: BenchSettings.cycleIterations)

    var closing: CycleDatabase?
    Benchmark("Cycle: Engine.closeCycle", configuration: configuration) { benchmark in
        guard let database = closing else { return benchmark.error("setup did not run") }
        let month = try await database.nextMonth()
        let engine = Engine(store: database.store, clock: FixedDayClock(month.lastDay))
        let pages = PageClock()
        benchmark.startMeasurement()
        let summary = try await engine.closeCycle(BenchWorld.city, month: month, by: BenchWorld.administrator) { _ in pages.tick() }
        benchmark.stopMeasurement()
        log("closed \(month): \(summary.standingsComputed) standings, \(summary.standingsHeld) of them still holding; \(pages.report())")
        guard summary.standingsComputed == database.subjects else {
            return benchmark.error("closing \(month) computed \(summary.standingsComputed) standings, expected \(database.subjects)")
        }
    } setup: {
        closing = try await CycleDatabase.load()
    } teardown: {
        closing = nil
        CycleDatabase.shared = nil
    }

    // Where the close's time goes, part one: the store's paged read of every ledger, alone.
    var reading: CycleDatabase?
    Benchmark("Cycle: profile store.ledgers read pass", configuration: configuration) { benchmark in
        guard let database = reading else { return benchmark.error("setup did not run") }
        var cursor: Subject.ID?
        var subjects = 0, entries = 0
        let started = ContinuousClock.now
        benchmark.startMeasurement()
        while true {
            let page = try await database.store.ledgers(after: cursor, limit: 5_000)
            guard let last = page.last else { break }
            cursor = last.subject.id
            subjects += page.count
            for ledger in page { entries += ledger.entries.count }
        }
        benchmark.stopMeasurement()
        log("read \(subjects) ledgers with \(entries) entries in \(started.duration(to: .now))")
    } setup: {
        reading = try await CycleDatabase.load()
    } teardown: {
        reading = nil
        CycleDatabase.shared = nil
    }

    // Part two: the read a close of the next month makes, alone: every page's subjects, standings and
    // last sequences, and the entries of the subjects whose standings come due in the month.
    var selecting: CycleDatabase?
    Benchmark("Cycle: profile selective read pass", configuration: configuration) { benchmark in
        guard let database = selecting else { return benchmark.error("setup did not run") }
        let day = try await database.nextMonth().lastDay
        var cursor: Subject.ID?
        var subjects = 0, read = 0, entries = 0
        let started = ContinuousClock.now
        benchmark.startMeasurement()
        while true {
            let page = try await database.store.ledgers(after: cursor, limit: 5_000) { _, standings, lastEntry in
                !standings.allSatisfy { $0.stillHolds(on: day, lastEntry: lastEntry) }
            }
            guard let last = page.last else { break }
            cursor = last.subject.id
            subjects += page.count
            for ledger in page where ledger.entriesRead {
                read += 1
                entries += ledger.entries.count
            }
        }
        benchmark.stopMeasurement()
        log("read \(subjects) ledgers as of \(day), the entries of \(read) of them (\(entries) entries), in \(started.duration(to: .now))")
    } setup: {
        selecting = try await CycleDatabase.load()
    } teardown: {
        selecting = nil
        CycleDatabase.shared = nil
    }

    // Cold checks: one eligibility question at a time about a random subject among the million, on the
    // first day after the last close (when about 97% of the stored standings still hold), so that no cache
    // but SQLite's and the operating system's can answer. Beside them: the same question answered by a fresh
    // fold (what every check did before stored standings were read), and the anchor, one indexed read of
    // the subject's standing row through GRDB.
    let checks = Benchmark.Configuration(
        metrics: [.wallClock, .throughput, .cpuTotal], warmupIterations: 0, scalingFactor: .kilo,
        maxDuration: .seconds(10), maxIterations: 5)
    /// One question per step about a random subject (the same sequence in each); `ask` answers it.
    func coldChecks(_ name: String, _ ask: @escaping (CycleDatabase, Engine, Subject.ID, Day) async throws -> Bool) {
        var loaded: CycleDatabase?
        var day = Day(year: 2026, month: 1, day: 1)!
        Benchmark(name, configuration: checks) { benchmark in
            guard let database = loaded else { return benchmark.error("setup did not run") }
            let engine = Engine(store: database.store, clock: FixedDayClock(day))
            var random = SplitMix64(seed: 17)
            var answered = 0
            benchmark.startMeasurement()
            for _ in benchmark.scaledIterations {
                let subject = BenchWorld.subjectID(Int(random.next() % UInt64(database.subjects)))
                if try await ask(database, engine, subject, day) { answered += 1 }
            }
            benchmark.stopMeasurement()
            blackHole(answered)
        } setup: {
            loaded = try await CycleDatabase.load()
            day = try await loaded!.nextMonth().firstDay
        } teardown: {
            loaded = nil
            CycleDatabase.shared = nil
        }
    }
    coldChecks("Check: Engine.check on the 1M-subject database, a random subject each time") { _, engine, subject, _ in
        try await engine.check(subject, measure: BenchWorld.fastLoan.id).applies
    }
    coldChecks("Check: the same question answered by a fresh fold") { _, engine, subject, day in
        let standing = try await engine.standings(of: subject, asOf: day)[0]
        return BenchWorld.fastLoan.decide(standing, grades: rongchengGrades()).applies
    }
    coldChecks("Check: baseline GRDB read of one standing row") { database, _, subject, _ in
        try await database.store.writer.read { db in
            try Row.fetchOne(db.cachedStatement(sql: "SELECT * FROM standing WHERE subject = ?"), arguments: [subject.rawValue]) != nil
        }
    }

    // Rebuilding every standing from the ledger (`civic standings refresh`): the close's work without new entries.
    var rebuilding: CycleDatabase?
    Benchmark("Rebuild: Engine.refreshStandings", configuration: configuration) { benchmark in
        guard let database = rebuilding else { return benchmark.error("setup did not run") }
        let engine = Engine(store: database.store, clock: FixedDayClock(try await database.nextMonth().lastDay))
        benchmark.startMeasurement()
        let summary = try await engine.refreshStandings()
        benchmark.stopMeasurement()
        guard summary.standingsComputed == database.subjects else {
            return benchmark.error("the refresh computed \(summary.standingsComputed) standings, expected \(database.subjects)")
        }
    } setup: {
        rebuilding = try await CycleDatabase.load()
    } teardown: {
        rebuilding = nil
        CycleDatabase.shared = nil
    }

    var floor: CycleDatabase?
    Benchmark("Cycle: baseline raw scan and standings upsert", configuration: configuration) { benchmark in
        guard let database = floor else { return benchmark.error("setup did not run") }
        let month = try await database.nextMonth()
        let started = ContinuousClock.now
        benchmark.startMeasurement()
        let written = try RawCycle.run(database.store.writer, asOf: month.lastDay)
        benchmark.stopMeasurement()
        log("floor for \(month): \(written) standings in \(started.duration(to: .now))")
        guard written == database.subjects else {
            return benchmark.error("the floor wrote \(written) standings, expected \(database.subjects)")
        }
    } setup: {
        floor = try await CycleDatabase.load()
    } teardown: {
        floor = nil
        CycleDatabase.shared = nil
    }
}
