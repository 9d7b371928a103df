public import CivicCore
public import CivicLog

/// What an attacker with full write access does to a store's raw tables, with its guards off:
/// each store's tests implement it in its own SQL.
public protocol LogTamperer: Sendable {
    /// Every column of every entry, as stored, rendered as text (nil for NULL), by sequence.
    func entryRows() async throws -> [Int64: [String: String?]]
    /// Sets one column of the entry whose `keyColumn` holds `key` to this text (converted to the column's type as the
    /// database does).
    func setEntry(whose keyColumn: String, is key: String, column: String, to text: String?) async throws
    func deleteEntry(sequence: Int64) async throws
    /// Gives entry `a` the sequence of `b` and `b` that of `a`: the ledger reordered.
    func swapEntries(_ a: Int64, _ b: Int64) async throws
    /// Removes every leaf from `index` on, and the entries those leaves stood for: history cut off the end.
    func truncateLog(from index: UInt64) async throws
    /// Sets one leaf's stored hash.
    func setLeafHash(index: UInt64, to hash: [UInt8]) async throws
}

/// The exhaustive tamper check the transparency log must pass on every store: on a small ledger
/// with a signed checkpoint, every single-byte change of every stored entry's column values,
/// every deletion, every swap of two entries, every truncation and every single-byte change of
/// an entry's leaf hash must be reported by `LogAuditor`.
public enum LogTamperSuite {
    public struct Outcome: Sendable, CustomStringConvertible {
        public var tried = 0
        public var detected = 0
        /// Changes the database itself refused (a value its column type cannot hold): not a miss.
        public var refusedByDatabase = 0
        public var missed: [String] = []

        public var description: String {
            "\(tried) tamperings tried, \(detected) detected, \(refusedByDatabase) refused by the database, \(missed.count) missed"
        }
    }

    /// A fresh store holding `LogFixtures.world()` with a signed checkpoint, and its tamperer.
    public typealias Factory = @Sendable () async throws -> (store: any TransparencyLogStore, tamperer: any LogTamperer)

    public static let signer = try! NoteSigner(name: "civiccredit.test/log")

    /// Builds the world into `store` and signs a checkpoint of it.
    public static func prepare(_ store: any Store) async throws {
        for changes in LogFixtures.world() { try await store.commit(changes) }
        guard let logStore = store as? any TransparencyLogStore else { throw CivicError(.storage, "the store keeps no log") }
        try await TransparencyLog(store: logStore).checkpoint(signer: signer, at: 1_775_000_100)
    }

    static func detects(_ store: any TransparencyLogStore) async throws -> Bool {
        let audit = try await LogAuditor(store: store, verifier: signer.verifier).audit()
        return !audit.problems.isEmpty
    }

    public static func run(_ makeStore: Factory) async throws -> Outcome {
        var outcome = Outcome()
        func record(_ what: String, _ detected: Bool) {
            outcome.tried += 1
            if detected { outcome.detected += 1 } else { outcome.missed.append(what) }
        }
        // Byte flips, undone after each audit on one store.
        let (store, tamperer) = try await makeStore()
        guard try await !detects(store) else { throw CivicError(.corrupted, "the untouched world already fails its audit") }
        let rows = try await tamperer.entryRows()
        for (sequence, columns) in rows.sorted(by: { $0.key < $1.key }) {
            for (column, value) in columns.sorted(by: { $0.key < $1.key }) {
                guard let value else { continue }
                let bytes = Array(value.utf8)
                for position in bytes.indices {
                    var flipped = bytes
                    flipped[position] ^= 0x01
                    let what = "entry \(sequence) column \(column) byte \(position)"
                    // Find the row again by a column this change leaves alone.
                    let keyColumn = column == "id" ? "sequence" : "id"
                    guard let key = columns[keyColumn] ?? nil else { continue }
                    let text = String(decoding: flipped, as: UTF8.self)
                    do {
                        try await tamperer.setEntry(whose: keyColumn, is: key, column: column, to: text)
                    } catch {
                        outcome.tried += 1
                        outcome.refusedByDatabase += 1
                        continue
                    }
                    record(what, try await detects(store))
                    try await tamperer.setEntry(whose: keyColumn, is: key, column: column, to: value)
                }
            }
        }
        guard try await !detects(store) else { throw CivicError(.corrupted, "undoing the byte flips did not restore the world") }

        // Flips of the entries' leaf hashes.
        let size = try await store.logSize()
        let leaves = try await store.logLeaves(from: 0, limit: Int(size)).filter { $0.kind == .entry }
        for leaf in leaves {
            for position in 0..<LogHash.byteCount {
                var flipped = leaf.hash.bytes
                flipped[position] ^= 0x01
                try await tamperer.setLeafHash(index: leaf.index, to: flipped)
                record("leaf \(leaf.index) hash byte \(position)", try await detects(store))
                try await tamperer.setLeafHash(index: leaf.index, to: leaf.hash.bytes)
            }
        }

        // Deletions, swaps and truncations, each on a fresh store.
        let sequences = rows.keys.sorted()
        for sequence in sequences {
            let (store, tamperer) = try await makeStore()
            try await tamperer.deleteEntry(sequence: sequence)
            record("deletion of entry \(sequence)", try await detects(store))
        }
        for (offset, a) in sequences.enumerated() {
            for b in sequences[(offset + 1)...] {
                let (store, tamperer) = try await makeStore()
                try await tamperer.swapEntries(a, b)
                record("swap of entries \(a) and \(b)", try await detects(store))
            }
        }
        for index in 0..<size {
            let (store, tamperer) = try await makeStore()
            try await tamperer.truncateLog(from: index)
            record("truncation at leaf \(index)", try await detects(store))
        }
        return outcome
    }
}
