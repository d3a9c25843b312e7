import Foundation
import Synchronization

/// Failed sign-ins per (tenant, account): five are free within 15 minutes, then every further failure
/// doubles the wait (30 s, 1 min, 2 min … up to 15 min). A success clears the count.
package final class LoginThrottle: Sendable {
    private struct Record {
        var failures: Int
        var firstFailure: Date
        var lockedUntil: Date?
    }

    private struct State {
        var records: [String: Record] = [:]
        var nextPrune = Date.distantPast
        var prunes = 0
    }

    private let state = Mutex(State())
    private let freeFailures = 5
    private let window: TimeInterval = 15 * 60
    /// Records kept before ended ones are looked for; then at most once a second (amortised, never every failure).
    let pruneThreshold: Int

    package init(pruneThreshold: Int = 100_000) {
        self.pruneThreshold = pruneThreshold
    }

    /// How many records are kept and how many pruning passes ran (tests).
    var counts: (records: Int, prunes: Int) { state.withLock { ($0.records.count, $0.prunes) } }

    /// Seconds to wait before another attempt is accepted, or nil.
    package func retryAfter(scope: String, account: String, now: Date) -> Int? {
        state.withLock { state in
            guard let until = state.records[scope + "\u{1F}" + account]?.lockedUntil, until > now else { return nil }
            return max(1, Int(until.timeIntervalSince(now).rounded(.up)))
        }
    }

    /// Records a failure; returns the new wait when this failure locked the account.
    @discardableResult
    package func recordFailure(scope: String, account: String, now: Date) -> Int? {
        state.withLock { state in
            let key = scope + "\u{1F}" + account
            var record = state.records[key] ?? Record(failures: 0, firstFailure: now)
            if now.timeIntervalSince(record.firstFailure) > window && (record.lockedUntil ?? now) <= now {
                record = Record(failures: 0, firstFailure: now)
            }
            record.failures += 1
            var wait: Int?
            if record.failures >= freeFailures {
                let seconds = min(30 * pow(2, Double(record.failures - freeFailures)), window)
                record.lockedUntil = now.addingTimeInterval(seconds)
                wait = Int(seconds)
            }
            state.records[key] = record
            if state.records.count > pruneThreshold, now >= state.nextPrune {
                state.records = state.records.filter {
                    ($0.value.lockedUntil ?? $0.value.firstFailure.addingTimeInterval(window)) > now
                }
                state.nextPrune = now.addingTimeInterval(1)
                state.prunes += 1
            }
            return wait
        }
    }

    package func recordSuccess(scope: String, account: String) {
        _ = state.withLock { $0.records.removeValue(forKey: scope + "\u{1F}" + account) }
    }
}
