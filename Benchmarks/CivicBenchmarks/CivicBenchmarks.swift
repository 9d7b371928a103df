import Benchmark

// CivicCredit's performance figures, each measured beside its baseline so that
// the figure reads as a ratio: `scripts/bench` runs this suite and prints them.
// Scale is set by environment variables (see `BenchSettings`); large prepared
// databases are cached under `.benchmarkData/`.
let benchmarks: @Sendable () -> Void = {
    registerIngestBenchmarks()
    registerMemoryBenchmarks()
    registerCycleBenchmarks()
    registerPostgresBenchmarks()
    registerLogBenchmarks()
}
