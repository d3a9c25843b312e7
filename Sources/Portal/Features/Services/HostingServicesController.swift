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
    let throttle: LoginThrottle

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
                id: $0.whmcsServiceID, name: $0.productName, domain: $0.domain, status: $0.status,
                nextDue: $0.nextDueDate,
                price: "\(Money.format(minor: $0.recurringMinor, currency: currency)) \($0.billingCycle.lowercased())"
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

    /// The service with its hosting account (when the portal made one), or 404 for anyone else's id.
    func owned(_ context: CustomerRequestContext) async throws -> (MirroredService, HostingAccountRecord?) {
        guard let id = context.parameters.get("id").flatMap(Int.init),
            let found = try await databases.withDatabase(
                for: context.tenant,
                { database -> (MirroredService, HostingAccountRecord?)? in
                    guard let service = try await database.billing.service(id, of: context.account.id) else {
                        return nil
                    }
                    let accounts = try await database.upstreams.hostingAccounts(of: context.account.id).filter {
                        !$0.isPending
                    }
                    let hosting =
                        accounts.first { !service.username.isEmpty && $0.username == service.username }
                        ?? accounts.first { $0.domain.lowercased() == service.domain.lowercased() }
                    return (service, hosting)
                })
        else { throw PortalError.notFound }
        return found
    }

    func servicePage(_ context: CustomerRequestContext, notice: Notice? = nil) async throws -> ServicePage {
        let (service, hosting) = try await owned(context)
        let content = try context.content
        let product = try await databases.withDatabase(for: context.tenant) {
            try await $0.catalogue.entry(whmcsProductID: service.whmcsProductID)
        }?.product
        let resources = product.map { StorefrontController.resources(of: $0, map: rules.resources) } ?? []
        let nameservers =
            hosting.map { $0.nameservers.isEmpty ? content.brand.nameservers : $0.nameservers }
            ?? content.brand.nameservers
        let server = (try? await upstreams.settings(of: context.tenant)).flatMap { URL(string: $0.whmURL)?.host } ?? ""
        var page = ServicePage(
            chrome: context.chrome, csrf: context.csrfToken, notice: notice, id: service.whmcsServiceID,
            name: service.productName,
            domain: service.domain, status: service.status, isActive: service.isActive, cycle: service.billingCycle,
            price: Money.format(minor: service.recurringMinor, currency: content.brand.currency),
            nextDue: service.nextDueDate,
            resources: resources, hasResources: !resources.isEmpty, nameservers: nameservers,
            hasNameservers: !nameservers.isEmpty,
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
                    return .init(
                        product: entry.product.slug, cycle: price.cycle.rawValue,
                        label:
                            "\(entry.product.name): \(Money.format(minor: price.priceMinor, currency: content.brand.currency)) \(price.cycle.perLabel)"
                    )
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
        let form = try await FormData.parse(request)
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
                "service.password_revealed", actor: context.account, target: "service \(page.id)",
                ip: context.origin.clientAddress ?? ""
            )
        }
        return try flows.page(page, "account/service")
    }

    /// Signs the customer in to cPanel with a one-time session made by the reseller; the reseller's token stays here.
    @Sendable func controlPanel(_ request: Request, context: CustomerRequestContext) async throws -> Response {
        let (service, hosting) = try await owned(context)
        guard let hosting, service.isActive else { throw PortalError.notFound }
        let session = try await upstreams.whm(for: context.tenant).createUserSession(username: hosting.username)
        try await databases.withDatabase(for: context.tenant) { database in
            try await database.accounts.audit(
                "service.control_panel", actor: context.account, target: "service \(service.whmcsServiceID)",
                ip: context.origin.clientAddress ?? ""
            )
        }
        return flows.redirect(to: session.url)
    }
}
