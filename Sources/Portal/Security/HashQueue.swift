/// Argon2 work, bounded and shared fairly between brands. `slots` hashes run at once (each holds about 19 MiB);
/// behind them each brand may have at most `share` requests waiting and the whole queue at most `capacity`. A request
/// over either bound is not queued: the caller answers 429 with `Retry-After` (`Busy`). Waiting brands take turns,
/// so a flood against one brand delays another brand's sign-in by at most one hash per busy brand, never by the
/// flood's length.
package actor HashQueue {
    /// The brand's share, or the queue, is full: come back after `retryAfter` seconds.
    package struct Busy: Error, Equatable, CustomStringConvertible {
        package let retryAfter: Int

        package var description: String {
            "Too many passwords are being checked right now. Try again in \(retryAfter) seconds."
        }
    }

    private let slots: Int
    private let share: Int
    private let capacity: Int
    private var running = 0
    private var waiting: [String: [CheckedContinuation<Void, Never>]] = [:]
    /// Brands with someone waiting, in turn order.
    private var turns: [String] = []
    private var waitingCount = 0
    /// A running average of one hash's duration, for `Retry-After`.
    private var averageSeconds = 0.05
    private var refusedCount = 0

    package init(slots: Int = 2, share: Int = 8, capacity: Int = 128) {
        precondition(slots > 0 && share > 0 && capacity >= share, "a hash queue needs slots and room")
        self.slots = slots
        self.share = share
        self.capacity = capacity
    }

    /// Requests waiting for a slot now, and how many were turned away so far (metrics, tests).
    package var depth: Int { waitingCount }
    package var refused: Int { refusedCount }

    /// Runs `operation` in a slot, counted against `brand`'s share; throws `Busy` rather than queue past a bound.
    package func run<T: Sendable>(brand: String, _ operation: @Sendable () async throws -> T) async throws -> T {
        try await acquire(brand)
        let started = ContinuousClock.now
        defer { release(after: ContinuousClock.now - started) }
        return try await operation()
    }

    private func acquire(_ brand: String) async throws {
        if running < slots {
            running += 1
            return
        }
        let queued = waiting[brand]?.count ?? 0
        guard queued < share, waitingCount < capacity else {
            refusedCount += 1
            let seconds = Double(waitingCount + 1) * averageSeconds / Double(slots)
            throw Busy(retryAfter: min(60, max(1, Int(seconds.rounded(.up)))))
        }
        await withCheckedContinuation { continuation in
            if queued == 0 { turns.append(brand) }
            waiting[brand, default: []].append(continuation)
            waitingCount += 1
        }
    }

    private func release(after elapsed: Duration) {
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        averageSeconds = averageSeconds * 0.9 + seconds * 0.1
        guard !turns.isEmpty else {
            running -= 1
            return
        }
        // The slot passes straight to the next brand in turn; that brand goes to the back if more of it waits.
        let brand = turns.removeFirst()
        var queue = waiting[brand] ?? []
        let next = queue.removeFirst()
        waitingCount -= 1
        if queue.isEmpty {
            waiting[brand] = nil
        } else {
            waiting[brand] = queue
            turns.append(brand)
        }
        next.resume()
    }
}
