import Foundation
import Synchronization

/// Fixed-window counters keyed by (scope, key), where the scope is always the tenant (or the platform),
/// so one tenant's traffic never spends another tenant's budget.
package final class RateLimiter: Sendable {
    package struct Rule: Sendable {
        package let limit: Int
        package let window: TimeInterval

        package init(limit: Int, window: TimeInterval) {
            self.limit = limit
            self.window = window
        }
    }

    private struct Bucket {
        var windowStart: Date
        var count: Int
    }

    private let buckets = Mutex<[String: Bucket]>([:])

    package init() {}

    /// Counts one event; returns the seconds to wait when the rule is exceeded, else nil.
    package func hit(_ rule: Rule, scope: String, key: String, now: Date = Date()) -> Int? {
        let id = scope + "\u{1F}" + key
        return buckets.withLock { buckets in
            var bucket = buckets[id] ?? Bucket(windowStart: now, count: 0)
            if now.timeIntervalSince(bucket.windowStart) >= rule.window {
                bucket = Bucket(windowStart: now, count: 0)
            }
            bucket.count += 1
            buckets[id] = bucket
            if buckets.count > 100_000 { Self.prune(&buckets, now: now, window: rule.window) }
            guard bucket.count > rule.limit else { return nil }
            return max(1, Int(rule.window - now.timeIntervalSince(bucket.windowStart)))
        }
    }

    private static func prune(_ buckets: inout [String: Bucket], now: Date, window: TimeInterval) {
        buckets = buckets.filter { now.timeIntervalSince($0.value.windowStart) < window }
    }
}
