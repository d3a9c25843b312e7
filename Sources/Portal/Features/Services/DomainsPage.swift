import Foundation
import Integrations
import Tenancy

/// `/account/domains`.
package struct DomainsPage: Sendable {
    package struct Row: Sendable {
        package let name: String
        /// The name as people read it: an internationalised name in Unicode.
        package let displayName: String
        /// The stored status (`active`, `expired`): the badge's `data-status`, which picks its colour.
        package let status: String
        /// The status in the reader's language, as the badge shows it.
        package let statusLabel: String
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
                name: $0.name, displayName: IDNA.toUnicode($0.name), status: $0.status.rawValue,
                statusLabel: $0.status.displayLabel,
                expires: ReminderScheduler.long($0.expiresAt, zone),
                autoRenew: $0.autoRenew ? tr("services.domains.auto_renew_on") : tr("services.domains.auto_renew_off"))
        }
        self.init(chrome: context.chrome, csrf: context.csrfToken, rows: rows, hasRows: !rows.isEmpty)
    }
}
