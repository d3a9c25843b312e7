import Foundation
import Integrations
import Tenancy

/// The WHMCS call that suspends or restores a service; `WHMCSClient` is the live one, tests use an in-memory one.
package protocol ServiceModules: Sendable {
    func module(_ command: WHMCSClient.ModuleCommand, serviceID: Int, reason: String?) async throws
}

extension WHMCSClient: ServiceModules {}

/// What a brand's owners and admins do for one customer: private notes, a password reset email, suspending or
/// restoring a service at WHMCS, and sending a service's welcome email again. Every action is audited.
package struct CustomerDesk: Sendable {
    /// Everything the customer page shows about a customer.
    package struct Record: Sendable {
        package var services: [MirroredService]
        package var invoices: [MirroredInvoice]
        package var tickets: [Ticket]
        package var orders: [Order]
        package var notes: [CustomerDirectory.Note]
        package var audit: [AuditEntry]
    }

    package enum ServiceChange: Sendable {
        case suspend, unsuspend
    }

    let databases: TenantDatabases
    let flows: AccountFlows
    let realm: @Sendable (Tenant) -> any AccountRealm
    let modules: @Sendable (Tenant) async throws -> any ServiceModules

    /// The brand's customer `id`; staff accounts and other brands' ids are a 404.
    package func customer(_ id: Int64, in tenant: Tenant) async throws -> Account {
        guard
            let account = try await databases.withDatabase(
                for: tenant, { try await $0.accounts.account(Account.ID(id)) }),
            account.kind == .customer
        else { throw PortalError.notFound }
        return account
    }

    package func record(of customer: Account, in tenant: Tenant) async throws -> Record {
        let today = DateFormatter.utc("yyyy-MM-dd").string(from: flows.services.now())
        return try await databases.withDatabase(for: tenant) { database in
            Record(
                services: try await database.billing.services(of: customer.id, limit: 100).items,
                invoices: try await database.billing.invoices(of: customer.id, filter: .all, today: today, limit: 50)
                    .items,
                tickets: try await database.tickets.tickets(of: customer.id, limit: 50, offset: 0).items,
                orders: try await database.orders.orders(of: customer.id, limit: 50),
                notes: try await database.customers.notes(of: customer.id),
                audit: try await database.customers.auditTrail(of: customer))
        }
    }

    package func addNote(_ body: String, to customer: Account, by staff: Account, in tenant: Tenant, ip: String)
        async throws
    {
        try await databases.withDatabase(for: tenant) { database in
            try await database.customers.addNote(body, to: customer, by: staff, ip: ip, now: flows.services.now())
        }
    }

    /// A one-time reset link emailed to the customer; the link, the email and the audit entry commit together.
    package func sendPasswordReset(to customer: Account, by staff: Account, in tenant: Tenant, ip: String)
        async throws
    {
        let realm = realm(tenant)
        let (link, token) = flows.oneTimeLink(
            .resetPassword, path: SignInPaths.customer.resetPassword.link(), realm: realm)
        let mail = try await flows.prepareMail(
            realm: realm, to: customer.email, name: customer.name, .passwordReset, variables: ["link": link],
            tag: "reset_password"
        )
        let now = flows.services.now()
        try await realm.withAccounts { store in
            try await flows.commit(store, realm: realm) { db in
                try AccountStore.insertToken(db, token(customer.id))
                try AccountStore.insertMail(db, mail, now: now)
                try AccountStore.appendAudit(
                    db, "customer.password_reset_sent", actor: staff, target: customer.email, detail: "", ip: ip,
                    now: now)
            }
        }
    }

    /// The customer's service `id`; another customer's is a 404.
    package func service(_ id: Int, of customer: Account, in tenant: Tenant) async throws -> MirroredService {
        guard
            let service = try await databases.withDatabase(
                for: tenant, { try await $0.billing.service(id, of: customer.id) })
        else { throw PortalError.notFound }
        return service
    }

    /// Suspends or restores the service at WHMCS first; only then is the new status recorded. A refusal is thrown
    /// as the `UpstreamError` and nothing changes here.
    package func change(
        _ change: ServiceChange, _ service: MirroredService, of customer: Account, by staff: Account,
        in tenant: Tenant, ip: String
    ) async throws {
        let command: WHMCSClient.ModuleCommand = change == .suspend ? .suspend : .unsuspend
        try await modules(tenant).module(
            command, serviceID: service.whmcsServiceID,
            reason: change == .suspend ? "Suspended by \(tenant.name) staff" : nil)
        _ = try await databases.withDatabase(for: tenant) { database in
            try await database.billing.setServiceStatus(
                service.whmcsServiceID, of: customer.id, to: change == .suspend ? "Suspended" : "Active",
                actor: staff, target: customer.email,
                action: change == .suspend ? "service.suspended" : "service.unsuspended", ip: ip,
                now: flows.services.now())
        }
    }

    /// The "your service is ready" email again, with the brand's nameservers, audited.
    package func resendWelcome(
        for service: MirroredService, to customer: Account, by staff: Account, in tenant: Tenant, ip: String
    ) async throws {
        let realm = realm(tenant)
        let nameservers = try await databases.withDatabase(for: tenant) { try await $0.upstreams.nameservers() }
        let mail = try await flows.prepareMail(
            realm: realm, to: customer.email, name: customer.name, .serviceActivated,
            variables: [
                "service.name": service.productName, "service.domain": service.domain,
                "nameservers": nameservers.joined(separator: "\n"),
                "link": flows.services.link(
                    primaryHost: realm.linkHost, path: AccountPaths.service.link(service.whmcsServiceID)),
            ],
            tag: "service_activated"
        )
        let now = flows.services.now()
        try await realm.withAccounts { store in
            try await flows.commit(store, realm: realm) { db in
                try AccountStore.insertMail(db, mail, now: now)
                try AccountStore.appendAudit(
                    db, "customer.welcome_resent", actor: staff, target: customer.email,
                    detail: "service \(service.whmcsServiceID)", ip: ip, now: now
                )
            }
        }
    }
}
