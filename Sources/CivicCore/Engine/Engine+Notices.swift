/// A notice with where its deliveries stand.
public struct NoticeStatus: Sendable, Codable, Hashable {
    public var notice: Notice
    public var deliveries: [NoticeDelivery]
}

/// Sends a notice through one outside channel. Adapters live outside the core (they do I/O).
public protocol NoticeChannelAdapter: Sendable {
    var kind: DeliveryChannel.Kind { get }
    /// Delivers or throws; a thrown error is recorded and the delivery retried later.
    func deliver(_ notice: Notice, subject: Subject, through channel: DeliveryChannel) async throws
}

/// What one delivery pass did.
public struct DeliveryPass: Sendable, Codable, Hashable {
    public var attempted = 0
    public var delivered = 0
    public var failed = 0
    public init() {}
}

extension Engine {
    /// A subject's notices, newest first, with their deliveries.
    public func notices(of id: Subject.ID) async throws -> [NoticeStatus] {
        _ = try await requireSubject(id)
        var result: [NoticeStatus] = []
        for notice in try await store.notices(subject: id) {
            result.append(NoticeStatus(notice: notice, deliveries: try await store.deliveries(notice: notice.id)))
        }
        return result
    }

    public func notice(_ id: Notice.ID) async throws -> (NoticeStatus, [DeliveryAttempt]) {
        guard let notice = try await store.notice(id) else { throw CivicError(.notFound, "no notice '\(id)'") }
        return (NoticeStatus(notice: notice, deliveries: try await store.deliveries(notice: id)), try await store.deliveryAttempts(notice: id))
    }

    /// Registers an outside delivery channel; notices written from now on are queued for it.
    public func addChannel(_ channel: DeliveryChannel, by actor: Actor.ID) async throws -> WriteResult {
        let admin = try await requireActor(actor)
        guard admin.roles.contains(.administrator) else { throw CivicError(.refused, "actor '\(actor)' may not add delivery channels (needs administrator)") }
        guard DeliveryChannel.ID.isValid(channel.id.rawValue) else { throw CivicError(.invalidInput, "channel id is not valid: \(DeliveryChannel.ID.syntax)") }
        switch channel.kind {
        case .webhook:
            guard channel.target.hasPrefix("https://") || channel.target.hasPrefix("http://") else {
                throw CivicError(.invalidInput, "a webhook channel needs an http:// or https:// URL, not '\(channel.target.prefix(80))'")
            }
        case .spool:
            guard channel.target.hasPrefix("/") else { throw CivicError(.invalidInput, "a spool channel needs an absolute directory path") }
        }
        if let jurisdiction = channel.jurisdiction {
            let jurisdictions = try await store.jurisdictions()
            guard jurisdictions.contains(where: { $0.id == jurisdiction }) else {
                throw CivicError.unknown("no jurisdiction '\(jurisdiction)'", jurisdiction.rawValue, among: jurisdictions.map(\.id.rawValue))
            }
        }
        return try await commitPlanned {
            if let existing = try await store.deliveryChannels().first(where: { $0.id == channel.id }) {
                guard existing == channel else { throw CivicError(.conflict, "channel '\(channel.id)' already exists with different settings") }
                return (ChangeSet(), .unchanged)
            }
            var changes = ChangeSet()
            changes.deliveryChannels = [channel]
            return (changes, .recorded)
        }
    }

    /// One pass over the deliveries due at `now` (seconds since 1970): each is attempted once through its
    /// adapter, and the outcome is logged. A failure is retried later with a growing pause, never dropped.
    public func deliverDue(now: Int64, adapters: [any NoticeChannelAdapter], limit: Int = 500) async throws -> DeliveryPass {
        var pass = DeliveryPass()
        let channels = Dictionary(try await store.deliveryChannels().map { ($0.id, $0) }, uniquingKeysWith: { first, _ in first })
        for delivery in try await store.dueDeliveries(at: now, limit: min(max(limit, 0), Limits.pageSizeMax)) {
            pass.attempted += 1
            var next = delivery
            next.attempts += 1
            var failure: String?
            do {
                guard let channel = channels[delivery.channel] else { throw CivicError(.notFound, "no channel '\(delivery.channel)'") }
                guard let adapter = adapters.first(where: { $0.kind == channel.kind }) else {
                    throw CivicError(.refused, "no adapter for \(channel.kind.rawValue) channels in this process")
                }
                guard let notice = try await store.notice(delivery.notice) else { throw CivicError(.corrupted, "delivery of a missing notice") }
                let subject = try await requireSubject(notice.subject)
                try await adapter.deliver(notice, subject: subject, through: channel)
            } catch {
                failure = String(describing: error).prefix(500).description
            }
            if let failure {
                pass.failed += 1
                next.lastError = failure
                next.nextAttemptAt = now + NoticeDelivery.backoff(afterAttempts: next.attempts)
            } else {
                pass.delivered += 1
                next.status = .delivered
                next.deliveredAt = now
                next.lastError = nil
            }
            var changes = ChangeSet()
            changes.deliveries = [next]
            changes.deliveryAttempts = [DeliveryAttempt(notice: delivery.notice, channel: delivery.channel, number: next.attempts, at: now,
                                                        succeeded: failure == nil, error: failure)]
            try await store.commit(changes)
        }
        return pass
    }
}
