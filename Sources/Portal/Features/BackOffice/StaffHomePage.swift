import Foundation
import Tenancy

/// `/admin`: the staff home.
package struct StaffHomePage: Sendable {
    package let chrome: StorefrontChrome
    package let csrf: String
    package let name: String
    package let role: String
    package let canManageStaff: Bool
    package let canReadAudit: Bool
    package let showMailbox: Bool
    /// Set while the platform has suspended the brand: why, for its staff to read.
    package var suspendedReason: String? = nil
    package var dashboard: StaffDashboard? = nil
}
