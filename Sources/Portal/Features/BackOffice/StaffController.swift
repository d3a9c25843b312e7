import Foundation
import Hummingbird
import Tenancy

/// The staff area: home, staff management (owner), audit log (owner, admin) and the demo mailbox.
package struct StaffController: Sendable {
    let flows: AccountFlows
    let realm: @Sendable (StaffRequestContext) -> any AccountRealm
    /// The mailbox page exists only in demo and sandbox set-ups, where no mail leaves the machine.
    let showMailbox: Bool
    let databases: TenantDatabases

    package func addRoutes(to group: RouterGroup<StaffRequestContext>) {
        group.get(AdminPaths.home.route, use: home)
        group.get(AdminPaths.staff.route, use: staffList)
        group.post(AdminPaths.staffInvite.route, use: invite)
        group.post(AdminPaths.staffRole.route, use: changeRole)
        group.post(AdminPaths.staffRemove.route, use: remove)
        group.post(AdminPaths.staffResetTwoFactor.route, use: resetTwoFactor)
        group.post(AdminPaths.staffTwoFactorPolicy.route, use: setTwoFactorPolicy)
        group.get(AdminPaths.audit.route, use: audit)
        if showMailbox {
            group.get(AdminPaths.mailbox.route, use: mailbox)
        }
    }

    @Sendable func home(_ request: Request, context: StaffRequestContext) async throws -> Response {
        let currency = try context.content.brand.currency
        let now = flows.services.now()
        let figures = try await databases.withDatabase(for: context.tenant) {
            try await $0.reports.figures(now: now, currency: currency)
        }
        var page = StaffHomePage(
            chrome: context.chrome, csrf: context.csrfToken, name: context.staff.name,
            role: context.role.rawValue, canManageStaff: context.role == .owner, canReadAudit: context.role >= .admin,
            showMailbox: showMailbox,
            suspendedReason: context.tenant.status == .suspended
                ? (context.tenant.statusReason.isEmpty ? "No reason was given." : context.tenant.statusReason) : nil
        )
        page.dashboard = StaffDashboard(figures, currency: currency)
        return try flows.page(page, "admin/home")
    }

    // MARK: Staff management (owner only)

    private func staffPage(_ context: StaffRequestContext, notice: Notice? = nil) async throws -> StaffListPage {
        let staff = try await realm(context).withAccounts { try await $0.staff() }
        let rows = staff.map { member in
            StaffListPage.Row(
                id: member.id.rawValue, name: member.name, email: member.email, role: member.role?.rawValue ?? "",
                pending: member.passwordHash == nil, isSelf: member.id == context.staff.id,
                hasSecondFactor: member.hasSecondFactor,
                roleOptions: Account.Role.allCases.reversed().map {
                    .init(value: $0.rawValue, selected: $0 == member.role)
                }
            )
        }
        let policy = try await realm(context).withAccounts { try await $0.setting(StaffTwoFactorPolicy.key) }
        return StaffListPage(
            chrome: context.chrome, csrf: context.csrfToken, rows: rows,
            twoFactorRequired: policy != "off",
            inviteRoles: Account.Role.allCases.reversed().map { .init(value: $0.rawValue, selected: $0 == .support) },
            notice: notice
        )
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
        return try flows.page(try await staffPage(context, notice: notice), "admin/staff")
    }

    @Sendable func invite(_ request: Request, context: StaffRequestContext) async throws -> Response {
        try context.require(.owner)
        var request = request
        let form = try await FormData.parse(&request)
        var page = try await staffPage(context)
        page.inviteEmail = form.trimmed("email")
        guard let email = EmailAddress.normalize(form["email"]) else {
            page.inviteError = "Enter an email address such as name@example.com."
            return try flows.page(page, "admin/staff", status: .unprocessableContent)
        }
        guard let role = Account.Role(rawValue: form["role"]) else {
            page.inviteError = "Choose a role: owner, admin or support."
            return try flows.page(page, "admin/staff", status: .unprocessableContent)
        }
        let realm = realm(context)
        let (link, token) = flows.oneTimeLink(.invite, path: SignInPaths.staff.acceptInvite.link(), realm: realm)
        let mail = try await flows.prepareMail(
            realm: realm, to: email, name: "", .staffInvitation,
            variables: ["inviter": context.staff.name, "role": role.rawValue, "link": link], tag: "staff_invite"
        )
        let (staff, ip, now) = (context.staff, context.origin.clientAddress ?? "", flows.services.now())
        return try await realm.withAccounts { store in
            do {
                // The invited account, its set-up link and the invitation commit together.
                try await flows.commit(store, realm: realm) { db in
                    let invited = try AccountStore.insertAccount(
                        db, kind: .staff, email: email, name: email, company: "", passwordHash: nil, role: role,
                        emailVerifiedAt: nil,
                        now: now
                    )
                    try AccountStore.insertToken(db, token(invited.id))
                    try AccountStore.insertMail(db, mail, now: now)
                    try AccountStore.appendAudit(
                        db, "staff.invited", actor: staff, target: email, detail: role.rawValue, ip: ip, now: now)
                }
            } catch AccountError.emailTaken {
                page.inviteError = "This address is already on your staff."
                return try flows.page(page, "admin/staff", status: .conflict)
            }
            return flows.redirect(to: AdminPaths.staff.link() + "?done=invited")
        }
    }

    private func staffID(_ context: StaffRequestContext) throws -> Account.ID {
        guard let raw = context.parameters.get("id"), let value = Int64(raw) else { throw PortalError.notFound }
        return Account.ID(value)
    }

    @Sendable func changeRole(_ request: Request, context: StaffRequestContext) async throws -> Response {
        try context.require(.owner)
        var request = request
        let form = try await FormData.parse(&request)
        let id = try staffID(context)
        guard let role = Account.Role(rawValue: form["role"]) else {
            return try flows.page(
                try await staffPage(context, notice: .error("Choose a role: owner, admin or support.")), "admin/staff",
                status: .unprocessableContent
            )
        }
        if let refused = try await ownerChange(
            context,
            { store in
                let changed = try await store.setRole(role, for: id)
                // A privilege change: the member signs in again with a new session.
                try await store.deleteSessions(of: id)
                try await store.audit(
                    "staff.role_changed", actor: context.staff, target: changed.email, detail: role.rawValue,
                    ip: context.origin.clientAddress ?? ""
                )
            })
        {
            return refused
        }
        return flows.redirect(
            to: id == context.staff.id ? SignInPaths.staff.login.link() : AdminPaths.staff.link() + "?done=role")
    }

    @Sendable func remove(_ request: Request, context: StaffRequestContext) async throws -> Response {
        try context.require(.owner)
        let id = try staffID(context)
        if let refused = try await ownerChange(
            context,
            { store in
                let removed = try await store.removeStaff(id)
                try await store.audit(
                    "staff.removed", actor: context.staff, target: removed.email, ip: context.origin.clientAddress ?? ""
                )
            })
        {
            return refused
        }
        return flows.redirect(
            to: id == context.staff.id ? SignInPaths.staff.login.link() : AdminPaths.staff.link() + "?done=removed")
    }

    /// Runs a change to the staff list; returns the page to show when the change is refused.
    private func ownerChange(
        _ context: StaffRequestContext, _ change: (AccountStore) async throws -> Void
    ) async throws -> Response? {
        do {
            try await realm(context).withAccounts { try await change($0) }
            return nil
        } catch AccountError.notFound {
            throw PortalError.notFound
        } catch AccountError.lastOwner {
            return try flows.page(
                try await staffPage(context, notice: .error(AccountError.lastOwner.description)), "admin/staff",
                status: .conflict
            )
        }
    }

    /// The owner clears a staff member's second factor (a lost phone); the member sets it up again.
    @Sendable func resetTwoFactor(_ request: Request, context: StaffRequestContext) async throws -> Response {
        try context.require(.owner)
        let id = try staffID(context)
        try await realm(context).withAccounts { store in
            guard let member = try await store.account(id), member.kind == .staff else {
                throw PortalError.notFound
            }
            try await store.disableTOTP(for: id)
            try await store.deleteSessions(of: id)
            try await store.audit(
                "2fa.reset_by_owner", actor: context.staff, target: member.email, ip: context.origin.clientAddress ?? ""
            )
        }
        return flows.redirect(
            to: id == context.staff.id ? SignInPaths.staff.twoFactor.link() : AdminPaths.staff.link() + "?done=2fa")
    }

    @Sendable func setTwoFactorPolicy(_ request: Request, context: StaffRequestContext) async throws -> Response {
        try context.require(.owner)
        var request = request
        let required = try await FormData.parse(&request)["required"] == "on"
        try await realm(context).withAccounts { store in
            try await store.setSetting(StaffTwoFactorPolicy.key, to: required ? "on" : "off")
            try await store.audit(
                "2fa.staff_policy", actor: context.staff, detail: required ? "required" : "optional",
                ip: context.origin.clientAddress ?? ""
            )
        }
        return flows.redirect(to: AdminPaths.staff.link() + "?done=policy")
    }

    // MARK: Audit log and mailbox

    @Sendable func audit(_ request: Request, context: StaffRequestContext) async throws -> Response {
        try context.require(.admin)
        let action = String((request.uri.queryParameters.get("action") ?? "").prefix(64))
        let actor = String((request.uri.queryParameters.get("actor") ?? "").prefix(254))
        let entries = try await realm(context).withAccounts { store in
            try await store.auditEntries(action: action, actor: actor)
        }
        let rows = AuditPage.rows(entries)
        let page = AuditPage(
            chrome: context.chrome, csrf: context.csrfToken, rows: rows, action: action,
            actor: actor, isEmpty: rows.isEmpty
        )
        return try flows.page(page, "admin/audit")
    }

    @Sendable func mailbox(_ request: Request, context: StaffRequestContext) async throws -> Response {
        let mails = try await realm(context).withAccounts { try await $0.outbox() }
        let rows = mails.map {
            MailboxPage.Row(
                id: $0.id, at: PageDates.format($0.createdAt), to: $0.toAddress, subject: $0.subject, body: $0.textBody,
                status: $0.status.rawValue)
        }
        let page = MailboxPage(
            chrome: context.chrome, csrf: context.csrfToken, rows: rows, isEmpty: rows.isEmpty
        )
        return try flows.page(page, "admin/mailbox")
    }
}
