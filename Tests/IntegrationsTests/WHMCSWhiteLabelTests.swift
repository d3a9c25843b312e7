import AsyncHTTPClient
import Foundation
import Integrations
import NIOCore
import Sandbox
import Synchronization
import TestSupport
import Testing

/// What WHMCS is told so that it never emails a reseller's customer, read the way WHMCS's PHP reads it, and the
/// corrected wire details: flags as 1/0, formatted upgrade prices, sign-on to a page, full AddProduct pricing.
@Suite("WHMCS white label and wire corrections")
struct WHMCSWhiteLabelTests {
    /// Every form body the client sends, decoded into (action, fields), in order.
    final class Recorder: Sendable {
        private let bodies = Mutex<[[String: String]]>([])
        var calls: [[String: String]] { bodies.withLock { $0 } }

        func transport(_ inner: UpstreamTransport) -> UpstreamTransport {
            UpstreamTransport { request, timeout in
                let text = String(decoding: request.body ?? Data(), as: UTF8.self)
                var fields: [String: String] = [:]
                for pair in text.split(separator: "&") {
                    let parts = pair.split(separator: "=", maxSplits: 1).map {
                        String($0).replacingOccurrences(of: "+", with: " ").removingPercentEncoding ?? ""
                    }
                    fields[parts[0]] = parts.count > 1 ? parts[1] : ""
                }
                self.bodies.withLock { $0.append(fields) }
                return try await inner.send(request, timeout)
            }
        }

        func fields(of action: String) -> [[String: String]] { calls.filter { $0["action"] == action } }
    }

    /// GetEmails for a client, straight off the wire: what WHMCS itself emailed them.
    static func emails(_ sandbox: SandboxHarness, client: Int) async throws -> [String] {
        let (_, body) = try await sandbox.postWHMCS("\(sandbox.whmcsAuth)&action=GetEmails&clientid=\(client)")
        let json = try #require(try JSONSerialization.jsonObject(with: Data(body.utf8)) as? [String: Any])
        let list = (json["emails"] as? [String: Any])?["email"] as? [[String: Any]] ?? []
        return list.compactMap { $0["subject"] as? String }
    }

    @Test("a whole customer journey sends every flag as 1 or 0 and WHMCS emails the customer nothing")
    func journeyIsSilent() async throws {
        try await SandboxHarness.with { sandbox in
            let recorder = Recorder()
            let client = sandbox.whmcs(transport: recorder.transport(.live(sandbox.clients, egress: .system)))
            let product = try await WHMCSContractTests.product(client)
            let customer = try await client.addClient(WHMCSContractTests.newClient("quiet@acme.example", group: 0))
            let placed = try await client.addOrder(
                clientID: customer,
                items: [WHMCSOrderItem(productID: product, billingCycle: .monthly, domain: "quiet.example")],
                paymentMethod: "banktransfer")
            try await client.addPayment(
                WHMCSPayment(
                    invoiceID: try #require(placed.invoiceID), transactionID: "TX-9", gateway: "banktransfer",
                    date: "2026-12-06 10:00:00"))
            try await client.acceptOrder(id: placed.orderID)
            _ = try await client.createInvoice(
                clientID: customer, lines: [("Renewal", 499)], paymentMethod: "banktransfer", marker: "renewal-1")
            let ticket = try await client.openTicket(
                WHMCSNewTicket(departmentID: 1, clientID: customer, subject: "Help", message: "Please"))
            try await client.addTicketReply(ticketID: ticket.id, clientID: customer, message: "More")
            try await client.addStaffReply(ticketID: ticket.id, adminUsername: "support", message: "Done")

            let flags = ["noemail", "noinvoiceemail", "sendemail", "sendinvoice", "autosetup", "calconly", "markdown"]
            for call in recorder.calls {
                for flag in flags {
                    if let value = call[flag] {
                        #expect(value == "1" || value == "0", "\(call["action"] ?? ""): \(flag)=\(value)")
                    }
                }
                #expect(!call.values.contains("false") && !call.values.contains("true"), "\(call)")
            }
            #expect(recorder.fields(of: "AddClient").first?["noemail"] == "1")
            #expect(recorder.fields(of: "AddOrder").allSatisfy { $0["noemail"] == "1" && $0["noinvoiceemail"] == "1" })
            #expect(recorder.fields(of: "AcceptOrder").first?["sendemail"] == "0")
            #expect(recorder.fields(of: "CreateInvoice").first?["sendinvoice"] == "0")
            #expect(recorder.fields(of: "AddInvoicePayment").first?["noemail"] == "1")
            #expect(recorder.fields(of: "OpenTicket").first?["noemail"] == "1")
            #expect(recorder.fields(of: "AddTicketReply").count == 2)
            #expect(recorder.fields(of: "AddTicketReply").allSatisfy { $0["noemail"] == "1" })

            #expect(try await Self.emails(sandbox, client: customer) == [])
        }
    }

    @Test("the simulator reads flags as PHP does: \"false\" is true, so the old wire sent WHMCS's own emails")
    func phpTruthiness() async throws {
        try await SandboxHarness.with { sandbox in
            let client = sandbox.whmcs()
            let product = try await WHMCSContractTests.product(client)
            let credentials = sandbox.whmcsAuth
            var (_, body) = try await sandbox.postWHMCS(
                "\(credentials)&action=AddClient&firstname=Ada&lastname=Lovelace&email=loud%40acme.example"
                    + "&address1=1+Way&city=London&state=London&postcode=N1&country=GB&phonenumber=0207&password2=s3cret-pass"
                    + "&noemail=false")
            let customer = try #require(
                (try JSONSerialization.jsonObject(with: Data(body.utf8)) as? [String: Any])?["clientid"]
                    .flatMap { Int("\($0)") })
            (_, body) = try await sandbox.postWHMCS(
                "\(credentials)&action=AddOrder&clientid=\(customer)&paymentmethod=mailin&pid[0]=\(product)"
                    + "&billingcycle[0]=monthly&domain[0]=loud.example&noemail=0&noinvoiceemail=no")
            let order = try #require(
                (try JSONSerialization.jsonObject(with: Data(body.utf8)) as? [String: Any])?["orderid"]
                    .flatMap { Int("\($0)") })
            (_, body) = try await sandbox.postWHMCS(
                "\(credentials)&action=AcceptOrder&orderid=\(order)&autosetup=1&sendemail=false")
            #expect(body.contains("success"))
            let sent = try await Self.emails(sandbox, client: customer)
            // "false" and "no" are true to PHP, "0" is false: noemail=false stops the signup email, noemail=0 does
            // not stop the order confirmation, and sendemail=false sends the welcome email.
            #expect(!sent.contains("Client Signup Email"))
            #expect(sent.contains { $0.hasPrefix("Hosting Account Welcome Email") })
            #expect(!sent.contains { $0.hasPrefix("Invoice Created") })
            #expect(sent.contains { $0.hasPrefix("Order Confirmation") })
        }
    }

    @Test("an upgrade quote's price arrives formatted for display and is read as the amount it shows")
    func formattedUpgradePrice() async throws {
        #expect(LenientJSON.string("$-8.67 USD").formattedMinorUnits(in: .gbp) == -867)
        #expect(LenientJSON.string("£1,234.50 GBP").formattedMinorUnits(in: .gbp) == 123_450)
        #expect(LenientJSON.string("1.234,50 €").formattedMinorUnits(in: .gbp) == 123_450)
        #expect(LenientJSON.string("-£0.05").formattedMinorUnits(in: .gbp) == -5)
        #expect(LenientJSON.string("¥1,000").formattedMinorUnits(in: .gbp) == 100_000)
        #expect(LenientJSON.string("12.5").formattedMinorUnits(in: .gbp) == 1250)
        #expect(LenientJSON.string("free").formattedMinorUnits(in: .gbp) == nil)

        try await SandboxHarness.with { sandbox in
            let client = sandbox.whmcs()
            var bigger = WHMCSNewProduct(name: "Bigger Hosting", groupID: 1)
            bigger.pricing = [1: [.monthly: 1999]]
            let small = try await WHMCSContractTests.product(client)
            let large = try await client.addProduct(bigger)
            let customer = try await client.addClient(WHMCSContractTests.newClient("up@acme.example", group: 0))
            let placed = try await client.addOrder(
                clientID: customer,
                items: [WHMCSOrderItem(productID: small, billingCycle: .monthly, domain: "up.example")],
                paymentMethod: "banktransfer")
            try await client.addPayment(
                WHMCSPayment(
                    invoiceID: try #require(placed.invoiceID), transactionID: "TX-U", gateway: "banktransfer",
                    date: "2026-12-06 10:00:00"))
            try await client.acceptOrder(id: placed.orderID)
            let service = try #require(placed.serviceIDs.first)
            // Paying the first invoice moved the next due date a cycle on, as WHMCS does.
            let due = try #require(try await client.services(serviceID: service).items.first?.nextDueDate)
            #expect(due > String(ISO8601DateFormatter().string(from: Date()).prefix(10)), "\(due)")
            let credentials = sandbox.whmcsAuth
            let (_, raw) = try await sandbox.postWHMCS(
                "\(credentials)&action=UpgradeProduct&serviceid=\(service)&type=product&newproductid=\(large)"
                    + "&newproductbillingcycle=monthly&calconly=1")
            let price = try #require(
                (try JSONSerialization.jsonObject(with: Data(raw.utf8)) as? [String: Any])?["price"] as? String)
            #expect(price.hasPrefix("£") && price.hasSuffix(" GBP"), "\(price)")
            let quote = try await client.upgradeQuote(serviceID: service, productID: large, cycle: .monthly)
            #expect(quote.priceMinor > 0)
            #expect(LenientJSON.string(price).formattedMinorUnits(in: .gbp) == quote.priceMinor)
        }
    }

    @Test("single sign-on to a page sends sso_redirect_path and lands the customer on that invoice, once")
    func signOnToInvoice() async throws {
        try await SandboxHarness.with { sandbox in
            let recorder = Recorder()
            let client = sandbox.whmcs(transport: recorder.transport(.live(sandbox.clients, egress: .system)))
            let product = try await WHMCSContractTests.product(client)
            let customer = try await client.addClient(WHMCSContractTests.newClient("pay@acme.example", group: 0))
            let placed = try await client.addOrder(
                clientID: customer,
                items: [WHMCSOrderItem(productID: product, billingCycle: .monthly, domain: "pay.example")],
                paymentMethod: "banktransfer")
            let invoice = try #require(placed.invoiceID)
            let sso = try await client.createSsoToken(clientID: customer, page: "viewinvoice.php?id=\(invoice)")
            let sent = try #require(recorder.fields(of: "CreateSsoToken").first)
            #expect(sent["destination"] == "sso:custom_redirect")
            #expect(sent["sso_redirect_path"] == "viewinvoice.php?id=\(invoice)")
            #expect(!sso.redirectURL.contains("redirect_url"))

            let browser = HTTPClient(
                eventLoopGroupProvider: .singleton, configuration: .init(redirectConfiguration: .disallow))
            do {
                try await Self.followSignOn(sso.redirectURL, invoice: invoice, sandbox: sandbox, browser: browser)
            } catch {
                try await browser.shutdown()
                throw error
            }
            try await browser.shutdown()

            let credentials = sandbox.whmcsAuth
            let (_, refused) = try await sandbox.postWHMCS(
                "\(credentials)&action=CreateSsoToken&client_id=\(customer)&destination=sso:custom_redirect")
            #expect(refused.contains("sso_redirect_path"))
        }
    }

    @Test("empty lists come back as a stock WHMCS writes them, and the client reads each as empty")
    func emptyLists() async throws {
        try await SandboxHarness.with { sandbox in
            let client = sandbox.whmcs()
            let customer = try await client.addClient(WHMCSContractTests.newClient("empty@acme.example", group: 0))
            let credentials = sandbox.whmcsAuth
            func raw(_ action: String, _ extra: String) async throws -> [String: Any] {
                let (_, body) = try await sandbox.postWHMCS("\(credentials)&action=\(action)\(extra)")
                return try #require(try JSONSerialization.jsonObject(with: Data(body.utf8)) as? [String: Any])
            }
            #expect(try await raw("GetOrders", "&userid=\(customer)")["orders"] == nil)
            #expect(try await raw("GetTickets", "&clientid=\(customer)")["tickets"] == nil)
            #expect((try await raw("GetInvoices", "&userid=\(customer)")["invoices"] as? [Any])?.isEmpty == true)
            #expect(try await raw("GetClientsProducts", "&clientid=\(customer)")["products"] as? String == "")
            #expect(try await raw("GetClientsDomains", "&clientid=\(customer)")["domains"] as? String == "")
            #expect(try await client.orders(clientID: customer).items.isEmpty)
            #expect(try await client.tickets(clientID: customer).items.isEmpty)
            #expect(try await client.invoices(clientID: customer).items.isEmpty)
            #expect(try await client.services(clientID: customer).items.isEmpty)
            #expect(try await client.domains(clientID: customer).items.isEmpty)
        }
    }

    /// Follows a sign-on link as a browser that keeps cookies would: to the invoice page, signed in, once.
    static func followSignOn(_ url: String, invoice: Int, sandbox: SandboxHarness, browser: HTTPClient) async throws {
        let landing = try await browser.execute(.init(url: url), timeout: .seconds(30))
        #expect(landing.status == .found)
        #expect(landing.headers.first(name: "Location") == "\(sandbox.whmcsURL)/viewinvoice.php?id=\(invoice)")
        let cookie = try #require(landing.headers.first(name: "Set-Cookie")?.split(separator: ";").first)
        var page = HTTPClientRequest(url: "\(sandbox.whmcsURL)/viewinvoice.php?id=\(invoice)")
        page.headers.add(name: "Cookie", value: String(cookie))
        let shown = try await browser.execute(page, timeout: .seconds(30))
        #expect(shown.status == .ok)
        #expect(String(buffer: try await shown.body.collect(upTo: 1 << 16)).contains("Invoice #\(invoice)"))
        // Without the cookie, the invoice asks for a sign-in.
        let stranger = try await browser.execute(page.withoutCookie, timeout: .seconds(30))
        #expect(stranger.status == .forbidden)
        // Spent: the same link signs no one in again.
        #expect(try await browser.execute(.init(url: url), timeout: .seconds(30)).status == .unauthorized)
    }

    @Test("AddProduct sends every cycle, -1.00 when not offered, since WHMCS stores a cycle left out as free")
    func fullPricing() async throws {
        try await SandboxHarness.with { sandbox in
            let recorder = Recorder()
            let client = sandbox.whmcs(transport: recorder.transport(.live(sandbox.clients, egress: .system)))
            var product = WHMCSNewProduct(name: "Annual Only", groupID: 1)
            product.pricing = [1: [.annually: 4990]]
            product.setupFees = [1: [.annually: 500]]
            product.configOptions = ["a", "b", "c", "d", "e", "f", "g"]
            let id = try await client.addProduct(product)
            let sent = try #require(recorder.fields(of: "AddProduct").first)
            #expect(sent["pricing[1][annually]"] == "49.90" && sent["pricing[1][asetupfee]"] == "5.00")
            for cycle in ["monthly", "quarterly", "semiannually", "biennially", "triennially"] {
                #expect(sent["pricing[1][\(cycle)]"] == "-1.00", "\(cycle)")
            }
            #expect(sent["configoption6"] == "f" && sent["configoption7"] == nil)
            #expect(try await client.products(ids: [id]).first?.pricing["GBP"] == ["annually": 4990])

            // One-time pricing lives in the monthly column.
            var once = WHMCSNewProduct(name: "Setup Service", groupID: 1)
            once.payType = "onetime"
            once.pricing = [1: [.oneTime: 15000]]
            _ = try await client.addProduct(once)
            let oneTime = try #require(recorder.fields(of: "AddProduct").last)
            #expect(oneTime["pricing[1][monthly]"] == "150.00" && oneTime["pricing[1][onetime]"] == nil)

            // A stock WHMCS stores a cycle left out as 0.00: offered free.
            let credentials = sandbox.whmcsAuth
            let (_, added) = try await sandbox.postWHMCS(
                "\(credentials)&action=AddProduct&name=Leaky&gid=1&paytype=recurring&pricing[1][monthly]=5.00")
            let leaky = try #require(
                (try JSONSerialization.jsonObject(with: Data(added.utf8)) as? [String: Any])?["pid"].flatMap {
                    Int("\($0)")
                })
            #expect(try await client.products(ids: [leaky]).first?.pricing["GBP"]?["quarterly"] == 0)
            // And it has no UpdateProduct or DeleteProduct.
            for action in ["UpdateProduct", "DeleteProduct"] {
                let (_, body) = try await sandbox.postWHMCS("\(credentials)&action=\(action)&pid=\(leaky)")
                #expect(body == #"{"message":"API Function Not Found","result":"error"}"#)
            }
        }
    }
}

extension HTTPClientRequest {
    fileprivate var withoutCookie: HTTPClientRequest {
        var copy = self
        copy.headers.remove(name: "Cookie")
        return copy
    }
}
