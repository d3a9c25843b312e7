import Foundation
import Integrations
import Synchronization

/// Fixed-window counters keyed by (scope, key), where the scope is always the tenant (or the platform),
/// so one tenant's traffic never spends another tenant's budget. Each bucket keeps its own window: pruning drops
/// only buckets whose own window is over, so a busy 60-second rule never wipes a 15-minute or 1-hour counter, and
/// it runs at most once a second once there are many buckets (amortised, never on every hit).
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
        var window: TimeInterval
        var count: Int
    }

    private struct State {
        var buckets: [String: Bucket] = [:]
        var nextPrune = Date.distantPast
    }

    private let state = Mutex(State())
    /// Buckets kept before expired ones are looked for.
    let pruneThreshold: Int

    package init(pruneThreshold: Int = 10_000) {
        self.pruneThreshold = pruneThreshold
    }

    /// Counts one event; returns the seconds to wait when the rule is exceeded, else nil.
    package func hit(_ rule: Rule, scope: String, key: String, now: Date = Date()) -> Int? {
        let id = scope + "\u{1F}" + key
        return state.withLock { state in
            var bucket = state.buckets[id] ?? Bucket(windowStart: now, window: rule.window, count: 0)
            if now.timeIntervalSince(bucket.windowStart) >= bucket.window {
                bucket = Bucket(windowStart: now, window: rule.window, count: 0)
            }
            bucket.count += 1
            state.buckets[id] = bucket
            if state.buckets.count > pruneThreshold, now >= state.nextPrune {
                state.buckets = state.buckets.filter { now.timeIntervalSince($0.value.windowStart) < $0.value.window }
                state.nextPrune = now.addingTimeInterval(1)
            }
            guard bucket.count > rule.limit else { return nil }
            return max(1, Int(rule.window - now.timeIntervalSince(bucket.windowStart)))
        }
    }

    /// How many buckets are kept (tests).
    var count: Int { state.withLock { $0.buckets.count } }
}

/// The key a per-address limit counts by: an IPv4 address as it is, an IPv6 address by its /64, the block one
/// household or server is given, so cycling through one's own /64 gains nothing.
package enum ClientKey {
    package static func forAddress(_ address: String?) -> String {
        guard let address, !address.isEmpty else { return "-" }
        let trimmed = address.split(separator: "%").first.map(String.init) ?? address
        guard let parsed = NetworkAddress(literal: trimmed)?.unmapped else { return address.lowercased() }
        if parsed.isIPv4 { return parsed.description }
        let octets = parsed.bytes
        let groups = stride(from: 0, to: 8, by: 2).map {
            String(UInt16(octets[$0]) << 8 | UInt16(octets[$0 + 1]), radix: 16)
        }
        return groups.joined(separator: ":") + "::/64"
    }
}
