import Foundation
import Synchronization

/// The loop the queue-driven jobs share (order pipeline, mail delivery): every tick, take the keys whose work is
/// due and run each in a rolling pool of `parallel` slots, never the same key twice at once.
///
/// A slow key (a brand's silent relay, a slow WHMCS) holds one slot, never the others' turns; a key that finds no
/// free slot is put back to be taken again shortly.
package struct QueueDrain<Key: Hashable & Sendable>: Sendable {
    let parallel: Int
    let tick: Duration
    let now: @Sendable () -> Date
    /// Takes the keys due at a time off the queue.
    let takeDue: @Sendable (Date) -> [Key]
    /// Puts a key back on the queue, due at a time.
    let putBack: @Sendable (Key, Date) -> Void
    let work: @Sendable (Key) async -> Void
    /// Told after each pass over the queue: the loop's heartbeat (readiness watches the pipeline's).
    let onRound: @Sendable () -> Void

    package init(
        parallel: Int, tick: Duration = .milliseconds(100), now: @escaping @Sendable () -> Date,
        takeDue: @escaping @Sendable (Date) -> [Key], putBack: @escaping @Sendable (Key, Date) -> Void,
        work: @escaping @Sendable (Key) async -> Void, onRound: @escaping @Sendable () -> Void = {}
    ) {
        self.onRound = onRound
        self.parallel = parallel
        self.tick = tick
        self.now = now
        self.takeDue = takeDue
        self.putBack = putBack
        self.work = work
    }

    /// Drains until the task is cancelled; work already started finishes first.
    package func run() async {
        let running = Running()
        await withDiscardingTaskGroup { group in
            while !Task.isCancelled {
                for key in takeDue(now()) {
                    guard running.start(key, limit: parallel) else {
                        putBack(key, now().addingTimeInterval(0.2))
                        continue
                    }
                    group.addTask {
                        await work(key)
                        running.finish(key)
                    }
                }
                onRound()
                try? await Task.sleep(for: tick)
            }
        }
    }

    /// The keys whose work runs now.
    private final class Running: Sendable {
        private let keys = Mutex<Set<Key>>([])

        /// Takes a slot for `key`; false when it already runs or every slot is taken.
        func start(_ key: Key, limit: Int) -> Bool {
            keys.withLock { keys in
                guard !keys.contains(key), keys.count < limit else { return false }
                keys.insert(key)
                return true
            }
        }

        func finish(_ key: Key) {
            _ = keys.withLock { $0.remove(key) }
        }
    }
}
