import Foundation
import Hummingbird
import Integrations
import Logging
import Tenancy

/// The customer's hosting services at `/account/services`: the list, one service with its resources, the hosting
/// password (re-entered account password, throttled) and single sign-on into the control panel.
package struct HostingServicesController: Sendable {
    let flows: AccountFlows
    let databases: TenantDatabases
    let upstreams: TenantUpstreams
    let refresher: BillingRefresher
    let rules: CatalogueRules
    let desk: HostingDesk

    package func addRoutes(to group: RouterGroup<CustomerRequestContext>) {
        group.get(AccountPaths.services.route, use: services)
        group.get(AccountPaths.service.route, use: service)
        group.post(AccountPaths.servicePassword.route, use: revealPassword)
        group.post(AccountPaths.serviceControlPanel.route, use: controlPanel)
    }

    // MARK: Services

    @Sendable func services(_ request: Request, context: CustomerRequestContext) async throws -> Response {
        let perPage = 20
        let page = PageNumber.parse(request.uri.queryParameters.get("page"))
        let (list, refreshed) = try await databases.withDatabase(for: context.tenant) { database in
            (
                try await database.billing.services(
                    of: context.account.id, limit: perPage, offset: (page - 1) * perPage),
                try await database.billing.refreshedAt(context.account.id)
            )
        }
        refresher.refreshIfStale(
            context.account.id, in: context.tenant, refreshedAt: refreshed, now: flows.services.now())
        let currency = try context.content.brand.currency
        let rows = list.items.map {
            ServicesPage.Row(
                id: $0.whmcsServiceID, name: $0.productName, domain: IDNA.toUnicode($0.domain), status: $0.status,
                statusLabel: BillingLabels.serviceStatus($0.status), nextDue: DisplayCalendar.readerDay($0.nextDueDate),
                price: "\(Money.format(minor: $0.recurringMinor, currency: currency)) "
                    + BillingLabels.cycle($0.billingCycle).lowercased()
            )
        }
        return try flows.page(
            ServicesPage(
                chrome: context.chrome, csrf: context.csrfToken, rows: rows, hasRows: !rows.isEmpty,
                previousURL: page > 1 ? AccountPaths.services.link() + "?page=\(page - 1)" : nil,
                nextURL: page * perPage < list.total ? AccountPaths.services.link() + "?page=\(page + 1)" : nil,
                refreshed: CustomerBillingController.refreshedText(refreshed)
            ),
            "account/services"
        )
    }

    func servicePage(_ context: CustomerRequestContext, notice: Notice? = nil) async throws -> ServicePage {
        let (service, hosting) = try await desk.service(try id(context), of: context.account, in: context.tenant)
        let brand = try context.content.brand
        let product = try await databases.withDatabase(for: context.tenant) {
            try await $0.catalogue.entry(whmcsProductID: service.whmcsProductID)?.product
        }
        let server = (try? await upstreams.settings(of: context.tenant)).flatMap { URL(string: $0.whmURL)?.host } ?? ""
        var page = ServicePage(
            service, hosting: hosting, product: product, brand: brand, server: server,
            resources: product.map { StorefrontController.resources(of: $0, map: rules.resources) } ?? [],
            context: context, notice: notice)
        // Plan changes are offered for an active service only; the catalogue and a pending change are read then.
        if let product, service.isActive {
            let (entries, pending) = try await databases.withDatabase(for: context.tenant) { database in
                (
                    try await database.catalogue.entries([.visible, .hidden]),
                    try await database.orders.pendingChange(of: service.whmcsServiceID, account: context.account.id)
                )
            }
            page.offer(entries, from: product, pending: pending, currency: brand.currency)
        }
        return page
    }

    @Sendable func service(_ request: Request, context: CustomerRequestContext) async throws -> Response {
        var page = try await servicePage(context)
        page.select(ServicePage.Tab(rawValue: request.uri.queryParameters.get("tab") ?? "") ?? .overview)
        if page.isOverview && page.hasControlPanel {
            // Usage is a nicety: a hosting server that cannot be reached leaves the rest of the page as it is.
            do {
                page.show(try await desk.usage(of: page.id, by: context.account, in: context.tenant), failed: false)
            } catch  where CustomerTroubleMiddleware.isUpstream(error) {
                context.logger.warning(
                    "service usage could not be read",
                    metadata: [
                        "request_id": "\(context.requestID)", "tenant": "\(context.tenant.slug)",
                        "reason": "\(TenantUpstreams.describe(error))",
                    ])
                page.show(nil, failed: true)
            }
        }
        return try flows.page(page, "account/service")
    }

    /// Shows the control panel password once, after the customer types their own password again. Never cached,
    /// never logged, audited; wrong passwords count towards the sign-in throttle.
    @Sendable func revealPassword(_ request: Request, context: CustomerRequestContext) async throws -> Response {
        let form = try await FormData.parse(request)
        var page = try await servicePage(context)
        page.select(.login)
        switch try await desk.revealPassword(
            of: page.id, confirming: form["password"], by: context.account, in: context.tenant,
            ip: context.origin.clientAddress ?? "")
        {
        case .throttled(let wait):
            page.passwordError = trCount("services.service.too_many_attempts", wait)
            return try flows.page(page, "account/service", status: .tooManyRequests)
        case .wrongPassword:
            page.passwordError = tr("services.service.wrong_password")
            return try flows.page(page, "account/service", status: .unprocessableContent)
        case .revealed(let password):
            page.revealedPassword = password
            return try flows.page(page, "account/service")
        }
    }

    /// Signs the customer in to cPanel (its home, webmail or one of its applications, as the button asked) with a
    /// one-time session made by the reseller; the reseller's token stays here. A panel that cannot be reached gets a
    /// page that says so, with a reference.
    @Sendable func controlPanel(_ request: Request, context: CustomerRequestContext) async throws -> Response {
        let id = try id(context)
        let form = try await FormData.parse(request)
        let back = AccountPaths.service.link(id)
        guard let shortcut = form["open"].isEmpty ? .home : ControlPanelShortcut(rawValue: form["open"]) else {
            let page = ControlPanelPage(
                chrome: context.chrome, url: nil, backURL: back, serviceName: tr("services.control-panel.your_service"),
                problem: tr("services.control-panel.no_such_page"))
            return try flows.page(page, "account/control-panel", status: .badRequest)
        }
        let opening = shortcut == .home ? tr("services.control-panel.your_panel") : shortcut.label.lowercased()
        do {
            let url = try await desk.controlPanel(
                of: id, page: shortcut, by: context.account, in: context.tenant, ip: context.origin.clientAddress ?? "")
            return try flows.page(
                ControlPanelPage(
                    chrome: context.chrome, url: url, backURL: back,
                    serviceName: tr("services.control-panel.your_service"), opening: opening),
                "account/control-panel")
        } catch {
            let page = try ControlPanelPage.unreachable(
                error, backURL: back, serviceName: tr("services.control-panel.your_service"), opening: opening,
                context: context)
            return try flows.page(page, "account/control-panel", status: .serviceUnavailable)
        }
    }

    private func id(_ context: CustomerRequestContext) throws -> Int {
        guard let id = context.parameters.get("id").flatMap(Int.init) else { throw PortalError.notFound }
        return id
    }
}
