import Branding
import Foundation
import Integrations
import Tenancy

extension OrderSteps {
    func provision(_ job: OrderJob, _ order: Order, _ account: Account, _ tenant: Tenant) async throws -> Outcome {
        if let change = order.change {
            return try await applyChange(change, job, order, account, tenant)
        }
        if order.renewalOf != nil { return try await renew(job, order, account, tenant) }
        let settings = try await upstreams.settings(of: tenant)
        switch order.kind {
        case .cloudServer where settings.twentyIConfigured:
            return try await provisionCloudServer(job, order, account, tenant)
        case .domain where settings.twentyIConfigured: return try await provisionDomain(job, order, account, tenant)
        case .ssl where settings.sslStoreConfigured: return try await provisionCertificate(job, order, account, tenant)
        case .sharedHosting
        where settings.twentyIConfigured && (order.domainAction == .register || order.domainAction == .transfer):
            // The domain first, so the hosting account is created on a name that is ours.
            try await registerDomain(order, account, tenant)
        default: break
        }
        guard order.kind == .sharedHosting else {
            let what =
                order.kind == .resellerHosting
                ? "Create the cPanel account and grant it reseller privileges and its account limit in WHM"
                : "Set up \(order.productName)"
            let task =
                "\(what)\(order.domain.isEmpty ? "" : " for \(order.domain)") for \(account.email): "
                + "this product type is not provisioned automatically yet."
            try await finish(job, tenant, setupTask: task)
            return .finished
        }
        guard
            let entry = try await databases.withDatabase(
                for: tenant, { try await $0.catalogue.entry(id: order.productID) }),
            let package = entry.product.whmPackage
        else { throw OrderProblem("the product has no WHM package") }
        let whm = try await upstreams.whm(for: tenant)
        let record = try await upstreams.createHostingAccount(
            for: account, domain: order.domain, plan: whm.packageName(package), password: HostingPassword.generate(),
            order: order.id!.rawValue, in: tenant
        )
        crashPoint(.provision)
        let nameservers =
            record.nameservers.isEmpty
            ? try await databases.withDatabase(for: tenant) { try await $0.upstreams.nameservers() }
            : record.nameservers
        let realm = realm(tenant)
        let mail = try await flows.prepareMail(
            realm: realm, to: account.email, name: account.name, .serviceActivated,
            variables: [
                "service.name": order.productName, "service.domain": order.domain,
                "nameservers": nameservers.joined(separator: "\n"),
                "link": flows.services.link(
                    primaryHost: realm.linkHost, path: AccountPaths.order.link(order.id!.rawValue)),
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
    func applyChange(_ change: Order.Change, _ job: OrderJob, _ order: Order, _ account: Account, _ tenant: Tenant)
        async throws -> Outcome
    {
        if change == .upgrade {
            if order.kind == .sharedHosting {
                guard
                    let entry = try await databases.withDatabase(
                        for: tenant, { try await $0.catalogue.entry(id: order.productID) }),
                    let package = entry.product.whmPackage
                else { throw OrderProblem("the new product has no WHM package") }
                let whm = try await upstreams.whm(for: tenant)
                let hosting = try await databases.withDatabase(for: tenant) { database in
                    try await database.upstreams.hostingAccounts(of: account.id).first {
                        !$0.isPending && $0.domain.lowercased() == order.domain.lowercased()
                    }
                }
                guard let hosting else {
                    throw OrderProblem("no hosting account on \(order.domain) to move to the new package")
                }
                try await whm.changePackage(username: hosting.username, package: whm.packageName(package))
            } else {
                try await refreshQuietly(account.id, tenant)
                try await finish(
                    job, tenant,
                    setupTask:
                        "Apply the change of \(order.domain.isEmpty ? "the service" : order.domain) to \(order.productName) for \(account.email)."
                )
                return .finished
            }
        }
        crashPoint(.provision)
        try await refreshQuietly(account.id, tenant)
        try await finish(job, tenant)
        return .finished
    }
}
