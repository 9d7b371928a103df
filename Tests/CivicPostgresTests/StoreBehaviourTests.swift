import CivicCore
import CivicPostgres
import CivicTesting
import Testing

/// The shared store behaviour suite against PostgreSQL: the same checks SQLite
/// and the reference store pass, each on its own scratch schema.
@Suite("Store behaviour on PostgreSQL", .enabled(if: PostgresAvailability.isAvailable, "CIVIC_TEST_POSTGRES_URL is not set"))
struct PostgresStoreBehaviourTests {
    /// Proves the PostgreSQL store behaves like the reference, check by check.
    @Test("PostgreSQL", arguments: StoreBehaviour.checks)
    func postgres(_ check: StoreBehaviourCheck) async throws {
        try await ScratchSchemas.with { schemas in
            try await check.run { try await schemas.newStore() }
        }
    }
}
