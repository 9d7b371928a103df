public import CivicCore
import PostgresNIO

/// Positions in PostgreSQL's write-ahead log: where the primary has written to, and how far a streaming
/// replica has replayed. A server compares them to send a writer's next read to a replica only once the
/// replica holds the write, and reports the replica's lag.
extension PostgresStore: ReplicationPositions {
    static let replicaRefusesWrites = CivicError(.refused, "this store reads a read replica, which takes no writes: write through the primary")

    public func writePosition() async throws -> WritePosition {
        let rows = try await rows("reading the write position", "SELECT pg_current_wal_lsn()::text")
        return try PostgresStore.position(rows.first?.decode(String.self))
    }

    public func replayState() async throws -> ReplayState {
        // On a primary its own write position and no lag; on a replica what it replayed, and how long ago the
        // newest replayed write committed on the primary unless it has replayed all it received (an idle primary
        // writes nothing, and its replica is then not behind however old that write is).
        let rows = try await rows("reading the replay position", """
            SELECT CASE WHEN pg_is_in_recovery() THEN coalesce(pg_last_wal_replay_lsn(), '0/0') ELSE pg_current_wal_lsn() END::text,
                   CASE WHEN NOT pg_is_in_recovery() OR pg_last_wal_receive_lsn() IS NULL
                             OR pg_last_wal_receive_lsn() <= pg_last_wal_replay_lsn() THEN 0
                        ELSE coalesce(extract(epoch FROM now() - pg_last_xact_replay_timestamp()), 0) END::float8
            """)
        guard let row = rows.first else { throw CivicError(.storage, "reading the replay position returned no row") }
        let (text, lag) = try row.decode((String, Double).self)
        return ReplayState(position: try PostgresStore.position(text), lagSeconds: max(0, lag))
    }

    private static func position(_ text: String?) throws -> WritePosition {
        guard let text, let position = WritePosition(text) else {
            throw CivicError(.storage, "PostgreSQL returned a write-ahead log position that does not read as one")
        }
        return position
    }
}
