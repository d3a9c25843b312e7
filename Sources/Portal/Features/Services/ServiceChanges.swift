import Foundation
import Integrations
import Tenancy

/// WHMCS's price for moving a service to another plan or cycle, for the rest of the term already paid.
package struct PlanChangeQuote: Sendable, Equatable {
    package var priceMinor: Int64
    package var daysUntilRenewal: Int
    package var totalDays: Int

    package init(priceMinor: Int64, daysUntilRenewal: Int, totalDays: Int) {
        self.priceMinor = priceMinor
        self.daysUntilRenewal = daysUntilRenewal
        self.totalDays = totalDays
    }
}

/// Asks the billing system what a plan change costs; `WHMCSPlanQuotes` is the live one, tests use an in-memory one.
package protocol PlanQuotes: Sendable {
    func quote(
        serviceID: Int, to entry: CatalogueEntry, cycle: Product.BillingCycle, in tenant: Tenant
    ) async throws -> PlanChangeQuote
}

/// Upgrades, downgrades and cancellations of a customer's service.
///
/// A request only records an order of the change (with the price WHMCS quoted); the pipeline carries it out, like
/// any order. One change of a service is under way at a time, and a form posted twice places one order.
package struct ServiceChanges: Sendable {
    /// What the customer would get: the service, the plan it runs on, the plan and cycle asked for, and the price.
    package struct Preview: Sendable {
        package var service: MirroredService
        package var current: CatalogueEntry
        package var entry: CatalogueEntry
        package var cycle: Product.BillingCycle
        package var quote: PlanChangeQuote
    }

    package enum Outcome: Sendable {
        /// Placed now, or earlier under the same form key.
        case order(Order.ID)
        /// Nothing was placed; the sentence the customer sees.
        case blocked(String)
        /// The price is not the one the customer confirmed: confirm again.
        case priceChanged(Preview)
    }

    /// A cancellation as asked for on the service page.
    package struct Cancellation: Sendable {
        /// At once (true) or at the end of the paid term (false); nil when the customer chose neither.
        package var immediately: Bool?
        /// The customer ticked the confirmation box.
        package var confirmed: Bool
        package var reason: String

        package init(immediately: Bool?, confirmed: Bool, reason: String) {
            self.immediately = immediately
            self.confirmed = confirmed
            self.reason = reason
        }
    }

    let databases: TenantDatabases
    let queue: OrderQueue
    let mailQueue: MailQueue
    let quotes: any PlanQuotes
    let now: @Sendable () -> Date

    package init(
        databases: TenantDatabases, queue: OrderQueue, mailQueue: MailQueue, quotes: any PlanQuotes,
        now: @escaping @Sendable () -> Date
    ) {
        self.databases = databases
        self.queue = queue
        self.mailQueue = mailQueue
        self.quotes = quotes
        self.now = now
    }

    static var chooseAnother: String { tr("services.change.choose_another") }

    /// The account's service and the catalogue entry it runs on; 404 for anyone else's.
    package func service(_ id: Int, of account: Account, in tenant: Tenant) async throws -> (
        MirroredService, CatalogueEntry
    ) {
        let found = try await databases.withDatabase(for: tenant) { database -> (MirroredService, CatalogueEntry)? in
            guard let service = try await database.billing.service(id, of: account.id),
                let entry = try await database.catalogue.entry(whmcsProductID: service.whmcsProductID)
            else { return nil }
            return (service, entry)
        }
        guard let found else { throw PortalError.notFound }
        return found
    }

    /// The price of moving service `id` to plan `slug` in `cycle`, or why it cannot move.
    package func preview(
        _ id: Int, to slug: String, cycle: String, of account: Account, in tenant: Tenant
    ) async throws -> Result<Preview, Blocked> {
        let (service, current) = try await service(id, of: account, in: tenant)
        guard service.isActive else { return .failure(Blocked(tr("services.change.only_active_change"))) }
        guard let (entry, cycle) = try await target(slug, cycle, for: service, current: current, in: tenant) else {
            return .failure(Blocked(Self.chooseAnother))
        }
        if let blocked = try await pending(service, account, tenant) { return .failure(blocked) }
        let quote = try await quotes.quote(serviceID: service.whmcsServiceID, to: entry, cycle: cycle, in: tenant)
        return .success(Preview(service: service, current: current, entry: entry, cycle: cycle, quote: quote))
    }

    /// Places the change the customer confirmed at price `quoted` (minor units, as the preview showed it).
    package func change(
        _ id: Int, to slug: String, cycle: String, quoted: String, key: String, currency: String, by account: Account,
        in tenant: Tenant, ip: String
    ) async throws -> Outcome {
        let (service, current) = try await service(id, of: account, in: tenant)
        if let existing = try await existing(key, account, tenant) { return .order(existing) }
        guard service.isActive,
            let (entry, cycle) = try await target(slug, cycle, for: service, current: current, in: tenant)
        else { return .blocked(Self.chooseAnother) }
        if let blocked = try await pending(service, account, tenant) { return .blocked(blocked.message) }
        let quote = try await quotes.quote(serviceID: service.whmcsServiceID, to: entry, cycle: cycle, in: tenant)
        guard quoted == String(quote.priceMinor) else {
            return .priceChanged(Preview(service: service, current: current, entry: entry, cycle: cycle, quote: quote))
        }
        return .order(
            try await place(in: tenant, by: account, ip: ip) { number in
                var order = Order(
                    accountID: account.id, number: number, idempotencyKey: key, entry: entry, cycle: cycle,
                    domain: service.domain, domainAction: nil, currency: currency, priceMinor: quote.priceMinor,
                    setupMinor: 0, domainMinor: 0, now: now()
                )
                order.productName = "Change to \(entry.product.name)"
                order.change = .upgrade
                order.targetServiceID = service.whmcsServiceID
                return order
            })
    }

    /// Places a cancellation of service `id`, at the end of the paid term or at once.
    package func cancel(
        _ id: Int, _ cancellation: Cancellation, key: String, currency: String, by account: Account, in tenant: Tenant,
        ip: String
    ) async throws -> Outcome {
        let (service, current) = try await service(id, of: account, in: tenant)
        if let existing = try await existing(key, account, tenant) { return .order(existing) }
        guard service.isActive else { return .blocked(tr("services.change.only_active_cancel")) }
        guard let immediately = cancellation.immediately, cancellation.confirmed else {
            return .blocked(tr("services.change.choose_and_confirm"))
        }
        let reason = cancellation.reason.trimmingCharacters(in: .whitespacesAndNewlines)
        guard reason.count <= 2_000 else { return .blocked(tr("services.change.reason_too_long")) }
        if let blocked = try await pending(service, account, tenant) { return .blocked(blocked.message) }
        return .order(
            try await place(in: tenant, by: account, ip: ip) { number in
                var order = Order(
                    accountID: account.id, number: number, idempotencyKey: key, entry: current, cycle: nil,
                    domain: service.domain, domainAction: nil, currency: currency, priceMinor: 0, setupMinor: 0,
                    domainMinor: 0, now: now()
                )
                order.productName = "Cancel \(current.product.name)"
                order.change = .cancel
                order.targetServiceID = service.whmcsServiceID
                order.cancelImmediately = immediately
                order.changeReason = reason.isEmpty ? "No reason given" : reason
                return order
            })
    }

    package struct Blocked: Error, Sendable, Equatable {
        package let message: String
        init(_ message: String) { self.message = message }
    }

    // MARK: Helpers

    /// The product and cycle asked for: same type as the service, orderable, priced in that cycle, not what it is now.
    private func target(
        _ slug: String, _ cycle: String, for service: MirroredService, current: CatalogueEntry, in tenant: Tenant
    ) async throws -> (CatalogueEntry, Product.BillingCycle)? {
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

    private func pending(_ service: MirroredService, _ account: Account, _ tenant: Tenant) async throws -> Blocked? {
        guard
            let pending = try await databases.withDatabase(
                for: tenant, { try await $0.orders.pendingChange(of: service.whmcsServiceID, account: account.id) })
        else { return nil }
        return Blocked(tr("services.change.under_way", ["number": pending.number]))
    }

    private func existing(_ key: String, _ account: Account, _ tenant: Tenant) async throws -> Order.ID? {
        try await databases.withDatabase(for: tenant) {
            try await $0.orders.order(idempotencyKey: key, of: account.id)
        }?
        .id
    }

    private func place(
        in tenant: Tenant, by account: Account, ip: String, make: (String) -> Order
    ) async throws -> Order.ID {
        let placed = try await OrderPlacement(databases: databases, queue: queue, mailQueue: mailQueue).place(
            in: tenant, mailbox: .tenant(tenant.id), actor: account, ip: ip, now: now()
        ) { number in (make(number), nil, nil) }
        return placed.id!
    }
}

/// WHMCS's `UpgradeProduct` quote; a plan never ordered before is added to WHMCS first, as the pipeline would.
struct WHMCSPlanQuotes: PlanQuotes {
    let upstreams: TenantUpstreams
    let sync: ProductSync

    func quote(
        serviceID: Int, to entry: CatalogueEntry, cycle: Product.BillingCycle, in tenant: Tenant
    ) async throws -> PlanChangeQuote {
        var productID = entry.product.whmcsProductID
        if productID == nil {
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
        let quote = try await client.upgradeQuote(
            serviceID: serviceID, productID: productID, cycle: WHMCSBillingCycle(rawValue: cycle.rawValue) ?? .monthly)
        return PlanChangeQuote(
            priceMinor: quote.priceMinor, daysUntilRenewal: quote.daysUntilRenewal, totalDays: quote.totalDays)
    }
}
