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
    let realm: @Sendable (CustomerRequestContext) -> any AccountRealm
    let databases: TenantDatabases
    let storefront: StorefrontService
    let upstreams: TenantUpstreams
    let refresher: BillingRefresher
    let rules: CatalogueRules
    let throttle: LoginThrottle
    let logger: Logger
    /// Rendered dashboards, reused while nothing they show has changed.
    let dashboards: RenderedPages<DashboardInputs>

    /// Everything a dashboard is rendered from.
    package struct DashboardInputs: Equatable, Sendable {
        let dashboard: BillingMirrorStore.Dashboard
        let name: String
        let email: String
        let verified: Bool
        let csrf: String
        let brand: String
        let nameservers: [String]
        let today: String
        let freshness: String
    }

    package func addRoutes(to group: RouterGroup<CustomerRequestContext>) {
        group.get("/account", use: dashboard)
        group.post("/account/billing/refresh", use: refresh)
        group.get("/account/services", use: services)
        group.get("/account/services/{id}", use: service)
        group.post("/account/services/{id}/password", use: revealPassword)
        group.post("/account/services/{id}/control-panel", use: controlPanel)
        group.get("/account/invoices", use: invoices)
        group.get("/account/invoices/{id}", use: invoice)
        group.post("/account/invoices/{id}/pay", use: pay)
        group.get("/account/profile", use: profile)
        group.post("/account/profile", use: saveProfile)
    }

    static func today(_ now: Date) -> String { PageDates.day(now) }

    static func refreshedText(_ date: Date?) -> String {
        date.map { "Updated \(PageDates.format($0))" } ?? "Loading your services and invoices from billing…"
    }

    // MARK: Dashboard

    @Sendable func dashboard(_ request: Request, context: CustomerRequestContext) async throws -> Response {
        let account = context.account
        let content = try await storefront.content(for: context.tenant)
        let now = flows.services.now()
        let dashboard = try await databases.withDatabase(for: context.tenant) { database in
            try await database.billing.dashboard(of: account.id, today: Self.today(now))
        }
        let (summary, pending, openTickets) = (dashboard.summary, dashboard.ordersUnderWay, dashboard.openTickets)
        refresher.refreshIfStale(account.id, in: context.tenant, refreshedAt: summary.refreshedAt, now: now)
        let today = Self.today(now)
        let inputs = DashboardInputs(
            dashboard: dashboard, name: account.name, email: account.email, verified: account.emailVerifiedAt != nil, csrf: context.csrfToken,
            brand: content.homeETag, nameservers: content.brand.nameservers, today: today, freshness: Self.refreshedText(summary.refreshedAt)
        )
        let html = try dashboards.page(tenant: context.tenant.id, account: account.id, inputs: inputs) {
            let row: (MirroredService) -> DashboardPage.ServiceRow = {
                .init(id: $0.whmcsServiceID, name: $0.productName, domain: $0.domain, nextDue: $0.nextDueDate)
            }
            let due = summary.dueMinor.sorted { $0.key < $1.key }.map { Money.format(minor: $0.value, currency: $0.key) }
            let page = DashboardPage(
                chrome: content.chrome, csrf: context.csrfToken, name: account.name, email: account.email,
                emailVerified: account.emailVerifiedAt != nil, services: summary.activeServices.map(row),
                hasServices: !summary.activeServices.isEmpty,
                invoices: summary.unpaidInvoices.map {
                    .init(id: $0.whmcsInvoiceID, number: $0.number, total: Money.format(minor: $0.totalMinor, currency: $0.currency),
                          dueDate: $0.dueDate, overdue: $0.isOverdue(today: today))
                },
                hasInvoices: !summary.unpaidInvoices.isEmpty, totalDue: due.isEmpty ? "nothing" : due.joined(separator: " + "),
                renewals: summary.renewals.map(row), hasRenewals: !summary.renewals.isEmpty, pendingOrders: pending, openTickets: openTickets,
                refreshed: inputs.freshness, nameservers: content.brand.nameservers, hasNameservers: !content.brand.nameservers.isEmpty
            )
            return try flows.pages.render(page, template: "account/home")
        }
        return Response(
            status: .ok, headers: [.contentType: "text/html; charset=utf-8", .cacheControl: "no-store"], body: .init(byteBuffer: html)
        )
    }

    @Sendable func refresh(_ request: Request, context: CustomerRequestContext) async throws -> Response {
        do {
            try await refresher.refresh(context.account.id, in: context.tenant)
        } catch {
            return try await trouble(context, error, title: "Billing is not answering", back: "/account")
        }
        return flows.redirect(to: "/account")
    }

    // MARK: Services

    @Sendable func services(_ request: Request, context: CustomerRequestContext) async throws -> Response {
        let perPage = 20
        let page = PageNumber.parse(request.uri.queryParameters.get("page"))
        let (list, refreshed) = try await databases.withDatabase(for: context.tenant) { database in
            (
                try await database.billing.services(of: context.account.id, limit: perPage, offset: (page - 1) * perPage),
                try await database.billing.refreshedAt(context.account.id)
            )
        }
        refresher.refreshIfStale(context.account.id, in: context.tenant, refreshedAt: refreshed, now: flows.services.now())
        let currency = try await storefront.content(for: context.tenant).brand.currency
        let rows = list.items.map {
            ServicesPage.Row(
                id: $0.whmcsServiceID, name: $0.productName, domain: $0.domain, status: $0.status, nextDue: $0.nextDueDate,
                price: "\(Money.format(minor: $0.recurringMinor, currency: currency)) \($0.billingCycle.lowercased())"
            )
        }
        return try flows.page(
            ServicesPage(
                chrome: try await realm(context).chrome(), csrf: context.csrfToken, rows: rows, hasRows: !rows.isEmpty,
                previousURL: page > 1 ? "/account/services?page=\(page - 1)" : nil,
                nextURL: page * perPage < list.total ? "/account/services?page=\(page + 1)" : nil,
                refreshed: Self.refreshedText(refreshed)
            ),
            "account/services"
        )
    }

    /// The service with its hosting account (when the portal made one), or 404 for anyone else's id.
    private func owned(_ context: CustomerRequestContext) async throws -> (MirroredService, HostingAccountRecord?) {
        guard let id = context.parameters.get("id").flatMap(Int.init),
            let found = try await databases.withDatabase(for: context.tenant, { database -> (MirroredService, HostingAccountRecord?)? in
                guard let service = try await database.billing.service(id, of: context.account.id) else { return nil }
                let accounts = try await database.upstreams.hostingAccounts(of: context.account.id).filter { !$0.isPending }
                let hosting = accounts.first { !service.username.isEmpty && $0.username == service.username }
                    ?? accounts.first { $0.domain.lowercased() == service.domain.lowercased() }
                return (service, hosting)
            })
        else { throw PortalError.notFound }
        return found
    }

    private func servicePage(_ context: CustomerRequestContext, notice: Notice? = nil) async throws -> ServicePage {
        let (service, hosting) = try await owned(context)
        let content = try await storefront.content(for: context.tenant)
        let product = try await databases.withDatabase(for: context.tenant) { try await $0.catalogue.entry(whmcsProductID: service.whmcsProductID) }?.product
        let resources = product.map { StorefrontController.resources(of: $0, map: rules.resources) } ?? []
        let nameservers = hosting.map { $0.nameservers.isEmpty ? content.brand.nameservers : $0.nameservers } ?? content.brand.nameservers
        let server = (try? await upstreams.settings(of: context.tenant)).flatMap { URL(string: $0.whmURL)?.host } ?? ""
        var page = ServicePage(
            chrome: content.chrome, csrf: context.csrfToken, notice: notice, id: service.whmcsServiceID, name: service.productName,
            domain: service.domain, status: service.status, isActive: service.isActive, cycle: service.billingCycle,
            price: Money.format(minor: service.recurringMinor, currency: content.brand.currency), nextDue: service.nextDueDate,
            resources: resources, hasResources: !resources.isEmpty, nameservers: nameservers, hasNameservers: !nameservers.isEmpty,
            server: hosting == nil ? "" : server, username: hosting?.username ?? service.username,
            hasControlPanel: hosting != nil && service.isActive, canRevealPassword: hosting?.sealedPassword != nil
        )
        if let product, service.isActive {
            let (entries, pending) = try await databases.withDatabase(for: context.tenant) { database in
                (
                    try await database.catalogue.entries([.visible, .hidden]),
                    try await database.orders.pendingChange(of: service.whmcsServiceID, account: context.account.id)
                )
            }
            let current = service.billingCycle.lowercased().replacingOccurrences(of: "-", with: "")
            page.plans = entries.filter { $0.product.kind == product.kind }.flatMap { entry in
                entry.prices.compactMap { price -> ServicePage.PlanChoice? in
                    if entry.product.id == product.id && price.cycle.rawValue == current { return nil }
                    return .init(product: entry.product.slug, cycle: price.cycle.rawValue,
                                 label: "\(entry.product.name): \(Money.format(minor: price.priceMinor, currency: content.brand.currency)) \(price.cycle.perLabel)")
                }
            }
            page.hasPlans = !page.plans.isEmpty
            page.pendingChange = pending?.number
            page.canChange = pending == nil
            page.changeKey = SecureToken.generate()
        }
        return page
    }

    @Sendable func service(_ request: Request, context: CustomerRequestContext) async throws -> Response {
        try flows.page(try await servicePage(context), "account/service")
    }

    /// Shows the control panel password once, after the customer types their own password again. Never cached,
    /// never logged, audited; wrong passwords count towards the sign-in throttle.
    @Sendable func revealPassword(_ request: Request, context: CustomerRequestContext) async throws -> Response {
        let (_, hosting) = try await owned(context)
        var request = request
        let form = try await FormData.parse(&request)
        var page = try await servicePage(context)
        let scope = "tenant:\(context.tenant.id)"
        let now = flows.services.now()
        if let wait = throttle.retryAfter(scope: scope, account: context.account.email, now: now) {
            page.passwordError = "Too many attempts. Try again in \(wait) seconds."
            return try flows.page(page, "account/service", status: .tooManyRequests)
        }
        guard await flows.services.hasher.verify(form["password"], against: context.account.passwordHash) else {
            throttle.recordFailure(scope: scope, account: context.account.email, now: now)
            page.passwordError = "That is not your account password."
            return try flows.page(page, "account/service", status: .unprocessableContent)
        }
        throttle.recordSuccess(scope: scope, account: context.account.email)
        guard let sealed = hosting?.sealedPassword else { throw PortalError.notFound }
        page.revealedPassword = try upstreams.hostingPassword(sealed, in: context.tenant)
        try await databases.withDatabase(for: context.tenant) { database in
            try await database.accounts.audit(
                "service.password_revealed", actor: context.account, target: "service \(page.id)", ip: context.origin.clientAddress ?? ""
            )
        }
        return try flows.page(page, "account/service")
    }

    /// Signs the customer in to cPanel with a one-time session made by the reseller; the reseller's token stays here.
    @Sendable func controlPanel(_ request: Request, context: CustomerRequestContext) async throws -> Response {
        let (service, hosting) = try await owned(context)
        guard let hosting, service.isActive else { throw PortalError.notFound }
        do {
            let session = try await upstreams.whm(for: context.tenant).createUserSession(username: hosting.username)
            try await databases.withDatabase(for: context.tenant) { database in
                try await database.accounts.audit(
                    "service.control_panel", actor: context.account, target: "service \(service.whmcsServiceID)",
                    ip: context.origin.clientAddress ?? ""
                )
            }
            return flows.redirect(to: session.url)
        } catch {
            return try await trouble(context, error, title: "The control panel is not answering", back: "/account/services/\(service.whmcsServiceID)")
        }
    }

    // MARK: Invoices

    @Sendable func invoices(_ request: Request, context: CustomerRequestContext) async throws -> Response {
        let filter = BillingMirrorStore.InvoiceFilter(rawValue: request.uri.queryParameters.get("status") ?? "all") ?? .all
        let perPage = 20
        let page = PageNumber.parse(request.uri.queryParameters.get("page"))
        let today = Self.today(flows.services.now())
        let (list, refreshed) = try await databases.withDatabase(for: context.tenant) { database in
            (
                try await database.billing.invoices(of: context.account.id, filter: filter, today: today, limit: perPage,
                                                    offset: (page - 1) * perPage),
                try await database.billing.refreshedAt(context.account.id)
            )
        }
        refresher.refreshIfStale(context.account.id, in: context.tenant, refreshedAt: refreshed, now: flows.services.now())
        let rows = list.items.map {
            InvoicesPage.Row(
                id: $0.whmcsInvoiceID, number: $0.number, date: $0.date, dueDate: $0.dueDate,
                total: Money.format(minor: $0.totalMinor, currency: $0.currency), status: $0.isOverdue(today: today) ? "Overdue" : $0.status,
                overdue: $0.isOverdue(today: today)
            )
        }
        let base = "/account/invoices?status=\(filter.rawValue)&"
        let empty: String =
            switch filter {
            case .all: "You have no invoices yet. They appear here as soon as you order something."
            case .unpaid: "Nothing to pay: every invoice is settled."
            case .overdue: "Nothing is overdue."
            case .paid: "No paid invoices yet."
            }
        return try flows.page(
            InvoicesPage(
                chrome: try await realm(context).chrome(), csrf: context.csrfToken, rows: rows, hasRows: !rows.isEmpty,
                filters: BillingMirrorStore.InvoiceFilter.allCases.map { .init(value: $0.rawValue, label: $0.rawValue.capitalized, current: $0 == filter) },
                emptyMessage: empty, previousURL: page > 1 ? "\(base)page=\(page - 1)" : nil,
                nextURL: page * perPage < list.total ? "\(base)page=\(page + 1)" : nil, refreshed: Self.refreshedText(refreshed)
            ),
            "account/invoices"
        )
    }

    private func ownedInvoice(_ context: CustomerRequestContext) async throws -> MirroredInvoice {
        guard let id = context.parameters.get("id").flatMap(Int.init),
            let invoice = try await databases.withDatabase(for: context.tenant, { try await $0.billing.invoice(id, of: context.account.id) })
        else { throw PortalError.notFound }
        return invoice
    }

    @Sendable func invoice(_ request: Request, context: CustomerRequestContext) async throws -> Response {
        let mirrored = try await ownedInvoice(context)
        let detail: WHMCSInvoice
        do {
            let (client, _) = try await upstreams.whmcs(for: context.tenant)
            guard let found = try await client.invoice(id: mirrored.whmcsInvoiceID) else { throw PortalError.notFound }
            detail = found
        } catch let error as PortalError {
            throw error
        } catch {
            return try await trouble(context, error, title: "This invoice cannot be shown right now", back: "/account/invoices")
        }
        let content = try await storefront.content(for: context.tenant)
        let profile = try await databases.withDatabase(for: context.tenant) { try await $0.orders.profile(of: context.account.id) }
        let currency = mirrored.currency.isEmpty ? content.brand.currency : mirrored.currency
        let money = { (minor: Int64) in Money.format(minor: minor, currency: currency) }
        var notice: Notice?
        if request.uri.queryParameters.get("done") == "paid" { notice = .success("Thank you: the payment is recorded.") }
        let page = InvoicePage(
            chrome: content.chrome, csrf: context.csrfToken, notice: notice, id: detail.id, number: mirrored.number,
            status: detail.status, isUnpaid: detail.status == "Unpaid", date: detail.date, dueDate: detail.dueDate,
            datePaid: detail.datePaid, lines: detail.items.map { .init(description: $0.description, amount: money($0.amountMinor)) },
            subtotal: money(detail.subtotalMinor), tax: money(detail.taxMinor), hasTax: detail.taxMinor != 0, total: money(detail.totalMinor),
            balance: money(detail.balanceMinor), sellerName: content.chrome.companyName, sellerAddress: content.chrome.addressLines,
            customerName: profile.map { "\($0.firstName) \($0.lastName)" } ?? context.account.name,
            customerAddress: profile.map { [$0.company, $0.address1, "\($0.city) \($0.postcode)", $0.state, $0.country].filter { !$0.isEmpty } } ?? []
        )
        return try flows.page(page, "account/invoice")
    }

    /// Sandbox: records the payment. Live: single sign-on into the WHMCS invoice, where the customer pays.
    @Sendable func pay(_ request: Request, context: CustomerRequestContext) async throws -> Response {
        let invoice = try await ownedInvoice(context)
        do {
            let settings = try await upstreams.settings(of: context.tenant)
            let (client, _) = try await upstreams.whmcs(for: context.tenant)
            guard let link = try await databases.withDatabase(for: context.tenant, { try await $0.upstreams.billingClient(of: context.account.id) })
            else { throw PortalError.notFound }
            if settings.mode == .sandbox {
                try await client.addPayment(
                    WHMCSPayment(
                        invoiceID: invoice.whmcsInvoiceID, transactionID: "sandbox-\(context.requestID)", gateway: "mailin",
                        date: OrderSteps.whmcsDate(flows.services.now())
                    )
                )
                try await refresher.refresh(context.account.id, in: context.tenant)
                return flows.redirect(to: "/account/invoices/\(invoice.whmcsInvoiceID)?done=paid")
            }
            let sso = try await client.createSsoToken(clientID: link.clientID, destination: "sso:custom_redirect")
            return flows.redirect(to: sso.redirectURL + "&redirect_url=" + QueryComponent.encode("viewinvoice.php?id=\(invoice.whmcsInvoiceID)"))
        } catch let error as PortalError {
            throw error
        } catch {
            return try await trouble(context, error, title: "Payment is not available right now", back: "/account/invoices/\(invoice.whmcsInvoiceID)")
        }
    }

    // MARK: Profile

    @Sendable func profile(_ request: Request, context: CustomerRequestContext) async throws -> Response {
        let stored = try await databases.withDatabase(for: context.tenant) { try await $0.orders.profile(of: context.account.id) }
        var notice: Notice?
        if request.uri.queryParameters.get("done") == "saved" { notice = .success("Your details are saved.") }
        return try flows.page(
            ProfilePage(chrome: try await realm(context).chrome(), csrf: context.csrfToken, notice: notice,
                        profile: stored.map(ProfileForm.init) ?? ProfileForm(), errors: [:]),
            "account/profile"
        )
    }

    /// Saves the details here and, when the customer is a WHMCS client, there too (UpdateClient); if WHMCS is down
    /// nothing is changed here either, so the two never disagree.
    @Sendable func saveProfile(_ request: Request, context: CustomerRequestContext) async throws -> Response {
        var request = request
        let form = ProfileForm(form: try await FormData.parse(&request))
        let problems = form.problems()
        guard problems.isEmpty else {
            return try flows.page(
                ProfilePage(chrome: try await realm(context).chrome(), csrf: context.csrfToken,
                            notice: .error("Nothing was saved: correct the marked fields."), profile: form, errors: problems),
                "account/profile", status: .unprocessableContent
            )
        }
        let profile = form.profile(for: context.account.id, now: flows.services.now())
        do {
            if let link = try await databases.withDatabase(for: context.tenant, { try await $0.upstreams.billingClient(of: context.account.id) }) {
                let (client, _) = try await upstreams.whmcs(for: context.tenant)
                try await client.updateClient(id: link.clientID, WHMCSClientUpdate(profile))
            }
        } catch {
            return try await trouble(context, error, title: "Your details could not be saved", back: "/account/profile")
        }
        try await databases.withDatabase(for: context.tenant) { database in
            try await database.orders.saveProfile(profile)
            try await database.accounts.audit("profile.updated", actor: context.account, ip: context.origin.clientAddress ?? "")
        }
        return flows.redirect(to: "/account/profile?done=saved")
    }

    // MARK: Trouble

    /// A calm page with the request id as reference; the cause goes to the log under the same id.
    private func trouble(_ context: CustomerRequestContext, _ error: any Error, title: String, back: String) async throws -> Response {
        try await CustomerTrouble.page(flows, realm(context), context, error, logger: logger, title: title, back: back)
    }
}

extension WHMCSClientUpdate {
    /// Every contact field of the customer's billing details.
    init(_ profile: CustomerProfile) {
        self.init()
        firstName = profile.firstName
        lastName = profile.lastName
        companyName = profile.company
        address1 = profile.address1
        city = profile.city
        state = profile.state
        postcode = profile.postcode
        country = profile.country
        phoneNumber = profile.phone
    }
}

extension TenantUpstreams {
    /// A hosting account's password, opened from its sealed form (bound to this tenant).
    func hostingPassword(_ sealed: Data, in tenant: Tenant) throws -> String {
        try open(sealed, tenant, "hosting.password")
    }
}
