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
            let auth =
                "identifier=\(sandbox.credentials.whmcsIdentifier)&secret=\(sandbox.credentials.whmcsSecret)&responsetype=json"
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
}
