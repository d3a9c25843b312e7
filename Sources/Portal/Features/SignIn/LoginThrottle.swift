import Foundation
import Synchronization

/// Back-off after failed password checks, kept three ways within one realm (a brand, or the platform console):
/// - per account and address (/64 for IPv6): 5 failures are free in 15 minutes, then each doubles the wait
///   (30 s, 1 min, 2 min … up to 15 min) — the guesser at one address;
/// - per address, whatever the account: 20 free, then doubling up to an hour — one address trying many accounts;
/// - per account, from every address: 10 free, then doubling up to 15 min — many addresses trying one account.
///
/// The last one is what a stranger who knows an email could use to lock its owner out, so it does not apply at the
/// owner's usual addresses (one a correct password came from before): the owner still signs in during a storm from
/// elsewhere. A success clears the account's and the pair's count; an address's count only ages out, so signing in
/// to one's own account between guesses does not reset it.
package final class LoginThrottle: Sendable {
    /// One password check: which realm, which account (an opaque key), from which address.
    package struct Attempt: Sendable {
        package var scope: String
        package var account: String
        /// `ClientKey.forAddress` of the client: IPv6 grouped by /64.
        package var address: String

        package init(scope: String, account: String, address: String) {
            self.scope = scope
            self.account = account
            self.address = address
        }

        var pairKey: String { scope + "\u{1F}" + account + "\u{1F}" + address }
        var addressKey: String { scope + "\u{1F}@" + address }
        var accountKey: String { scope + "\u{1F}" + account }
    }

    /// A wait, and whether it comes from the account-wide count alone (which a usual address may pass).
    package struct Wait: Equatable, Sendable {
        package var seconds: Int
        package var accountWideOnly: Bool
    }

    struct Rule {
        var free: Int
        var longest: TimeInterval
    }

    static let pair = Rule(free: 5, longest: 15 * 60)
    static let address = Rule(free: 20, longest: 60 * 60)
    static let account = Rule(free: 10, longest: 15 * 60)

    private struct Record {
        var failures: Int
        var firstFailure: Date
        var lockedUntil: Date?

        func ended(at now: Date, window: TimeInterval) -> Bool {
            (lockedUntil ?? firstFailure.addingTimeInterval(window)) <= now
        }
    }

    private struct State {
        var records: [String: Record] = [:]
        /// Addresses a correct password came from, per account: at most `usualPerAccount`, newest last.
        var usual: [String: [String]] = [:]
        var nextPrune = Date.distantPast
        var prunes = 0
    }

    private let state = Mutex(State())
    private let window: TimeInterval = 15 * 60
    private let usualPerAccount = 8
    /// Records kept before ended ones are looked for; then at most once a second (amortised, never every failure).
    let pruneThreshold: Int

    package init(pruneThreshold: Int = 100_000) {
        self.pruneThreshold = pruneThreshold
    }

    /// How many records are kept and how many pruning passes ran (tests).
    var counts: (records: Int, prunes: Int) { state.withLock { ($0.records.count, $0.prunes) } }

    /// The wait before `attempt` is accepted, or nil.
    package func wait(for attempt: Attempt, now: Date) -> Wait? {
        state.withLock { state in
            let own = [attempt.pairKey, attempt.addressKey].compactMap { Self.remaining(state.records[$0], now) }.max()
            let usual = state.usual[attempt.accountKey]?.contains(attempt.address) ?? false
            let accountWide = usual ? nil : Self.remaining(state.records[attempt.accountKey], now)
            if let own { return Wait(seconds: max(own, accountWide ?? 0), accountWideOnly: false) }
            return accountWide.map { Wait(seconds: $0, accountWideOnly: true) }
        }
    }

    /// Seconds to wait before another attempt is accepted, or nil; a usual address skips the account-wide count.
    package func retryAfter(_ attempt: Attempt, now: Date) -> Int? {
        wait(for: attempt, now: now)?.seconds
    }

    /// Marks `attempt.address` as one of the account's usual addresses (a past session came from it).
    package func rememberUsual(_ attempt: Attempt) {
        state.withLock { Self.remember(attempt, in: &$0, keeping: usualPerAccount) }
    }

    /// Records a failure; returns the wait it put on this address (for this account or all), if any.
    @discardableResult
    package func recordFailure(_ attempt: Attempt, now: Date) -> Int? {
        state.withLock { state in
            let pairWait = Self.fail(attempt.pairKey, Self.pair, in: &state, now: now, window: window)
            let addressWait = Self.fail(attempt.addressKey, Self.address, in: &state, now: now, window: window)
            _ = Self.fail(attempt.accountKey, Self.account, in: &state, now: now, window: window)
            if state.records.count > pruneThreshold, now >= state.nextPrune {
                let window = self.window
                state.records = state.records.filter { !$0.value.ended(at: now, window: window) }
                state.nextPrune = now.addingTimeInterval(1)
                state.prunes += 1
            }
            return [pairWait, addressWait].compactMap { $0 }.max()
        }
    }

    /// A correct password: the account and this pair start afresh, and the address becomes a usual one.
    package func recordSuccess(_ attempt: Attempt) {
        state.withLock { state in
            state.records[attempt.pairKey] = nil
            state.records[attempt.accountKey] = nil
            Self.remember(attempt, in: &state, keeping: usualPerAccount)
        }
    }

    private static func remember(_ attempt: Attempt, in state: inout State, keeping limit: Int) {
        var known = state.usual[attempt.accountKey] ?? []
        known.removeAll { $0 == attempt.address }
        known.append(attempt.address)
        if known.count > limit { known.removeFirst(known.count - limit) }
        // Bounded: past the limit the memory starts again, and usual addresses are read back from sessions.
        if state.usual.count >= usualAccountsKept, state.usual[attempt.accountKey] == nil { state.usual.removeAll() }
        state.usual[attempt.accountKey] = known
    }

    private static let usualAccountsKept = 100_000

    private static func remaining(_ record: Record?, _ now: Date) -> Int? {
        guard let until = record?.lockedUntil, until > now else { return nil }
        return max(1, Int(until.timeIntervalSince(now).rounded(.up)))
    }

    private static func fail(_ key: String, _ rule: Rule, in state: inout State, now: Date, window: TimeInterval)
        -> Int?
    {
        var record =
            state.records[key] ?? Record(failures: 0, firstFailure: now, lockedUntil: nil)
        if record.ended(at: now, window: window) && now.timeIntervalSince(record.firstFailure) > window {
            record = Record(failures: 0, firstFailure: now, lockedUntil: nil)
        }
        record.failures += 1
        var wait: Int?
        if record.failures >= rule.free {
            let seconds = min(30 * pow(2, Double(record.failures - rule.free)), rule.longest)
            record.lockedUntil = now.addingTimeInterval(seconds)
            wait = Int(seconds)
        }
        state.records[key] = record
        return wait
    }
}
