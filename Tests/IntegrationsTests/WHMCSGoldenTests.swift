import Foundation
import Integrations
import Logging
import Testing

/// The client against WHMCS's own documented examples (developers.whmcs.com, `api-reference/<action>.md`), byte for
/// byte in `Fixtures/WHMCS/<Action>.json`: each documented answer decodes to what it says, typing quirks included
/// (ids as strings or numbers, money as strings, an upgrade price formatted for display).
@Suite("WHMCS client against the vendor's documented examples")
struct WHMCSGoldenTests {
    static let folder = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent(
        "Fixtures/WHMCS")

    /// A WHMCS that answers every action with its documented example.
    static func client() -> WHMCSClient {
        let transport = UpstreamTransport { request, _ in
            let body = String(decoding: request.body ?? Data(), as: UTF8.self)
            let action =
                body.split(separator: "&").first { $0.hasPrefix("action=") }.map { String($0.dropFirst(7)) } ?? ""
            let data = try Data(contentsOf: folder.appendingPathComponent("\(action).json"))
            return UpstreamResponse(status: 200, body: data)
        }
        let caller = UpstreamCaller(
            tenant: "acme", upstream: .whmcs, credentialIdentifier: "golden", transport: transport,
            breakers: CircuitBreakers(), retry: RetryPolicy(maximumAttempts: 1),
            timeouts: UpstreamTimeouts(total: .seconds(30)),
            logger: Logger(label: "golden", factory: { _ in SwiftLogNoOpLogHandler() }))
        return WHMCSClient(
            credentials: WHMCSCredentials(baseURL: "https://billing.example", identifier: "id", secret: "secret"),
            caller: caller)
    }

    @Test("clients: AddClient, GetClientsDetails, GetClients, GetClientGroups, UpdateClient")
    func clients() async throws {
        let client = Self.client()
        var new = WHMCSNewClient(
            firstName: "Ada", lastName: "Lovelace", email: "ada@example.com", address1: "1 Way", city: "London",
            state: "London", postcode: "N1", country: "GB", phoneNumber: "+44.1", groupID: 1)
        new.notes = ""
        #expect(try await client.addClient(new) == 1)
        let details = try #require(try await client.clientDetails(id: 1))
        #expect(details.id == 1 && details.email == "test-client@example.com")
        let page = try await client.clients()
        #expect(page.items.map(\.id) == [2, 1] && page.items.first?.email == "price.ima@example.com")
        #expect(try await client.clientGroups().map(\.id) == [1, 2])
        try await client.updateClient(id: 1, WHMCSClientUpdate())
    }

    @Test("orders and products: AddOrder, GetOrders, AcceptOrder, GetProducts, GetClientsProducts, ModuleCreate")
    func orders() async throws {
        let client = Self.client()
        let placed = try await client.addOrder(
            clientID: 1, items: [WHMCSOrderItem(productID: 1, billingCycle: .monthly, domain: "a.example")],
            paymentMethod: "mailin", baseline: 0)
        #expect(placed.orderID == 1 && placed.serviceIDs == [1, 2] && placed.domainIDs == [1, 2])
        #expect(placed.invoiceID == 1)
        let order = try #require(try await client.order(id: 1))
        #expect(order.status == "Active" && order.amountMinor == 800 && order.invoiceID == 1)
        #expect(order.lineItems.first?.domain == "sampledomain.com" && order.lineItems.first?.relatedID == 1)
        try await client.acceptOrder(id: 1)
        let product = try #require(try await client.products(ids: [1]).first)
        // Cycles not offered ("-1.00") are absent; the offered one is read exactly.
        #expect(product.name == "Best Hosting Plan" && product.pricing["USD"] == ["monthly": 2599])
        let services = try await client.services(clientID: 1).items
        #expect(services.map(\.id) == [1, 2])
        #expect(services[1].status == "Active" && services[1].recurringAmountMinor == 2495)
        #expect(services[1].nextDueDate == "2017-01-20" && services[1].username == "demodom2")
        for command in [WHMCSClient.ModuleCommand.create, .suspend, .unsuspend, .terminate] {
            try await client.module(command, serviceID: 2, reason: "Overdue")
        }
        try await client.updateService(serviceID: 1, productID: 2, cycle: .annually, recurringMinor: 9900)
        // AddProduct's documented answer carries no pid: the product is found by its slug.
        var new = WHMCSNewProduct(name: "Best Hosting Plan", groupID: 1)
        new.slug = "best-hosting-plan"
        new.pricing = [1: [.monthly: 2599]]
        #expect(try await client.addProduct(new) == 1)
    }

    @Test("billing: GetInvoices, GetInvoice, CreateInvoice, AddInvoicePayment")
    func billing() async throws {
        let client = Self.client()
        let invoices = try await client.invoices(clientID: 2361).items
        #expect(invoices.map(\.id) == [1] && invoices.first?.totalMinor == 1595 && invoices.first?.status == "Unpaid")
        let invoice = try #require(try await client.invoice(id: 1))
        // "transactions": "" when there are none, and an unpaid date of zeros, read as nothing.
        #expect(invoice.totalMinor == 1595 && invoice.balanceMinor == 1595 && invoice.transactions.isEmpty)
        #expect(invoice.datePaid == nil && invoice.items.map(\.relatedID) == [1])
        try await client.addPayment(
            WHMCSPayment(invoiceID: 1, transactionID: "T", gateway: "mailin", date: "2026-12-06 10:00:00"))
    }

    @Test("support and changes: OpenTicket, GetTickets, GetTicket, AddTicketReply, departments, cancel, upgrade, SSO")
    func support() async throws {
        let client = Self.client()
        let opened = try await client.openTicket(
            WHMCSNewTicket(departmentID: 1, clientID: 1, subject: "Help", message: "Please"))
        #expect(opened.id == 1 && opened.number == "516757" && opened.accessCode == "KPqH7yG3")
        let tickets = try await client.tickets(clientID: 1).items
        #expect(tickets.map(\.id) == [1] && tickets.first?.status == "Answered")
        let thread = try await client.ticketThread(id: 1)
        #expect(thread.status == "Closed" && thread.messages.count == 3 && thread.messages[1].admin == "Demo Admin")
        try await client.addTicketReply(ticketID: 1, clientID: 1, message: "Thanks")
        #expect(try await client.supportDepartments().map(\.name) == ["Sample Support Department"])
        try await client.requestCancellation(serviceID: 1, immediate: true, reason: "Done")
        let quote = try await client.upgradeQuote(serviceID: 1, productID: 11, cycle: .monthly)
        // "$-8.67 USD": formatted for display, negative (a credit).
        #expect(quote.priceMinor == -867 && quote.totalDays == 30 && quote.daysUntilRenewal == 13)
        let sso = try await client.createSsoToken(clientID: 1, page: "viewinvoice.php?id=1")
        #expect(sso.accessToken == "afaed4482ad1e6b75492cdd421cc458b1991a97c")
        #expect(sso.redirectURL == "http://example.test/oauth/singlesignon.php?access_token=\(sso.accessToken)")
    }
}
