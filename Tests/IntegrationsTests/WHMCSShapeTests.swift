import Foundation
import Integrations
import Sandbox
import TestSupport
import Testing

/// The simulator against WHMCS's documented examples, the other way round: each answer it gives has every key the
/// vendor's example has, at the top and in the first list item, and the same JSON kinds where the example is
/// consistent (money as strings).
@Suite("WHMCS simulator's answers against the documented shapes")
struct WHMCSShapeTests {
    static func documented(_ action: String) throws -> [String: Any] {
        let data = try Data(contentsOf: WHMCSGoldenTests.folder.appendingPathComponent("\(action).json"))
        return try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
    }

    /// Keys of the example missing from the answer: top level, then `outer.inner[0]` for lists.
    static func missing(_ example: [String: Any], _ answer: [String: Any], list: (String, String)? = nil) -> [String] {
        var gaps = Set(example.keys).subtracting(answer.keys).map { $0 }
        if let (outer, inner) = list,
            let documentedItem = ((example[outer] as? [String: Any])?[inner] as? [[String: Any]])?.first,
            let item = ((answer[outer] as? [String: Any])?[inner] as? [[String: Any]])?.first
        {
            gaps += Set(documentedItem.keys).subtracting(item.keys).map { "\(outer).\(inner).\($0)" }
        }
        return gaps.sorted()
    }

    @Test("every documented key is in the simulator's answer")
    func shapes() async throws {
        try await SandboxHarness.with { sandbox in
            let client = sandbox.whmcs()
            let product = try await WHMCSContractTests.product(client)
            let customer = try await client.addClient(WHMCSContractTests.newClient("shape@acme.example", group: 0))
            let placed = try await client.addOrder(
                clientID: customer,
                items: [WHMCSOrderItem(productID: product, billingCycle: .monthly, domain: "shape.example")],
                paymentMethod: "banktransfer")
            let invoice = try #require(placed.invoiceID)
            try await client.acceptOrder(id: placed.orderID)
            let ticket = try await client.openTicket(
                WHMCSNewTicket(departmentID: 1, clientID: customer, subject: "Shape", message: "Of things"))
            _ = try await sandbox.sandbox.whmcs.ensureClientGroup(slug: "shape", name: "Shape customers")
            let auth = sandbox.whmcsAuth
            let calls: [(String, String, (String, String)?)] = [
                ("GetClients", "", ("clients", "client")),
                ("GetClientsDetails", "&clientid=\(customer)&stats=1", nil),
                ("GetClientGroups", "", ("groups", "group")),
                ("GetOrders", "&id=\(placed.orderID)", ("orders", "order")),
                ("GetProducts", "&pid=\(product)", ("products", "product")),
                ("GetClientsProducts", "&clientid=\(customer)", ("products", "product")),
                ("GetInvoices", "&userid=\(customer)", ("invoices", "invoice")),
                ("GetInvoice", "&invoiceid=\(invoice)", nil),
                ("GetTickets", "&clientid=\(customer)", ("tickets", "ticket")),
                ("GetTicket", "&ticketid=\(ticket.id)", nil),
                ("GetSupportDepartments", "", ("departments", "department")),
            ]
            var report: [String] = []
            for (action, extra, list) in calls {
                let (_, body) = try await sandbox.postWHMCS("\(auth)&action=\(action)\(extra)")
                let answer = try #require(try JSONSerialization.jsonObject(with: Data(body.utf8)) as? [String: Any])
                let gaps = Self.missing(try Self.documented(action), answer, list: list)
                if !gaps.isEmpty { report.append("\(action): \(gaps.joined(separator: ", "))") }
                if action == "GetClientsDetails" {
                    // Amounts in the statistics are formatted for display, counts are numbers.
                    let stats = try #require(answer["stats"] as? [String: Any])
                    #expect((stats["dueinvoicesbalance"] as? String)?.hasPrefix("£") == true)
                    #expect(stats["numdueinvoices"] is NSNumber)
                }
            }
            #expect(report.isEmpty, "\(report.joined(separator: "\n"))")
        }
    }

    @Test("write actions answer with every documented key")
    func writes() async throws {
        try await SandboxHarness.with { sandbox in
            let client = sandbox.whmcs()
            let product = try await WHMCSContractTests.product(client)
            let auth = sandbox.whmcsAuth
            func call(_ action: String, _ extra: String) async throws -> [String: Any] {
                let (_, body) = try await sandbox.postWHMCS("\(auth)&action=\(action)\(extra)")
                return try #require(try JSONSerialization.jsonObject(with: Data(body.utf8)) as? [String: Any])
            }
            var report: [String] = []
            func check(_ action: String, _ answer: [String: Any]) throws {
                #expect(answer["result"] as? String == "success", "\(action): \(answer)")
                let gaps = Self.missing(try Self.documented(action), answer)
                if !gaps.isEmpty { report.append("\(action): \(gaps.joined(separator: ", "))") }
            }
            let added = try await call(
                "AddClient",
                "&firstname=Ada&lastname=Lovelace&email=writes%40acme.example&address1=1+Way&city=London&state=London"
                    + "&postcode=N1&country=GB&phonenumber=0207&password2=s3cret-pass&noemail=1")
            try check("AddClient", added)
            let customer = try #require((added["clientid"] as? String).flatMap { Int($0) })
            try check("UpdateClient", try await call("UpdateClient", "&clientid=\(customer)&companyname=Analytical"))
            let order = try await call(
                "AddOrder",
                "&clientid=\(customer)&paymentmethod=mailin&pid[0]=\(product)&billingcycle[0]=monthly"
                    + "&domain[0]=writes.example&noemail=1&noinvoiceemail=1")
            try check("AddOrder", order)
            let orderID = try #require((order["orderid"] as? String).flatMap { Int($0) })
            try check("AcceptOrder", try await call("AcceptOrder", "&orderid=\(orderID)&autosetup=1&sendemail=0"))
            let service = try #require((order["serviceids"] as? String).flatMap { Int($0) })
            try check("AddCancelRequest", try await call("AddCancelRequest", "&serviceid=\(service)&type=Immediate"))
            try check(
                "CreateInvoice",
                try await call(
                    "CreateInvoice",
                    "&userid=\(customer)&paymentmethod=mailin&itemdescription1=Extra&itemamount1=5.00&sendinvoice=0"))
            try check(
                "OpenTicket",
                try await call("OpenTicket", "&deptid=1&clientid=\(customer)&subject=Hi&message=There&noemail=1"))
            try check("CreateSsoToken", try await call("CreateSsoToken", "&client_id=\(customer)"))
            #expect(report.isEmpty, "\(report.joined(separator: "\n"))")
        }
    }

    @Test("refusals use the vendor's documented wording, verbatim")
    func errors() async throws {
        try await SandboxHarness.with { sandbox in
            let auth = sandbox.whmcsAuth
            let existing = try await sandbox.whmcs().addClient(
                WHMCSContractTests.newClient("err@acme.example", group: 0))
            let client = "&firstname=Ada&lastname=L&email=e%40acme.example&city=L&state=L&postcode=N1&phonenumber=1"
            let cases: [(String, String)] = [
                ("AddClient\(client)&country=GB&password2=x", "You did not enter your  address line 1"),
                ("AddClient\(client)&address1=1+Way&country=Britain&password2=x", "Valid country required"),
                (
                    "AddProduct&name=X&gid=1&type=vps",
                    #"Invalid product type. Must be one of "hostingaccount", "reselleraccount", "server" or "other""#
                ),
                (
                    "AddProduct&name=X&gid=1&paytype=monthly",
                    #"Invalid pay type. Must be one of "free", "onetime" or "recurring""#
                ),
                (
                    "CreateInvoice&userid=1&draft=1&sendinvoice=1",
                    "Cannot create and send a draft invoice in a single API request. Please create and send separately."
                ),
                ("GetInvoice&invoiceid=999", "Invoice ID Not Found"),
                ("GetClientsDetails", "Either clientid Or email Is Required"),
            ]
            for (call, message) in cases {
                let (_, body) = try await sandbox.postWHMCS("\(auth)&action=\(call)")
                let answer = try #require(try JSONSerialization.jsonObject(with: Data(body.utf8)) as? [String: Any])
                #expect(
                    answer["result"] as? String == "error" && answer["message"] as? String == message,
                    "\(call): \(body)")
            }
        }
    }
}
