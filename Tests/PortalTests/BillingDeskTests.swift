import Foundation
import Integrations
import Synchronization
import Tenancy
import TestSupport
import Testing

@testable import Portal

/// An in-memory WHMCS for payments: the payments it took and the single sign-ons it made.
final class InMemoryPayments: InvoicePayments {
    struct SignOn: Equatable {
        let clientID: Int
        let page: String
    }

    private let state = Mutex<(payments: [WHMCSPayment], signOns: [SignOn], refusing: Bool)>(([], [], false))

    var payments: [WHMCSPayment] { state.withLock { $0.payments } }
    var signOns: [SignOn] { state.withLock { $0.signOns } }
    func refuse() { state.withLock { $0.refusing = true } }

    func addPayment(_ payment: WHMCSPayment) async throws {
        try state.withLock { state in
            if state.refusing { throw UpstreamError.badStatus(.whmcs, action: "AddInvoicePayment", status: 500) }
            state.payments.append(payment)
        }
    }

    func signOn(clientID: Int, page: String) async throws -> WHMCSSingleSignOn {
        state.withLock { $0.signOns.append(SignOn(clientID: clientID, page: page)) }
        return WHMCSSingleSignOn(
            accessToken: "t", redirectURL: "https://billing.example/oauth/singlesignon.php?access_token=t")
    }
}

/// The accounts whose billing copy was refreshed.
final class RefreshLog: Sendable {
    private let accounts = Mutex<[Account.ID]>([])
    var all: [Account.ID] { accounts.withLock { $0 } }
    func record(_ account: Account.ID) { accounts.withLock { $0.append(account) } }
}

/// Paying an invoice in sandbox and live mode; no HTTP, no simulator.
@Suite("Billing desk")
struct BillingDeskTests {
    static let tenant = Tenant(
        id: Tenant.ID(7), slug: try! TenantSlug(validating: "acme"), name: "Acme", status: .active,
        createdAt: Date(timeIntervalSince1970: 0)
    )

    static func desk(
        _ payments: InMemoryPayments, mode: IntegrationSettings.Mode, linked: Bool = true,
        refreshed: RefreshLog = RefreshLog()
    ) -> BillingDesk {
        BillingDesk(
            payments: { _ in payments }, mode: { _ in mode },
            billingClient: { account, _ in
                linked ? BillingClientLink(accountID: account, clientID: 42, groupID: 1) : nil
            },
            refresh: { account, _ in refreshed.record(account) },
            now: { Date(timeIntervalSince1970: 1_800_000_000) }
        )
    }

    @Test("in sandbox mode the payment is recorded at once, under the request's reference, and the copy refreshed")
    func sandboxPays() async throws {
        let payments = InMemoryPayments()
        let refreshed = RefreshLog()
        let outcome = try await Self.desk(payments, mode: .sandbox, refreshed: refreshed)
            .pay(invoiceID: 12, for: Account.ID(3), in: Self.tenant, reference: "req-1")
        #expect(outcome == .paid)
        #expect(payments.payments.map(\.invoiceID) == [12])
        #expect(payments.payments.first?.transactionID == "sandbox-req-1")
        #expect(payments.payments.first?.date == "2027-01-15 08:00:00")
        #expect(refreshed.all == [Account.ID(3)])
        #expect(payments.signOns.isEmpty)
    }

    @Test("live, the customer is sent to the invoice in WHMCS by single sign-on as their own client; nothing is paid")
    func livePaysInWHMCS() async throws {
        let payments = InMemoryPayments()
        let outcome = try await Self.desk(payments, mode: .live)
            .pay(invoiceID: 12, for: Account.ID(3), in: Self.tenant, reference: "req-2")
        // WHMCS's link is followed as it is: the page to open went with the token request (sso_redirect_path).
        #expect(outcome == .redirect("https://billing.example/oauth/singlesignon.php?access_token=t"))
        #expect(payments.signOns == [InMemoryPayments.SignOn(clientID: 42, page: "viewinvoice.php?id=12")])
        #expect(payments.payments.isEmpty)
    }

    @Test("a refused payment changes nothing; a customer with no WHMCS client gets not found")
    func refusals() async throws {
        let payments = InMemoryPayments()
        payments.refuse()
        let refreshed = RefreshLog()
        await #expect(throws: UpstreamError.self) {
            _ = try await Self.desk(payments, mode: .sandbox, refreshed: refreshed)
                .pay(invoiceID: 12, for: Account.ID(3), in: Self.tenant, reference: "r")
        }
        #expect(refreshed.all.isEmpty)
        await #expect(throws: PortalError.notFound) {
            _ = try await Self.desk(InMemoryPayments(), mode: .sandbox, linked: false)
                .pay(invoiceID: 12, for: Account.ID(3), in: Self.tenant, reference: "r")
        }
    }
}
