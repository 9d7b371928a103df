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

    /// The cached log database, built on first use: leaf i stands for report "r-i" and its hash is SHA-256 of its index.
    /// (An entry's leaf is found through its ledger sequence: one more indexed read than a report's.)
    static func store() async throws -> SQLiteStore {
        let path = try BenchSettings.path("log-v4-\(leaves).sqlite")
        let ready = path + ".ready"
        if FileManager.default.fileExists(atPath: ready) { return try SQLiteStore(path: path) }
        let store = try SQLiteStore(path: try BenchSettings.freshDatabase("log-v4-\(leaves).sqlite"))
        var index: UInt64 = 0
        let batch = 100_000
        while index < UInt64(leaves) {
            let count = min(batch, leaves - Int(index))
            let page = (0..<count).map { offset in
                let at = index + UInt64(offset)
                return LogLeaf(index: at, kind: .report, key: "r-\(at)", hash: LogHash(sha256: Array(String(at).utf8)))
            }
            try await store.importLog(page)
            index += UInt64(count)
        }
        _ = FileManager.default.createFile(atPath: ready, contents: Data())
        return store
    }
}

func registerLogBenchmarks() {
    let configuration = Benchmark.Configuration(metrics: [.wallClock, .cpuTotal], warmupIterations: 10, maxDuration: .seconds(10),
                                                maxIterations: 5_000)
    let size = UInt64(LogBench.leaves)
    var store: SQLiteStore?
    /// One benchmark over the cached log: `ask` is timed, its answer kept from the optimiser.
    func measure(_ name: String, _ ask: @escaping (SQLiteStore) async throws -> Any) {
        Benchmark(name, configuration: configuration) { benchmark in
            guard let store else { return benchmark.error("setup did not run") }
            benchmark.startMeasurement()
            let answer = try await ask(store)
            benchmark.stopMeasurement()
            blackHole(answer)
        } setup: {
            store = try await LogBench.store()
        } teardown: {
            store = nil
        }
    }
    var random = SplitMix64(seed: 2026)
    // Cold: a different pseudo-random leaf or old size each time.
    measure("Log: inclusion proof at 10M leaves") { store in
        try await TransparencyLog(store: store).inclusion(kind: .report, key: "r-\(random.next() % size)", size: size)
    }
    measure("Log: consistency proof at 10M leaves") { store in
        try await TransparencyLog(store: store).consistency(from: 1 + random.next() % (size - 1), to: size)
    }
    // Warm: the same 64 leaves and sizes over and over, so every page they need is in memory after the warm-up.
    var warm = SplitMix64(seed: 7)
    let hot = (0..<64).map { _ in warm.next() % size }
    var turn = 0
    measure("Log: inclusion proof at 10M leaves, warm") { store in
        turn += 1
        return try await TransparencyLog(store: store).inclusion(kind: .report, key: "r-\(hot[turn % hot.count])", size: size)
    }
    measure("Log: consistency proof at 10M leaves, warm") { store in
        turn += 1
        return try await TransparencyLog(store: store).consistency(from: 1 + hot[turn % hot.count] % (size - 1), to: size)
    }
    measure("Log: baseline one indexed leaf read") { store in
        try await store.logLeaf(kind: .report, key: "r-\(random.next() % size)") as Any
    }
}
