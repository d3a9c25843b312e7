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

    private let records = Mutex<[String: Record]>([:])
    private let freeFailures = 5
    private let window: TimeInterval = 15 * 60

    package init() {}

    /// Seconds to wait before another attempt is accepted, or nil.
    package func retryAfter(scope: String, account: String, now: Date) -> Int? {
        records.withLock { records in
            guard let until = records[scope + "\u{1F}" + account]?.lockedUntil, until > now else { return nil }
            return max(1, Int(until.timeIntervalSince(now).rounded(.up)))
        }
    }

    /// Records a failure; returns the new wait when this failure locked the account.
    @discardableResult
    package func recordFailure(scope: String, account: String, now: Date) -> Int? {
        records.withLock { records in
            let key = scope + "\u{1F}" + account
            var record = records[key] ?? Record(failures: 0, firstFailure: now)
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
            records[key] = record
            if records.count > 100_000 {
                records = records.filter {
                    ($0.value.lockedUntil ?? $0.value.firstFailure.addingTimeInterval(window)) > now
                }
            }
            return wait
        }
    }

    package func recordSuccess(scope: String, account: String) {
        _ = records.withLock { $0.removeValue(forKey: scope + "\u{1F}" + account) }
    }
}
