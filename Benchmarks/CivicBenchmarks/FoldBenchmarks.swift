import Benchmark
import CivicCore

// Targets 2, 4 and 5: work on values held in memory.
//
// The in-memory world is `BenchSettings.foldSubjects` subjects with ten entries
// each, grouped by subject as `Store.ledgers` returns them. Each iteration
// handles 1,000 subjects (the `.kilo` scaling factor: one scaled iteration is one
// subject, check or encoding), moving on through the population, so every
// subject is folded over a run and caches see the whole data set, not one page.

/// The in-memory ledger, standings and the evaluator; built once and shared by the suites below.
final class MemoryWorld {
    let scheme: Scheme
    let evaluator: Evaluator
    let subjects: [Subject.ID]
    let ledgers: [[Entry]]
    private(set) lazy var standings: [Subject.ID: Standing] = {
        var byID: [Subject.ID: Standing] = [:]
        byID.reserveCapacity(subjects.count)
        for (index, id) in subjects.enumerated() {
            byID[id] = evaluator.standing(subject: id, entries: ledgers[index], asOf: BenchWorld.asOf)
        }
        return byID
    }()

    init(subjects count: Int) {
        scheme = BenchWorld.cityScheme()
        evaluator = Evaluator(scheme: scheme)
        subjects = (0..<count).map(BenchWorld.subjectID)
        ledgers = BenchWorld.ledgers(subjects: count, perSubject: BenchSettings.foldEntriesPerSubject)
    }

    /// Built on first use, so a filtered run that skips these suites never pays for it.
    nonisolated(unsafe) static var shared: MemoryWorld?
    static func load() -> MemoryWorld {
        if let world = shared { return world }
        let world = MemoryWorld(subjects: BenchSettings.foldSubjects)
        shared = world
        return world
    }
}

/// Walks the population 1,000 subjects at a time, wrapping around.
struct Window {
    var start = 0
    let count: Int

    mutating func next(_ size: Int) -> Range<Int> {
        if start + size > count { start = 0 }
        defer { start += size }
        return start..<min(start + size, count)
    }
}

func registerMemoryBenchmarks() {
    let scaled = Benchmark.Configuration(
        metrics: [.wallClock, .throughput], scalingFactor: .kilo, maxDuration: .seconds(5), maxIterations: 10_000)

    // Target 2: rebuilding scores. `Evaluator.standing` per subject beside a bare loop that sums the same entries' points.
    var foldWorld: MemoryWorld?
    var foldWindow = Window(count: 0)
    Benchmark("Fold: Evaluator.standing per subject", configuration: scaled) { benchmark in
        guard let world = foldWorld else { return benchmark.error("setup did not run") }
        let range = foldWindow.next(benchmark.scaledIterations.count)
        benchmark.startMeasurement()
        for index in range {
            blackHole(world.evaluator.standing(subject: world.subjects[index], entries: world.ledgers[index], asOf: BenchWorld.asOf))
        }
    } setup: {
        foldWorld = MemoryWorld.load()
        foldWindow = Window(count: foldWorld!.subjects.count)
    } teardown: {
        foldWorld = nil
    }

    var sumWorld: MemoryWorld?
    var sumWindow = Window(count: 0)
    var totals: [Int64] = []
    Benchmark("Fold: baseline bare loop summing points", configuration: scaled) { benchmark in
        guard let world = sumWorld else { return benchmark.error("setup did not run") }
        let range = sumWindow.next(benchmark.scaledIterations.count)
        benchmark.startMeasurement()
        for index in range {
            var total: Int64 = 100_000
            for entry in world.ledgers[index] { total &+= entry.points.hundredths }
            totals[index] = total
        }
        blackHole(totals[range.lowerBound])
    } setup: {
        sumWorld = MemoryWorld.load()
        sumWindow = Window(count: sumWorld!.subjects.count)
        totals = Array(repeating: 0, count: sumWorld!.subjects.count)
    } teardown: {
        sumWorld = nil
    }

    // Target 4: an eligibility check on a standing held in memory, found by subject id, beside the bare look-up.
    let measure = BenchWorld.fastLoan
    var checkWorld: MemoryWorld?
    var checkWindow = Window(count: 0)
    var shuffled: [Subject.ID] = []
    Benchmark("Eligibility: Measure.decide on a looked-up standing", configuration: scaled) { benchmark in
        guard let world = checkWorld else { return benchmark.error("setup did not run") }
        let grades = world.scheme.grades
        let standings = world.standings
        let range = checkWindow.next(benchmark.scaledIterations.count)
        benchmark.startMeasurement()
        for index in range {
            guard let standing = standings[shuffled[index]] else { return benchmark.error("no standing") }
            blackHole(measure.decide(standing, grades: grades))
        }
    } setup: {
        let world = MemoryWorld.load()
        _ = world.standings
        checkWorld = world
        checkWindow = Window(count: world.subjects.count)
        var random = SplitMix64(seed: 4)
        shuffled = world.subjects.shuffled(using: &random)
    } teardown: {
        checkWorld = nil
    }

    var lookupWorld: MemoryWorld?
    var lookupWindow = Window(count: 0)
    Benchmark("Eligibility: baseline dictionary look-up", configuration: scaled) { benchmark in
        guard let world = lookupWorld else { return benchmark.error("setup did not run") }
        let standings = world.standings
        let range = lookupWindow.next(benchmark.scaledIterations.count)
        benchmark.startMeasurement()
        for index in range {
            guard let standing = standings[shuffled[index]] else { return benchmark.error("no standing") }
            blackHole(standing.score)
        }
    } setup: {
        let world = MemoryWorld.load()
        _ = world.standings
        lookupWorld = world
        lookupWindow = Window(count: world.subjects.count)
        var random = SplitMix64(seed: 4)
        shuffled = world.subjects.shuffled(using: &random)
    } teardown: {
        lookupWorld = nil
    }

    // Target 5, for the record: the canonical byte encoding of entries.
    var encodeWorld: MemoryWorld?
    var encodeWindow = Window(count: 0)
    Benchmark("Canonical: Entry.canonicalBytes", configuration: scaled) { benchmark in
        guard let world = encodeWorld else { return benchmark.error("setup did not run") }
        let range = encodeWindow.next(benchmark.scaledIterations.count)
        benchmark.startMeasurement()
        for index in range {
            blackHole(world.ledgers[index][index % BenchSettings.foldEntriesPerSubject].canonicalBytes)
        }
    } setup: {
        encodeWorld = MemoryWorld.load()
        encodeWindow = Window(count: encodeWorld!.subjects.count)
    } teardown: {
        encodeWorld = nil
    }
}
