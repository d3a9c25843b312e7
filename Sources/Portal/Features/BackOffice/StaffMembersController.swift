import Foundation
import Hummingbird
import Tenancy

/// `/admin/staff`, owners only: the staff list, invitations, roles, removal and two-factor, through `StaffRoster`.
package struct StaffMembersController: Sendable {
    let flows: AccountFlows
    let roster: StaffRoster

    package func addRoutes(to group: RouterGroup<StaffRequestContext>) {
        group.get(AdminPaths.staff.route, use: staffList)
        group.post(AdminPaths.staffInvite.route, use: invite)
        group.post(AdminPaths.staffRole.route, use: changeRole)
        group.post(AdminPaths.staffRemove.route, use: remove)
        group.post(AdminPaths.staffResetTwoFactor.route, use: resetTwoFactor)
        group.post(AdminPaths.staffTwoFactorPolicy.route, use: setTwoFactorPolicy)
    }

    @Sendable func staffList(_ request: Request, context: StaffRequestContext) async throws -> Response {
        try context.require(.owner)
        let notice: Notice? =
            switch request.uri.queryParameters.get("done") {
            case "invited": .success("Invitation sent.")
            case "role": .success("Role changed.")
            case "removed": .success("Staff member removed.")
            case "2fa": .success("Two-factor was reset; they will set it up at their next sign-in.")
            case "policy": .success("Two-factor policy saved.")
            default: nil
            }
        return try flows.page(try await page(context, notice: notice), "admin/staff")
    }

    @Sendable func invite(_ request: Request, context: StaffRequestContext) async throws -> Response {
        try context.require(.owner)
        let form = try await FormData.parse(request)
        var page = try await page(context)
        page.inviteEmail = form.trimmed("email")
        guard let email = EmailAddress.normalize(form["email"]) else {
            page.inviteError = "Enter an email address such as name@example.com."
            return try flows.page(page, "admin/staff", status: .unprocessableContent)
        }
        guard let role = Account.Role(rawValue: form["role"]) else {
            page.inviteError = "Choose a role: owner, admin or support."
            return try flows.page(page, "admin/staff", status: .unprocessableContent)
        }
        switch try await roster.invite(email, as: role, by: context.staff, in: context.tenant, ip: ip(context)) {
        case .done: return flows.redirect(to: AdminPaths.staff.link() + "?done=invited")
        case .refused(let message):
            page.inviteError = message
            return try flows.page(page, "admin/staff", status: .conflict)
        }
    }

    @Sendable func changeRole(_ request: Request, context: StaffRequestContext) async throws -> Response {
        try context.require(.owner)
        let form = try await FormData.parse(request)
        let id = try staffID(context)
        guard let role = Account.Role(rawValue: form["role"]) else {
            return try flows.page(
                try await page(context, notice: .error("Choose a role: owner, admin or support.")), "admin/staff",
                status: .unprocessableContent)
        }
        let outcome = try await roster.changeRole(
            of: id, to: role, by: context.staff, in: context.tenant, ip: ip(context))
        return try await respond(outcome, context, id: id, done: "role")
    }

    @Sendable func remove(_ request: Request, context: StaffRequestContext) async throws -> Response {
        try context.require(.owner)
        let id = try staffID(context)
        let outcome = try await roster.remove(id, by: context.staff, in: context.tenant, ip: ip(context))
        return try await respond(outcome, context, id: id, done: "removed")
    }

    /// The owner clears a staff member's second factor (a lost phone); the member sets it up again.
    @Sendable func resetTwoFactor(_ request: Request, context: StaffRequestContext) async throws -> Response {
        try context.require(.owner)
        let id = try staffID(context)
        try await roster.resetTwoFactor(of: id, by: context.staff, in: context.tenant, ip: ip(context))
        return flows.redirect(
            to: id == context.staff.id ? SignInPaths.staff.twoFactor.link() : AdminPaths.staff.link() + "?done=2fa")
    }

    @Sendable func setTwoFactorPolicy(_ request: Request, context: StaffRequestContext) async throws -> Response {
        try context.require(.owner)
        let required = try await FormData.parse(request)["required"] == "on"
        try await roster.setTwoFactorRequired(required, by: context.staff, in: context.tenant, ip: ip(context))
        return flows.redirect(to: AdminPaths.staff.link() + "?done=policy")
    }

    // MARK: Helpers

    /// A change to one's own role or presence ends one's session: back to the sign-in page.
    private func respond(_ outcome: StaffRoster.Outcome, _ context: StaffRequestContext, id: Account.ID, done: String)
        async throws -> Response
    {
        switch outcome {
        case .done:
            return flows.redirect(
                to: id == context.staff.id ? SignInPaths.staff.login.link() : AdminPaths.staff.link() + "?done=\(done)")
        case .refused(let message):
            return try flows.page(try await page(context, notice: .error(message)), "admin/staff", status: .conflict)
        }
    }

    private func page(_ context: StaffRequestContext, notice: Notice? = nil) async throws -> StaffListPage {
        let (members, twoFactorRequired) = try await roster.staff(of: context.tenant)
        return StaffListPage(members, twoFactorRequired: twoFactorRequired, notice: notice, context: context)
    }

    private func staffID(_ context: StaffRequestContext) throws -> Account.ID {
        guard let raw = context.parameters.get("id"), let value = Int64(raw) else { throw PortalError.notFound }
        return Account.ID(value)
    }

    private func ip(_ context: StaffRequestContext) -> String { context.origin.clientAddress ?? "" }
}
