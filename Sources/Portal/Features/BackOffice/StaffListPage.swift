import Foundation
import Tenancy

/// `/admin/staff`: the owner's staff list and invitation form.
package struct StaffListPage: Sendable {
    package struct Row: Sendable {
        package let id: Int64
        package let name: String
        package let email: String
        package let role: String
        package let pending: Bool
        package let isSelf: Bool
        package let hasSecondFactor: Bool
        package let roleOptions: [RoleOption]
    }

    package struct RoleOption: Sendable {
        package let value: String
        package let selected: Bool
    }

    package let chrome: StorefrontChrome
    package let csrf: String
    package let rows: [Row]
    package let twoFactorRequired: Bool
    package let inviteRoles: [RoleOption]
    package var inviteEmail = ""
    package var inviteError: String?
    package var notice: Notice?
}
