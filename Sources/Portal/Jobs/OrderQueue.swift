import Foundation
import Synchronization
import Tenancy

/// Tells the order pipeline which tenants have jobs and when: in memory for this process, and durably in the
/// registry's pending list, which the pipeline reads at start, so nothing queued before a restart is forgotten.
package final class OrderQueue: Sendable {
    private let due = Mutex<[Tenant.ID: Date]>([:])
    private let platform: PlatformDatabase

    package init(platform: PlatformDatabase) {
        self.platform = platform
    }

    /// Call before writing jobs for `tenant` (outside the transaction): records the tenant as pending.
    package func willQueue(_ tenant: Tenant.ID) async throws {
        try await platform.markJobsPending(tenant)
    }

    /// Work is (or will be) due for `tenant` at `time`.
    package func notify(_ tenant: Tenant.ID, at time: Date = .distantPast) {
        due.withLock { due in
            if let current = due[tenant], current <= time { return }
            due[tenant] = time
        }
    }

    /// Removes and returns the tenants due by `now`.
    package func takeDue(now: Date) -> [Tenant.ID] {
        due.withLock { due in
            let ready = due.filter { $0.value <= now }.map(\.key)
            for tenant in ready { due[tenant] = nil }
            return ready
        }
    }
}
