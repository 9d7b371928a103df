import Synchronization

/// Token buckets, one per token or per address: `rate` requests a second, bursts up to twice that.
final class RateLimiter: Sendable {
    struct Bucket: Sendable {
        var available: Double
        var updated: ContinuousClock.Instant
    }

    private let buckets = Mutex<[String: Bucket]>([:])
    /// Bounds the table; beyond it, buckets that have refilled are forgotten (they would start full anyway).
    let bucketsMax: Int

    init(bucketsMax: Int = 200_000) { self.bucketsMax = bucketsMax }

    /// Takes one request from the key's bucket; returns the seconds to wait if the bucket is empty.
    func take(_ key: String, rate: Int, now: ContinuousClock.Instant = .now) -> Double? {
        let perSecond = Double(max(rate, 1))
        let capacity = perSecond * 2
        return buckets.withLock { buckets in
            var bucket = buckets[key] ?? Bucket(available: capacity, updated: now)
            let elapsed = now - bucket.updated
            let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
            bucket.available = min(capacity, bucket.available + seconds * perSecond)
            bucket.updated = now
            if buckets.count >= bucketsMax && buckets[key] == nil {
                buckets = buckets.filter { entry in
                    let idle = now - entry.value.updated
                    return Double(idle.components.seconds) < 2 * 60
                }
            }
            guard bucket.available >= 1 else {
                buckets[key] = bucket
                return (1 - bucket.available) / perSecond
            }
            bucket.available -= 1
            buckets[key] = bucket
            return nil
        }
    }
}
