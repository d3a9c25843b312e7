import Foundation
import Synchronization

/// How many log lines of one kind a source may cause per minute: the first few are written, then one line says the
/// rest are held back, and nothing more until the minute is over. Keys are bounded in number (oldest windows go
/// first), so a flood of sources cannot grow it without end, and the log cannot be flooded either.
package final class LogAllowance: Sendable {
    package enum Verdict: Equatable, Sendable {
        case write
        /// The last line of this minute: say that further ones are held back.
        case writeLast
        case hold
    }

    private struct Window {
        var start: Date
        var count: Int
    }

    private let windows = Mutex<[String: Window]>([:])
    let perMinute: Int
    let maximumKeys: Int

    package init(perMinute: Int = 5, maximumKeys: Int = 10_000) {
        self.perMinute = perMinute
        self.maximumKeys = maximumKeys
    }

    package func verdict(for key: String, now: Date) -> Verdict {
        windows.withLock { windows in
            var window = windows[key] ?? Window(start: now, count: 0)
            if now.timeIntervalSince(window.start) >= 60 { window = Window(start: now, count: 0) }
            window.count += 1
            if windows[key] == nil, windows.count >= maximumKeys {
                // Drop the windows that are over; if none is, the oldest half.
                windows = windows.filter { now.timeIntervalSince($0.value.start) < 60 }
                if windows.count >= maximumKeys {
                    let keep = windows.sorted { $0.value.start > $1.value.start }.prefix(maximumKeys / 2)
                    windows = Dictionary(uniqueKeysWithValues: keep.map { ($0.key, $0.value) })
                }
            }
            windows[key] = window
            if window.count < perMinute { return .write }
            return window.count == perMinute ? .writeLast : .hold
        }
    }
}
