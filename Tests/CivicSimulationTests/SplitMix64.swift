import CivicCore

/// The simulation's only source of randomness: SplitMix64 (Steele, Lea and Flood, 2014), seeded once.
///
/// No wall clock and no global generator anywhere in a run: the same seed gives the same world,
/// the same operations and the same faults, so a failure replays exactly.
struct SplitMix64: RandomNumberGenerator {
    /// The demo's SplitMix64, so the project has one implementation of it.
    private var source: SeededRandom

    init(seed: UInt64) { source = SeededRandom(seed: seed) }

    mutating func next() -> UInt64 { source.next() }

    /// A number in `0..<bound`.
    mutating func below(_ bound: Int) -> Int {
        precondition(bound > 0, "an empty range")
        return Int(next() % UInt64(bound))
    }

    /// True with probability `percent` in 100.
    mutating func chance(_ percent: Int) -> Bool { below(100) < percent }

    mutating func pick<T>(_ items: [T]) -> T? { items.isEmpty ? nil : items[below(items.count)] }
}

/// FNV-1a, 64 bits: a digest of a run's trace and final state, to compare two replays of a seed.
struct TraceDigest {
    private(set) var value: UInt64 = 0xCBF2_9CE4_8422_2325

    mutating func add(_ text: String) {
        for byte in text.utf8 {
            value ^= UInt64(byte)
            value &*= 0x0000_0100_0000_01B3
        }
        value ^= 0x0A
        value &*= 0x0000_0100_0000_01B3
    }
}
