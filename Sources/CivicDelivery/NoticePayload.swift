public import CivicCore
public import Foundation

/// The JSON an outside channel receives for one notice: the notice's facts and
/// the subject's id, never their name (the receiving gateway holds contacts).
public struct NoticePayload: Codable, Sendable, Equatable {
    public var version = 1
    public var channel: DeliveryChannel.ID
    public var notice: Notice

    public init(channel: DeliveryChannel.ID, notice: Notice) {
        self.channel = channel
        self.notice = notice
    }

    /// Compact JSON with sorted keys: the same notice always gives the same bytes, so a signature can be checked.
    public func encoded() throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return try encoder.encode(self)
    }
}
