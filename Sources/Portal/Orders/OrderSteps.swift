import Branding
import Foundation
import Integrations
import Tenancy

/// A reason the pipeline cannot go on that retrying will not fix; the order is parked for staff.
struct OrderProblem: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

/// What each pipeline step does. Every step first reads what it stored and what exists upstream, so running it
/// again after a crash or a lost answer repeats nothing.
package struct OrderSteps: Sendable {
    package enum Outcome: Sendable {
        case finished
        /// Not a failure: waiting for the customer (email confirmation) or for a live payment.
        case waiting(String, retryAt: Date)
    }

    /// The settings key of the WHMCS payment method (gateway system name) orders are placed with.
    package static let paymentMethodKey = "catalogue.whmcs_payment_method"
    package static let defaultPaymentMethod = "mailin"

    let databases: TenantDatabases
    let upstreams: TenantUpstreams
    let sync: ProductSync
    let flows: AccountFlows
    let realm: @Sendable (Tenant) -> any AccountRealm
    let policy: PipelineRetryPolicy
    let now: @Sendable () -> Date
    /// Test hook (`--crash-after-step`): the process kills itself after a step's upstream work and before it is
    /// recorded, the worst moment for a crash.
    let crashAfter: OrderJob.Step?
    /// Brings the customer's local copy of WHMCS up to date once an order is set up.
    let refresher: BillingRefresher?

    package init(
        databases: TenantDatabases, upstreams: TenantUpstreams, sync: ProductSync, flows: AccountFlows,
        realm: @escaping @Sendable (Tenant) -> any AccountRealm, policy: PipelineRetryPolicy,
        now: @escaping @Sendable () -> Date = { Date() }, crashAfter: OrderJob.Step? = nil, refresher: BillingRefresher? = nil
    ) {
        self.refresher = refresher
        self.databases = databases
        self.upstreams = upstreams
        self.sync = sync
        self.flows = flows
        self.realm = realm
        self.policy = policy
        self.now = now
        self.crashAfter = crashAfter
    }

    func perform(_ job: OrderJob, tenant: Tenant) async throws -> Outcome {
        guard let detail = try await databases.withDatabase(for: tenant, { try await $0.orders.detail(job.orderID) }),
            let account = detail.customer
        else { throw OrderProblem("the order or its customer no longer exists") }
        let order = detail.order
        switch job.step {
        case .client: return try await client(job, order, account, tenant)
        case .order: return try await placeOrder(job, order, tenant)
        case .payment: return try await payment(job, order, tenant)
        case .accept: return try await accept(job, order, tenant)
        case .provision: return try await provision(job, order, account, tenant)
        }
    }

    func crashPoint(_ step: OrderJob.Step) {
        if crashAfter == step { kill(getpid(), SIGKILL) }
    }

    // MARK: Steps

    private func client(_ job: OrderJob, _ order: Order, _ account: Account, _ tenant: Tenant) async throws -> Outcome {
        guard account.emailVerifiedAt != nil else {
            return .waiting("waiting for the customer to confirm their email address", retryAt: now().addingTimeInterval(30))
        }
        if let link = try await databases.withDatabase(for: tenant, { try await $0.upstreams.billingClient(of: account.id) }) {
            try await finish(job, tenant) { $0.whmcsClientID = link.clientID }
            return .finished
        }
        guard let profile = try await databases.withDatabase(for: tenant, { try await $0.orders.profile(of: account.id) }) else {
            throw OrderProblem("the customer has no billing details")
        }
        var billing = BillingProfile(
            firstName: profile.firstName, lastName: profile.lastName, address1: profile.address1, city: profile.city,
            state: profile.state, postcode: profile.postcode, country: profile.country, phoneNumber: profile.phone
        )
        billing.companyName = profile.company
        let link = try await upstreams.billingClient(for: account, profile: billing, in: tenant)
        crashPoint(.client)
        try await finish(job, tenant) { $0.whmcsClientID = link.clientID }
        return .finished
    }

    private func placeOrder(_ job: OrderJob, _ order: Order, _ tenant: Tenant) async throws -> Outcome {
        guard let clientID = order.whmcsClientID else { throw OrderProblem("the order has no WHMCS client") }
        let (client, _) = try await upstreams.whmcs(for: tenant)
        if let change = order.change {
            guard let serviceID = order.targetServiceID else { throw OrderProblem("the change names no service") }
            switch change {
            case .cancel:
                try await client.requestCancellation(serviceID: serviceID, immediate: order.cancelImmediately, reason: order.changeReason)
                crashPoint(.order)
                try await finish(job, tenant)
            case .upgrade:
                var baseline = order.whmcsOrderBaseline
                if baseline == nil {
                    let newest = try await client.orders(clientID: clientID, page: .init(start: 0, size: 1)).items.first?.id ?? 0
                    baseline = newest
                    try await databases.withDatabase(for: tenant) { try await $0.orders.update(order.id!) { $0.whmcsOrderBaseline = newest } }
                }
                let (claimed, method) = try await databases.withDatabase(for: tenant) { database in
                    (try await database.orders.claimedWHMCSOrders(except: order.id!), try await database.accounts.setting(Self.paymentMethodKey))
                }
                let placed = try await client.upgrade(
                    serviceID: serviceID, clientID: clientID, productID: try await whmcsProductID(order, tenant),
                    cycle: WHMCSBillingCycle(rawValue: order.cycle?.rawValue ?? "") ?? .monthly, paymentMethod: method ?? Self.defaultPaymentMethod,
                    baseline: baseline ?? 0, claimed: claimed
                )
                crashPoint(.order)
                try await finish(job, tenant) { order in
                    order.whmcsOrderID = placed.orderID
                    order.whmcsInvoiceID = placed.invoiceID.flatMap { $0 > 0 ? $0 : nil }
                    order.whmcsServiceID = serviceID
                }
            }
            return .finished
        }
        if order.renewalOf != nil {
            // A renewal is billed on an invoice of its own: nothing new to order in WHMCS.
            let method = try await databases.withDatabase(for: tenant) { try await $0.accounts.setting(Self.paymentMethodKey) }
            let label = order.kind == .domain ? "Renewal of \(order.domain), 1 year" : "Renewal of \(order.productName) for \(order.domain)"
            let invoiceID = try await client.createInvoice(
                clientID: clientID, lines: [(label, order.totalMinor)], paymentMethod: method ?? Self.defaultPaymentMethod,
                marker: "portal renewal order \(tenant.slug)-\(order.number)"
            )
            crashPoint(.order)
            try await finish(job, tenant) { $0.whmcsInvoiceID = invoiceID }
            return .finished
        }
        var items: [WHMCSOrderItem] = []
        if order.kind != .domain {
            let cycle = WHMCSBillingCycle(rawValue: order.cycle?.rawValue ?? "") ?? .annually
            var item = WHMCSOrderItem(productID: try await whmcsProductID(order, tenant), billingCycle: cycle,
                                      domain: order.domain.isEmpty ? nil : order.domain)
            // The customer pays what they were quoted, whatever WHMCS's copy of the product says.
            item.priceOverrideMinor = order.priceMinor
            items.append(item)
        }
        var registrations: [WHMCSDomainOrder] = []
        if let action = order.domainAction, action != .existing, !order.domain.isEmpty {
            var registration = WHMCSDomainOrder(domain: order.domain, kind: action == .register ? .register : .transfer, years: 1)
            registration.priceOverrideMinor = order.domainMinor
            registrations.append(registration)
        }
        var baseline = order.whmcsOrderBaseline
        if baseline == nil {
            let newest = try await client.orders(clientID: clientID, page: .init(start: 0, size: 1)).items.first?.id ?? 0
            baseline = newest
            try await databases.withDatabase(for: tenant) { try await $0.orders.update(order.id!) { $0.whmcsOrderBaseline = newest } }
        }
        let (claimed, nameservers, method) = try await databases.withDatabase(for: tenant) { database in
            (
                try await database.orders.claimedWHMCSOrders(except: order.id!), try await database.upstreams.nameservers(),
                try await database.accounts.setting(Self.paymentMethodKey)
            )
        }
        let placed = try await client.addOrder(
            clientID: clientID, items: items, domains: registrations, paymentMethod: method ?? Self.defaultPaymentMethod,
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
    private func whmcsProductID(_ order: Order, _ tenant: Tenant) async throws -> Int {
        guard let entry = try await databases.withDatabase(for: tenant, { try await $0.catalogue.entry(id: order.productID) }) else {
            throw OrderProblem("the ordered product no longer exists")
        }
        let product = entry.product
        if let id = product.whmcsProductID, let synced = product.syncedAt, synced >= product.updatedAt { return id }
        let report = await sync.run(.upsert, [entry], tenant: tenant, via: "pipeline", blockType: product.kind.rawValue)
        guard let id = report.results.first?.whmcsProductId, report.success else {
            throw OrderProblem("the product could not be synced to WHMCS: \(report.results.first?.error ?? "unknown reason")")
        }
        return id
    }

    private func payment(_ job: OrderJob, _ order: Order, _ tenant: Tenant) async throws -> Outcome {
        guard let invoiceID = order.whmcsInvoiceID else {
            // A free order has no invoice.
            try await finish(job, tenant)
            return .finished
        }
        let (client, _) = try await upstreams.whmcs(for: tenant)
        guard let invoice = try await client.invoice(id: invoiceID) else { throw OrderProblem("invoice \(invoiceID) is missing in WHMCS") }
        guard invoice.totalMinor == order.totalMinor else {
            throw OrderProblem(
                "WHMCS invoice \(invoiceID) is for \(MoneyInput.text(invoice.totalMinor)) but the customer was quoted "
                    + "\(MoneyInput.text(order.totalMinor)) \(order.currency); check the product's setup fee and currency in WHMCS"
            )
        }
        if invoice.status.lowercased() != "paid" {
            let settings = try await upstreams.settings(of: tenant)
            guard settings.mode == .sandbox else {
                // Live: the customer pays in WHMCS; check again later, less often the longer it takes.
                let waited = now().timeIntervalSince(job.createdAt)
                let next = min(policy.paymentPollMaximum, max(policy.paymentPollMinimum, waited / 4))
                return .waiting("waiting for invoice \(invoiceID) to be paid", retryAt: now().addingTimeInterval(next))
            }
            let method = try await databases.withDatabase(for: tenant) { try await $0.accounts.setting(Self.paymentMethodKey) }
            try await client.addPayment(
                WHMCSPayment(
                    invoiceID: invoiceID, transactionID: "portal-\(tenant.slug)-\(order.number)",
                    gateway: method ?? Self.defaultPaymentMethod, date: Self.whmcsDate(now())
                )
            )
        }
        crashPoint(.payment)
        try await finish(job, tenant)
        return .finished
    }

    private func accept(_ job: OrderJob, _ order: Order, _ tenant: Tenant) async throws -> Outcome {
        if order.change == .cancel || order.renewalOf != nil {
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

    private func provision(_ job: OrderJob, _ order: Order, _ account: Account, _ tenant: Tenant) async throws -> Outcome {
        if let change = order.change {
            return try await applyChange(change, job, order, account, tenant)
        }
        if order.renewalOf != nil { return try await renew(job, order, account, tenant) }
        let settings = try await upstreams.settings(of: tenant)
        switch order.kind {
        case .cloudServer where settings.twentyIConfigured: return try await provisionCloudServer(job, order, account, tenant)
        case .domain where settings.twentyIConfigured: return try await provisionDomain(job, order, account, tenant)
        case .ssl where settings.sslStoreConfigured: return try await provisionCertificate(job, order, account, tenant)
        case .sharedHosting where settings.twentyIConfigured && (order.domainAction == .register || order.domainAction == .transfer):
            // The domain first, so the hosting account is created on a name that is ours.
            try await registerDomain(order, account, tenant)
        default: break
        }
        guard order.kind == .sharedHosting else {
            let what =
                order.kind == .resellerHosting
                ? "Create the cPanel account and grant it reseller privileges and its account limit in WHM"
                : "Set up \(order.productName)"
            let task = "\(what)\(order.domain.isEmpty ? "" : " for \(order.domain)") for \(account.email): "
                + "this product type is not provisioned automatically yet."
            try await finish(job, tenant, setupTask: task)
            return .finished
        }
        guard let entry = try await databases.withDatabase(for: tenant, { try await $0.catalogue.entry(id: order.productID) }),
            let package = entry.product.whmPackage
        else { throw OrderProblem("the product has no WHM package") }
        let whm = try await upstreams.whm(for: tenant)
        let record = try await upstreams.createHostingAccount(
            for: account, domain: order.domain, plan: whm.packageName(package), password: HostingPassword.generate(),
            order: order.id!.rawValue, in: tenant
        )
        crashPoint(.provision)
        let nameservers = record.nameservers.isEmpty
            ? try await databases.withDatabase(for: tenant) { try await $0.upstreams.nameservers() } : record.nameservers
        let realm = realm(tenant)
        let mail = try await flows.prepareMail(
            realm: realm, to: account.email, name: account.name, .serviceActivated,
            variables: [
                "service.name": order.productName, "service.domain": order.domain,
                "nameservers": nameservers.joined(separator: "\n"),
                "link": flows.services.link(primaryHost: realm.linkHost, path: "/account/orders/\(order.id!.rawValue)"),
            ],
            tag: "service_activated"
        )
        // The customer's copy of their services is brought up to date before the order shows as active, so the
        // dashboard lists the service the moment the order page says it is ready; if WHMCS does not answer, the copy
        // is marked stale and the next page view reads it again.
        do {
            try await refresher?.refresh(account.id, in: tenant)
        } catch {
            try await databases.withDatabase(for: tenant) { try await $0.billing.markStale(account.id) }
        }
        try await flows.mailQueue.willQueue(realm.mailbox)
        try await finish(job, tenant, mail: mail) { $0.hostingAccountID = record.id }
        flows.mailQueue.notify(realm.mailbox)
        return .finished
    }

    /// The last step of an upgrade (the cPanel account moves to the new package) or a cancellation (nothing more to
    /// do here: WHMCS carries it out); the customer's copy is refreshed either way.
    private func applyChange(_ change: Order.Change, _ job: OrderJob, _ order: Order, _ account: Account, _ tenant: Tenant) async throws -> Outcome {
        if change == .upgrade {
            if order.kind == .sharedHosting {
                guard let entry = try await databases.withDatabase(for: tenant, { try await $0.catalogue.entry(id: order.productID) }),
                    let package = entry.product.whmPackage
                else { throw OrderProblem("the new product has no WHM package") }
                let whm = try await upstreams.whm(for: tenant)
                let hosting = try await databases.withDatabase(for: tenant) { database in
                    try await database.upstreams.hostingAccounts(of: account.id).first { !$0.isPending && $0.domain.lowercased() == order.domain.lowercased() }
                }
                guard let hosting else { throw OrderProblem("no hosting account on \(order.domain) to move to the new package") }
                try await whm.changePackage(username: hosting.username, package: whm.packageName(package))
            } else {
                try await refreshQuietly(account.id, tenant)
                try await finish(job, tenant, setupTask: "Apply the change of \(order.domain.isEmpty ? "the service" : order.domain) to \(order.productName) for \(account.email).")
                return .finished
            }
        }
        crashPoint(.provision)
        try await refreshQuietly(account.id, tenant)
        try await finish(job, tenant)
        return .finished
    }

    func refreshQuietly(_ account: Account.ID, _ tenant: Tenant) async throws {
        do {
            try await refresher?.refresh(account, in: tenant)
        } catch {
            try await databases.withDatabase(for: tenant) { try await $0.billing.markStale(account) }
        }
    }

    func finish(
        _ job: OrderJob, _ tenant: Tenant, mail: OutgoingMail? = nil, setupTask: String? = nil,
        _ change: @escaping @Sendable (inout Order) -> Void = { _ in }
    ) async throws {
        try await databases.withDatabase(for: tenant) { database in
            try await database.orders.finish(job, now: now(), mail: mail, setupTask: setupTask, change)
        }
    }

    // MARK: Errors

    /// For staff and logs; customers never see it.
    static func describe(_ error: any Error) -> String {
        if let problem = error as? OrderProblem { return problem.description }
        return TenantUpstreams.describe(error)
    }

    /// Retrying cannot help: settings are missing or refused, the data is inconsistent, or WHMCS refused the
    /// customer's details.
    static func isPermanent(_ error: any Error) -> Bool {
        switch error {
        case is OrderProblem, is UpstreamMappingError, is UpstreamSettingsError: return true
        case let error as UpstreamError:
            if case .notConfigured = error { return true }
            if case .authenticationFailed = error { return true }
            return false
        default: return false
        }
    }

    /// `YYYY-MM-DD HH:mm:ss` in UTC, as AddInvoicePayment wants.
    static func whmcsDate(_ date: Date) -> String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = "yyyy-MM-dd HH:mm:ss"
        return formatter.string(from: date)
    }
}

/// cPanel passwords the portal chooses: long, random, with every character class cPanel's strength check wants.
enum HostingPassword {
    static func generate() -> String {
        let lower = Array("abcdefghijkmnpqrstuvwxyz"), upper = Array("ABCDEFGHJKLMNPQRSTUVWXYZ")
        let digits = Array("23456789"), symbols = Array("!#%+-=?@^_")
        let all = lower + upper + digits + symbols
        var characters = [lower.randomElement()!, upper.randomElement()!, digits.randomElement()!, symbols.randomElement()!]
        while characters.count < 20 { characters.append(all.randomElement()!) }
        return String(characters.shuffled())
    }
}
