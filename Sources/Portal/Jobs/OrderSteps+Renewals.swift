import Branding
import Foundation
import Integrations
import Tenancy

extension OrderSteps {
    // MARK: Renewals

    /// A renewal's last step: the domain renews at 20i for a year, or the certificate is ordered anew (a renewal
    /// order) and replaces the old one once issued.
    func renew(_ job: OrderJob, _ order: Order, _ account: Account, _ tenant: Tenant) async throws -> Outcome {
        guard let target = order.renewalOf.flatMap(RenewalTarget.init) else {
            throw OrderProblem("the renewal names nothing to renew")
        }
        switch target {
        case .domain(let id):
            guard let domain = try await databases.withDatabase(for: tenant, { try await $0.provisioned.domain(id) }),
                domain.accountID == account.id
            else {
                throw OrderProblem("the domain to renew no longer exists")
            }
            let twentyI = try await upstreams.twentyI(for: tenant)
            // The renewal moves the expiry on by a year: if 20i's expiry is past ours by then, this order renewed it already.
            let before = try await twentyI.domain(domain.name)
            if let expires = before?.expires, expires > domain.expiresAt.addingTimeInterval(180 * 86_400) {
                try await recordRenewedDomain(domain, expires: expires, tenant)
            } else {
                try await twentyI.renewDomain(domain.name, years: 1, privacy: domain.privacy)
                crashPoint(.provision)
                let after = try await twentyI.domain(domain.name)
                let fallback =
                    Calendar(identifier: .gregorian).date(byAdding: .year, value: 1, to: domain.expiresAt)
                    ?? domain.expiresAt
                try await recordRenewedDomain(domain, expires: after?.expires ?? fallback, tenant)
            }
            try await refreshQuietly(account.id, tenant)
            try await finish(job, tenant)
            return .finished
        case .certificate(let id):
            guard let old = try await databases.withDatabase(for: tenant, { try await $0.provisioned.certificate(id) }),
                old.accountID == account.id
            else {
                throw OrderProblem("the certificate to renew no longer exists")
            }
            return try await provisionCertificate(job, order, account, tenant, renewing: old)
        }
    }

    func recordRenewedDomain(_ domain: RegisteredDomain, expires: Date, _ tenant: Tenant) async throws {
        try await databases.withDatabase(for: tenant) { database in
            try await database.provisioned.updateDomain(domain.id!, now: now()) { stored in
                stored.expiresAt = expires
                stored.status = .active
            }
        }
    }

    // MARK: Helpers

    func activationMail(_ order: Order, _ account: Account, _ tenant: Tenant, path: String, domain: String) async throws
        -> OutgoingMail
    {
        let realm = realm(tenant)
        let nameservers = try await databases.withDatabase(for: tenant) { try await $0.upstreams.nameservers() }
        return try await flows.prepareMail(
            realm: realm, to: account.email, name: account.name, .serviceActivated,
            variables: [
                "service.name": order.productName, "service.domain": domain,
                "nameservers": nameservers.joined(separator: "\n"),
                "link": flows.services.link(primaryHost: realm.linkHost, path: path),
            ],
            tag: "service_activated"
        )
    }

    /// The branded notice that a domain was registered, or its transfer completed.
    func domainMail(_ order: Order, _ account: Account, _ tenant: Tenant, _ domain: RegisteredDomain) async throws
        -> OutgoingMail
    {
        let realm = realm(tenant)
        let zone = try await databases.withDatabase(for: tenant) {
            try await TenantMailSettings.load(from: $0.accounts).zone
        }
        return try await flows.prepareMail(
            realm: realm, to: account.email, name: account.name, .domainRegistered,
            variables: [
                "domain.name": domain.name,
                "domain.event": order.domainAction == .transfer ? "transferred to us" : "registered",
                "domain.expires": ReminderScheduler.long(domain.expiresAt, zone),
                "nameservers": domain.nameservers,
                "link": flows.services.link(primaryHost: realm.linkHost, path: AccountPaths.domain.link(domain.name)),
            ],
            tag: "domain_registered"
        )
    }

    /// The branded confirmation that a cancellation was carried out.
    func cancellationMail(_ order: Order, serviceID: Int, _ tenant: Tenant) async throws -> OutgoingMail {
        let realm = realm(tenant)
        let (account, service) = try await databases.withDatabase(for: tenant) { database in
            (
                try await database.accounts.account(order.accountID),
                try await database.billing.service(serviceID, of: order.accountID)
            )
        }
        guard let account else { throw OrderProblem("the order's customer is gone") }
        return try await flows.prepareMail(
            realm: realm, to: account.email, name: account.name, .cancellationConfirmed,
            variables: [
                "service.name": service?.productName ?? order.productName,
                "service.domain": service?.domain ?? order.domain,
                "cancel.when": order.cancelImmediately ? "now" : "at the end of its current term",
                "link": flows.services.link(primaryHost: realm.linkHost, path: AccountPaths.service.link(serviceID)),
            ],
            tag: "cancellation_confirmed"
        )
    }

    func finishWithMail(_ job: OrderJob, _ tenant: Tenant, _ mail: OutgoingMail) async throws {
        let realm = realm(tenant)
        try await flows.mailQueue.willQueue(realm.mailbox)
        try await finish(job, tenant, mail: mail)
        flows.mailQueue.notify(realm.mailbox)
    }
}
