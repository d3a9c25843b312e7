import Foundation
import Integrations
import Tenancy

/// `/account/cloud/{id}`. Names no infrastructure vendor: the size is the reseller's plan's.
package struct CloudServerPage: Sendable {
    package let chrome: StorefrontChrome
    package let csrf: String
    package let id: Int64
    package let name: String
    package let size: String
    package let cpu: Int
    package let ramGB: Int
    package let storageGB: Int
    package let status: String
    package let ipAddress: String
    package let hostname: String
    package let isStale: Bool
    package let created: String
}

extension CloudServerPage {
    init(_ shown: CloudServerDesk.Shown, zone: TimeZone, context: CustomerRequestContext) {
        let server = shown.server
        self.init(
            chrome: context.chrome, csrf: context.csrfToken, id: server.id!.rawValue, name: server.name,
            size: server.size, cpu: server.cpu, ramGB: server.ramGB,
            storageGB: server.storageGB, status: Self.statusLabel(server.status), ipAddress: server.ipAddress,
            hostname: server.hostname, isStale: shown.isStale, created: ReminderScheduler.long(server.createdAt, zone)
        )
    }
}

extension CloudServerPage {
    /// A cloud server's status as the host reports it ("running", "stopped", …), in the reader's language; a word
    /// not known here is shown as the host wrote it.
    static func statusLabel(_ status: String) -> String {
        switch status {
        case "running": tr("services.cloud-status.running")
        case "stopped": tr("services.cloud-status.stopped")
        case "provisioning": tr("services.cloud-status.provisioning")
        case "active": tr("services.cloud-status.active")
        case "suspended": tr("services.cloud-status.suspended")
        default: status
        }
    }
}
