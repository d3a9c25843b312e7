import Foundation
import Integrations
import Tenancy

/// `/account/domains`.
package struct DomainsPage: Sendable {
    package struct Row: Sendable {
        package let name: String
        package let status: String
        package let expires: String
        package let autoRenew: String
    }

    package let chrome: StorefrontChrome
    package let csrf: String
    package let rows: [Row]
    package let hasRows: Bool
}

extension DomainsPage {
    init(_ domains: [RegisteredDomain], zone: TimeZone, context: CustomerRequestContext) {
        let rows = domains.map {
            Row(
                name: $0.name, status: $0.status.rawValue, expires: ReminderScheduler.long($0.expiresAt, zone),
                autoRenew: $0.autoRenew ? "On" : "Off")
        }
        self.init(chrome: context.chrome, csrf: context.csrfToken, rows: rows, hasRows: !rows.isEmpty)
    }
}
