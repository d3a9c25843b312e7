import ArgumentParser
import Branding
import Foundation
import GRDB
import Tenancy

/// `portal bench-prepare`: fills a data folder with many small tenants for `make bench`.
struct BenchPrepareCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench-prepare",
        abstract: "Create N benchmark tenants (b00001 …) with a brand, three products and a signed-in customer each.",
        discussion: "Example:\n  portal bench-prepare --tenants 10000 --data-dir /tmp/portal-bench",
        shouldDisplay: false
    )

    @Option(help: "How many tenants to create.") var tenants = 10_000
    @Option(
        name: .customLong("office-customers"),
        help: "Also create the back-office tenant `office` with this many customers (0: none).")
    var officeCustomers = 0
    @Option(
        name: .customLong("office-services"),
        help: "How many services the back-office tenant's customers hold between them.")
    var officeServices = 50_000
    @OptionGroup var data: DataOptions
    @OptionGroup var domain: DomainOptions

    func run() async throws {
        guard (1...99_999).contains(tenants) else { throw CommandError("--tenants must be between 1 and 99999") }
        let dataDirectory = DataDirectory(path: data.resolvedDataDir)
        let onboarding = TenantOnboarding(
            platform: try PlatformDatabase(dataDirectory: dataDirectory),
            dataDirectory: dataDirectory,
            baseDomain: try domain.resolvedBaseDomain()
        )
        defer { try? onboarding.platform.close() }
        let existing = Set(try onboarding.platform.allTenants().map(\.slug.rawValue))
        let start = ContinuousClock.now
        var created = 0
        for number in 1...tenants {
            let slug = BenchTenants.slug(number)
            if !existing.contains(slug) {
                try onboarding.addTenant(.init(slug: slug, name: "Bench Brand \(number)")) { database, _ in
                    try BenchTenants.seed(database, number: number)
                }
                created += 1
            }
            if number % 500 == 0 || number == tenants {
                let seconds = Double(start.duration(to: .now).components.seconds)
                Console.line("bench-prepare: \(number)/\(tenants) tenants ready (\(Int(seconds)) s)")
            }
        }
        Console.line("bench-prepare: created \(created), kept \(tenants - created) in \(dataDirectory.root.path)")
        if officeCustomers > 0, !existing.contains(BenchTenants.office) {
            let started = ContinuousClock.now
            let (customers, services) = (officeCustomers, officeServices)
            try onboarding.addTenant(.init(slug: BenchTenants.office, name: "Bench Office")) { database, _ in
                try BenchTenants.seed(database, number: 0)
                try BenchTenants.seedOffice(database, customers: customers, services: services)
            }
            Console.line(
                "bench-prepare: back-office tenant \(BenchTenants.office) with \(customers) customers and \(services) services"
                    + " in \(started.duration(to: .now).components.seconds) s"
            )
        }
    }
}

/// The shape of the benchmark tenants: distinct names, colours and prices per tenant.
enum BenchTenants {
    static func slug(_ number: Int) -> String {
        "b" + String(number).leftPadded(to: 5).replacingOccurrences(of: " ", with: "0")
    }

    static func seed(_ database: TenantDatabase, number: Int) throws {
        let hue = (number * 37) % 200
        try database.updateBrandNow { brand in
            brand.tagline = "Hosting brand number \(number)"
            brand.primaryColor =
                (try? HexColor(String(format: "#%02x%02x%02x", 20 + hue / 2, 40, 120 + hue / 4)))
                ?? brand.primaryColor
        }
        try database.pool.write { db in
            for (index, plan) in ["Starter", "Business", "Agency"].enumerated() {
                var product = Product(
                    slug: plan.lowercased(), name: "\(plan) \(number)",
                    summary: "The \(plan.lowercased()) plan of brand \(number).",
                    kind: .sharedHosting,
                    features: ["\(10 * (index + 1)) GB SSD storage", "Free SSL", "Daily backups"], position: index
                )
                product.whmPackage = plan.lowercased()
                product.diskMB = 10_240 * (index + 1)
                let price = ProductPrice(
                    cycle: .monthly, priceMinor: Int64(299 + index * 400 + number % 100), costMinor: 140)
                try CatalogueStore.insert(db, CatalogueEntry(product: product, prices: [price]))
            }
            try seedCustomer(db, number: number)
        }
    }

    /// The back-office benchmark tenant.
    static let office = "office"
    /// The session cookie value of the back-office tenant's owner.
    static let officeStaffToken = "bench-staff-session-0123456789abcdef0123456789"

    /// Many customers with services, invoices, orders and tickets, and a signed-in owner (no second factor asked).
    static func seedOffice(_ database: TenantDatabase, customers: Int, services: Int) throws {
        let now = Date()
        let cycles = ["Monthly", "Monthly", "Annually", "Quarterly"]
        let statuses = ["Active", "Active", "Active", "Active", "Suspended", "Cancelled"]
        try database.pool.write { db in
            try db.execute(sql: "UPDATE products SET whmcs_product_id = position + 1")
            try db.execute(sql: "INSERT INTO settings (key, value) VALUES ('staff_two_factor', 'off')")
            let owner = try AccountStore.insertAccount(
                db, kind: .staff, email: "owner@office.example", name: "Office Owner", company: "", passwordHash: nil,
                role: .owner,
                emailVerifiedAt: now, now: now
            )
            try AccountSession(
                idHash: SecureToken.hash(officeStaffToken), accountID: owner.id, csrfToken: SecureToken.generate(),
                secondFactorPending: false,
                createdAt: now, expiresAt: now.addingTimeInterval(12 * 3600), userAgent: "wrk", ip: "127.0.0.1"
            ).insert(db)
            let entry = try Product.filter(Product.Columns.slug == "starter").fetchOne(db).map {
                try CatalogueStore.entry(db, $0)
            }
            var serviceID = 100
            for number in 1...customers {
                let account = try AccountStore.insertAccount(
                    db, kind: .customer, email: "customer\(number)@office.example", name: "Customer \(number)",
                    company: "Company \(number % 500)",
                    passwordHash: nil, role: nil, emailVerifiedAt: now,
                    now: now.addingTimeInterval(-Double(number) * 600)
                )
                let share = services / customers + (number <= services % customers ? 1 : 0)
                for _ in 0..<share {
                    serviceID += 1
                    try MirroredService(
                        whmcsServiceID: serviceID, accountID: account.id, whmcsOrderID: serviceID,
                        whmcsProductID: serviceID % 3 + 1,
                        productName: "Plan \(serviceID % 3 + 1)", domain: "site\(serviceID).office.example",
                        status: statuses[serviceID % statuses.count],
                        billingCycle: cycles[serviceID % cycles.count], recurringMinor: Int64(299 + serviceID % 900),
                        nextDueDate: "2027-01-01",
                        username: "u\(serviceID)"
                    ).insert(db)
                }
                for index in 1...2 {
                    let day = (number * 7 + index * 13) % 360
                    let date = DateFormatter.utc("yyyy-MM-dd").string(
                        from: now.addingTimeInterval(-Double(day) * 86_400))
                    try MirroredInvoice(
                        whmcsInvoiceID: number * 10 + index, accountID: account.id, number: "\(number)-\(index)",
                        date: date, dueDate: date,
                        totalMinor: Int64(500 + (number * index) % 5_000),
                        status: (number + index) % 5 == 0 ? "Unpaid" : "Paid", currency: "GBP"
                    ).insert(db)
                }
                if number % 2 == 0, let entry {
                    var order = Order(
                        accountID: account.id, number: "O\(number)", idempotencyKey: "o\(number)", entry: entry,
                        cycle: .monthly,
                        domain: "order\(number).office.example", domainAction: .existing, currency: "GBP",
                        priceMinor: 299, setupMinor: 0,
                        domainMinor: 0, now: now.addingTimeInterval(-Double(number % 30) * 86_400)
                    )
                    try order.insert(db)
                }
                if number % 10 == 0 {
                    try db.execute(
                        sql: """
                            INSERT INTO tickets (account_id, idempotency_key, number, department_id, department_name, subject, status, created_at, updated_at)
                            VALUES (?, ?, ?, 1, 'Support', 'Question', ?, ?, ?)
                            """,
                        arguments: [
                            account.id.rawValue, "t\(number)", "T\(number)", number % 30 == 0 ? "Closed" : "Open", now,
                            now,
                        ]
                    )
                }
            }
        }
    }

    /// The session cookie value of tenant `number`'s benchmark customer (`__Host-session`).
    static func sessionToken(_ number: Int) -> String { "bench-session-\(number)-0123456789abcdef0123456789" }

    /// A customer with a live session, three services and four invoices in the local copy of WHMCS (marked fresh
    /// for a day, so the dashboard bench measures the page and not WHMCS).
    static func seedCustomer(_ db: Database, number: Int) throws {
        let now = Date()
        let account = try AccountStore.insertAccount(
            db, kind: .customer, email: "customer@\(slug(number)).example", name: "Bench Customer \(number)",
            company: "",
            passwordHash: nil, role: nil, emailVerifiedAt: now, now: now
        )
        try AccountSession(
            idHash: SecureToken.hash(sessionToken(number)), accountID: account.id, csrfToken: SecureToken.generate(),
            secondFactorPending: false,
            createdAt: now, expiresAt: now.addingTimeInterval(12 * 3600), userAgent: "wrk", ip: "127.0.0.1"
        ).insert(db)
        for index in 1...3 {
            try MirroredService(
                whmcsServiceID: number * 10 + index, accountID: account.id, whmcsOrderID: index, whmcsProductID: index,
                productName: "Plan \(index)", domain: "site\(index).\(slug(number)).example", status: "Active",
                billingCycle: "Monthly",
                recurringMinor: Int64(299 * index), nextDueDate: "2027-0\(index)-01", username: "user\(index)"
            ).insert(db)
        }
        for index in 1...4 {
            try MirroredInvoice(
                whmcsInvoiceID: number * 10 + index, accountID: account.id, number: String(number * 10 + index),
                date: "2026-11-0\(index)",
                dueDate: "2026-12-0\(index)", totalMinor: Int64(299 * index), status: index <= 2 ? "Unpaid" : "Paid",
                currency: "GBP"
            ).insert(db)
        }
        try db.execute(
            sql: "INSERT INTO mirror_state (account_id, refreshed_at) VALUES (?, ?)",
            arguments: [account.id.rawValue, now.addingTimeInterval(86_400)]
        )
    }
}
