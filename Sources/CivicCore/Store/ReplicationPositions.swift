/// A point in the database's stream of committed writes (PostgreSQL's write-ahead log position), as
/// `HIGH/LOW` in hexadecimal, the form PostgreSQL prints: positions later in the stream compare greater.
public struct WritePosition: Comparable, Hashable, Sendable, CustomStringConvertible {
    public let value: UInt64

    public init(_ value: UInt64) { self.value = value }

    /// Reads `HIGH/LOW` (1 to 8 hexadecimal digits each); nil for anything else.
    public init?(_ text: some StringProtocol) {
        let parts = text.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 2, parts.allSatisfy({ (1...8).contains($0.count) }),
              let high = UInt64(parts[0], radix: 16), let low = UInt64(parts[1], radix: 16) else { return nil }
        value = high << 32 | low
    }

    public var description: String {
        String(value >> 32, radix: 16, uppercase: true) + "/" + String(value & 0xFFFF_FFFF, radix: 16, uppercase: true)
    }

    public static func < (lhs: WritePosition, rhs: WritePosition) -> Bool { lhs.value < rhs.value }
}

/// How far a read replica has replayed its primary's writes.
public struct ReplayState: Sendable, Equatable {
    /// Every write at or before this position is visible on the replica.
    public var position: WritePosition
    /// Seconds since the newest write it replayed committed on the primary, or 0 when it has replayed
    /// everything it received.
    public var lagSeconds: Double

    public init(position: WritePosition, lagSeconds: Double) {
        self.position = position
        self.lagSeconds = lagSeconds
    }
}

/// A store that can say where it stands in its database's stream of writes, so that a server can send
/// reads to a streaming replica and still let a writer read what it just wrote.
public protocol ReplicationPositions: Sendable {
    /// A position at or after every write committed before the call (on a primary).
    func writePosition() async throws -> WritePosition
    /// What the store's server has replayed: on a replica, its replay position and lag; on a primary,
    /// its own write position and no lag.
    func replayState() async throws -> ReplayState
}
