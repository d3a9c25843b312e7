import Foundation
import Integrations
import Sandbox
import Tenancy
import Testing

@testable import Portal

/// A reseller's customer, from sign-up to cancellation, in live mode against the simulators: everything they see and
/// receive is the brand's, and no upstream writes to them.
@Suite("White label: the customer's whole journey")
struct WhiteLabelJourneyTests {
    /// Words that name the platform's suppliers; none may reach the customer.
    static let vendorWords = ["WHMCS", "whmcs", "cPanel reseller", "20i", "TheSSLStore", "thesslstore", "SSLStore"]

    static func live(_ configuration: inout PortalConfiguration) {
        OrderPipelineTests.fast(&configuration)
        configuration.pipelineRetry.paymentPollMinimum = 0.05
        configuration.pipelineRetry.paymentPollMaximum = 0.2
        // A live brand may only reach public addresses; this one's "live" WHMCS is the simulator.
        configuration.upstreamTransport = .trustingLoopback
    }

    @Test(
        "sign-up, order, pay in WHMCS, active, invoice, ticket, cancel: only branded emails, one per event; nothing names the platform or an upstream"
    )
    func journey() async throws {
        try await withSandbox(autoCapture: false) { sandbox, whmcsURL, whmURL in
            try await withPortal(configure: Self.live) { client, dependencies in
                try await Commerce.connect("acme", dependencies, sandbox, whmcsURL: whmcsURL, whmURL: whmURL)
                let tenant = try dependencies.registryTenant("acme")
                // Live, as a brand on real servers is; its settings page would refuse the simulators' loopback
                // http:// addresses for live mode, so the stored mode is switched underneath.
                try await dependencies.databases.withDatabase(for: tenant) { database in
                    var settings = try await database.upstreams.settings()
                    settings.mode = .live
                    _ = try await database.upstreams.save(settings)
                }
                let email = "journey@example.com"
                let browser = TestBrowser(client, host: "acme.localhost")

                // Sign up and confirm the address from the email.
                try await browser.get("/")
                try await browser.get("/signup")
                try await browser.post(
                    "/signup", ["name": "Jo Journey", "email": email, "password": "correct horse battery"])
                let verification = try await dependencies.outbox("acme").first { $0.toAddress == email }
                let link = try #require(firstLink(in: verification))
                try await browser.get(pathAndQuery(link))
                try await browser.get("/login")
                let signedIn = try await browser.post(
                    "/login", ["email": email, "password": "correct horse battery"])
                #expect(signedIn.status == .seeOther)

                // Order, then pay in WHMCS: the brand has no gateway of its own.
                let orderID = try await Commerce.order(browser, domain: "journey.example")
                try await browser.get("/account/orders/\(orderID)")
                // The pipeline places the order in WHMCS, then waits for its invoice to be paid (bounded wait).
                var invoice: Int?
                for _ in 0..<300 where invoice == nil {
                    invoice = try await dependencies.databases.withDatabase(for: tenant) {
                        try await $0.orders.order(Order.ID(orderID))?.whmcsInvoiceID
                    }
                    if invoice == nil { try await Task.sleep(for: .milliseconds(100)) }
                }
                let invoiceID = try #require(invoice)
                let account = try #require(
                    try await dependencies.accounts("acme") { try await $0.account(kind: .customer, email: email) })
                // The customer's copy catches up (a page view starts this in the background).
                try await dependencies.billingRefresher.refresh(account.id, in: tenant)
                try await browser.get("/account/invoices")
                try await browser.get("/account/invoices/\(invoiceID)")
                let pay = try await browser.post("/account/invoices/\(invoiceID)/pay", [:])
                #expect(pay.status == .ok)
                #expect(pay.handoff?.hasPrefix(whmcsURL + "/oauth/singlesignon.php") == true)
                let (whmcs, _) = try await dependencies.upstreams.whmcs(for: tenant)
                try await whmcs.addPayment(
                    WHMCSPayment(
                        invoiceID: invoiceID, transactionID: "gateway-1", gateway: "banktransfer",
                        date: "2026-12-06 10:00:00"))
                let order = try await Commerce.wait(for: orderID, dependencies, until: .active)
                let serviceID = try #require(order.whmcsServiceID)
                try await browser.get("/account")
                try await browser.get("/account/services")
                try await browser.get("/account/services/\(serviceID)")
                try await browser.get("/account/invoices")
                try await browser.get("/account/invoices/\(invoiceID)")

                // A ticket.
                let form = try await browser.get("/account/tickets/new")
                let ticketKey = try #require(
                    form.text.firstMatch(of: /name="idempotency_key" value="([^"]+)"/).map { String($0.1) })
                let opened = try await browser.post(
                    "/account/tickets",
                    [
                        "department": "1", "service": String(serviceID), "subject": "A question",
                        "message": "How do I add a mailbox?", "idempotency_key": ticketKey,
                    ])
                #expect(opened.status == .seeOther)
                try await browser.get(try #require(opened.headers[.location]))

                // Cancel at once.
                let service = try await browser.get("/account/services/\(serviceID)?tab=cancel")
                let cancelKey = try #require(
                    service.text.firstMatch(of: /name="idempotency_key" value="([^"]+)"/).map { String($0.1) })
                let cancelled = try await browser.post(
                    "/account/services/\(serviceID)/cancel",
                    ["when": "now", "confirm": "on", "reason": "Done", "idempotency_key": cancelKey])
                let cancelID = try #require(Int64(cancelled.headers[.location]?.split(separator: "/").last ?? ""))
                try await Commerce.wait(for: cancelID, dependencies, until: .active)
                try await browser.get("/account/orders/\(cancelID)")
                try await dependencies.billingRefresher.refresh(account.id, in: tenant)
                try await dependencies.billingRefresher.refresh(account.id, in: tenant)

                // The mailbox: branded emails only, one per event, all from the brand.
                let mails = try await dependencies.outbox("acme").filter { $0.toAddress == email }
                let kinds = mails.map(\.kind)
                for kind in [
                    "verify_email", "order_confirmation", "invoice_created", "payment_received",
                    "service_activated", "cancellation_confirmed",
                ] {
                    #expect(kinds.filter { $0 == kind }.count == 1, "\(kind): \(kinds)")
                }
                let sender = try #require(mails.first?.fromAddress)
                #expect(mails.allSatisfy { $0.fromAddress == sender && $0.fromName == mails.first?.fromName })

                // WHMCS emailed the customer nothing.
                let billing = try #require(
                    try await dependencies.databases.withDatabase(for: tenant) {
                        try await $0.upstreams.billingClient(of: account.id)
                    })
                let whmcsMail = try await sandbox.store.read { db in
                    try Int.fetchOne(
                        db, sql: "SELECT count(*) FROM whmcs_emails WHERE userid = ?", arguments: [billing.clientID])
                }
                #expect(whmcsMail == 0)

                // Nothing the customer saw or got names the platform, its host or an upstream. The one place they are
                // knowingly sent to WHMCS is the payment page they chose.
                let upstreamHosts = [whmcsURL, whmURL].map { $0.replacingOccurrences(of: "http://", with: "") }
                let forbidden = Self.vendorWords + upstreamHosts + ["platform.localhost"]
                var seen: [(String, String)] = []
                for (path, response) in browser.history {
                    // The pay page's one link onwards is to the payment page itself.
                    let text = response.handoffAsWritten.map { response.text.replacingOccurrences(of: $0, with: "") }
                    seen.append((path, text ?? response.text))
                    if !path.hasSuffix("/pay") {
                        seen.append((path + " → Location", response.headers[.location] ?? ""))
                    }
                }
                for mail in mails {
                    seen.append(("email \(mail.kind)", mail.subject + mail.fromName + mail.fromAddress + mail.textBody))
                    seen.append(("email \(mail.kind) html", mail.htmlBody ?? ""))
                }
                // What was scanned is the real journey: the brand's own pages and emails.
                #expect(seen.count > 30 && seen.filter { $0.1.contains("Acme") }.count > 20)
                for (place, text) in seen {
                    for word in forbidden where text.contains(word) {
                        Issue.record("\(place) contains \(word)")
                    }
                }
            }
        }
    }
}
