public import Prometheus
public import ServiceLifecycle

/// Drops this server's caches of derived answers when another server commits a change that may move a
/// standing, as soon as the store's change notification arrives (PostgreSQL's LISTEN), rather than at the
/// next poll. The poll stays as the fallback: a notification sent while the listener is down is lost.
///
/// `listen` runs until cancelled, calling its first argument after each change notification and its second
/// when the listening connection comes up or goes down (the executable supplies it for the store it opened).
public struct ChangeListener: Service {
    public typealias Listen = @Sendable (_ changed: @escaping @Sendable () -> Void, _ connected: @escaping @Sendable (Bool) -> Void) async throws -> Void
    let services: APIServices
    let listen: Listen
    let notifications: Counter
    let connected: Gauge

    public init(services: APIServices, listen: @escaping Listen) {
        self.services = services
        self.listen = listen
        notifications = services.metrics.makeCounter(name: "civic_change_notifications_total",
                                                     help: "Change notifications received from the database (commits by any server), each dropping the caches.")
        connected = services.metrics.makeGauge(name: "civic_change_listener_connected",
                                               help: "1 while the connection that listens for other servers' commits is up, else 0 (the caches then rely on polling).")
    }

    public func run() async throws {
        let observed = services.observed
        let notifications = notifications, connected = connected
        try await cancelWhenGracefulShutdown {
            try await listen({
                notifications.increment()
                observed.noteChangeElsewhere()
            }, { up in
                connected.set(to: up ? 1.0 : 0.0)
            })
        }
    }
}
