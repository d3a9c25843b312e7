import Foundation
import GRDB

/// The rows `portal bench-prepare` seeds into benchmark tenants: a catalogue and a signed-in customer per brand,
/// and a back-office tenant with many customers. Sessions are given by their token hash, so no token is stored.
package enum BenchData {
    /// Three plans priced per brand, and the brand's benchmark customer (`customerSession` is its token's hash).
    package static func seedCatalogue(_ database: TenantDatabase, number: Int, customerSession: String) throws {
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
            try seedCustomer(db, number: number, session: customerSession)
        }
    }

    /// Many customers with services, invoices, orders and tickets, and a signed-in owner (no second factor asked).
    package static func seedOffice(
        _ database: TenantDatabase, customers: Int, services: Int, ownerSession: String
    ) throws {
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
                idHash: ownerSession, accountID: owner.id, csrfToken: UUID().uuidString,
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

    /// A customer with a live session, three services and four invoices in the local copy of WHMCS (marked fresh
    /// for a day, so the dashboard bench measures the page and not WHMCS).
    static func seedCustomer(_ db: Database, number: Int, session: String) throws {
        let now = Date()
        let account = try AccountStore.insertAccount(
            db, kind: .customer, email: "customer@b\(number).example", name: "Bench Customer \(number)",
            company: "",
            passwordHash: nil, role: nil, emailVerifiedAt: now, now: now
        )
        try AccountSession(
            idHash: session, accountID: account.id, csrfToken: UUID().uuidString,
            secondFactorPending: false,
            createdAt: now, expiresAt: now.addingTimeInterval(12 * 3600), userAgent: "wrk", ip: "127.0.0.1"
        ).insert(db)
        for index in 1...3 {
            try MirroredService(
                whmcsServiceID: number * 10 + index, accountID: account.id, whmcsOrderID: index, whmcsProductID: index,
                productName: "Plan \(index)", domain: "site\(index).b\(number).example", status: "Active",
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
