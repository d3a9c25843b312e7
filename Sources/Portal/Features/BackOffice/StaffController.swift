import Foundation
import Hummingbird
import Tenancy

/// The staff area: home, audit log (owner, admin) and the demo mailbox.
package struct StaffController: Sendable {
    let flows: AccountFlows
    let realm: @Sendable (StaffRequestContext) -> any AccountRealm
    /// The mailbox page exists only in demo and sandbox set-ups, where no mail leaves the machine.
    let showMailbox: Bool
    let databases: TenantDatabases
    let fragments: StaffDashboardFragments
    /// Staff homes rendered before, per brand and staff member, reused while their inputs are equal.
    let homes = RenderedPages<HomeInputs>(capacity: 1_024)

    package func addRoutes(to group: RouterGroup<StaffRequestContext>) {
        group.get(AdminPaths.home.route, use: home)
        group.get(AdminPaths.audit.route, use: audit)
        group.get(AdminPaths.style.route, use: style)
        if showMailbox {
            group.get(AdminPaths.mailbox.route, use: mailbox)
        }
    }

    /// Everything the staff home is rendered from: it is rendered again only when one of these changed.
    struct HomeInputs: PageInputs {
        let figures: BackOfficeFigures
        let alerts: [Alert]
        /// The page's chrome, whole: the brand, its menus and announcement, the sidebar with its counts, the CSRF token.
        let chrome: StorefrontChrome
        let csrf: String
        let name: String
        let role: Account.Role
        let suspendedReason: String?
    }

    @Sendable func home(_ request: Request, context: StaffRequestContext) async throws -> Response {
        let content = try context.content
        let currency = content.brand.currency
        let now = flows.services.now()
        let seesAlerts = context.role >= .admin
        let (figures, alerts) = try await databases.withDatabase(for: context.tenant) { database in
            (
                try await database.reports.figures(now: now, currency: currency),
                seesAlerts ? try await database.alerts.recent(limit: 10) : []
            )
        }
        let suspendedReason =
            context.tenant.status == .suspended
            ? (context.tenant.statusReason.isEmpty ? "No reason was given." : context.tenant.statusReason) : nil
        // The figures and alerts are kept until the brand's next commit, the sidebar's counts too; so is the page.
        let inputs = HomeInputs(
            figures: figures, alerts: alerts, chrome: context.chrome, csrf: context.csrfToken, name: context.staff.name,
            role: context.role, suspendedReason: suspendedReason)
        let html = try homes.page(tenant: context.tenant.id, account: context.staff.id, inputs: inputs) {
            var page = StaffHomePage(
                chrome: context.chrome, csrf: context.csrfToken, name: context.staff.name,
                role: context.role.rawValue, canManageStaff: context.role == .owner,
                canReadAudit: context.role >= .admin, showMailbox: showMailbox, suspendedReason: suspendedReason
            )
            page.dashboardHTML = try fragments.html(for: context.tenant.id, figures: figures, currency: currency)
            page.alerts = alerts.map(StaffHomePage.AlertRow.init)
            let open = alerts.count { $0.clearedAt == nil }
            page.openAlerts = open > 0 ? "\(open) open" : nil
            page.hasAlerts = !alerts.isEmpty
            return try flows.pages.render(page, template: "admin/home")
        }
        return Response(
            status: .ok, headers: [.contentType: "text/html; charset=utf-8", .cacheControl: "no-store"],
            body: .init(byteBuffer: html))
    }

    /// The living style guide: every component in this brand's colours.
    @Sendable func style(_ request: Request, context: StaffRequestContext) async throws -> Response {
        let page = StyleGuidePage(brand: try context.content.brand, chrome: context.chrome, csrf: context.csrfToken)
        return try flows.page(page, "admin/style")
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

    /// The demo mailbox: owners only, and one-time links hidden as in the mail log, so no reset or invitation
    /// link meant for someone else can be used from here.
    @Sendable func mailbox(_ request: Request, context: StaffRequestContext) async throws -> Response {
        try context.require(.owner)
        let mails = try await realm(context).withAccounts { try await $0.outbox() }
        let rows = mails.map {
            MailboxPage.Row(
                id: $0.id, at: PageDates.format($0.createdAt), to: $0.toAddress, subject: $0.subject,
                body: MailController.redacted($0.textBody), status: $0.status.rawValue)
        }
        let page = MailboxPage(
            chrome: context.chrome, csrf: context.csrfToken, rows: rows, isEmpty: rows.isEmpty
        )
        return try flows.page(page, "admin/mailbox")
    }
}
