import Branding
import Foundation
import Logging
import ServiceLifecycle
import Tenancy

/// Renews what the portal provisioned, through the pipeline: certificates 30 days before they expire, domains 30
/// days before their expiry when auto-renew is on. Each renewal is an order (its own invoice, paid as any other),
/// placed once per object and expiry with a renewal reminder email in the same transaction. A domain whose
/// auto-renew is off gets reminders at 30, 7 and 1 days instead.
package struct RenewalScheduler: Service {
    package static let lead: TimeInterval = 30 * 86_400
    package static let expiryThresholds = [30, 7, 1]

    let registry: TenantRegistry
    let databases: TenantDatabases
    let upstreams: TenantUpstreams
    let storefront: StorefrontService
    let flows: AccountFlows
    let realm: @Sendable (Tenant) -> any AccountRealm
    let orderQueue: OrderQueue
    let steps: OrderSteps
    let interval: Duration
    /// Told when a renewal cannot be placed (owners and admins are alerted) and when it later is.
    let alerts: AlertDesk?
    let now: @Sendable () -> Date
    let logger: Logger

    package init(
        registry: TenantRegistry, databases: TenantDatabases, upstreams: TenantUpstreams, storefront: StorefrontService,
        flows: AccountFlows,
        realm: @escaping @Sendable (Tenant) -> any AccountRealm, orderQueue: OrderQueue, steps: OrderSteps,
        interval: Duration = .seconds(3600), alerts: AlertDesk? = nil,
        now: @escaping @Sendable () -> Date = { Date() }, logger: Logger
    ) {
        self.alerts = alerts
        (self.registry, self.databases, self.upstreams, self.storefront, self.flows) = (
            registry, databases, upstreams, storefront, flows
        )
        (self.realm, self.orderQueue, self.steps, self.interval, self.now, self.logger) = (
            realm, orderQueue, steps, interval, now, logger
        )
    }

    package func run() async throws {
        await sweep.run()
    }

    /// Every active tenant, once an hour.
    private var sweep: TenantSweep<Tenant> {
        TenantSweep(
            name: "renewals", interval: interval, start: .afterInterval, logger: logger,
            items: { [registry] in registry.jobTenants.filter { $0.status == .active } },
            label: { $0.slug.rawValue }, visit: { try await renew($0) }
        )
    }

    /// One pass over every active tenant; returns how many renewal orders were placed.
    @discardableResult
    package func runOnce() async -> Int {
        await sweep.pass()
    }

    private func renew(_ tenant: Tenant) async throws -> Int {
        let settings = try await upstreams.settings(of: tenant)
        guard settings.twentyIConfigured || settings.sslStoreConfigured else { return 0 }
        let today = now()
        let horizon = today.addingTimeInterval(Self.lead)
        let (domains, certificates, pending) = try await databases.withDatabase(for: tenant) { database in
            try await database.provisioned.expire(now: today)
            return (
                try await database.provisioned.domainsExpiring(before: horizon),
                try await database.provisioned.certificatesExpiring(before: horizon),
                try await database.provisioned.certificatesPendingValidation()
            )
        }
        // Reissues waiting for their validation: installed once issued.
        for certificate in pending where settings.sslStoreConfigured {
            do {
                guard
                    let account = try await databases.withDatabase(
                        for: tenant, { try await $0.accounts.account(certificate.accountID) })
                else { continue }
                try await steps.settle(certificate, account: account, tenant: tenant)
            } catch {
                logger.warning(
                    "reissued certificate not settled",
                    metadata: [
                        "tenant": "\(tenant.slug)", "certificate": "\(certificate.id!.rawValue)", "error": "\(error)",
                    ])
            }
        }
        var placed = 0
        for domain in domains where settings.twentyIConfigured {
            do {
                if domain.autoRenew {
                    if try await placeRenewal(
                        .domain(domain.id!), account: domain.accountID, name: domain.name, expires: domain.expiresAt,
                        tenant: tenant)
                    {
                        placed += 1
                    }
                    await alerts?.clear(tenant, incident: "renewal:\(RenewalTarget.domain(domain.id!).text)")
                } else {
                    try await remindExpiry(domain, tenant: tenant)
                }
            } catch {
                logger.warning(
                    "domain renewal not placed",
                    metadata: ["tenant": "\(tenant.slug)", "domain": "\(domain.name)", "error": "\(error)"])
                await alertRenewalFailed(.domain(domain.id!), name: domain.name, error: error, tenant: tenant)
            }
        }
        for certificate in certificates where settings.sslStoreConfigured {
            guard let expires = certificate.expiresAt else { continue }
            do {
                if try await placeRenewal(
                    .certificate(certificate.id!), account: certificate.accountID, name: certificate.domain,
                    expires: expires, tenant: tenant, from: certificate)
                {
                    placed += 1
                }
                await alerts?.clear(tenant, incident: "renewal:\(RenewalTarget.certificate(certificate.id!).text)")
            } catch {
                logger.warning(
                    "certificate renewal not placed",
                    metadata: [
                        "tenant": "\(tenant.slug)", "certificate": "\(certificate.id!.rawValue)", "error": "\(error)",
                    ])
                await alertRenewalFailed(
                    .certificate(certificate.id!), name: certificate.domain, error: error, tenant: tenant)
            }
        }
        return placed
    }

    /// Owners and admins hear once that a renewal could not be placed; it clears when a later pass places it.
    private func alertRenewalFailed(_ target: RenewalTarget, name: String, error: any Error, tenant: Tenant) async {
        await alerts?.raise(
            tenant, incident: "renewal:\(target.text)", kind: "renewal",
            title: "The renewal of \(name) could not be placed",
            detail:
                "\(OrderSteps.describe(error)). The portal tries again every hour; check the product's renewal price and the integrations.",
            actionPath: AdminPaths.orders.link())
    }

    /// Places the renewal order unless one for this object and expiry exists (placed before, or still open).
    private func placeRenewal(
        _ target: RenewalTarget, account accountID: Account.ID, name: String, expires: Date, tenant: Tenant,
        from certificate: SSLCertificate? = nil
    ) async throws -> Bool {
        let key = "renewal:\(target.text):\(Int(expires.timeIntervalSince1970))"
        let found = try await databases.withDatabase(for: tenant) {
            database -> (Account, CatalogueEntry?, Order?, Order?) in
            guard let account = try await database.accounts.account(accountID) else { throw OrderError.notFound }
            let existing = try await database.orders.order(idempotencyKey: key, of: accountID)
            switch target {
            case .domain:
                let entry = try await database.catalogue.entries([.visible, .hidden]).first {
                    $0.product.kind == .domain && OrderQuote.tld(of: name, in: $0) != nil
                }
                return (account, entry, existing, nil)
            case .certificate:
                let original = try await certificate?.orderID.asyncMap { try await database.orders.order($0) } ?? nil
                let entry = try await original.asyncMap { try await database.catalogue.entry(id: $0.productID) } ?? nil
                return (account, entry, existing, original)
            }
        }
        let (account, entry, existing, original) = found
        guard existing == nil else { return false }
        guard let entry else { throw OrderProblem("no product prices the renewal of \(name)") }
        let currency = try await storefront.content(for: tenant).brand.currency
        let price: Int64
        let cycle: Product.BillingCycle?
        switch target {
        case .domain:
            guard let tld = OrderQuote.tld(of: name, in: entry), let yearly = entry.domainPrice(tld: tld) else {
                throw OrderProblem("no renewal price for \(name)")
            }
            (price, cycle) = (yearly.renewMinor, nil)
        case .certificate:
            let chosen = original?.cycle ?? .annually
            guard let yearly = entry.price(for: chosen) ?? entry.cheapest else {
                throw OrderProblem("no price for the certificate product")
            }
            (price, cycle) = (yearly.priceMinor, yearly.cycle)
        }
        let realm = realm(tenant)
        let zone = try await databases.withDatabase(for: tenant) {
            try await TenantMailSettings.load(from: $0.accounts).zone
        }
        let placement = OrderPlacement(databases: databases, queue: orderQueue, mailQueue: flows.mailQueue)
        do {
            _ = try await placement.place(in: tenant, mailbox: realm.mailbox, actor: account, ip: "renewal", now: now())
            { number in
                var order = Order(
                    accountID: account.id, number: number, idempotencyKey: key, entry: entry, cycle: cycle,
                    domain: certificate.map { $0.domain.replacingOccurrences(of: "*.", with: "") } ?? name,
                    domainAction: nil,
                    currency: currency, priceMinor: price, setupMinor: 0, domainMinor: 0, now: now()
                )
                order.renewalOf = target.text
                order.productName = certificate == nil ? "Renewal of \(name)" : "Renewal of the certificate for \(name)"
                let mail = try await flows.prepareMail(
                    realm: realm, to: account.email, name: account.name, .renewalReminder,
                    variables: [
                        "service.name": certificate == nil ? "Domain registration" : entry.product.name,
                        "service.domain": name,
                        "renewal.date": ReminderScheduler.long(expires, zone),
                        "renewal.amount": Money.format(minor: price, currency: currency),
                        "link": flows.services.link(primaryHost: realm.linkHost, path: AccountPaths.orders.link()),
                    ],
                    tag: "renewal_reminder"
                )
                return (order, nil, mail)
            }
        } catch OrderError.renewalAlreadyOpen(let detail) {
            // A renewal of this object is still open (placed for an earlier expiry, or by hand).
            logger.info(
                "renewal already open",
                metadata: ["tenant": "\(tenant.slug)", "object": "\(target.text)", "detail": "\(detail)"])
            return false
        }
        return true
    }

    /// Auto-renew off: reminders that the domain will expire, once per threshold and expiry.
    private func remindExpiry(_ domain: RegisteredDomain, tenant: Tenant) async throws {
        let days = Int(domain.expiresAt.timeIntervalSince(now()) / 86_400)
        guard let threshold = Self.expiryThresholds.filter({ days >= 0 && days <= $0 }).min() else { return }
        let dueDate = ISO8601DateFormatter().string(from: domain.expiresAt)
        let object = "registered-domain:\(domain.id!.rawValue)"
        let (account, sent, zone) = try await databases.withDatabase(for: tenant) { database in
            (
                try await database.accounts.account(domain.accountID),
                try await database.accounts.remindedThresholds(object: object, dueDate: dueDate),
                try await TenantMailSettings.load(from: database.accounts).zone
            )
        }
        guard let account, !sent.contains(where: { $0 <= threshold }) else { return }
        let realm = realm(tenant)
        let entry = try await databases.withDatabase(for: tenant) { database in
            try await database.catalogue.entries([.visible, .hidden]).first {
                $0.product.kind == .domain && OrderQuote.tld(of: domain.name, in: $0) != nil
            }
        }
        let currency = try await storefront.content(for: tenant).brand.currency
        let amount = entry.flatMap { entry in
            OrderQuote.tld(of: domain.name, in: entry).flatMap { entry.domainPrice(tld: $0)?.renewMinor }
        }
        let mail = try await flows.prepareMail(
            realm: realm, to: account.email, name: account.name, .renewalReminder,
            variables: [
                "service.name": "Domain registration (auto-renew is off)", "service.domain": domain.name,
                "renewal.date": ReminderScheduler.long(domain.expiresAt, zone),
                "renewal.amount": amount.map { Money.format(minor: $0, currency: currency) } ?? "—",
                "link": flows.services.link(primaryHost: realm.linkHost, path: AccountPaths.domain.link(domain.name)),
            ],
            tag: "renewal_reminder"
        )
        try await flows.mailQueue.willQueue(realm.mailbox)
        let queued = try await databases.withDatabase(for: tenant) { database in
            try await database.accounts.queueReminder(
                object: object, dueDate: dueDate, threshold: threshold, mail: mail, now: now())
        }
        if queued { flows.mailQueue.notify(realm.mailbox) }
    }
}

extension Optional {
    func asyncMap<T>(_ transform: (Wrapped) async throws -> T) async rethrows -> T? {
        guard let value = self else { return nil }
        return try await transform(value)
    }
}
