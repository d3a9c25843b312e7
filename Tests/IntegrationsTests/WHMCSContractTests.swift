import AsyncHTTPClient
import Foundation
import Integrations
import NIOCore
import Sandbox
import Synchronization
import TestSupport
import Testing

/// Each WHMCS client action against the simulator, and the simulator against CONTRACTS.md §1.
@Suite("WHMCS client and simulator")
struct WHMCSContractTests {
    static func newClient(_ email: String, group: Int) -> WHMCSNewClient {
        var client = WHMCSNewClient(
            firstName: "Ada", lastName: "Lovelace", email: email, address1: "1 Analytical Way", city: "London",
            state: "Greater London", postcode: "N1 1AA", country: "GB", phoneNumber: "+44.2071234567", groupID: group
        )
        client.customFields = [1: "Google", 2: "Ünïcode"]
        client.password = "correct horse battery staple"
        return client
    }

    /// A hosting product priced monthly and annually in GBP (currency 1).
    static func product(_ client: WHMCSClient) async throws -> Int {
        var product = WHMCSNewProduct(name: "Starter Hosting", groupID: 1)
        product.module = "cpanel"
        product.pricing = [1: [.monthly: 499, .annually: 4990]]
        return try await client.addProduct(product)
    }

    @Test("auth and routing failures answer with the contract's statuses and messages")
    func authFailures() async throws {
        try await SandboxHarness.with { sandbox in
            let id = sandbox.credentials.whmcsIdentifier
            let secret = sandbox.credentials.whmcsSecret
            var (status, body) = try await sandbox.postWHMCS("action=GetClients&responsetype=json")
            #expect(status == 403)
            #expect(body == #"{"message":"Invalid or missing credentials","result":"error"}"#)
            (status, body) = try await sandbox.postWHMCS(
                "identifier=\(id)&secret=wrong&action=GetClients&responsetype=json")
            #expect(status == 403)
            #expect(body == #"{"message":"Authentication Failed","result":"error"}"#)
            (status, body) = try await sandbox.postWHMCS("identifier=\(id)&secret=\(secret)&action=&responsetype=json")
            #expect(status == 400)
            #expect(body == #"{"message":"Empty action request","result":"error"}"#)
            (status, body) = try await sandbox.postWHMCS(
                "identifier=\(id)&secret=\(secret)&action=NoSuchThing&responsetype=json")
            #expect(status == 200)
            #expect(body == #"{"message":"API Function Not Found","result":"error"}"#)
            (status, body) = try await sandbox.postWHMCS(
                "identifier=\(id)&secret=\(secret)&action=GetClients&responsetype=yaml")
            #expect(body.contains("Unsupported API response type format"))
            // The action name is case-insensitive; without responsetype a list action answers XML, others NVP.
            (status, body) = try await sandbox.postWHMCS("identifier=\(id)&secret=\(secret)&action=getclientgroups")
            #expect(body.hasPrefix("<?xml") && body.contains("<result>success</result>"))
            (status, body) = try await sandbox.postWHMCS("identifier=\(id)&secret=\(secret)&action=AddClient")
            #expect(body == "message=You did not enter your first name;result=error;")

            await #expect(throws: UpstreamError.authenticationFailed(.whmcs, message: "Authentication Failed")) {
                _ = try await sandbox.whmcs(secret: "not-the-secret").clientGroups()
            }
            // With an access key configured, a wrong one is refused before the credentials are looked at.
            try sandbox.sandbox.whmcs.setAccessKey("k3y!")
            (status, body) = try await sandbox.postWHMCS(
                "identifier=\(id)&secret=\(secret)&accesskey=wrong&action=GetClientGroups&responsetype=json")
            #expect(status == 403 && body == #"{"message":"Invalid Access Key","result":"error"}"#)
            (status, body) = try await sandbox.postWHMCS(
                "identifier=\(id)&secret=\(secret)&accesskey=k3y%21&action=GetClientGroups&responsetype=json")
            #expect(status == 200 && body.contains(#""result":"success""#))
        }
    }

    @Test("AddClient example: the answer is {\"result\":\"success\",\"clientid\":\"1\"} with the id as a string")
    func addClientExample() async throws {
        try await SandboxHarness.with { sandbox in
            let id = sandbox.credentials.whmcsIdentifier
            let secret = sandbox.credentials.whmcsSecret
            let fields =
                "firstname=John&lastname=Doe&email=john.doe%40example.com&address1=123+Main+Street&city=Anytown"
                + "&state=State&postcode=12345&country=US&phonenumber=800-555-1234&password2=password"
            let (status, body) = try await sandbox.postWHMCS(
                "identifier=\(id)&secret=\(secret)&action=AddClient&responsetype=json&\(fields)")
            #expect(status == 200)
            #expect(body == #"{"clientid":"1","result":"success"}"#)
        }
    }

    @Test("AddClient, GetClientsDetails, GetClients, UpdateClient and GetClientGroups keep a client in its group")
    func clients() async throws {
        try await SandboxHarness.with { sandbox in
            let group = try await sandbox.sandbox.provisionTenant(slug: "acme", name: "Acme Hosting").clientGroupID
            let client = sandbox.whmcs()
            let groups = try await client.clientGroups()
            #expect(groups.map(\.name).contains("Acme Hosting"))

            let id = try await client.addClient(Self.newClient("ada@acme.example", group: group))
            let details = try #require(try await client.clientDetails(id: id))
            #expect(details.groupID == group)
            #expect(details.email == "ada@acme.example")
            #expect(details.customFields == [1: "Google", 2: "Ünïcode"])
            #expect(try await client.clientDetails(email: "ada@acme.example")?.id == id)
            #expect(try await client.clientDetails(id: 9999) == nil)

            var update = WHMCSClientUpdate()
            update.companyName = "Engines Ltd"
            try await client.updateClient(id: id, update)
            #expect(try await client.clientDetails(id: id)?.companyName == "Engines Ltd")

            let page = try await client.clients(search: "ada@")
            #expect(page.items.map(\.id) == [id])
            #expect(page.total == 1)
            #expect(try await client.clients(inGroup: group).map(\.id) == [id])
            #expect(try await client.clients(inGroup: group + 100).isEmpty)

            await #expect(
                throws: UpstreamError.apiError(
                    .whmcs, action: "AddClient", message: "A user already exists with that email address")
            ) {
                _ = try await client.addClient(Self.newClient("ada@acme.example", group: group))
            }
            var missing = Self.newClient("b@acme.example", group: group)
            missing.firstName = " "
            await #expect(
                throws: UpstreamError.apiError(
                    .whmcs, action: "AddClient", message: "You did not enter your first name")
            ) {
                _ = try await client.addClient(missing)
            }
            var passwordless = Self.newClient("c@acme.example", group: group)
            passwordless.password = nil
            await #expect(
                throws: UpstreamError.apiError(.whmcs, action: "AddClient", message: "You did not enter a password")
            ) {
                _ = try await client.addClient(passwordless)
            }
        }
    }

    @Test("a credential whose API role lacks an action gets 403 Invalid Permissions")
    func apiRole() async throws {
        try await SandboxHarness.with { sandbox in
            try await sandbox.sandbox.whmcs.addCredential(
                identifier: "readonly-identifier", secret: "ro-secret", allowedActions: ["GetClients"])
            let auth = "identifier=readonly-identifier&secret=ro-secret&responsetype=json"
            var (status, body) = try await sandbox.postWHMCS("\(auth)&action=GetClients")
            #expect(status == 200 && body.contains(#""result":"success""#))
            (status, body) = try await sandbox.postWHMCS("\(auth)&action=AddClient")
            #expect(status == 403)
            #expect(
                body == #"{"message":"Invalid Permissions: API action \"addclient\" is not allowed","result":"error"}"#)
        }
    }

    @Test("paging follows limitstart, limitnum and totalresults to the last page")
    func paging() async throws {
        try await SandboxHarness.with { sandbox in
            let client = sandbox.whmcs()
            for index in 0..<7 {
                _ = try await client.addClient(Self.newClient("user\(index)@paging.example", group: 0))
            }
            var seen: [Int] = []
            var request: WHMCSPageRequest? = WHMCSPageRequest(start: 0, size: 3)
            var pages = 0
            while let next = request {
                let page = try await client.clients(page: next)
                #expect(page.total == 7)
                #expect(page.start == next.start)
                seen += page.items.map(\.id)
                request = page.next
                pages += 1
            }
            #expect(pages == 3)
            #expect(seen == Array(1...7))
        }
    }

    @Test("AddProduct with bracket pricing; GetProducts marks cycles not offered as -1.00")
    func products() async throws {
        try await SandboxHarness.with { sandbox in
            let client = sandbox.whmcs()
            let id = try await Self.product(client)
            let product = try #require(try await client.products(ids: [id]).first)
            #expect(product.name == "Starter Hosting")
            #expect(product.pricing["GBP"] == ["monthly": 499, "annually": 4990])
            let (_, raw) = try await sandbox.postWHMCS(
                "identifier=\(sandbox.credentials.whmcsIdentifier)&secret=\(sandbox.credentials.whmcsSecret)&action=GetProducts&responsetype=json&pid=\(id)"
            )
            #expect(raw.contains(#""quarterly":"-1.00""#))
            await #expect(
                throws: UpstreamError.apiError(
                    .whmcs, action: "AddProduct", message: "You must supply a valid Product Group ID")
            ) {
                _ = try await client.addProduct(WHMCSNewProduct(name: "Orphan", groupID: 42))
            }
        }
    }

    @Test(
        "order to service: AddOrder, GetOrders, GetInvoices, GetInvoice, AddInvoicePayment, AcceptOrder, GetClientsProducts, Module*"
    )
    func orderPipeline() async throws {
        try await SandboxHarness.with { sandbox in
            let client = sandbox.whmcs()
            let product = try await Self.product(client)
            let customer = try await client.addClient(Self.newClient("buyer@acme.example", group: 0))
            var item = WHMCSOrderItem(productID: product, billingCycle: .annually, domain: "buyer.example")
            item.configOptions = [3: "2"]
            let placed = try await client.addOrder(
                clientID: customer, items: [item], paymentMethod: "banktransfer",
                nameservers: ["ns1.acme.example", "ns2.acme.example"]
            )
            #expect(placed.serviceIDs.count == 1)
            let invoiceID = try #require(placed.invoiceID)

            let order = try #require(try await client.order(id: placed.orderID))
            #expect(order.status == "Pending")
            #expect(order.amountMinor == 4990)
            #expect(order.lineItems.map(\.relatedID) == placed.serviceIDs)
            #expect(try await client.orders(clientID: customer).items.map(\.id) == [placed.orderID])

            let unpaid = try await client.invoices(clientID: customer, status: "Unpaid")
            #expect(unpaid.items.map(\.id) == [invoiceID])
            var invoice = try #require(try await client.invoice(id: invoiceID))
            #expect(invoice.totalMinor == 4990)
            #expect(invoice.balanceMinor == 4990)
            #expect(invoice.datePaid == nil)
            #expect(invoice.transactions.isEmpty)
            #expect(invoice.items.first?.relatedID == placed.serviceIDs.first)

            try await client.addPayment(
                WHMCSPayment(
                    invoiceID: invoiceID, transactionID: "TX-1", gateway: "banktransfer", date: "2026-11-26 10:00:00"))
            invoice = try #require(try await client.invoice(id: invoiceID))
            #expect(invoice.status == "Paid")
            #expect(invoice.transactions.map(\.transactionID) == ["TX-1"])
            #expect(try await client.invoice(id: 777) == nil)

            try await client.acceptOrder(id: placed.orderID)
            await #expect(
                throws: UpstreamError.apiError(
                    .whmcs, action: "AcceptOrder", message: "Order ID not found or Status not Pending")
            ) {
                try await client.acceptOrder(id: placed.orderID)
            }
            let serviceID = try #require(placed.serviceIDs.first)
            var service = try #require(try await client.services(clientID: customer).items.first)
            #expect(service.id == serviceID)
            #expect(service.status == "Active")
            #expect(service.domain == "buyer.example")
            #expect(service.recurringAmountMinor == 4990)

            try await client.module(.suspend, serviceID: serviceID, reason: "Overdue")
            service = try #require(try await client.services(serviceID: serviceID).items.first)
            #expect(service.status == "Suspended")
            #expect(service.suspensionReason == "Overdue")
            try await client.module(.unsuspend, serviceID: serviceID)
            try await client.module(.terminate, serviceID: serviceID)
            #expect(try await client.services(serviceID: serviceID).items.first?.status == "Terminated")
            try await client.module(.create, serviceID: serviceID)
            #expect(try await client.services(serviceID: serviceID).items.first?.status == "Active")
            await #expect(
                throws: UpstreamError.apiError(.whmcs, action: "ModuleSuspend", message: "Service ID not found")
            ) {
                try await client.module(.suspend, serviceID: 999)
            }
            await #expect(throws: UpstreamError.apiError(.whmcs, action: "AddOrder", message: "Client ID Not Found")) {
                _ = try await client.addOrder(clientID: 999, items: [item], paymentMethod: "banktransfer")
            }
        }
    }

    @Test("AddOrder registers domains beside products; AcceptOrder activates them; GetClientsDomains lists them")
    func domains() async throws {
        try await SandboxHarness.with { sandbox in
            let client = sandbox.whmcs()
            let product = try await Self.product(client)
            let customer = try await client.addClient(Self.newClient("domains@acme.example", group: 0))
            let placed = try await client.addOrder(
                clientID: customer,
                items: [WHMCSOrderItem(productID: product, billingCycle: .monthly, domain: "site.example")],
                domains: [WHMCSDomainOrder(domain: "Brand.Example", years: 2)], paymentMethod: "mailin"
            )
            #expect(placed.serviceIDs.count == 1 && placed.domainIDs.count == 1)
            let invoiceID = try #require(placed.invoiceID)
            let invoice = try #require(try await client.invoice(id: invoiceID))
            #expect(invoice.totalMinor == 499 + 2 * 999)
            #expect(try await client.domains(clientID: customer).items.first?.status == "Pending")
            try await client.acceptOrder(id: placed.orderID)
            let domain = try #require(try await client.domains(clientID: customer).items.first)
            #expect(domain.name == "brand.example" && domain.status == "Active")
            #expect(domain.expiryDate == domain.nextDueDate && domain.expiryDate > domain.registrationDate)
            #expect(domain.recurringAmountMinor == 1998)
            let order = try #require(try await client.order(id: placed.orderID))
            #expect(order.lineItems.map(\.type) == ["product", "domain"])
        }
    }

    @Test("OpenTicket, GetTickets and AddTicketReply; a missing department is refused")
    func tickets() async throws {
        try await SandboxHarness.with { sandbox in
            let client = sandbox.whmcs()
            let customer = try await client.addClient(Self.newClient("help@acme.example", group: 0))
            let opened = try await client.openTicket(
                WHMCSNewTicket(departmentID: 1, clientID: customer, subject: "Site down", message: "Help"))
            #expect(opened.number.count == 6)
            #expect(opened.accessCode.count == 8)
            try await client.addTicketReply(ticketID: opened.id, clientID: customer, message: "Still down")
            let tickets = try await client.tickets(clientID: customer)
            #expect(tickets.items.map(\.id) == [opened.id])
            #expect(tickets.items.first?.status == "Customer-Reply")
            #expect(tickets.items.first?.subject == "Site down")
            await #expect(
                throws: UpstreamError.apiError(.whmcs, action: "OpenTicket", message: "Department ID not found")
            ) {
                _ = try await client.openTicket(
                    WHMCSNewTicket(departmentID: 99, clientID: customer, subject: "x", message: "y"))
            }
            await #expect(
                throws: UpstreamError.apiError(.whmcs, action: "AddTicketReply", message: "Ticket ID not found")
            ) {
                try await client.addTicketReply(ticketID: 999, clientID: customer, message: "?")
            }
        }
    }

    @Test("CreateSsoToken gives a link that works once and expires after 60 seconds")
    func singleSignOn() async throws {
        let clock = TestClock(frozenAt: Date(timeIntervalSince1970: 1_800_000_000))
        try await SandboxHarness.with(now: clock.now) { sandbox in
            let client = sandbox.whmcs()
            let customer = try await client.addClient(Self.newClient("sso@acme.example", group: 0))
            let first = try await client.createSsoToken(clientID: customer, destination: "clientarea:services")
            #expect(first.accessToken.count == 40)
            #expect(first.redirectURL == "\(sandbox.whmcsURL)/oauth/singlesignon.php?access_token=\(first.accessToken)")
            let path = String(first.redirectURL.dropFirst(sandbox.whmcsURL.count))
            #expect(try await sandbox.get(sandbox.whmcsURL + path).0 == 200)
            #expect(try await sandbox.get(sandbox.whmcsURL + path).0 == 401)

            let second = try await client.createSsoToken(clientID: customer)
            clock.advance(by: 61)
            #expect(try await sandbox.get(second.redirectURL).0 == 401)
            await #expect(
                throws: UpstreamError.apiError(.whmcs, action: "CreateSsoToken", message: "Invalid destination")
            ) {
                _ = try await client.createSsoToken(clientID: customer, destination: "nowhere")
            }
        }
    }
}

extension SandboxHarness {
    func get(_ url: String) async throws -> (Int, String) {
        let response = try await http.execute(.init(url: url), timeout: .seconds(30))
        let bytes = try await response.body.collect(upTo: 1 << 20)
        return (Int(response.status.code), String(buffer: bytes))
    }
}

/// The request examples of CONTRACTS.md §1, sent byte for byte, and the exact shapes they answer with.
@Suite("WHMCS simulator against the contract's examples")
struct WHMCSExampleTests {
    @Test("bracket arrays, PHP-serialised custom fields, string ids, empty transactions and the unpaid date")
    func examples() async throws {
        try await SandboxHarness.with { sandbox in
            let auth =
                "identifier=\(sandbox.credentials.whmcsIdentifier)&secret=\(sandbox.credentials.whmcsSecret)&responsetype=json"
            // AddProduct example: pricing[1][monthly]=1.00 (associative bracket arrays).
            var (_, body) = try await sandbox.postWHMCS(
                "\(auth)&action=AddProduct&name=Basic&gid=1&type=hostingaccount&paytype=recurring&module=cpanel&pricing[1][monthly]=1.00&pricing[1][annually]=10.00"
            )
            #expect(body == #"{"pid":"1","result":"success"}"#)
            (_, body) = try await sandbox.postWHMCS(
                "\(auth)&action=AddProduct&name=Pro&gid=1&type=hostingaccount&paytype=recurring&module=cpanel&pricing[1][monthly]=3.00"
            )
            #expect(body == #"{"pid":"2","result":"success"}"#)

            // customfields = base64_encode(serialize([1 => "Google"])), the contract's example array.
            let custom = Data(#"a:1:{i:1;s:6:"Google";}"#.utf8).base64EncodedString()
            let encoded = custom.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? custom
            (_, body) = try await sandbox.postWHMCS(
                "\(auth)&action=AddClient&firstname=A&lastname=B&email=a%40b.example&address1=1+St&city=C&state=S&postcode=P&country=GB&phonenumber=1&password2=pw&customfields=\(encoded)"
            )
            #expect(body == #"{"clientid":"1","result":"success"}"#)
            (_, body) = try await sandbox.postWHMCS("\(auth)&action=GetClientsDetails&clientid=1")
            #expect(body.contains(#""customfields":[{"id":"1","value":"Google"}]"#))
            #expect(body.contains(#""customfields1":"Google""#))

            // AddOrder example: pid[0]=1&pid[1]=3&billingcycle[0]=monthly (lists; serviceids as a comma string).
            (_, body) = try await sandbox.postWHMCS(
                "\(auth)&action=AddOrder&clientid=1&paymentmethod=mailin&pid[0]=1&pid[1]=2&billingcycle[0]=monthly&billingcycle[1]=monthly"
            )
            #expect(
                body
                    == #"{"addonids":"","domainids":"","invoiceid":"1","orderid":"1","result":"success","serviceids":"1,2"}"#
            )
            (_, body) = try await sandbox.postWHMCS(
                "\(auth)&action=AddOrder&clientid=1&paymentmethod=mailin&pid[0]=1&billingcycle=monthly")
            #expect(body == #"{"message":"Expecting parameter 'billingcycle' to be an array","result":"error"}"#)
            (_, body) = try await sandbox.postWHMCS("\(auth)&action=AddOrder&clientid=1&paymentmethod=cheque&pid[0]=1")
            #expect(
                body
                    == #"{"message":"Invalid Payment Method. Valid options include mailin,banktransfer,paypal,stripe","result":"error"}"#
            )

            // GetInvoice: unpaid date and "transactions": "" when there are none.
            (_, body) = try await sandbox.postWHMCS("\(auth)&action=GetInvoice&invoiceid=1")
            #expect(body.contains(#""datepaid":"0000-00-00 00:00:00""#))
            #expect(body.contains(#""transactions":"""#))
            #expect(body.contains(#""total":"4.00""#))
            // An unknown id is a business error: HTTP 200 with result error.
            (_, body) = try await sandbox.postWHMCS("\(auth)&action=GetInvoice&invoiceid=99")
            #expect(body == #"{"message":"Invoice ID Not Found","result":"error"}"#)
            // Lists: counters are numbers, ids strings, records under a singular inner key.
            (_, body) = try await sandbox.postWHMCS("\(auth)&action=GetOrders&limitnum=1")
            #expect(
                body.contains(#""numreturned":1"#) && body.contains(#""startnumber":0"#)
                    && body.contains(#""totalresults":1"#))
            #expect(body.contains(#""orders":{"order":[{"#))
            (_, body) = try await sandbox.postWHMCS("\(auth)&action=GetTickets")
            // No tickets: a stock WHMCS leaves the outer key out (it is only written inside the row loop).
            #expect(!body.contains(#""tickets""#) && body.contains(#""totalresults":0"#))
        }
    }

    @Test("query-string parameters are read too, and body values win on a clash")
    func queryAndBodyMerge() async throws {
        try await SandboxHarness.with { sandbox in
            var request = HTTPClientRequest(
                url: sandbox.whmcsURL
                    + "/includes/api.php?action=GetClients&identifier=\(sandbox.credentials.whmcsIdentifier)&secret=wrong&responsetype=json"
            )
            request.method = .POST
            request.headers.add(name: "Content-Type", value: "application/x-www-form-urlencoded")
            request.body = .bytes(ByteBuffer(string: "secret=\(sandbox.credentials.whmcsSecret)"))
            let response = try await sandbox.http.execute(request, timeout: .seconds(30))
            let text = String(buffer: try await response.body.collect(upTo: 1 << 16))
            #expect(response.status.code == 200)
            #expect(text.contains(#""result":"success""#))
        }
    }
}
