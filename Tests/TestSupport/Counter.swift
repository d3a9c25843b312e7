import Synchronization

/// A thread-safe count of calls.
package final class Counter: Sendable {
    private let count = Mutex(0)
    package var value: Int { count.withLock { $0 } }
    package func add() { count.withLock { $0 += 1 } }
    package init() {}
}
