import Foundation
import GRDB
import HummingbirdTesting
import Tenancy
import TestSupport
import Testing

@testable import Portal

#if canImport(FoundationXML)
    import FoundationXML
#endif

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

    @Test(
        "a text cell that a spreadsheet would run as a formula is prefixed; numbers keep their sign",
        arguments: [
            ("=HYPERLINK(\"http://evil\")", "\"'=HYPERLINK(\"\"http://evil\"\")\""), ("+1+1", "'+1+1"),
            ("-2+3", "'-2+3"),
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
    static func seed(_ dependencies: PortalDependencies, tenant slug: String, product name: String, now: Date)
        async throws
    {
        let customer = try await makeAccount(dependencies, tenant: slug, email: "payer@example.com")
        let tenant = try dependencies.registryTenant(slug)
        try await dependencies.databases.withDatabase(for: tenant) { database in
            let month = Self.month(now)
            let invoices = [
                (1, "\(month)-02", 1000, "Paid"), (2, "\(month)-09", 2500, "Paid"), (3, "\(month)-10", 9900, "Unpaid"),
                (4, "\(Self.month(now.addingTimeInterval(-40 * 86400)))-15", 700, "Paid"), (5, "2001-01-01", 5, "Paid"),
            ].map { id, date, total, status in
                MirroredInvoice(
                    whmcsInvoiceID: id, accountID: customer.id, number: "INV-\(id)", date: date, dueDate: date,
                    totalMinor: Int64(total),
                    status: status, currency: "GBP"
                )
            }
            try await database.billing.replace(customer.id, services: [], invoices: invoices, at: now)
            let entry = try #require(try await database.catalogue.entry(slug: "plan-0"))
            for (index, status) in ["paid", "active", "awaiting_payment"].enumerated() {
                var order = Order(
                    accountID: customer.id, number: "R\(index)", idempotencyKey: "r\(index)", entry: entry,
                    cycle: .monthly,
                    domain: "r\(index).example", domainAction: .existing, currency: "GBP", priceMinor: 1999,
                    setupMinor: 0, domainMinor: 0, now: now
                )
                order.productName = name
                let placed = try await database.orders.place(
                    order, profile: nil, confirmation: nil, actor: customer, ip: ""
                ).order
                try await database.pool.write { db in
                    try db.execute(
                        sql: "UPDATE orders SET status = ? WHERE id = ?", arguments: [status, placed.id!.rawValue])
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

    @Test(
        "revenue by month and by product on the page and as escaped CSV; downloads audited; each brand sees only its own"
    )
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
            #expect(
                months.headers[.contentDisposition]?.hasPrefix("attachment; filename=\"revenue-by-month-from-") == true)
            let month = Self.month(clock.now())
            #expect(months.text.hasPrefix("month,currency,paid invoices,revenue\r\n"))
            #expect(months.text.contains("\(month),GBP,2,35.00\r\n"))
            let products = try await staff.get("/admin/reports/revenue-by-product.csv")
            #expect(
                products.text
                    == "product,currency,paid orders,revenue\r\n\"'=Evil \"\"Plan\"\", deluxe\",GBP,2,39.98\r\n")

            let audit = try await dependencies.accounts("acme") { try await $0.auditEntries(limit: 20) }
            #expect(audit.filter { $0.action == "report.exported" }.count == 2)

            // Another brand's staff see an empty report; this brand's session does not open theirs.
            #expect(try await staff.get("/admin/reports").status == .ok)
            let other = TestBrowser(client, host: "globex.localhost")
            #expect(try await other.get("/admin/reports").status == .seeOther, "signed out on globex")
            try await makeAccount(
                dependencies, tenant: "globex", kind: .staff, email: "owner@globex.example", role: .owner)
            #expect(try await signIn(other, email: "owner@globex.example", staff: true).status == .seeOther)
            let theirs = try await other.get("/admin/reports")
            #expect(theirs.text.contains("No paid invoices in this period yet."))
            #expect(theirs.text.contains("No paid orders in this period yet."))
            #expect(
                try await other.get("/admin/reports/revenue-by-product.csv").text
                    == "product,currency,paid orders,revenue\r\n")
        }
    }

    @Test(
        "reports are for staff only: every role reads them; customers and visitors do not",
        arguments: [
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

    @Test("the staff home shows this month's figures and two charts as SVG with labels and a table beside each")
    func dashboard() async throws {
        let clock = TestClock()
        try await withPortal(clock: clock) { client, dependencies in
            try await twoFactorOptional(dependencies)
            let now = clock.now()
            let customer = try await makeAccount(dependencies, email: "payer@example.com")
            let tenant = try dependencies.registryTenant("acme")
            let day = DateFormatter.utc("yyyy-MM-dd")
            try await dependencies.databases.withDatabase(for: tenant) { database in
                try await database.pool.write { db in
                    try db.execute(sql: "UPDATE products SET whmcs_product_id = 41 WHERE slug = 'plan-0'")
                }
                let services = [
                    (1, 41, "Active", "Monthly", 1000), (2, 41, "Active", "Annually", 12000),
                    (3, 99, "Active", "Quarterly", 3000),
                    (4, 41, "Suspended", "Monthly", 5000),
                ].map { id, product, status, cycle, amount in
                    MirroredService(
                        whmcsServiceID: id, accountID: customer.id, whmcsOrderID: id, whmcsProductID: product,
                        productName: "P\(id)",
                        domain: "s\(id).example", status: status, billingCycle: cycle, recurringMinor: Int64(amount),
                        nextDueDate: "2030-01-01",
                        username: "u\(id)"
                    )
                }
                let invoices = [
                    (1, day.string(from: now), day.string(from: now), 4200, "Paid"),
                    (2, day.string(from: now), day.string(from: now.addingTimeInterval(-86400)), 1500, "Unpaid"),
                    (3, day.string(from: now), day.string(from: now.addingTimeInterval(86400 * 7)), 500, "Unpaid"),
                ].map { id, date, due, total, status in
                    MirroredInvoice(
                        whmcsInvoiceID: id, accountID: customer.id, number: "I\(id)", date: date, dueDate: due,
                        totalMinor: Int64(total), status: status, currency: "GBP")
                }
                try await database.billing.replace(customer.id, services: services, invoices: invoices, at: now)
                let entry = try #require(try await database.catalogue.entry(slug: "plan-0"))
                for index in 0..<3 {
                    let order = Order(
                        accountID: customer.id, number: "D\(index)", idempotencyKey: "d\(index)", entry: entry,
                        cycle: .monthly,
                        domain: "d\(index).example", domainAction: .existing, currency: "GBP", priceMinor: 299,
                        setupMinor: 0, domainMinor: 0, now: now
                    )
                    let placed = try await database.orders.place(
                        order, profile: nil, confirmation: nil, actor: customer, ip: ""
                    ).order
                    if index == 0 {
                        try await database.pool.write { db in
                            try db.execute(
                                sql: "UPDATE orders SET status = 'failed' WHERE id = ?",
                                arguments: [placed.id!.rawValue])
                        }
                    }
                }
            }
            let figures = try await dependencies.databases.withDatabase(for: tenant) {
                try await $0.reports.figures(now: now, currency: "GBP")
            }
            #expect(
                figures.monthlyRecurringMinor == 1000 + 1000 + 1000,
                "monthly, annual ÷ 12, quarterly ÷ 3; suspended left out")
            #expect(figures.newOrders == 3 && figures.cancellations == 0 && figures.failedJobs == 1)
            #expect(figures.servicesByKind.map { "\($0.kind)=\($0.count)" } == ["shared_hosting=2", "other=1"])
            #expect(
                figures.unpaidMinor == 2000 && figures.unpaidCount == 2 && figures.overdueMinor == 1500
                    && figures.overdueCount == 1)
            #expect(figures.revenueByMonth.count == 12 && figures.revenueByMonth.last?.totalMinor == 4200)
            #expect(figures.ordersPerDay.count == 30 && figures.ordersPerDay.last?.count == 3)

            try await makeAccount(dependencies, kind: .staff, email: "support@acme.example", role: .support)
            let staff = TestBrowser(client, host: "acme.localhost")
            try await signIn(staff, email: "support@acme.example", staff: true)
            let home = try await staff.get("/admin")
            #expect(home.status == .ok)
            for text in [
                "£30.00", "Web hosting", "£20.00", "£15.00", "1 invoice past due", "Revenue by month, last 12 months",
                "Orders per day, last 30 days", "as a table",
            ] {
                #expect(home.text.contains(text), "\(text)")
            }
            // Each chart is well-formed SVG with a title, a description and a titled bar per month or day.
            let svgs = home.text.matches(of: /<svg[\s\S]*?<\/svg>/).map { String($0.0) }
            #expect(svgs.count == 2)
            for svg in svgs {
                let parser = XMLParser(data: Data(svg.utf8))
                let collector = SVGCollector()
                parser.delegate = collector
                #expect(parser.parse(), "well-formed: \(parser.parserError.map { "\($0)" } ?? "")")
                #expect(
                    collector.elements.first == "svg" && collector.elements.contains("title")
                        && collector.elements.contains("desc"))
                #expect(svg.contains(#"role="img""#) && svg.contains("aria-labelledby="))
                #expect([12, 30].contains(collector.elements.filter { $0 == "rect" }.count))
                #expect(collector.texts.contains("0"), "the axis is labelled")
            }
            #expect(svgs[0].contains("£42.00</title>"), "the bar of this month says its amount")

            // The rendered figures are reused only while they are the same: the next order shows at once.
            let newOrders = { (count: Int) in
                #"New orders this month</span> <strong class="figure__value"><a href="/admin/orders">\#(count)</a>"#
            }
            #expect(home.text.contains(newOrders(3)))
            #expect(try await staff.get("/admin").text == home.text, "the same figures give the same page")
            try await dependencies.databases.withDatabase(for: tenant) { database in
                let entry = try #require(try await database.catalogue.entry(slug: "plan-0"))
                let order = Order(
                    accountID: customer.id, number: "D3", idempotencyKey: "d3", entry: entry, cycle: .monthly,
                    domain: "d3.example", domainAction: .existing, currency: "GBP", priceMinor: 299,
                    setupMinor: 0, domainMinor: 0, now: now)
                _ = try await database.orders.place(order, profile: nil, confirmation: nil, actor: customer, ip: "")
            }
            let after = try await staff.get("/admin").text
            #expect(after.contains(newOrders(4)))
            #expect(!after.contains(newOrders(3)))

            // Another brand's staff see their own figures, never this brand's rendered ones.
            try await twoFactorOptional(dependencies, tenant: "globex")
            try await makeAccount(
                dependencies, tenant: "globex", kind: .staff, email: "owner@globex.example", role: .owner)
            let globex = TestBrowser(client, host: "globex.localhost")
            try await signIn(globex, email: "owner@globex.example", staff: true)
            let theirs = try await globex.get("/admin").text
            #expect(theirs.contains(newOrders(0)))
            #expect(!theirs.contains("£42.00"))
        }
    }
}

final class SVGCollector: NSObject, XMLParserDelegate, @unchecked Sendable {
    var elements: [String] = []
    var texts: [String] = []
    private var inText = false

    func parser(
        _ parser: XMLParser, didStartElement name: String, namespaceURI: String?, qualifiedName: String?,
        attributes: [String: String] = [:]
    ) {
        elements.append(name)
        inText = name == "text"
    }

    func parser(_ parser: XMLParser, foundCharacters string: String) {
        if inText { texts.append(string) }
    }

    func parser(_ parser: XMLParser, didEndElement name: String, namespaceURI: String?, qualifiedName: String?) {
        inText = false
    }
}

@Suite("Back-office query plans")
struct BackOfficePlanTests {
    @Test("every dashboard query reads through an index (EXPLAIN QUERY PLAN), never a full table scan")
    func plans() async throws {
        let folder = try TemporaryFolder()
        let database = try TenantDatabase.open(path: folder.path + "/tenant.sqlite", tenantID: Tenant.ID(1))
        defer { try? database.close() }
        try await database.pool.read { db in
            for sql in FigureSQL.all {
                let placeholders = sql.filter { $0 == "?" }.count
                let plan = try Row.fetchAll(
                    db, sql: "EXPLAIN QUERY PLAN " + sql,
                    arguments: StatementArguments(Array(repeating: "2026-01-01", count: placeholders))
                ).map { $0["detail"] as String }
                // "SCAN CONSTANT ROW" is the one-row outer SELECT of subqueries, not a table.
                for line in plan
                where (line.hasPrefix("SCAN") || line.hasPrefix("SEARCH")) && line != "SCAN CONSTANT ROW" {
                    #expect(line.contains("USING"), "\(line) in \(sql)")
                }
                #expect(!plan.isEmpty)
            }
        }
    }
}
