import Benchmark
import CivicCore
import CivicLog
import CivicSQLite
import Foundation

// Target 7 of the transparency log: proofs answer in under 1 ms at 10M leaves, read
// from the store (a file-backed SQLite database of `CIVIC_BENCH_LOG_LEAVES` leaves,
// default 10,000,000, built once through `importLog` and cached in .benchmarkData/).
// Every iteration asks about a different, pseudo-random leaf or size pair, so the
// tiles it reads are mostly not the ones the previous iteration read.
//
// The ingest share of the log is measured in IngestBenchmarks: the same commits with
// and without the log.

enum LogBench {
    static let leaves = BenchSettings.integer("CIVIC_BENCH_LOG_LEAVES", default: 10_000_000)

    /// The cached log database, built on first use: leaf i's hash is SHA-256 of its index.
    static func store() async throws -> SQLiteStore {
        let path = try BenchSettings.path("log-\(leaves).sqlite")
        let ready = path + ".ready"
        if FileManager.default.fileExists(atPath: ready) { return try SQLiteStore(path: path) }
        let store = try SQLiteStore(path: try BenchSettings.freshDatabase("log-\(leaves).sqlite"))
        var index: UInt64 = 0
        let batch = 100_000
        while index < UInt64(leaves) {
            let count = min(batch, leaves - Int(index))
            let page = (0..<count).map { offset in
                let at = index + UInt64(offset)
                return LogLeaf(index: at, kind: .entry, key: "e-\(at)", hash: LogHash(sha256: Array(String(at).utf8)))
            }
            try await store.importLog(page)
            index += UInt64(count)
        }
        FileManager.default.createFile(atPath: ready, contents: Data())
        return store
    }
}

func registerLogBenchmarks() {
    let configuration = Benchmark.Configuration(metrics: [.wallClock, .cpuTotal], warmupIterations: 10, maxDuration: .seconds(10),
                                                maxIterations: 5_000)
    var store: SQLiteStore?
    var random = SplitMix64(seed: 2026)
    Benchmark("Log: inclusion proof at 10M leaves", configuration: configuration) { benchmark in
        guard let store else { return benchmark.error("setup did not run") }
        let size = UInt64(LogBench.leaves)
        let index = random.next() % size
        benchmark.startMeasurement()
        let proof = try await TransparencyLog(store: store).inclusion(kind: .entry, key: "e-\(index)", size: size)
        benchmark.stopMeasurement()
        blackHole(proof)
    } setup: {
        store = try await LogBench.store()
    } teardown: {
        store = nil
    }
    Benchmark("Log: consistency proof at 10M leaves", configuration: configuration) { benchmark in
        guard let store else { return benchmark.error("setup did not run") }
        let size = UInt64(LogBench.leaves)
        let old = 1 + random.next() % (size - 1)
        benchmark.startMeasurement()
        let proof = try await TransparencyLog(store: store).consistency(from: old, to: size)
        benchmark.stopMeasurement()
        blackHole(proof)
    } setup: {
        store = try await LogBench.store()
    } teardown: {
        store = nil
    }
    // Warm: the same 64 leaves and sizes over and over, so every page they need is in memory after the warm-up; the
    // cold figures above are what a random question costs when its pages come from disk.
    var warm = SplitMix64(seed: 7)
    let hot = (0..<64).map { _ in warm.next() % UInt64(LogBench.leaves) }
    var turn = 0
    Benchmark("Log: inclusion proof at 10M leaves, warm", configuration: configuration) { benchmark in
        guard let store else { return benchmark.error("setup did not run") }
        turn += 1
        benchmark.startMeasurement()
        let proof = try await TransparencyLog(store: store).inclusion(kind: .entry, key: "e-\(hot[turn % hot.count])", size: UInt64(LogBench.leaves))
        benchmark.stopMeasurement()
        blackHole(proof)
    } setup: {
        store = try await LogBench.store()
    } teardown: {
        store = nil
    }
    Benchmark("Log: consistency proof at 10M leaves, warm", configuration: configuration) { benchmark in
        guard let store else { return benchmark.error("setup did not run") }
        turn += 1
        benchmark.startMeasurement()
        let proof = try await TransparencyLog(store: store).consistency(from: 1 + hot[turn % hot.count] % (UInt64(LogBench.leaves) - 1),
                                                                        to: UInt64(LogBench.leaves))
        benchmark.stopMeasurement()
        blackHole(proof)
    } setup: {
        store = try await LogBench.store()
    } teardown: {
        store = nil
    }
    Benchmark("Log: baseline one indexed leaf read", configuration: configuration) { benchmark in
        guard let store else { return benchmark.error("setup did not run") }
        let index = random.next() % UInt64(LogBench.leaves)
        benchmark.startMeasurement()
        let leaf = try await store.logLeaf(kind: .entry, key: "e-\(index)")
        benchmark.stopMeasurement()
        blackHole(leaf)
    } setup: {
        store = try await LogBench.store()
    } teardown: {
        store = nil
    }
}
