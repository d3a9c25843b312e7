import Foundation
import Synchronization
import Tenancy

/// Which outbox a message is in: a tenant's, or the registry's (platform users).
package enum Mailbox: Hashable, Sendable, CustomStringConvertible {
    case tenant(Tenant.ID)
    case platform

    /// `platform` or `tenant:<id>`, as recorded in the registry's pending list.
    package var description: String {
        switch self {
        case .platform: "platform"
        case .tenant(let id): "tenant:\(id.rawValue)"
        }
    }

    package init?(_ text: String) {
        if text == "platform" {
            self = .platform
        } else if text.hasPrefix("tenant:"), let id = Int64(text.dropFirst(7)) {
            self = .tenant(Tenant.ID(id))
        } else {
            return nil
        }
    }
}

/// Tells the delivery worker which outboxes have work and when: in memory for this process, and durably in the
/// registry's pending list, which the worker reads at start, so nothing queued before a restart is forgotten.
package final class MailQueue: Sendable {
    private let due = Mutex<[Mailbox: Date]>([:])
    private let platform: PlatformDatabase

    package init(platform: PlatformDatabase) {
        self.platform = platform
    }

    /// Call before queueing mail in `mailbox` (outside its transaction): records the outbox as pending.
    package func willQueue(_ mailbox: Mailbox) async throws {
        try await platform.markMailPending(mailbox.description)
    }

    /// Work is (or will be) due in `mailbox` at `time`.
    package func notify(_ mailbox: Mailbox, at time: Date = .distantPast) {
        due.withLock { due in
            if let current = due[mailbox], current <= time { return }
            due[mailbox] = time
        }
    }

    /// Removes and returns the outboxes due by `now`.
    package func takeDue(now: Date) -> [Mailbox] {
        due.withLock { due in
            let ready = due.filter { $0.value <= now }.map(\.key)
            for mailbox in ready { due[mailbox] = nil }
            return ready
        }
    }

    /// The earliest time any outbox is due, if any.
    package var nextDue: Date? { due.withLock { $0.values.min() } }
}
