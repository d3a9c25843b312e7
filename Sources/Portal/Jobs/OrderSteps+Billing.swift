import Branding
import Foundation
import Integrations
import Tenancy

extension OrderSteps {
    // MARK: Steps

    func client(_ job: OrderJob, _ order: Order, _ account: Account, _ tenant: Tenant) async throws -> Outcome {
        guard account.emailVerifiedAt != nil else {
            return .waiting(
                "waiting for the customer to confirm their email address", retryAt: now().addingTimeInterval(30))
        }
        if let link = try await databases.withDatabase(
            for: tenant, { try await $0.upstreams.billingClient(of: account.id) })
        {
            try await finish(job, tenant) { $0.whmcsClientID = link.clientID }
            return .finished
        }
        guard
            let profile = try await databases.withDatabase(for: tenant, { try await $0.orders.profile(of: account.id) })
        else {
            throw OrderProblem("the customer has no billing details")
        }
        var billing = BillingProfile(
            firstName: profile.firstName, lastName: profile.lastName, address1: profile.address1, city: profile.city,
            state: profile.state, postcode: profile.postcode, country: profile.country, phoneNumber: profile.phone
        )
        billing.companyName = profile.company
        billing.taxID = profile.taxID
        let link = try await upstreams.billingClient(for: account, profile: billing, in: tenant)
        crashPoint(.client)
        try await finish(job, tenant) { $0.whmcsClientID = link.clientID }
        return .finished
    }

    func placeOrder(_ job: OrderJob, _ order: Order, _ tenant: Tenant) async throws -> Outcome {
        guard let clientID = order.whmcsClientID else { throw OrderProblem("the order has no WHMCS client") }
        let (client, _) = try await upstreams.whmcs(for: tenant)
        if let change = order.change {
            guard let serviceID = order.targetServiceID else { throw OrderProblem("the change names no service") }
            switch change {
            case .cancel:
                try await client.requestCancellation(
                    serviceID: serviceID, immediate: order.cancelImmediately, reason: order.changeReason)
                crashPoint(.order)
                // The confirmation is stored with the step's end: one email, even across a crash here.
                try await finishWithMail(job, tenant, try await cancellationMail(order, serviceID: serviceID, tenant))
            case .upgrade:
                // Billed on an invoice of the portal's own (no WHMCS email), found again by its marker after a lost
                // answer or a crash; the service moves once it is paid. A change that costs nothing has no invoice.
                var invoiceID: Int?
                if order.totalMinor > 0 {
                    let method = try await databases.withDatabase(for: tenant) {
                        try await $0.accounts.setting(Self.paymentMethodKey)
                    }
                    invoiceID = try await client.createInvoice(
                        clientID: clientID,
                        lines: [("\(order.productName) for \(order.domain), until the next renewal", order.totalMinor)],
                        paymentMethod: method ?? Self.defaultPaymentMethod,
                        marker: "portal change order \(tenant.slug)-\(order.number)")
                }
                crashPoint(.order)
                let billed = invoiceID
                try await finish(job, tenant) { order in
                    order.whmcsInvoiceID = billed
                    order.whmcsServiceID = serviceID
                }
            }
            return .finished
        }
        if order.renewalOf != nil {
            // A renewal is billed on an invoice of its own: nothing new to order in WHMCS.
            let method = try await databases.withDatabase(for: tenant) {
                try await $0.accounts.setting(Self.paymentMethodKey)
            }
            let label =
                order.kind == .domain
                ? "Renewal of \(order.domain), 1 year" : "Renewal of \(order.productName) for \(order.domain)"
            let invoiceID = try await client.createInvoice(
                clientID: clientID, lines: [(label, order.totalMinor)],
                paymentMethod: method ?? Self.defaultPaymentMethod,
                marker: "portal renewal order \(tenant.slug)-\(order.number)"
            )
            crashPoint(.order)
            try await finish(job, tenant) { $0.whmcsInvoiceID = invoiceID }
            return .finished
        }
        var items: [WHMCSOrderItem] = []
        if order.kind != .domain {
            let cycle = WHMCSBillingCycle(rawValue: order.cycle?.rawValue ?? "") ?? .annually
            var item = WHMCSOrderItem(
                productID: try await whmcsProductID(order, tenant), billingCycle: cycle,
                domain: order.domain.isEmpty ? nil : order.domain)
            // The customer pays what they were quoted, whatever WHMCS's copy of the product says.
            item.priceOverrideMinor = order.priceMinor
            items.append(item)
        }
        var registrations: [WHMCSDomainOrder] = []
        if let action = order.domainAction, action != .existing, !order.domain.isEmpty {
            var registration = WHMCSDomainOrder(
                domain: order.domain, kind: action == .register ? .register : .transfer, years: 1)
            registration.priceOverrideMinor = order.domainMinor
            registrations.append(registration)
        }
        var baseline = order.whmcsOrderBaseline
        if baseline == nil {
            let newest =
                try await client.orders(clientID: clientID, page: .init(start: 0, size: 1)).items.first?.id ?? 0
            baseline = newest
            try await databases.withDatabase(for: tenant) {
                try await $0.orders.update(order.id!) { $0.whmcsOrderBaseline = newest }
            }
        }
        let (claimed, nameservers, method) = try await databases.withDatabase(for: tenant) { database in
            (
                try await database.orders.claimedWHMCSOrders(except: order.id!),
                try await database.upstreams.nameservers(),
                try await database.accounts.setting(Self.paymentMethodKey)
            )
        }
        let placed = try await client.addOrder(
            clientID: clientID, items: items, domains: registrations,
            paymentMethod: method ?? Self.defaultPaymentMethod,
            promoCode: order.promoCode.isEmpty ? nil : order.promoCode,
            nameservers: nameservers, baseline: baseline, claimed: claimed
        )
        crashPoint(.order)
        try await finish(job, tenant) { order in
            order.whmcsOrderID = placed.orderID
            order.whmcsInvoiceID = placed.invoiceID.flatMap { $0 > 0 ? $0 : nil }
            order.whmcsServiceID = placed.serviceIDs.first
        }
        return .finished
    }

    /// The product's WHMCS id, syncing the product first if it never was or changed since.
    func whmcsProductID(_ order: Order, _ tenant: Tenant) async throws -> Int {
        guard
            let entry = try await databases.withDatabase(
                for: tenant, { try await $0.catalogue.entry(id: order.productID) })
        else {
            throw OrderProblem("the ordered product no longer exists")
        }
        let product = entry.product
        if let id = product.whmcsProductID, let synced = product.syncedAt, synced >= product.updatedAt { return id }
        let report = await sync.run(.upsert, [entry], tenant: tenant, via: "pipeline", blockType: product.kind.rawValue)
        guard let id = report.results.first?.whmcsProductId, report.success else {
            throw OrderProblem(
                "the product could not be synced to WHMCS: \(report.results.first?.error ?? "unknown reason")")
        }
        return id
    }

    func payment(_ job: OrderJob, _ order: Order, _ tenant: Tenant) async throws -> Outcome {
        guard let invoiceID = order.whmcsInvoiceID else {
            // A free order has no invoice.
            try await finish(job, tenant)
            return .finished
        }
        let (client, _) = try await upstreams.whmcs(for: tenant)
        guard let invoice = try await client.invoice(id: invoiceID) else {
            throw OrderProblem("invoice \(invoiceID) is missing in WHMCS")
        }
        // WHMCS is the authority on tax: only the amount before tax must match what the customer was quoted.
        let pricesIncludeTax = try await databases.withDatabase(for: tenant) {
            try await $0.accounts.setting(TaxSettings.includedKey) == "1"
        }
        let charged = TaxSettings.quotedAmount(of: invoice, pricesIncludeTax: pricesIncludeTax)
        guard charged == order.totalMinor else {
            let currency = Currency(order.currency)
            throw OrderProblem(
                "WHMCS invoice \(invoiceID) is for \(MoneyInput.text(charged, currency: currency)) \(order.currency) "
                    + "before tax but the customer was quoted "
                    + "\(MoneyInput.text(order.totalMinor, currency: currency)) \(order.currency); "
                    + "check the product's setup fee, promotion and currency in WHMCS"
            )
        }
        if invoice.status.lowercased() != "paid" {
            // The customer pays on the brand's Stripe checkout or in WHMCS; check again later, less often the longer
            // it takes (a Stripe payment also wakes this step at once).
            let waited = now().timeIntervalSince(job.createdAt)
            let next = min(policy.paymentPollMaximum, max(policy.paymentPollMinimum, waited / 4))
            return .waiting("waiting for invoice \(invoiceID) to be paid", retryAt: now().addingTimeInterval(next))
        }
        crashPoint(.payment)
        try await finish(job, tenant)
        return .finished
    }

    func accept(_ job: OrderJob, _ order: Order, _ tenant: Tenant) async throws -> Outcome {
        if order.change == .cancel || order.renewalOf != nil {
            try await finish(job, tenant)
            return .finished
        }
        if order.change == .upgrade {
            // Paid: the service moves to the new product and cycle at the new plan's price.
            guard let serviceID = order.targetServiceID else { throw OrderProblem("the change names no service") }
            let cycle = WHMCSBillingCycle(rawValue: order.cycle?.rawValue ?? "") ?? .monthly
            guard
                let entry = try await databases.withDatabase(
                    for: tenant, { try await $0.catalogue.entry(id: order.productID) }),
                let price = entry.prices.first(where: { $0.cycle == order.cycle })
            else { throw OrderProblem("the new plan has no \(cycle.rawValue) price") }
            let (client, _) = try await upstreams.whmcs(for: tenant)
            try await client.updateService(
                serviceID: serviceID, productID: try await whmcsProductID(order, tenant), cycle: cycle,
                recurringMinor: price.priceMinor)
            crashPoint(.accept)
            try await finish(job, tenant)
            return .finished
        }
        guard let orderID = order.whmcsOrderID else { throw OrderProblem("the order has no WHMCS order") }
        let (client, _) = try await upstreams.whmcs(for: tenant)
        if try await client.order(id: orderID)?.status != "Active" {
            try await client.acceptOrder(id: orderID, autoSetup: true)
        }
        crashPoint(.accept)
        try await finish(job, tenant)
        return .finished
    }
}
