import Foundation
import Integrations
import Tenancy
import Testing

@testable import Portal

/// Branded invoice and payment emails for everything the billing copy finds new, each sent once.
@Suite("Billing notices")
struct BillingNoticesTests {
    static func invoice(_ id: Int, _ status: String, date: String = "2026-12-05") -> MirroredInvoice {
        MirroredInvoice(
            whmcsInvoiceID: id, accountID: Account.ID(1), number: String(id), date: date, dueDate: date,
            totalMinor: 1000, status: status, currency: "GBP")
    }

    @Test("new unpaid invoices are announced, payments once, history and cancelled invoices never")
    func decisions() {
        let today = "2026-12-06"
        let previous = [Self.invoice(1, "Unpaid"), Self.invoice(2, "Paid")]
        let current = [
            Self.invoice(1, "Paid"),  // paid since the last read
            Self.invoice(2, "Paid"),  // already paid then
            Self.invoice(3, "Unpaid"),  // new
            Self.invoice(4, "Unpaid", date: "2026-10-01"),  // new to the copy, but history
            Self.invoice(5, "Paid"),  // new and already paid: a receipt only
            Self.invoice(6, "Cancelled"), Self.invoice(7, "Draft"),
        ]
        let notices = BillingNotices.notices(previous: previous, current: current, today: today)
        #expect(notices == [.paid(current[0]), .created(current[2]), .paid(current[4])])
        #expect(BillingNotices.notices(previous: current, current: current, today: today).isEmpty)
    }

    @Test("invoices and payments made in the portal or in WHMCS each send one branded email; other brands get none")
    func branded() async throws {
        try await withSandbox { sandbox, whmcsURL, whmURL in
            try await withPortal(configure: OrderPipelineTests.fast) { client, dependencies in
                try await Commerce.connect("acme", dependencies, sandbox, whmcsURL: whmcsURL, whmURL: whmURL)
                let (browser, account, order) = try await CustomerAreaTests.activeCustomer(
                    client, dependencies, email: "bills@example.com", domain: "bills.example")
                let tenant = try dependencies.registryTenant("acme")
                let mails = {
                    try await dependencies.accounts("acme") { try await $0.outbox() }
                        .filter { $0.toAddress == "bills@example.com" }
                }
                let first = try #require(order.whmcsInvoiceID)
                // From here invoices wait to be paid, as without a card on file.
                try sandbox.setAutoCapture(false)
                try await dependencies.billingRefresher.refresh(account.id, in: tenant)
                var sent = try await mails()
                #expect(sent.filter { $0.kind == "payment_received" }.count == 1)
                let receipt = try #require(sent.first { $0.kind == "payment_received" })
                #expect(receipt.textBody.contains("/account/invoices/\(first)") && receipt.textBody.contains("acme"))
                #expect(receipt.fromAddress.hasSuffix("acme.localhost") || receipt.fromAddress.contains("acme"))

                // Staff raise an invoice in WHMCS itself, then record its payment there.
                let (whmcs, _) = try await dependencies.upstreams.whmcs(for: tenant)
                let link = try #require(
                    try await dependencies.databases.withDatabase(for: tenant) {
                        try await $0.upstreams.billingClient(of: account.id)
                    })
                let raised = try await whmcs.createInvoice(
                    clientID: link.clientID, lines: [("Extra backup space", 500)], paymentMethod: "mailin",
                    marker: "staff-1")
                try await dependencies.billingRefresher.refresh(account.id, in: tenant)
                try await dependencies.billingRefresher.refresh(account.id, in: tenant)
                sent = try await mails()
                let created = sent.filter {
                    $0.kind == "invoice_created" && $0.textBody.contains("/account/invoices/\(raised)")
                }
                #expect(created.count == 1)
                #expect(created.first?.textBody.contains("£5.00") == true)
                try await whmcs.addPayment(
                    WHMCSPayment(invoiceID: raised, transactionID: "WHMCS-1", gateway: "mailin", date: "2026-12-06"))
                try await dependencies.billingRefresher.refresh(account.id, in: tenant)
                try await dependencies.billingRefresher.refresh(account.id, in: tenant)
                sent = try await mails()
                #expect(sent.filter { $0.kind == "payment_received" }.count == 2)
                // Support answers a ticket in WHMCS's own admin area: the customer hears it from the brand, once.
                let form = try await browser.get("/account/tickets/new")
                let key = try #require(
                    form.text.firstMatch(of: /name="idempotency_key" value="([^"]+)"/).map { String($0.1) })
                let opened = try await browser.post(
                    "/account/tickets",
                    [
                        "department": "1", "subject": "Mail", "message": "How do I add a mailbox?",
                        "idempotency_key": key,
                    ])
                let local = try #require(Int64(opened.headers[.location]?.split(separator: "/").last ?? ""))
                let whmcsTicket = try #require(
                    try await dependencies.databases.withDatabase(for: tenant) {
                        try await $0.tickets.ticket(local, of: account.id)?.0.whmcsTicketID
                    })
                try await whmcs.addStaffReply(
                    ticketID: whmcsTicket, adminUsername: "support", message: "Open Mail, then New mailbox.")
                try await dependencies.billingRefresher.refresh(account.id, in: tenant)
                try await dependencies.billingRefresher.refresh(account.id, in: tenant)
                sent = try await mails()
                let replies = sent.filter { $0.kind == "ticket_reply" }
                #expect(replies.count == 1)
                #expect(
                    replies.first?.textBody.contains("Open Mail, then New mailbox.") == true
                        && replies.first?.textBody.contains("/account/tickets/\(local)") == true)

                // Nothing in any of them names WHMCS or the platform.
                for mail in sent {
                    #expect(!mail.textBody.contains("WHMCS") && !(mail.htmlBody ?? "").contains("WHMCS"))
                }
                // Another brand's outbox holds none of them.
                let globex = try await dependencies.accounts("globex") { try await $0.outbox() }
                #expect(!globex.contains { $0.toAddress == "bills@example.com" })
            }
        }
    }
}
