/// A store that can check its own storage: the database's integrity check, a gapless ledger and the
/// append-only triggers still in place. `civic verify` and the auditor's verification page run it.
public protocol IntegrityChecking: Sendable {
    /// Problems found, each said in one line; empty when the storage is sound.
    func integrityCheck() async throws -> [String]
}
