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

extension StaffListPage {
    init(_ members: [Account], twoFactorRequired: Bool, notice: Notice?, context: StaffRequestContext) {
        let rows = members.map { member in
            Row(
                id: member.id.rawValue, name: member.name, email: member.email, role: member.role?.rawValue ?? "",
                pending: member.passwordHash == nil, isSelf: member.id == context.staff.id,
                hasSecondFactor: member.hasSecondFactor,
                roleOptions: Account.Role.allCases.reversed().map {
                    RoleOption(value: $0.rawValue, selected: $0 == member.role)
                }
            )
        }
        self.init(
            chrome: context.chrome, csrf: context.csrfToken, rows: rows, twoFactorRequired: twoFactorRequired,
            inviteRoles: Account.Role.allCases.reversed().map {
                RoleOption(value: $0.rawValue, selected: $0 == .support)
            },
            notice: notice
        )
    }
}
