import Foundation
import GRDB

/// A customer's WHMCS service as last read, kept locally so the customer's pages never wait on WHMCS.
package struct MirroredService: Codable, Hashable, Sendable, FetchableRecord, PersistableRecord {
    package var whmcsServiceID: Int
    package var accountID: Account.ID
    package var whmcsOrderID: Int
    package var whmcsProductID: Int
    package var productName: String
    package var domain: String
    /// WHMCS's words: Pending, Active, Suspended, Terminated, Cancelled, Fraud, Completed.
    package var status: String
    package var billingCycle: String
    package var recurringMinor: Int64
    /// `yyyy-MM-dd`, empty when WHMCS has none.
    package var nextDueDate: String
    package var username: String

    package init(
        whmcsServiceID: Int, accountID: Account.ID, whmcsOrderID: Int, whmcsProductID: Int, productName: String,
        domain: String,
        status: String, billingCycle: String, recurringMinor: Int64, nextDueDate: String, username: String
    ) {
        self.whmcsServiceID = whmcsServiceID
        self.accountID = accountID
        self.whmcsOrderID = whmcsOrderID
        self.whmcsProductID = whmcsProductID
        self.productName = productName
        self.domain = domain
        self.status = status
        self.billingCycle = billingCycle
        self.recurringMinor = recurringMinor
        self.nextDueDate = nextDueDate
        self.username = username
    }

    /// Read by hand rather than through `Decodable`: the dashboard reads these on every view.
    package init(row: Row) throws {
        whmcsServiceID = row["whmcs_service_id"]
        accountID = Account.ID(row["account_id"] as Int64)
        whmcsOrderID = row["whmcs_order_id"]
        whmcsProductID = row["whmcs_product_id"]
        productName = row["product_name"]
        domain = row["domain"]
        status = row["status"]
        billingCycle = row["billing_cycle"]
        recurringMinor = row["recurring_minor"]
        nextDueDate = row["next_due_date"]
        username = row["username"]
    }

    package static let databaseTableName = "service_mirror"
    package enum CodingKeys: String, CodingKey {
        case domain, status, username
        case whmcsServiceID = "whmcs_service_id"
        case accountID = "account_id"
        case whmcsOrderID = "whmcs_order_id"
        case whmcsProductID = "whmcs_product_id"
        case productName = "product_name"
        case billingCycle = "billing_cycle"
        case recurringMinor = "recurring_minor"
        case nextDueDate = "next_due_date"
    }

    package var isActive: Bool { status == "Active" }
}

/// A customer's WHMCS invoice as last read.
package struct MirroredInvoice: Codable, Hashable, Sendable, FetchableRecord, PersistableRecord {
    package var whmcsInvoiceID: Int
    package var accountID: Account.ID
    package var number: String
    package var date: String
    package var dueDate: String
    package var totalMinor: Int64
    /// Paid, Unpaid, Cancelled, Refunded, Collections, Draft.
    package var status: String
    package var currency: String

    package init(
        whmcsInvoiceID: Int, accountID: Account.ID, number: String, date: String, dueDate: String, totalMinor: Int64,
        status: String,
        currency: String
    ) {
        self.whmcsInvoiceID = whmcsInvoiceID
        self.accountID = accountID
        self.number = number
        self.date = date
        self.dueDate = dueDate
        self.totalMinor = totalMinor
        self.status = status
        self.currency = currency
    }

    /// Read by hand rather than through `Decodable`, like the services.
    package init(row: Row) throws {
        whmcsInvoiceID = row["whmcs_invoice_id"]
        accountID = Account.ID(row["account_id"] as Int64)
        number = row["number"]
        date = row["date"]
        dueDate = row["due_date"]
        totalMinor = row["total_minor"]
        status = row["status"]
        currency = row["currency"]
    }

    package static let databaseTableName = "invoice_mirror"
    package enum CodingKeys: String, CodingKey {
        case number, date, status, currency
        case whmcsInvoiceID = "whmcs_invoice_id"
        case accountID = "account_id"
        case dueDate = "due_date"
        case totalMinor = "total_minor"
    }

    /// Unpaid and past its due date on `today` (`yyyy-MM-dd`).
    package func isOverdue(today: String) -> Bool { status == "Unpaid" && !dueDate.isEmpty && dueDate < today }
}

/// The local copy of each customer's services and invoices; each method is one transaction.
package struct BillingMirrorStore: Sendable {
    let pool: DatabasePool
    /// Dashboards read before, reused until the database next commits, and the connection they are read on.
    var dashboardReads: CommittedReads<DashboardKey, Dashboard>?
    var inline: InlineReader?

    static func create(_ db: Database) throws {
        try db.execute(
            sql: """
                CREATE TABLE service_mirror (
                    whmcs_service_id INTEGER PRIMARY KEY,
                    account_id INTEGER NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
                    whmcs_order_id INTEGER NOT NULL,
                    whmcs_product_id INTEGER NOT NULL,
                    product_name TEXT NOT NULL,
                    domain TEXT NOT NULL,
                    status TEXT NOT NULL,
                    billing_cycle TEXT NOT NULL,
                    recurring_minor INTEGER NOT NULL,
                    next_due_date TEXT NOT NULL,
                    username TEXT NOT NULL
                );
                CREATE INDEX service_mirror_by_account ON service_mirror(account_id, status);
                CREATE TABLE invoice_mirror (
                    whmcs_invoice_id INTEGER PRIMARY KEY,
                    account_id INTEGER NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
                    number TEXT NOT NULL,
                    date TEXT NOT NULL,
                    due_date TEXT NOT NULL,
                    total_minor INTEGER NOT NULL,
                    status TEXT NOT NULL,
                    currency TEXT NOT NULL
                );
                CREATE INDEX invoice_mirror_by_account ON invoice_mirror(account_id, status, due_date);
                CREATE TABLE mirror_state (
                    account_id INTEGER PRIMARY KEY REFERENCES accounts(id) ON DELETE CASCADE,
                    refreshed_at DATETIME NOT NULL
                );
                """
        )
    }

    /// Sets one of the customer's mirrored services to `status` (after staff suspended or restored it in WHMCS),
    /// with an audit entry; false when the customer has no such service.
    package func setServiceStatus(
        _ serviceID: Int, of account: Account.ID, to status: String, actor: Account, target: String, action: String,
        ip: String, now: Date = Date()
    ) async throws -> Bool {
        try await pool.write { db in
            try db.execute(
                sql: "UPDATE service_mirror SET status = ? WHERE whmcs_service_id = ? AND account_id = ?",
                arguments: [status, serviceID, account.rawValue]
            )
            guard db.changesCount == 1 else { return false }
            try AccountStore.appendAudit(
                db, action, actor: actor, target: target, detail: "service \(serviceID)", ip: ip, now: now)
            return true
        }
    }

    /// Replaces everything known about one customer's services and invoices, in one transaction.
    package func replace(
        _ account: Account.ID, services: [MirroredService], invoices: [MirroredInvoice], at now: Date = Date()
    ) async throws {
        try await pool.write { db in
            try db.execute(sql: "DELETE FROM service_mirror WHERE account_id = ?", arguments: [account.rawValue])
            try db.execute(sql: "DELETE FROM invoice_mirror WHERE account_id = ?", arguments: [account.rawValue])
            for service in services { try service.insert(db) }
            for invoice in invoices { try invoice.insert(db) }
            try db.execute(
                sql:
                    "INSERT INTO mirror_state (account_id, refreshed_at) VALUES (?, ?) ON CONFLICT(account_id) DO UPDATE SET refreshed_at = excluded.refreshed_at",
                arguments: [account.rawValue, now]
            )
        }
    }

    /// Makes the next page view read WHMCS again.
    package func markStale(_ account: Account.ID) async throws {
        try await pool.write { db in
            try db.execute(sql: "DELETE FROM mirror_state WHERE account_id = ?", arguments: [account.rawValue])
        }
    }

    /// When the customer's copy was last refreshed; nil if never.
    package func refreshedAt(_ account: Account.ID) async throws -> Date? {
        try await pool.read { db in
            try Date.fetchOne(
                db, sql: "SELECT refreshed_at FROM mirror_state WHERE account_id = ?", arguments: [account.rawValue])
        }
    }

    package func services(of account: Account.ID, limit: Int = 50, offset: Int = 0) async throws -> (
        items: [MirroredService], total: Int
    ) {
        try await pool.read { db in
            let request = MirroredService.filter(Column("account_id") == account.rawValue)
            return (
                try request.order(Column("status") != "Active", Column("whmcs_service_id").desc).limit(
                    limit, offset: offset
                ).fetchAll(db),
                try request.fetchCount(db)
            )
        }
    }

    /// The service only when it belongs to `account`.
    package func service(_ id: Int, of account: Account.ID) async throws -> MirroredService? {
        try await pool.read { db in
            try MirroredService.filter(Column("whmcs_service_id") == id && Column("account_id") == account.rawValue)
                .fetchOne(db)
        }
    }

    package enum InvoiceFilter: String, Sendable, CaseIterable {
        case all, unpaid, overdue, paid
    }

    package func invoices(
        of account: Account.ID, filter: InvoiceFilter, today: String, limit: Int = 20, offset: Int = 0
    ) async throws
        -> (items: [MirroredInvoice], total: Int)
    {
        try await pool.read { db in
            var request = MirroredInvoice.filter(Column("account_id") == account.rawValue)
            switch filter {
            case .all: break
            case .unpaid: request = request.filter(Column("status") == "Unpaid")
            case .overdue: request = request.filter(Column("status") == "Unpaid" && Column("due_date") < today)
            case .paid: request = request.filter(Column("status") == "Paid")
            }
            return (
                try request.order(Column("whmcs_invoice_id").desc).limit(limit, offset: offset).fetchAll(db),
                try request.fetchCount(db)
            )
        }
    }

    /// Any customer's invoice, by its WHMCS id (the back office).
    package func invoice(_ id: Int) async throws -> MirroredInvoice? {
        try await pool.read { db in try MirroredInvoice.filter(Column("whmcs_invoice_id") == id).fetchOne(db) }
    }

    /// The invoice only when it belongs to `account`.
    package func invoice(_ id: Int, of account: Account.ID) async throws -> MirroredInvoice? {
        try await pool.read { db in
            try MirroredInvoice.filter(Column("whmcs_invoice_id") == id && Column("account_id") == account.rawValue)
                .fetchOne(db)
        }
    }

    /// What the dashboard shows, read in one transaction from local tables only.
    package struct Summary: Sendable, Equatable {
        package var activeServices: [MirroredService]
        package var unpaidInvoices: [MirroredInvoice]
        package var dueMinor: [String: Int64]
        package var renewals: [MirroredService]
        package var refreshedAt: Date?
    }

    /// Everything the customer dashboard reads, in one read transaction with prepared statements reused across
    /// requests: the busiest signed-in page should cost one trip to the database.
    package struct Dashboard: Sendable, Equatable {
        package var summary: Summary
        package var ordersUnderWay: Int
        package var openTickets: Int
    }

    struct DashboardKey: Hashable, Sendable {
        let account: Account.ID
        let today: String
    }

    package func dashboard(of account: Account.ID, today: String) async throws -> Dashboard {
        try await stampedDashboard(of: account, today: today).value
    }

    /// The dashboard with the stamp of the read it came from: a page rendered from an equal stamp shows it as is.
    package func stampedDashboard(of account: Account.ID, today: String) async throws
        -> StampedRead<Dashboard>
    {
        guard let dashboardReads, let inline else {
            return .unique(try await pool.read { db in try Self.readDashboard(db, of: account, today: today) })
        }
        let key = DashboardKey(account: account, today: today)
        return try dashboardReads.stamped(for: key) {
            try inline.read { db in try Self.readDashboard(db, of: account, today: today) }
        }
    }

    private static func readDashboard(_ db: Database, of account: Account.ID, today: String) throws -> Dashboard {
        do {
            let id = account.rawValue
            let active = try MirroredService.fetchAll(
                db.cachedStatement(
                    sql:
                        "SELECT * FROM service_mirror WHERE account_id = ? AND status = 'Active' ORDER BY whmcs_service_id DESC LIMIT 5"
                ),
                arguments: [id]
            )
            let unpaid = try MirroredInvoice.fetchAll(
                db.cachedStatement(
                    sql:
                        "SELECT * FROM invoice_mirror WHERE account_id = ? AND status = 'Unpaid' ORDER BY due_date LIMIT 5"
                ),
                arguments: [id]
            )
            var due: [String: Int64] = [:]
            for row in try Row.fetchAll(
                db.cachedStatement(
                    sql:
                        "SELECT currency, sum(total_minor) AS due FROM invoice_mirror WHERE account_id = ? AND status = 'Unpaid' GROUP BY currency"
                ),
                arguments: [id]
            ) {
                due[row["currency"]] = row["due"]
            }
            let renewals = try MirroredService.fetchAll(
                db.cachedStatement(
                    sql: """
                        SELECT * FROM service_mirror WHERE account_id = ? AND status = 'Active' AND next_due_date >= ? ORDER BY next_due_date LIMIT 3
                        """),
                arguments: [id, today]
            )
            let refreshed = try Date.fetchOne(
                db.cachedStatement(sql: "SELECT refreshed_at FROM mirror_state WHERE account_id = ?"), arguments: [id])
            let orders =
                try Int.fetchOne(
                    db.cachedStatement(
                        sql: """
                            SELECT count(*) FROM orders WHERE account_id = ? AND status IN ('awaiting_payment', 'paid', 'provisioning', 'failed')
                            """),
                    arguments: [id]
                ) ?? 0
            let tickets =
                try Int.fetchOne(
                    db.cachedStatement(
                        sql:
                            "SELECT count(*) FROM tickets WHERE account_id = ? AND whmcs_ticket_id IS NOT NULL AND status != 'Closed'"
                    ),
                    arguments: [id]
                ) ?? 0
            return Dashboard(
                summary: Summary(
                    activeServices: active, unpaidInvoices: unpaid, dueMinor: due, renewals: renewals,
                    refreshedAt: refreshed),
                ordersUnderWay: orders, openTickets: tickets
            )
        }
    }
}

extension TenantDatabase {
    /// The local copy of customers' WHMCS services and invoices.
    package var billing: BillingMirrorStore {
        BillingMirrorStore(pool: pool, dashboardReads: reads.dashboards, inline: reads.inline)
    }
}
