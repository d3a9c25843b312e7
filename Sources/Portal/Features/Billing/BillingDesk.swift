import Foundation
import Integrations
import Tenancy

/// The WHMCS calls paying an invoice needs; `WHMCSClient` is the live one, tests use an in-memory one.
package protocol InvoicePayments: Sendable {
    func addPayment(_ payment: WHMCSPayment) async throws
    /// A single-use sign-on link that opens `page` in the WHMCS client area.
    func signOn(clientID: Int, page: String) async throws -> WHMCSSingleSignOn
}

extension WHMCSClient: InvoicePayments {
    package func signOn(clientID: Int, page: String) async throws -> WHMCSSingleSignOn {
        try await createSsoToken(clientID: clientID, page: page)
    }
}

/// Paying an invoice. In sandbox mode the simulator records the payment at once and the customer's copy is refreshed;
/// live, the customer is sent to the invoice in WHMCS by single sign-on, where WHMCS's gateway takes the payment.
package struct BillingDesk: Sendable {
    package enum Payment: Equatable, Sendable {
        /// Recorded now; the customer's copy already shows it.
        case paid
        /// The customer goes here to pay.
        case redirect(String)
    }

    let payments: @Sendable (Tenant) async throws -> any InvoicePayments
    let mode: @Sendable (Tenant) async throws -> IntegrationSettings.Mode
    let billingClient: @Sendable (Account.ID, Tenant) async throws -> BillingClientLink?
    let refresh: @Sendable (Account.ID, Tenant) async throws -> Void
    let now: @Sendable () -> Date

    package init(
        payments: @escaping @Sendable (Tenant) async throws -> any InvoicePayments,
        mode: @escaping @Sendable (Tenant) async throws -> IntegrationSettings.Mode,
        billingClient: @escaping @Sendable (Account.ID, Tenant) async throws -> BillingClientLink?,
        refresh: @escaping @Sendable (Account.ID, Tenant) async throws -> Void, now: @escaping @Sendable () -> Date
    ) {
        self.payments = payments
        self.mode = mode
        self.billingClient = billingClient
        self.refresh = refresh
        self.now = now
    }

    /// Pays `invoiceID` (already checked to be the customer's) for `account`; `reference` names a sandbox payment.
    package func pay(invoiceID: Int, for account: Account.ID, in tenant: Tenant, reference: String) async throws
        -> Payment
    {
        guard let link = try await billingClient(account, tenant) else { throw PortalError.notFound }
        let whmcs = try await payments(tenant)
        guard try await mode(tenant) == .live else {
            try await whmcs.addPayment(
                WHMCSPayment(
                    invoiceID: invoiceID, transactionID: "sandbox-\(reference)", gateway: "mailin",
                    date: OrderSteps.whmcsDate(now())
                )
            )
            try await refresh(account, tenant)
            return .paid
        }
        let sso = try await whmcs.signOn(clientID: link.clientID, page: "viewinvoice.php?id=\(invoiceID)")
        return .redirect(sso.redirectURL)
    }
}
