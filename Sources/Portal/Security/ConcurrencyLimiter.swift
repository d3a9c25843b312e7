/// Lets at most `limit` operations run at once; the rest wait in order.
///
/// Each Argon2 hash holds about 19 MiB, so hashing is bounded rather than left to the request rate.
package actor ConcurrencyLimiter {
    private let limit: Int
    private var running = 0
    private var waiters: [CheckedContinuation<Void, Never>] = []

    package init(limit: Int) {
        precondition(limit > 0, "a limiter needs at least one slot")
        self.limit = limit
    }

    package func run<T: Sendable>(_ operation: @Sendable () async throws -> T) async rethrows -> T {
        await acquire()
        defer { release() }
        return try await operation()
    }

    private func acquire() async {
        if running < limit {
            running += 1
            return
        }
        await withCheckedContinuation { waiters.append($0) }
    }

    private func release() {
        if waiters.isEmpty {
            running -= 1
        } else {
            waiters.removeFirst().resume()
        }
    }
}
