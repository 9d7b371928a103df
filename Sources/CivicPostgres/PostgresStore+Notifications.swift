public import CivicCore
import Logging
import PostgresNIO

/// Change notifications between servers: every commit that may move a standing or a handbook sends
/// `pg_notify('civic_changes', SCHEMA)` in its transaction; a server LISTENs on one plain connection of its
/// own and drops its caches when one arrives, instead of waiting for its next poll.
///
/// LISTEN is a session's state: a transaction pooler would hand the session to other clients and the
/// notifications to nobody. So the listening connection goes straight to PostgreSQL, never through the
/// pooler: `settings` must not say `pooler=transaction` (with PgBouncer, give `civic serve --listen-database`
/// PostgreSQL's own address). Polling stays: notifications sent while the connection is down are lost, so each
/// (re)connection is itself reported as a change.
extension PostgresStore {
    static let changesChannel = "civic_changes"
    /// Pause before connecting again after the listening connection failed, growing to the maximum.
    static let listenRetrySecondsMax = 30

    /// Listens until cancelled for commits to the tables in `settings`' schema, calling `changed` after each
    /// (and after every (re)connection). `connected` is told when the connection comes up or goes down.
    public static func listenForChanges(
        settings: PostgresSettings, changed: @escaping @Sendable () -> Void, connected: @escaping @Sendable (Bool) -> Void = { _ in }
    ) async throws {
        guard settings.pooler == .none else {
            throw CivicError(.invalidInput, "change notifications need a connection straight to PostgreSQL, not through a transaction pooler: name PostgreSQL's own address, without pooler=transaction")
        }
        let schema = settings.searchPath ?? ""
        var pause = 1
        var attempt = 0
        while !Task.isCancelled {
            attempt += 1
            do {
                let connection = try await PostgresConnection.connect(
                    configuration: try settings.connectionConfiguration(), id: 1_000 + attempt, logger: logger)
                defer { Task { try? await connection.close() } }
                try await connection.listen(on: changesChannel) { notifications in
                    connected(true)
                    pause = 1
                    // Whatever was committed while no connection listened.
                    changed()
                    for try await notification in notifications where notification.payload == schema {
                        changed()
                    }
                }
            } catch {
                if Task.isCancelled { break }
            }
            connected(false)
            try? await Task.sleep(for: .seconds(pause))
            pause = min(pause * 2, listenRetrySecondsMax)
        }
    }
}
