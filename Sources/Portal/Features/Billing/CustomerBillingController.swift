import Foundation
import Hummingbird
import Integrations
import Logging
import Tenancy

/// The customer's dashboard, services, invoices and profile, read from the local copy of WHMCS; actions that
/// must reach WHMCS or WHM (paying, opening the control panel, saving the profile) fail with a friendly page that
/// carries a reference staff can find in the logs.
package struct CustomerBillingController: Sendable {
    let flows: AccountFlows
    let databases: TenantDatabases
    let refresher: BillingRefresher
    let account: BillingAccount
    let cards: CardPayments
    /// Rendered dashboards, reused while nothing they show has changed.
    let dashboards: RenderedPages<DashboardInputs>
    let documents: InvoiceDocuments

    /// Everything a dashboard is rendered from.
    package struct DashboardInputs: PageInputs {
        /// Compared by its read's stamp first: the dashboard itself only after it was read again.
        let dashboard: StampedRead<BillingMirrorStore.Dashboard>
        let name: String
        let email: String
        let verified: Bool
        let csrf: String
        let brand: String
        let nameservers: [String]
        /// The freshness line ("updated …") is rendered from `dashboard`'s refresh time with the page: formatting it
        /// per request cost more than the cache lookup it fed.
        let today: String

        package func sameReads(as other: Self) -> Bool { dashboard.stamp == other.dashboard.stamp }
    }

    package func addRoutes(to group: RouterGroup<CustomerRequestContext>) {
        group.get(AccountPaths.home.route, use: dashboard)
        group.post(AccountPaths.billingRefresh.route, use: refresh)
        group.get(AccountPaths.invoices.route, use: invoices)
        group.get(AccountPaths.invoicePDF.route, use: invoicePDF)
        group.get(AccountPaths.invoice.route, use: invoice)
        group.post(AccountPaths.invoicePay.route, use: pay)
        group.get(AccountPaths.profile.route, use: profile)
        group.post(AccountPaths.profile.route, use: saveProfile)
    }

    static func today(_ now: Date) -> String { PageDates.day(now) }

    static func refreshedText(_ date: Date?) -> String {
        date.map { tr("billing.freshness.updated", ["date": PageDates.format($0)]) }
            ?? tr("billing.freshness.loading")
    }

    // MARK: Dashboard

    @Sendable func dashboard(_ request: Request, context: CustomerRequestContext) async throws -> Response {
        let account = context.account
        let content = try context.content
        let now = flows.services.now()
        let today = Self.today(now)
        let read = try await databases.withDatabase(for: context.tenant) { database in
            try await database.billing.stampedDashboard(of: account.id, today: today)
        }
        let dashboard = read.value
        let (summary, pending, openTickets) = (dashboard.summary, dashboard.ordersUnderWay, dashboard.openTickets)
        refresher.refreshIfStale(account.id, in: context.tenant, refreshedAt: summary.refreshedAt, now: now)
        let inputs = DashboardInputs(
            dashboard: read, name: account.name, email: account.email,
            verified: account.emailVerifiedAt != nil,
            csrf: context.csrfToken,
            brand: content.brandStamp + context.chrome.language + context.chrome.languagePrefix,
            nameservers: content.brand.nameservers, today: today
        )
        let html = try dashboards.page(tenant: context.tenant.id, account: account.id, inputs: inputs) {
            let row: (MirroredService) -> DashboardPage.ServiceRow = {
                .init(
                    id: $0.whmcsServiceID, name: $0.productName, domain: IDNA.toUnicode($0.domain),
                    nextDue: DisplayCalendar.readerDay($0.nextDueDate))
            }
            let due = summary.dueMinor.sorted { $0.key < $1.key }.map {
                Money.format(minor: $0.value, currency: $0.key)
            }
            let page = DashboardPage(
                chrome: context.chrome, csrf: context.csrfToken, name: account.name, email: account.email,
                emailVerified: account.emailVerifiedAt != nil, services: summary.activeServices.map(row),
                hasServices: !summary.activeServices.isEmpty,
                invoices: summary.unpaidInvoices.map {
                    .init(
                        id: $0.whmcsInvoiceID, number: $0.number,
                        total: Money.format(minor: $0.totalMinor, currency: $0.currency),
                        dueDate: DisplayCalendar.readerDay($0.dueDate), overdue: $0.isOverdue(today: today))
                },
                hasInvoices: !summary.unpaidInvoices.isEmpty,
                totalDue: due.isEmpty ? tr("account.home.nothing_due") : due.joined(separator: " + "),
                renewals: summary.renewals.map(row), hasRenewals: !summary.renewals.isEmpty,
                pendingNotice: pending == 0 ? nil : trCount("account.home.orders_in_setup", pending),
                ticketsNotice: openTickets == 0 ? nil : trCount("account.home.open_tickets", openTickets),
                refreshed: Self.refreshedText(summary.refreshedAt),
                nameservers: content.brand.nameservers,
                hasNameservers: !content.brand.nameservers.isEmpty
            )
            return try flows.pages.render(page, template: "account/home")
        }
        return Response(
            status: .ok, headers: [.contentType: "text/html; charset=utf-8", .cacheControl: "no-store"],
            body: .init(byteBuffer: html)
        )
    }

    @Sendable func refresh(_ request: Request, context: CustomerRequestContext) async throws -> Response {
        try await refresher.refresh(context.account.id, in: context.tenant)
        return flows.redirect(to: AccountPaths.home.link())
    }

}
