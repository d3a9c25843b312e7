import Foundation
import Synchronization

/// One circuit breaker per (tenant, upstream): after `failureThreshold` failures in a row the circuit opens
/// and calls fail fast for `openDuration`; then one trial call is let through, and its outcome closes the
/// circuit or opens it again. One tenant's broken credentials never open another tenant's circuit.
package final class CircuitBreakers: Sendable {
    package struct Key: Hashable, Sendable {
        package let tenant: String
        package let upstream: String

        package init(tenant: String, upstream: String) {
            self.tenant = tenant
            self.upstream = upstream
        }
    }

    /// Thrown instead of calling an upstream whose circuit is open.
    package struct OpenCircuit: Error, Equatable, CustomStringConvertible {
        package let upstream: String
        package let retryAfter: TimeInterval

        package var description: String {
            "\(upstream) is failing; calls are paused for \(Int(retryAfter.rounded(.up))) more seconds"
        }
    }

    private enum State {
        case closed(failures: Int)
        case open(until: Date)
        case halfOpen
    }

    private let states = Mutex<[Key: State]>([:])
    /// When each failing upstream's current run of failures began; cleared by a success.
    private let streaks = Mutex<[Key: Date]>([:])
    private let failureThreshold: Int
    private let openDuration: TimeInterval
    private let now: @Sendable () -> Date

    package init(
        failureThreshold: Int = 5, openDuration: TimeInterval = 30, now: @escaping @Sendable () -> Date = { Date() }
    ) {
        self.failureThreshold = failureThreshold
        self.openDuration = openDuration
        self.now = now
    }

    /// Throws `OpenCircuit` while the circuit is open; lets a single trial through once the pause is over.
    package func permit(_ key: Key) throws(OpenCircuit) {
        let now = self.now()
        let refusal: OpenCircuit? = states.withLock { states in
            switch states[key] ?? .closed(failures: 0) {
            case .closed:
                return nil
            case .open(let until) where until > now:
                return OpenCircuit(upstream: key.upstream, retryAfter: until.timeIntervalSince(now))
            case .open:
                states[key] = .halfOpen
                return nil
            case .halfOpen:
                return OpenCircuit(upstream: key.upstream, retryAfter: 1)
            }
        }
        if let refusal { throw refusal }
    }

    package func recordSuccess(_ key: Key) {
        states.withLock { $0[key] = .closed(failures: 0) }
        streaks.withLock { _ = $0.removeValue(forKey: key) }
    }

    package func recordFailure(_ key: Key) {
        let now = self.now()
        streaks.withLock { if $0[key] == nil { $0[key] = now } }
        states.withLock { states in
            switch states[key] ?? .closed(failures: 0) {
            case .halfOpen:
                states[key] = .open(until: now.addingTimeInterval(openDuration))
            case .closed(let failures):
                states[key] =
                    failures + 1 >= failureThreshold
                    ? .open(until: now.addingTimeInterval(openDuration)) : .closed(failures: failures + 1)
            case .open:
                break
            }
        }
    }

    /// The trial call ended without telling whether the upstream works (it was cancelled): the next call may try.
    package func abandonTrial(_ key: CircuitBreakers.Key) {
        let now = self.now()
        states.withLock { states in
            if case .halfOpen = states[key] { states[key] = .open(until: now) }
        }
    }

    /// Whether calls to `key` currently fail fast.
    package func isOpen(_ key: Key) -> Bool {
        let now = self.now()
        return states.withLock { states in
            if case .open(let until) = states[key], until > now { return true }
            return false
        }
    }

    /// How many circuits fail fast now, or wait for their trial call (metrics).
    package var openCount: Int {
        let now = self.now()
        return states.withLock { states in
            states.values.count { state in
                switch state {
                case .open(let until): until > now
                case .halfOpen: true
                case .closed: false
                }
            }
        }
    }

    /// The upstreams that have failed every call since before `cutoff`, with when their failures began (alerts).
    package func failing(since cutoff: Date) -> [Key: Date] {
        streaks.withLock { $0.filter { $0.value <= cutoff } }
    }
}
