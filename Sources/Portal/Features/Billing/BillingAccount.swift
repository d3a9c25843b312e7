import Foundation
import Integrations
import Tenancy

/// The WHMCS calls a customer's invoice page and billing details need; `WHMCSClient` is the live one, tests use an
/// in-memory one.
package protocol BillingRecords: Sendable {
    func invoice(id: Int) async throws -> WHMCSInvoice?
    func updateClient(id: Int, _ update: WHMCSClientUpdate) async throws
}

extension WHMCSClient: BillingRecords {}

/// A customer's invoices as WHMCS holds them, and their billing details, kept the same here and in WHMCS.
package struct BillingAccount: Sendable {
    let databases: TenantDatabases
    let records: @Sendable (Tenant) async throws -> any BillingRecords
    let now: @Sendable () -> Date

    /// The customer's invoice `id` (from the brand's mirror); another customer's is a 404.
    package func mirroredInvoice(_ id: Int, of account: Account, in tenant: Tenant) async throws -> MirroredInvoice {
        guard
            let invoice = try await databases.withDatabase(
                for: tenant, { try await $0.billing.invoice(id, of: account.id) })
        else { throw PortalError.notFound }
        return invoice
    }

    /// The invoice's lines and totals, read live from WHMCS; 404 when WHMCS no longer has it.
    package func invoice(_ mirrored: MirroredInvoice, in tenant: Tenant) async throws -> WHMCSInvoice {
        guard let found = try await records(tenant).invoice(id: mirrored.whmcsInvoiceID) else {
            throw PortalError.notFound
        }
        return found
    }

    package func profile(of account: Account, in tenant: Tenant) async throws -> CustomerProfile? {
        try await databases.withDatabase(for: tenant) { try await $0.orders.profile(of: account.id) }
    }

    /// Saves the details in WHMCS first when the customer is a WHMCS client (UpdateClient), then here; when WHMCS
    /// refuses, nothing changes here either, so the two never disagree.
    package func saveProfile(_ form: ProfileForm, of account: Account, in tenant: Tenant, ip: String) async throws {
        let profile = form.profile(for: account.id, now: now())
        if let link = try await databases.withDatabase(
            for: tenant, { try await $0.upstreams.billingClient(of: account.id) })
        {
            try await records(tenant).updateClient(id: link.clientID, WHMCSClientUpdate(profile))
        }
        try await databases.withDatabase(for: tenant) { database in
            try await database.orders.saveProfile(profile)
            try await database.accounts.audit("profile.updated", actor: account, ip: ip)
        }
    }
}
