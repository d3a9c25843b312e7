import Foundation
import Synchronization

/// The ways a simulator can misbehave on purpose, to prove the clients cope.
package enum FaultMode: String, Sendable, CaseIterable, Codable {
    case none
    /// Answer HTTP 500 with an HTML error page, as a broken PHP server does.
    case http500
    /// Reset the connection (RST) as soon as the request arrives.
    case reset
    /// Accept the request and never answer, until the client gives up.
    case timeout
    /// Carry out the request, then never send the answer: the change is made but the caller cannot know.
    case commitThenTimeout = "commit-then-timeout"
}

/// What one simulator is told to do. `skip` lets that many requests through first; then `remaining` limits the
/// fault to that many requests (nil: until cleared).
package struct FaultSettings: Sendable, Equatable, Codable {
    package var mode: FaultMode
    package var latencyMilliseconds: Int
    package var remaining: Int?
    package var skip: Int

    package init(mode: FaultMode = .none, latencyMilliseconds: Int = 0, remaining: Int? = nil, skip: Int = 0) {
        self.mode = mode
        self.latencyMilliseconds = max(0, latencyMilliseconds)
        self.remaining = remaining
        self.skip = max(0, skip)
    }
}

/// Shared between a simulator's channel handlers, its latency middleware and its control endpoint.
package final class FaultInjector: Sendable {
    private let state: Mutex<FaultSettings>
    private let seen = Atomic<Int>(0)

    /// How many requests have arrived since the simulator started, faulted or not: tests derive fault positions
    /// from a clean run's count instead of guessing them.
    package var requests: Int { seen.load(ordering: .relaxed) }

    package init(_ settings: FaultSettings = FaultSettings()) {
        state = Mutex(settings)
    }

    package var settings: FaultSettings {
        get { state.withLock { $0 } }
        set { state.withLock { $0 = newValue } }
    }

    package func set(_ mode: FaultMode, latencyMilliseconds: Int? = nil, count: Int? = nil, after skip: Int = 0) {
        state.withLock { settings in
            settings.mode = mode
            settings.remaining = mode == .none ? nil : count
            settings.skip = mode == .none ? 0 : max(0, skip)
            if let latencyMilliseconds { settings.latencyMilliseconds = max(0, latencyMilliseconds) }
        }
    }

    package func clear() {
        state.withLock { $0 = FaultSettings() }
    }

    /// The fault for the request that just arrived, counting it against `remaining`.
    func take() -> FaultMode {
        seen.add(1, ordering: .relaxed)
        return state.withLock { settings in
            let mode = settings.mode
            guard mode != .none else { return .none }
            if settings.skip > 0 {
                settings.skip -= 1
                return .none
            }
            if let remaining = settings.remaining {
                if remaining <= 1 {
                    settings.mode = .none
                    settings.remaining = nil
                } else {
                    settings.remaining = remaining - 1
                }
            }
            return mode
        }
    }

    var latency: Duration {
        .milliseconds(state.withLock { $0.latencyMilliseconds })
    }
}
