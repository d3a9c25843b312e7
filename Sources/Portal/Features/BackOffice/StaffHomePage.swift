import Foundation
import Tenancy

/// `/admin`: the staff home.
package struct StaffHomePage: Sendable, Encodable {
    package let chrome: StorefrontChrome
    package let csrf: String
    package let name: String
    package let role: String
    package let canManageStaff: Bool
    package let canReadAudit: Bool
    package let showMailbox: Bool
    /// Set while the platform has suspended the brand: why, for its staff to read.
    package var suspendedReason: String? = nil
    /// The figures and charts, rendered by `StaffDashboardFragments` (`admin/dashboard`).
    package var dashboardHTML: String? = nil
    /// Alerts for owners and admins: the open ones, then the recently resolved.
    package var alerts: [AlertRow] = []
    /// "2 open"; nil when none is open.
    package var openAlerts: String?
    package var hasAlerts = false

    package struct AlertRow: Sendable, Encodable {
        package let title: String
        package let detail: String
        package let raised: String
        package let cleared: String?
        package let isOpen: Bool

        init(_ alert: Alert) {
            title = alert.title
            detail = alert.detail
            raised = PageDates.format(alert.raisedAt)
            cleared = alert.clearedAt.map(PageDates.format)
            isOpen = alert.clearedAt == nil
        }
    }
}
