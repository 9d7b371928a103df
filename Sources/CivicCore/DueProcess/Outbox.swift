/// Puts notices into a change set together with a pending delivery for every
/// outside channel that covers the subject's jurisdiction: the transactional
/// outbox. Whatever happens to a channel later, the notice and its pending
/// deliveries were committed with the change they announce.
struct Outbox {
    let channels: [DeliveryChannel]
    let jurisdictions: [Jurisdiction]
    /// Per subject jurisdiction, the channels covering it, worked out once.
    private var covering: [Jurisdiction.ID: [DeliveryChannel.ID]] = [:]
    private var posted = Set<Notice.ID>()

    init(channels: [DeliveryChannel], jurisdictions: [Jurisdiction]) {
        self.channels = channels
        self.jurisdictions = jurisdictions
    }

    static func load(store: any Store, jurisdictions: [Jurisdiction]) async throws -> Outbox {
        Outbox(channels: try await store.deliveryChannels(), jurisdictions: jurisdictions)
    }

    mutating func post(_ notice: Notice, jurisdiction: Jurisdiction.ID, into changes: inout ChangeSet) {
        guard posted.insert(notice.id).inserted else { return }
        changes.notices.append(notice)
        if channels.isEmpty { return }
        let ids: [DeliveryChannel.ID]
        if let known = covering[jurisdiction] {
            ids = known
        } else {
            let lineage = Set(jurisdictions.lineage(of: jurisdiction))
            ids = channels.filter { $0.jurisdiction.map(lineage.contains) ?? true }.map(\.id)
            covering[jurisdiction] = ids
        }
        for channel in ids {
            // Due at once: the first delivery pass after the commit sends it.
            changes.deliveries.append(NoticeDelivery(notice: notice.id, channel: channel, nextAttemptAt: 0))
        }
    }
}
