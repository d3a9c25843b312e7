import GRDB
import Synchronization

/// Counts the commits of one open database pool, so reads can be reused until the next commit.
///
/// Registered on the pool's writer: every transaction that commits through this process's pool, whatever it
/// wrote, moves the generation on. Generations are unique across pools (each starts in its own range), so a
/// value read from a pool that was closed and opened again is never taken for current.
///
/// Commits by other processes (a CLI command, a restore) never pass the observer. For those the counter asks
/// SQLite's `PRAGMA data_version` of one connection at most once per `interval` for the whole database,
/// and moves on when it changed. (Each cached value used to carry that bound itself, so every signed-in customer's
/// session and dashboard were read again every two seconds whether anything had changed or not.)
package final class CommitCounter: TransactionObserver, Sendable {
    /// The probe of commits made by other connections, and how often it may run.
    package struct OutsideCommits: Sendable {
        package let interval: Duration
        /// SQLite's `PRAGMA data_version` on one connection that is always the same: it changes when any other
        /// connection, in this process or another, has committed since it was last asked.
        package let dataVersion: @Sendable () throws -> Int64
        let now: @Sendable () -> ContinuousClock.Instant

        package init(
            interval: Duration = .seconds(2), now: @escaping @Sendable () -> ContinuousClock.Instant = { .now },
            dataVersion: @escaping @Sendable () throws -> Int64
        ) {
            self.interval = interval
            self.now = now
            self.dataVersion = dataVersion
        }
    }

    private struct OutsideState {
        var checkedAt: ContinuousClock.Instant?
        var dataVersion: Int64?
    }

    private static let ranges = Atomic<UInt64>(0)
    private let count: Atomic<UInt64>
    private let outside: OutsideCommits?
    private let outsideState = Mutex(OutsideState())

    package init(outside: OutsideCommits? = nil) {
        count = Atomic(Self.ranges.add(1 << 40, ordering: .relaxed).newValue)
        self.outside = outside
    }

    /// Read before the data it guards: a commit in between only makes the stored generation older.
    package var generation: UInt64 {
        if let outside { checkOutside(outside) }
        return count.load(ordering: .acquiring)
    }

    /// Moves the generation on when another connection has committed since the last check. The first check takes
    /// the starting point; a probe that fails counts as a change (a value is never kept on a guess) and keeps the last
    /// good starting point, so the next good probe still compares with it (with none yet, it counts as a change too).
    /// The probe runs under the lock: a read that starts meanwhile waits for its outcome rather than keep a value the
    /// probe is about to make stale (a few microseconds, once per interval). Lock order: this lock, then the inline
    /// reader's; no read on that connection may ask for the generation.
    private func checkOutside(_ outside: OutsideCommits) {
        let now = outside.now()
        outsideState.withLock { state in
            let first = state.checkedAt == nil
            if let checkedAt = state.checkedAt, checkedAt.duration(to: now) < outside.interval { return }
            state.checkedAt = now
            let version = try? outside.dataVersion()
            if version == nil || (state.dataVersion.map { $0 != version } ?? !first) {
                count.add(1, ordering: .releasing)
            }
            if let version { state.dataVersion = version }
        }
    }

    package func observes(eventsOfKind eventKind: DatabaseEventKind) -> Bool { false }
    package func databaseDidChange(with event: DatabaseEvent) {}
    package func databaseDidCommit(_ db: Database) { count.add(1, ordering: .releasing) }
    package func databaseDidRollback(_ db: Database) {}
}

/// Values read from one tenant's database, reused while that database has not committed anything since they
/// were read (its `CommitCounter` also notices, within its bound, commits made by other processes).
///
/// Each open tenant database owns its own, so a value can only ever be served from the database it was read
/// from. Only found values are kept: a miss (an unknown session token, say) is read again each time, so
/// made-up keys cannot push real entries out.
package final class CommittedReads<Key: Hashable & Sendable, Value: Sendable>: Sendable {
    /// A class: a hit hands out one reference, not a copy of every field of the value.
    private final class Entry: Sendable {
        let value: Value
        let generation: UInt64
        /// Unique to the read that produced the value: equal stamps mean the very same read.
        let stamp: UInt64

        init(value: Value, generation: UInt64, stamp: UInt64) {
            self.value = value
            self.generation = generation
            self.stamp = stamp
        }
    }

    private let commits: CommitCounter
    private let entries: Mutex<BoundedCache<Key, Entry>>

    package init(commits: CommitCounter, capacity: Int) {
        self.commits = commits
        entries = Mutex(BoundedCache(capacity: capacity))
    }

    /// The value for `key`: the one read before if nothing has committed since, otherwise `read()`'s.
    package func value(for key: Key, read: () throws -> Value?) rethrows -> Value? {
        let generation = commits.generation
        if let cached = cached(key, generation: generation) { return cached.value }
        guard let value = try read() else {
            entries.withLock { $0.removeValue(for: key) }
            return nil
        }
        store(value, for: key, generation: generation)
        return value
    }

    /// The same, for reads that always find a value (a dashboard exists for every customer, empty or not).
    package func value(for key: Key, read: () throws -> Value) rethrows -> Value {
        try stamped(for: key, read: read).value
    }

    /// The value with the stamp of the read it came from.
    package func stamped(for key: Key, read: () throws -> Value) rethrows -> StampedRead<Value> {
        let generation = commits.generation
        if let cached = cached(key, generation: generation) {
            return StampedRead(value: cached.value, stamp: cached.stamp)
        }
        let value = try read()
        return StampedRead(value: value, stamp: store(value, for: key, generation: generation))
    }

    @discardableResult
    private func store(_ value: Value, for key: Key, generation: UInt64) -> UInt64 {
        let stamp = readStamps.add(1, ordering: .relaxed).newValue
        entries.withLock { $0.insert(Entry(value: value, generation: generation, stamp: stamp), for: key) }
        return stamp
    }

    private func cached(_ key: Key, generation: UInt64) -> Entry? {
        guard let entry = entries.withLock({ $0.value(for: key) }), entry.generation == generation else { return nil }
        return entry
    }
}

/// A value with the read it came from: two equal stamps are one read, so a page rendered from it can be reused
/// without comparing the value itself.
package struct StampedRead<Value: Sendable>: Sendable {
    package let value: Value
    package let stamp: UInt64

    /// A value read without the cache: its stamp equals no other.
    package static func unique(_ value: Value) -> StampedRead {
        StampedRead(value: value, stamp: readStamps.add(1, ordering: .relaxed).newValue)
    }
}

extension StampedRead: Equatable where Value: Equatable {
    /// Equal values; two from the same read are equal without comparing them.
    package static func == (lhs: Self, rhs: Self) -> Bool { lhs.stamp == rhs.stamp || lhs.value == rhs.value }
}

/// Stamps of reads, unique in the process (for `StampedRead`).
private let readStamps = Atomic<UInt64>(0)
