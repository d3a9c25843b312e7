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
            storageGB: server.storageGB, status: server.status, ipAddress: server.ipAddress,
            hostname: server.hostname, isStale: shown.isStale, created: ReminderScheduler.long(server.createdAt, zone)
        )
    }
}
