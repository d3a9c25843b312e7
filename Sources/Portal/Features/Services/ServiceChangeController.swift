import Foundation
import Hummingbird
import Integrations
import Logging
import Tenancy

/// Upgrades, downgrades and cancellation requests of a customer's service. The request only records an order of
/// the change (with the price WHMCS quoted); the pipeline carries it out, like any order.
package struct ServiceChangeController: Sendable {
    let flows: AccountFlows
    let realm: @Sendable (Tenant) -> any AccountRealm
    let databases: TenantDatabases
    let upstreams: TenantUpstreams
    let queue: OrderQueue
    let sync: ProductSync

    package struct PreviewPage: Sendable {
        package let chrome: StorefrontChrome
        package let csrf: String
        package var notice: Notice?
        package let serviceID: Int
        package let from: String
        package let to: String
        package let cycle: String
        package let slug: String
        package let chargeNow: String
        package let quoted: String
        package let recurring: String
        package let daysLeft: Int
        package let totalDays: Int
        package let key: String
    }

    package func addRoutes(to group: RouterGroup<CustomerRequestContext>) {
        group.get(AccountPaths.serviceChange.route, use: preview)
        group.post(AccountPaths.serviceChange.route, use: change)
        group.post(AccountPaths.serviceCancel.route, use: cancel)
    }

    /// The customer's active service and the catalogue entry it runs on; 404 for anyone else's.
    private func service(_ context: CustomerRequestContext) async throws -> (MirroredService, CatalogueEntry) {
        guard let id = context.parameters.get("id").flatMap(Int.init),
            let found = try await databases.withDatabase(
                for: context.tenant,
                { database -> (MirroredService, CatalogueEntry)? in
                    guard let service = try await database.billing.service(id, of: context.account.id),
                        let entry = try await database.catalogue.entry(whmcsProductID: service.whmcsProductID)
                    else { return nil }
                    return (service, entry)
                })
        else { throw PortalError.notFound }
        return found
    }

    /// The product and cycle asked for: same type as the service, orderable, priced in that cycle, not what it is now.
    private func target(
        _ slug: String, _ cycle: String, for service: MirroredService, current: CatalogueEntry, in tenant: Tenant
    )
        async throws -> (CatalogueEntry, Product.BillingCycle)?
    {
        guard let cycle = Product.BillingCycle(rawValue: cycle),
            let entry = try await databases.withDatabase(for: tenant, { try await $0.catalogue.entry(slug: slug) }),
            entry.product.kind == current.product.kind, entry.product.isOrderable, entry.price(for: cycle) != nil
        else { return nil }
        if entry.product.id == current.product.id
            && service.billingCycle.lowercased().replacingOccurrences(of: "-", with: "") == cycle.rawValue
        {
            return nil
        }
        return (entry, cycle)
    }

    private func blocked(_ context: CustomerRequestContext, _ service: MirroredService, _ message: String) async throws
        -> Response
    {
        try flows.page(
            MessagePage(
                chrome: context.chrome, title: "Nothing was changed", message: message,
                linkURL: AccountPaths.service.link(service.whmcsServiceID), linkLabel: "Back to the service"),
            "account/message", status: .conflict
        )
    }

    @Sendable func preview(_ request: Request, context: CustomerRequestContext) async throws -> Response {
        let (service, current) = try await service(context)
        guard service.isActive else {
            return try await blocked(context, service, "Only an active service can change plan.")
        }
        let query = request.uri.queryParameters
        // The form's radio carries "product|cycle"; separate parameters work too.
        let choice = (query.get("choice") ?? "").split(separator: "|", maxSplits: 1).map(String.init)
        let slug = choice.count == 2 ? choice[0] : query.get("product") ?? ""
        let cycleName = choice.count == 2 ? choice[1] : query.get("cycle") ?? ""
        guard let (entry, cycle) = try await target(slug, cycleName, for: service, current: current, in: context.tenant)
        else {
            return try await blocked(
                context, service, "Choose another plan of the same kind, or another billing cycle.")
        }
        if let pending = try await databases.withDatabase(
            for: context.tenant,
            { try await $0.orders.pendingChange(of: service.whmcsServiceID, account: context.account.id) })
        {
            return try await blocked(
                context, service, "A change of this service (order \(pending.number)) is still under way.")
        }
        let quote = try await quote(service, entry, cycle, context.tenant)
        return try flows.page(
            try await previewPage(context, service, current, entry, cycle, quote), "account/service-change")
    }

    private func quote(
        _ service: MirroredService, _ entry: CatalogueEntry, _ cycle: Product.BillingCycle, _ tenant: Tenant
    ) async throws -> WHMCSUpgradeQuote {
        var productID = entry.product.whmcsProductID
        if productID == nil {
            // A plan never ordered before is not in WHMCS yet: it is added now, as the pipeline would.
            productID = await sync.run(
                .upsert, [entry], tenant: tenant, via: "service change", blockType: entry.product.kind.rawValue
            )
            .results.first?.whmcsProductId
        }
        guard let productID else {
            throw UpstreamError.apiError(
                .whmcs, action: "UpgradeProduct", message: "the new plan could not be added to WHMCS")
        }
        let (client, _) = try await upstreams.whmcs(for: tenant)
        return try await client.upgradeQuote(
            serviceID: service.whmcsServiceID, productID: productID,
            cycle: WHMCSBillingCycle(rawValue: cycle.rawValue) ?? .monthly)
    }

    private func previewPage(
        _ context: CustomerRequestContext, _ service: MirroredService, _ current: CatalogueEntry,
        _ entry: CatalogueEntry,
        _ cycle: Product.BillingCycle, _ quote: WHMCSUpgradeQuote, key: String = SecureToken.generate()
    ) async throws -> PreviewPage {
        let currency = try context.content.brand.currency
        return PreviewPage(
            chrome: context.chrome, csrf: context.csrfToken, serviceID: service.whmcsServiceID,
            from: current.product.name, to: entry.product.name, cycle: cycle.rawValue, slug: entry.product.slug,
            chargeNow: Money.format(minor: quote.priceMinor, currency: currency), quoted: String(quote.priceMinor),
            recurring:
                "\(Money.format(minor: entry.price(for: cycle)?.priceMinor ?? 0, currency: currency)) \(cycle.perLabel)",
            daysLeft: quote.daysUntilRenewal, totalDays: quote.totalDays, key: key
        )
    }

    @Sendable func change(_ request: Request, context: CustomerRequestContext) async throws -> Response {
        let (service, current) = try await service(context)
        var request = request
        let form = try await FormData.parse(&request)
        let key = form["idempotency_key"]
        guard key.count >= 20, key.count <= 64 else {
            return flows.redirect(to: AccountPaths.service.link(service.whmcsServiceID))
        }
        if let existing = try await databases.withDatabase(
            for: context.tenant, { try await $0.orders.order(idempotencyKey: key, of: context.account.id) })
        {
            return flows.redirect(to: AccountPaths.order.link(existing.id!.rawValue))
        }
        guard service.isActive,
            let (entry, cycle) = try await target(
                form["product"], form["cycle"], for: service, current: current, in: context.tenant)
        else {
            return try await blocked(
                context, service, "Choose another plan of the same kind, or another billing cycle.")
        }
        if let pending = try await databases.withDatabase(
            for: context.tenant,
            { try await $0.orders.pendingChange(of: service.whmcsServiceID, account: context.account.id) })
        {
            return try await blocked(
                context, service, "A change of this service (order \(pending.number)) is still under way.")
        }
        let quote: WHMCSUpgradeQuote
        quote = try await self.quote(service, entry, cycle, context.tenant)
        guard form["quoted"] == String(quote.priceMinor) else {
            var page = try await previewPage(context, service, current, entry, cycle, quote, key: key)
            page.notice = .error("The price changed since you looked. Please check it and confirm again.")
            return try flows.page(page, "account/service-change", status: .conflict)
        }
        let currency = try context.content.brand.currency
        return try await place(context) { number in
            var order = Order(
                accountID: context.account.id, number: number, idempotencyKey: key, entry: entry, cycle: cycle,
                domain: service.domain,
                domainAction: nil, currency: currency, priceMinor: quote.priceMinor, setupMinor: 0, domainMinor: 0,
                now: flows.services.now()
            )
            order.productName = "Change to \(entry.product.name)"
            order.change = .upgrade
            order.targetServiceID = service.whmcsServiceID
            return order
        }
    }

    @Sendable func cancel(_ request: Request, context: CustomerRequestContext) async throws -> Response {
        let (service, current) = try await service(context)
        var request = request
        let form = try await FormData.parse(&request)
        let key = form["idempotency_key"]
        guard key.count >= 20, key.count <= 64 else {
            return flows.redirect(to: AccountPaths.service.link(service.whmcsServiceID))
        }
        if let existing = try await databases.withDatabase(
            for: context.tenant, { try await $0.orders.order(idempotencyKey: key, of: context.account.id) })
        {
            return flows.redirect(to: AccountPaths.order.link(existing.id!.rawValue))
        }
        guard service.isActive else {
            return try await blocked(context, service, "Only an active service can be cancelled.")
        }
        guard ["end", "now"].contains(form["when"]), form["confirm"] == "on" else {
            return try await blocked(
                context, service, "Choose when the service should end and tick the confirmation box.")
        }
        let reason = form.trimmed("reason")
        guard reason.count <= 2_000 else {
            return try await blocked(context, service, "Keep the reason under 2,000 characters.")
        }
        if let pending = try await databases.withDatabase(
            for: context.tenant,
            { try await $0.orders.pendingChange(of: service.whmcsServiceID, account: context.account.id) })
        {
            return try await blocked(
                context, service, "A change of this service (order \(pending.number)) is still under way.")
        }
        let currency = try context.content.brand.currency
        let immediately = form["when"] == "now"
        return try await place(context) { number in
            var order = Order(
                accountID: context.account.id, number: number, idempotencyKey: key, entry: current, cycle: nil,
                domain: service.domain,
                domainAction: nil, currency: currency, priceMinor: 0, setupMinor: 0, domainMinor: 0,
                now: flows.services.now()
            )
            order.productName = "Cancel \(current.product.name)"
            order.change = .cancel
            order.targetServiceID = service.whmcsServiceID
            order.cancelImmediately = immediately
            order.changeReason = reason.isEmpty ? "No reason given" : reason
            return order
        }
    }

    private func place(_ context: CustomerRequestContext, make: (String) -> Order) async throws -> Response {
        let placed = try await OrderPlacement(databases: databases, queue: queue, mailQueue: flows.mailQueue).place(
            in: context.tenant, mailbox: realm(context.tenant).mailbox, actor: context.account,
            ip: context.origin.clientAddress ?? "",
            now: flows.services.now()
        ) { number in (make(number), nil, nil) }
        return flows.redirect(to: AccountPaths.order.link(placed.id!.rawValue))
    }
}
