import Foundation
import Tenancy

/// `/admin/audit`.
package struct AuditPage: Sendable {
    package struct Row: Sendable {
        package let at: String
        package let actor: String
        package let action: String
        package let target: String
        package let detail: String
        package let ip: String
    }

    /// One row per entry, newest first as the store returns them.
    package static func rows(_ entries: [AuditEntry]) -> [Row] {
        entries.map {
            Row(
                at: PageDates.format($0.at), actor: $0.actor, action: $0.action, target: $0.target, detail: $0.detail,
                ip: $0.ip)
        }
    }

    package let chrome: StorefrontChrome
    package let csrf: String
    package let rows: [Row]
    package let action: String
    package let actor: String
    package let isEmpty: Bool
}
