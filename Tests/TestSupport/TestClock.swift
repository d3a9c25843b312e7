import Foundation
import Synchronization

/// The clock tests give the code under test: wall time plus an offset the test moves, or an instant that stands
/// still (`frozen()`) for exact expiries and waits. Freeze it only in tests without the order pipeline, whose
/// retries wait for the clock to pass a time.
package final class TestClock: Sendable {
    private let offset = Mutex<TimeInterval>(0)
    private let frozenAt: Date?

    package init(frozenAt: Date? = nil) {
        self.frozenAt = frozenAt
    }

    /// A clock standing still at a fixed instant (15 January 2027, 08:00 UTC) until the test moves it.
    package static func frozen() -> TestClock {
        TestClock(frozenAt: Date(timeIntervalSince1970: 1_800_000_000))
    }

    package var now: @Sendable () -> Date {
        { (self.frozenAt ?? Date()).addingTimeInterval(self.offset.withLock { $0 }) }
    }

    package func advance(by seconds: TimeInterval) {
        offset.withLock { $0 += seconds }
    }

    /// Moves a frozen clock to `date` (forward or back).
    package func move(to date: Date) {
        precondition(frozenAt != nil, "only a frozen clock can be set to an instant")
        offset.withLock { $0 = date.timeIntervalSince(frozenAt ?? date) }
    }
}
