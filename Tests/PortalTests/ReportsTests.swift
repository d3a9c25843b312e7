import Foundation
import GRDB
import HummingbirdTesting
import Tenancy
import Testing

@testable import Portal

@Suite("CSV")
struct CSVTests {
    @Test("fields with commas, quotes and line breaks are quoted, quotes doubled, lines end in CRLF")
    func escaping() {
        #expect(CSV.field(.text("plain")) == "plain")
        #expect(CSV.field(.text("a,b")) == "\"a,b\"")
        #expect(CSV.field(.text("say \"hi\"")) == "\"say \"\"hi\"\"\"")
        #expect(CSV.field(.text("two\nlines")) == "\"two\nlines\"")
        #expect(CSV.field(.text("crlf\r\nline")) == "\"crlf\r\nline\"")
        #expect(CSV.field(.text("")) == "")
        #expect(CSV.document(header: ["a", "b"], rows: [[.text("1"), .number("2")]]) == "a,b\r\n1,2\r\n")
    }

    @Test("a text cell that a spreadsheet would run as a formula is prefixed; numbers keep their sign", arguments: [
        ("=HYPERLINK(\"http://evil\")", "\"'=HYPERLINK(\"\"http://evil\"\")\""), ("+1+1", "'+1+1"), ("-2+3", "'-2+3"),
        ("@SUM(A1)", "'@SUM(A1)"), ("\tx", "'\tx"), ("\rx", "\"'\rx\""), ("=1,2", "\"'=1,2\""), ("a=b", "a=b"),
    ])
    func formulaGuard(input: String, expected: String) {
        #expect(CSV.field(.text(input)) == expected)
    }

    @Test("amounts are plain decimals; negative amounts stay numbers")
    func amounts() {
        #expect(CSV.field(CSV.amount(minor: 123_450, currency: "GBP")) == "1234.50")
        #expect(CSV.field(CSV.amount(minor: -305, currency: "GBP")) == "-3.05")
        #expect(CSV.field(CSV.amount(minor: 7, currency: "usd")) == "0.07")
        #expect(CSV.field(CSV.amount(minor: 1200, currency: "JPY")) == "1200")
    }
}

@Suite("Back-office reports")
struct ReportsTests {
    /// Two paid invoices in one month, one in the next, an unpaid one; paid orders of two products and an unpaid one.
    static func seed(_ dependencies: PortalDependencies, tenant slug: String, product name: String, now: Date) async throws {
        let customer = try await makeAccount(dependencies, tenant: slug, email: "payer@example.com")
        let tenant = try dependencies.registryTenant(slug)
        try await dependencies.databases.withDatabase(for: tenant) { database in
            let month = Self.month(now)
            let invoices = [
                (1, "\(month)-02", 1000, "Paid"), (2, "\(month)-09", 2500, "Paid"), (3, "\(month)-10", 9900, "Unpaid"),
                (4, "\(Self.month(now.addingTimeInterval(-40 * 86400)))-15", 700, "Paid"), (5, "2001-01-01", 5, "Paid"),
            ].map { id, date, total, status in
                MirroredInvoice(
                    whmcsInvoiceID: id, accountID: customer.id, number: "INV-\(id)", date: date, dueDate: date, totalMinor: Int64(total),
                    status: status, currency: "GBP"
                )
            }
            try await database.billing.replace(customer.id, services: [], invoices: invoices, at: now)
            let entry = try #require(try await database.catalogue.entry(slug: "plan-0"))
            for (index, status) in ["paid", "active", "awaiting_payment"].enumerated() {
                var order = Order(
                    accountID: customer.id, number: "R\(index)", idempotencyKey: "r\(index)", entry: entry, cycle: .monthly,
                    domain: "r\(index).example", domainAction: .existing, currency: "GBP", priceMinor: 1999, setupMinor: 0, domainMinor: 0, now: now
                )
                order.productName = name
                let placed = try await database.orders.place(order, profile: nil, confirmation: nil, actor: customer, ip: "").order
                try await database.pool.write { db in
                    try db.execute(sql: "UPDATE orders SET status = ? WHERE id = ?", arguments: [status, placed.id!.rawValue])
                }
            }
        }
    }

    static func month(_ date: Date) -> String {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        let parts = calendar.dateComponents([.year, .month], from: date)
        return String(format: "%04d-%02d", parts.year!, parts.month!)
    }

    @Test("revenue by month and by product on the page and as escaped CSV; downloads audited; each brand sees only its own")
    func reports() async throws {
        let clock = TestClock()
        try await withPortal(clock: clock) { client, dependencies in
            try await twoFactorOptional(dependencies)
            try await twoFactorOptional(dependencies, tenant: "globex")
            try await Self.seed(dependencies, tenant: "acme", product: "=Evil \"Plan\", deluxe", now: clock.now())
            try await makeAccount(dependencies, kind: .staff, email: "support@acme.example", role: .support)
            let staff = TestBrowser(client, host: "acme.localhost")
            #expect(try await signIn(staff, email: "support@acme.example", staff: true).status == .seeOther)

            let page = try await staff.get("/admin/reports")
            #expect(page.status == .ok)
            #expect(page.text.contains("£35.00"), "two paid invoices this month")
            #expect(page.text.contains("£7.00"), "last month")
            #expect(!page.text.contains("£99.00"), "unpaid invoices are not revenue")
            #expect(!page.text.contains("2001"), "older than twelve months")
            #expect(page.text.contains("£39.98"), "two paid orders")
            #expect(page.text.contains("=Evil &quot;Plan&quot;, deluxe"))

            let months = try await staff.get("/admin/reports/revenue-by-month.csv")
            #expect(months.headers[.contentType] == "text/csv; charset=utf-8")
            #expect(months.headers[.contentDisposition]?.hasPrefix("attachment; filename=\"revenue-by-month-from-") == true)
            let month = Self.month(clock.now())
            #expect(months.text.hasPrefix("month,currency,paid invoices,revenue\r\n"))
            #expect(months.text.contains("\(month),GBP,2,35.00\r\n"))
            let products = try await staff.get("/admin/reports/revenue-by-product.csv")
            #expect(products.text == "product,currency,paid orders,revenue\r\n\"'=Evil \"\"Plan\"\", deluxe\",GBP,2,39.98\r\n")

            let audit = try await dependencies.accounts("acme") { try await $0.auditEntries(limit: 20) }
            #expect(audit.filter { $0.action == "report.exported" }.count == 2)

            // Another brand's staff see an empty report; this brand's session does not open theirs.
            #expect(try await staff.get("/admin/reports").status == .ok)
            let other = TestBrowser(client, host: "globex.localhost")
            #expect(try await other.get("/admin/reports").status == .seeOther, "signed out on globex")
            try await makeAccount(dependencies, tenant: "globex", kind: .staff, email: "owner@globex.example", role: .owner)
            #expect(try await signIn(other, email: "owner@globex.example", staff: true).status == .seeOther)
            let theirs = try await other.get("/admin/reports")
            #expect(theirs.text.contains("No paid invoices in this period yet."))
            #expect(theirs.text.contains("No paid orders in this period yet."))
            #expect(try await other.get("/admin/reports/revenue-by-product.csv").text == "product,currency,paid orders,revenue\r\n")
        }
    }

    @Test("reports are for staff only: every role reads them; customers and visitors do not", arguments: [
        "/admin/reports", "/admin/reports/revenue-by-month.csv", "/admin/reports/revenue-by-product.csv",
    ])
    func roles(path: String) async throws {
        try await withPortal { client, dependencies in
            try await twoFactorOptional(dependencies)
            for role in [Account.Role.owner, .admin, .support] {
                try await makeAccount(dependencies, kind: .staff, email: "\(role.rawValue)@acme.example", role: role)
                let staff = TestBrowser(client, host: "acme.localhost")
                try await signIn(staff, email: "\(role.rawValue)@acme.example", staff: true)
                #expect(try await staff.get(path).status == .ok, "\(role)")
            }
            try await makeAccount(dependencies, email: "customer@example.com")
            let customer = TestBrowser(client, host: "acme.localhost")
            try await signIn(customer, email: "customer@example.com")
            #expect(try await customer.get(path).status != .ok)
            #expect(try await TestBrowser(client, host: "acme.localhost").get(path).status == .seeOther)
        }
    }
}
