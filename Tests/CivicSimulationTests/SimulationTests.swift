import CivicCore
@testable import CivicPostgres
import Foundation
import Testing

/// Runs seeds and reports: the first failing seed with its shortest failing prefix of operations.
enum SimulationRunner {
    struct Totals: CustomStringConvertible {
        var seeds = 0
        var steps = 0
        var acknowledged = 0
        var refused = 0
        var standingsHeld = 0
        var faults: [String: Int] = [:]
        var failures: [String] = []

        var description: String {
            let faultText = faults.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", ")
            return "\(seeds) seeds, \(steps) operations, \(acknowledged) acknowledged, \(refused) refused by the engine, \(standingsHeld) standings held at a close; faults: \(faultText); violations: \(failures.count)"
        }
    }

    static func run(seeds: Range<UInt64>, operations: Int, on kind: StoreKind) async throws -> Totals {
        var totals = Totals()
        for seed in seeds {
            let result = try await Simulation.run(seed: seed, operations: operations, on: kind)
            totals.seeds += 1
            totals.steps += result.steps
            totals.acknowledged += result.acknowledged
            totals.refused += result.refused
            totals.standingsHeld += result.standingsHeld
            totals.faults.merge(result.faults, uniquingKeysWith: +)
            if let violation = result.violation {
                totals.failures.append(try await report(result, violation: violation, operations: operations, on: kind))
            }
        }
        return totals
    }

    /// Shrinks a failure to its shortest failing prefix (trying shorter prefixes of the same seed) and says how to replay it.
    static func report(_ result: RunResult, violation: String, operations: Int, on kind: StoreKind) async throws -> String {
        var shortest = result.failingStep ?? operations
        var low = 0
        var high = shortest
        while low + 1 < high {
            let middle = (low + high) / 2
            if try await Simulation.run(seed: result.seed, operations: middle, on: kind).violation != nil { high = middle } else { low = middle }
        }
        shortest = high
        let replay = try await Simulation.run(seed: result.seed, operations: shortest, on: kind)
        let text = """
            SIMULATION FAILED on \(kind.rawValue): seed \(result.seed), shortest failing prefix \(shortest) operations
            \(replay.violation ?? violation)
            replay: scripts/simulate --seed \(result.seed) \(shortest) --store \(kind.rawValue)
            operations:
            \(replay.trace.joined(separator: "\n"))
            """
        FileHandle.standardError.write(Data((text + "\n").utf8))
        return text
    }

    static var environment: [String: String] { ProcessInfo.processInfo.environment }
}

/// The simulation: on every store, a slice of seeds with every invariant after every step; and that a seed replays exactly.
@Suite(.serialized) struct SimulationTests {
    static let postgresAvailable = PostgresScratch.url != nil
    static let longRun = SimulationRunner.environment["CIVIC_SIM_SEEDS"] != nil

    func slice(_ kind: StoreKind, seeds: UInt64, operations: Int) async throws {
        let totals = try await SimulationRunner.run(seeds: 1..<(1 + seeds), operations: operations, on: kind)
        print("simulation slice on \(kind.rawValue): \(totals)")
        #expect(totals.failures.isEmpty, "\(totals.failures.first ?? "")")
        #expect(totals.steps == Int(seeds) * operations)
        // The slice goes through a close's fast path too: some standings still held and were not folded again.
        #expect(totals.standingsHeld > 0, "no close held a standing, so the hold path went untested")
    }

    @Test(.disabled(if: longRun)) func referenceStoreSlice() async throws {
        // Proves the engine keeps every invariant on the reference store under commit faults and races.
        try await slice(.reference, seeds: 60, operations: 150)
    }

    @Test(.disabled(if: longRun)) func sqliteInMemorySlice() async throws {
        // Proves the same on SQLite in memory, with the transparency log audited after every step.
        try await slice(.sqliteMemory, seeds: 5, operations: 100)
    }

    @Test(.disabled(if: longRun)) func sqliteOnDiskSlice() async throws {
        // Proves the same on SQLite on disk, where a crash reopens the store from its file.
        try await slice(.sqliteFile, seeds: 3, operations: 100)
    }

    @Test(.disabled(if: longRun || !postgresAvailable)) func postgresSlice() async throws {
        // Proves the same on PostgreSQL, where a crash closes the pool and reconnects.
        try await slice(.postgres, seeds: 1, operations: 40)
    }

    @Test(.disabled(if: longRun)) func aSeedReplaysExactly() async throws {
        // Proves determinism: the same seed gives the same trace and final state, and another seed does not.
        for kind in [StoreKind.reference, .sqliteFile] {
            let first = try await Simulation.run(seed: 42, operations: 100, on: kind)
            let second = try await Simulation.run(seed: 42, operations: 100, on: kind)
            let other = try await Simulation.run(seed: 43, operations: 100, on: kind)
            #expect(first.violation == nil)
            #expect(first.trace.count > 100)
            #expect(first.trace == second.trace)
            #expect(first.digest == second.digest)
            #expect(first.digest != other.digest)
        }
    }

    @Test(.disabled(if: longRun)) func theInvariantsCatchABrokenStore() async throws {
        // Proves the checks can fail: a store that drops a write it acknowledged is caught, with its seed and prefix.
        let result = try await Simulation.run(seed: 7, operations: 200, on: .reference, sabotage: true)
        let violation = try #require(result.violation)
        #expect(violation.contains("acknowledged"))
        #expect(result.failingStep != nil)
    }

    @Test(.enabled(if: longRun)) func longRunFromTheEnvironment() async throws {
        // The long run of scripts/simulate: CIVIC_SIM_SEEDS, CIVIC_SIM_OPS, CIVIC_SIM_STORE, CIVIC_SIM_FIRST_SEED.
        let environment = SimulationRunner.environment
        let seeds = UInt64(environment["CIVIC_SIM_SEEDS"] ?? "") ?? 100
        let operations = Int(environment["CIVIC_SIM_OPS"] ?? "") ?? 1_000
        let first = UInt64(environment["CIVIC_SIM_FIRST_SEED"] ?? "") ?? 1
        let kind = try #require(StoreKind(rawValue: environment["CIVIC_SIM_STORE"] ?? "reference"), "unknown store")
        if kind == .postgres { try #require(Self.postgresAvailable, "CIVIC_TEST_POSTGRES_URL is not set") }
        var totals = SimulationRunner.Totals()
        let chunk: UInt64 = 50
        var start = first
        while start < first + seeds {
            let end = min(start + chunk, first + seeds)
            let part = try await SimulationRunner.run(seeds: start..<end, operations: operations, on: kind)
            totals.seeds += part.seeds
            totals.steps += part.steps
            totals.acknowledged += part.acknowledged
            totals.refused += part.refused
            totals.standingsHeld += part.standingsHeld
            totals.faults.merge(part.faults, uniquingKeysWith: +)
            totals.failures += part.failures
            print("simulate \(kind.rawValue): seeds \(first)..<\(end): \(totals)")
            start = end
        }
        if environment["CIVIC_SIM_SHOW_TRACE"] != nil, seeds == 1 {
            print(try await Simulation.run(seed: first, operations: operations, on: kind).trace.joined(separator: "\n"))
        }
        #expect(totals.failures.isEmpty, "\(totals.failures.first ?? "")")
    }
}
