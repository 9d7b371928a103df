import CivicCore
import CivicTesting
import Foundation

/// The benchmark world: one city, a handbook built in Swift (a Rongcheng-style
/// points scheme with grade bands, lock-ins, lists and measures), and a
/// deterministic ledger generator. Every suite draws its data from here, so an
/// engine benchmark and its baseline always see the same rows.
enum BenchWorld {
    static let city: Jurisdiction.ID = "rongcheng"
    static let scheme: Scheme.ID = "city-points"
    static let administrator: Actor.ID = "admin"
    static let reviewer: Actor.ID = "reviewer"
    static let registeredOn = Day(year: 2022, month: 1, day: 1)!
    /// The ledger's first effective day; round r of entries falls 3r months after it.
    static let ledgerStart = Day(year: 2023, month: 1, day: 1)!
    /// The day standings are folded as of, outside the cycle benchmark.
    static let asOf = Day(year: 2025, month: 12, day: 31)!
    static let negativeExpiryDays = 1_095

    /// Rules as the generator picks them: mostly small good deeds, a steady
    /// share of faults, and rare serious ones that cap the grade and blacklist.
    static let rules: [Rule] = [
        rule("R-STREET-CLEANING", Points(2), category: "volunteering"),
        rule("R-VISIT-PARENTS", Points(6), category: "family-care"),
        rule("R-WATER-METER", points("0.5")),
        rule("R-SETTLE-DISPUTE", Points(10), category: "dispute-settlement"),
        rule("R-LITTER", Points(-5), category: "sanitation"),
        rule("R-RED-LIGHT", Points(-20), category: "traffic"),
        rule("R-LOAN-DEFAULT", Points(-100), category: "financial-credit", gradeCap: "C"),
    ]

    /// The measure the eligibility suite checks: two conditions, as a relying bank would ask.
    static let fastLoan: Measure = measure(
        "fast-loan", .reward, domain: .finance, condition: .all([.gradeAtLeast("A"), .not(.onList(.black))]))

    static func handbook() -> Handbook {
        let lists = [
            listCriterion("black-grade-d", .black, trigger: .gradeAtMost("D"), duration: .whileTriggered),
            listCriterion("red-grade-aaa", .red, trigger: .gradeAtLeast("AAA"), duration: .whileTriggered),
            listCriterion("black-loan-default", .black, trigger: .rule(["R-LOAN-DEFAULT"]), duration: .untilRemedied),
        ]
        let measures = [
            fastLoan,
            measure("no-subsidy", .sanction, domain: .finance, condition: .onList(.black), remedyHint: "repay the loan"),
        ]
        let scheme = CivicTesting.pointsScheme(
            BenchWorld.scheme, rules: rules, base: Points(1000), floor: .zero, ceiling: Points(1200),
            grades: rongchengGrades(), subjectKinds: [.person], lists: lists, measures: measures,
            negativeExpiryDays: negativeExpiryDays)
        return Handbook(jurisdiction: city, version: 1, title: LocalizedText(en: "Benchmark city handbook", zh: "基准测试手册"),
                        schemes: [scheme])
    }

    static func cityScheme() -> Scheme { handbook().schemes[0] }

    static func jurisdiction() -> Jurisdiction { Jurisdiction(id: city, name: LocalizedText(en: "Rongcheng", zh: "荣成市")) }

    static func actors() -> [Actor] {
        [
            Actor(id: administrator, name: "City credit office", roles: [.administrator], jurisdiction: city),
            Actor(id: reviewer, name: "Committee", roles: [.reviewer], jurisdiction: city),
        ]
    }

    /// "s-0000042": fixed width, so id order is index order.
    static func subjectID(_ index: Int) -> Subject.ID { Subject.ID("s-" + padded(index, 7)) }

    static func subject(_ index: Int) -> Subject {
        Subject(id: subjectID(index), kind: .person, name: "Resident \(index)", jurisdiction: city, registeredOn: registeredOn)
    }

    /// The `round`-th entry of subject `index`: a deed as `EntryPlanner` writes one.
    ///
    /// Round r is effective in the quarter 3r months after `ledgerStart`, so a
    /// ledger written round by round is in time order and interleaves every
    /// subject, as a real one does.
    static func entry(subject index: Int, round: Int, sequence: Int64) -> Entry {
        var random = SplitMix64(seed: UInt64(index) &* 1_000_003 &+ UInt64(round))
        let roll = Int(random.next() % 100)
        let rule: Rule
        switch roll {
        case 0..<30: rule = rules[0]
        case 30..<45: rule = rules[1]
        case 45..<65: rule = rules[2]
        case 65..<70: rule = rules[3]
        case 70..<90: rule = rules[4]
        case 90..<99: rule = rules[5]
        default: rule = rules[6]
        }
        let points = rule.points ?? .zero
        let effective = ledgerStart.adding(months: round * 3).adding(days: Int(random.next() % 28))
        return Entry(
            id: Entry.ID("e:r-\(sequence)"), sequence: sequence, kind: .deed, subject: subjectID(index), scheme: scheme,
            handbookJurisdiction: city, handbookVersion: 1, rule: rule.id, category: rule.category.code, points: points,
            occurredOn: effective.adding(days: -3), effectiveOn: effective,
            expiresOn: points.isNegative || rule.gradeCap != nil ? effective.adding(days: negativeExpiryDays) : nil,
            gradeCap: rule.gradeCap, report: Report.ID("r-\(sequence)"), decisions: [Decision.ID("d:r-\(sequence)")],
            recordedOn: effective, recordedBy: reviewer)
    }

    /// Sequence of subject `index`'s entry in `round`, in a ledger of `subjects` subjects written round by round.
    static func sequence(subject index: Int, round: Int, subjects: Int) -> Int64 { Int64(round * subjects + index + 1) }

    /// Every entry of `subjects` subjects, `perSubject` each, grouped by subject.
    static func ledgers(subjects: Int, perSubject: Int) -> [[Entry]] {
        (0..<subjects).map { index in
            (0..<perSubject).map { round in
                entry(subject: index, round: round, sequence: sequence(subject: index, round: round, subjects: subjects))
            }
        }
    }
}

/// The project's seeded generator (SplitMix64), under the name these files use.
typealias SplitMix64 = SeededRandom

func padded(_ value: Int, _ width: Int) -> String {
    let digits = String(value)
    return String(repeating: "0", count: max(0, width - digits.count)) + digits
}

/// Scale and locations, read from the environment once.
enum BenchSettings {
    /// Subjects in the cycle-close database (`CIVIC_BENCH_SUBJECTS`, default 1,000,000).
    static let cycleSubjects = integer("CIVIC_BENCH_SUBJECTS", default: 1_000_000)
    /// Entries per subject in the cycle-close database (`CIVIC_BENCH_ENTRIES_PER_SUBJECT`, default 10).
    static let cycleEntriesPerSubject = integer("CIVIC_BENCH_ENTRIES_PER_SUBJECT", default: 10)
    /// Cycles closed per run (`CIVIC_BENCH_CYCLE_ITERATIONS`, default 1): each takes tens of seconds at full scale.
    static let cycleIterations = integer("CIVIC_BENCH_CYCLE_ITERATIONS", default: 1)
    /// Subjects held in memory by the fold and eligibility suites (`CIVIC_BENCH_FOLD_SUBJECTS`, default 100,000).
    static let foldSubjects = integer("CIVIC_BENCH_FOLD_SUBJECTS", default: 100_000)
    static let foldEntriesPerSubject = 10
    /// Approved reports per ingest commit (`CIVIC_BENCH_BATCH`, default 10,000): one entry and one standing each.
    static let ingestBatch = integer("CIVIC_BENCH_BATCH", default: 10_000)

    /// `.benchmarkData/` at the package root (gitignored), or `CIVIC_BENCH_DATA_DIR`.
    static let dataDirectory: URL = {
        if let path = ProcessInfo.processInfo.environment["CIVIC_BENCH_DATA_DIR"], !path.isEmpty {
            return URL(fileURLWithPath: path, isDirectory: true)
        }
        // This file is Benchmarks/CivicBenchmarks/BenchWorld.swift: the package root is three levels up.
        return URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent(".benchmarkData", isDirectory: true)
    }()

    static func integer(_ name: String, default value: Int) -> Int {
        guard let text = ProcessInfo.processInfo.environment[name], !text.isEmpty else { return value }
        guard let parsed = Int(text.replacingOccurrences(of: "_", with: "")), parsed > 0 else {
            preconditionFailure("\(name)='\(text)' is not a positive whole number")
        }
        return parsed
    }

    static func path(_ name: String) throws -> String {
        try FileManager.default.createDirectory(at: dataDirectory, withIntermediateDirectories: true)
        return dataDirectory.appendingPathComponent(name).path
    }

    /// A path under the data directory with any old file and its WAL companions removed.
    static func freshDatabase(_ name: String) throws -> String {
        let path = try path(name)
        removeDatabase(at: path)
        return path
    }

    static func removeDatabase(at path: String) {
        for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: path + suffix) }
    }
}
