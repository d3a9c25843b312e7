import GRDB
import Synchronization

/// Counts the commits of one open database pool, so reads can be reused until the next commit.
///
/// Registered on the pool's writer: every transaction that commits through this process's pool, whatever it
/// wrote, moves the generation on. Generations are unique across pools (each starts in its own range), so a
/// value read from a pool that was closed and opened again is never taken for current.
package final class CommitCounter: TransactionObserver, Sendable {
    private static let ranges = Atomic<UInt64>(0)
    private let count: Atomic<UInt64>

    package init() {
        count = Atomic(Self.ranges.add(1 << 40, ordering: .relaxed).newValue)
    }

    /// Read before the data it guards: a commit in between only makes the stored generation older.
    package var generation: UInt64 { count.load(ordering: .acquiring) }

    package func observes(eventsOfKind eventKind: DatabaseEventKind) -> Bool { false }
    package func databaseDidChange(with event: DatabaseEvent) {}
    package func databaseDidCommit(_ db: Database) { count.add(1, ordering: .releasing) }
    package func databaseDidRollback(_ db: Database) {}
}

/// Values read from one tenant's database, reused while that database has not committed anything since they
/// were read, and for at most `maximumAge` (the bound for writes this process cannot see, from another process).
///
/// Each open tenant database owns its own, so a value can only ever be served from the database it was read
/// from. Only found values are kept: a miss (an unknown session token, say) is read again each time, so
/// made-up keys cannot push real entries out.
package final class CommittedReads<Key: Hashable & Sendable, Value: Sendable>: Sendable {
    private struct Entry {
        let value: Value
        let generation: UInt64
        let readAt: ContinuousClock.Instant
    }

    private let commits: CommitCounter
    private let maximumAge: Duration
    private let entries: Mutex<BoundedCache<Key, Entry>>

    package init(commits: CommitCounter, capacity: Int, maximumAge: Duration = .seconds(2)) {
        self.commits = commits
        self.maximumAge = maximumAge
        entries = Mutex(BoundedCache(capacity: capacity))
    }

    /// The value for `key`: the one read before if nothing has committed since, otherwise `read()`'s.
    package func value(for key: Key, read: () throws -> Value?) rethrows -> Value? {
        let (generation, now) = (commits.generation, ContinuousClock.now)
        if let cached = cached(key, generation: generation, now: now) { return cached }
        guard let value = try read() else {
            entries.withLock { $0.removeValue(for: key) }
            return nil
        }
        entries.withLock { $0.insert(Entry(value: value, generation: generation, readAt: now), for: key) }
        return value
    }

    /// The same, for reads that always find a value (a dashboard exists for every customer, empty or not).
    package func value(for key: Key, read: () throws -> Value) rethrows -> Value {
        let (generation, now) = (commits.generation, ContinuousClock.now)
        if let cached = cached(key, generation: generation, now: now) { return cached }
        let value = try read()
        entries.withLock { $0.insert(Entry(value: value, generation: generation, readAt: now), for: key) }
        return value
    }

    private func cached(_ key: Key, generation: UInt64, now: ContinuousClock.Instant) -> Value? {
        guard let entry = entries.withLock({ $0.value(for: key) }), entry.generation == generation,
            entry.readAt.duration(to: now) < maximumAge
        else { return nil }
        return entry.value
    }
}
