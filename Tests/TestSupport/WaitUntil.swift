/// The condition `waitUntil` waited for never held.
package struct NeverHeld: Error, CustomStringConvertible {
    package let checks: Int
    package var description: String { "the condition did not hold after \(checks) checks" }
}

/// Waits until `condition` holds, checking every 50 ms at most `checks` times (30 s on a slow machine): bounded by
/// attempts, a guard against a hang rather than a timing assertion. Throws `NeverHeld` when it never holds.
package func waitUntil(checks: Int = 600, _ condition: () throws -> Bool) async throws {
    for _ in 0..<checks {
        if try condition() { return }
        try await Task.sleep(for: .milliseconds(50))
    }
    throw NeverHeld(checks: checks)
}

/// The same, for a condition that has to await (a read through an async API).
package func waitUntil(checks: Int = 600, _ condition: () async throws -> Bool) async throws {
    for _ in 0..<checks {
        if try await condition() { return }
        try await Task.sleep(for: .milliseconds(50))
    }
    throw NeverHeld(checks: checks)
}
