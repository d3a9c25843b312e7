/// Exponential backoff with full jitter, for reads and for writes made safe to repeat.
///
/// Full jitter (a random delay between zero and the exponential cap) spreads retries from many
/// tenants so a recovering upstream is not hit by synchronised waves.
package struct RetryPolicy: Sendable {
    package var maximumAttempts: Int
    package var baseDelay: Duration
    package var maximumDelay: Duration

    package init(
        maximumAttempts: Int = 3, baseDelay: Duration = .milliseconds(200), maximumDelay: Duration = .seconds(3)
    ) {
        precondition(maximumAttempts >= 1, "at least one attempt")
        self.maximumAttempts = maximumAttempts
        self.baseDelay = baseDelay
        self.maximumDelay = maximumDelay
    }

    /// The longest wait after failed attempt `attempt` (1-based): base × 2^(attempt-1), capped.
    package func cap(afterAttempt attempt: Int) -> Duration {
        let factor = 1 << min(attempt - 1, 20)
        let exponential = baseDelay * factor
        return exponential < maximumDelay ? exponential : maximumDelay
    }

    /// Runs `operation` until it succeeds, fails with an error that is not retryable, or runs out of attempts.
    /// `unit` returns a random number in 0...1; `sleep` waits. Both are injected so tests run instantly.
    package func run<T: Sendable>(
        isRetryable: (any Error) -> Bool,
        unit: () -> Double = { Double.random(in: 0...1) },
        sleep: (Duration) async throws -> Void = { try await Task.sleep(for: $0) },
        _ operation: (_ attempt: Int) async throws -> T
    ) async throws -> T {
        var attempt = 1
        while true {
            do {
                return try await operation(attempt)
            } catch {
                guard attempt < maximumAttempts, isRetryable(error), !(error is CancellationError) else { throw error }
                try await sleep(cap(afterAttempt: attempt) * unit())
                attempt += 1
            }
        }
    }
}
