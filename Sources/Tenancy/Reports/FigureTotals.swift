import GRDB

/// Totals the staff dashboard reads instead of scanning the billing copy: active services and their recurring amounts
/// per product and cycle, invoice totals per status, currency and month and per due date, and orders per day. Kept by
/// triggers, so every change to `service_mirror`, `invoice_mirror` or `orders` (the portal's, the CLI's) updates them
/// in its own transaction, and they are never behind the rows they sum.
enum FigureTotals {
    static func create(_ db: Database) throws {
        try db.execute(
            sql: """
                CREATE TABLE service_totals (
                    status TEXT NOT NULL,
                    whmcs_product_id INTEGER NOT NULL,
                    billing_cycle TEXT NOT NULL,
                    services INTEGER NOT NULL,
                    recurring_minor INTEGER NOT NULL,
                    PRIMARY KEY (status, whmcs_product_id, billing_cycle)
                ) WITHOUT ROWID;
                CREATE TABLE invoice_totals (
                    status TEXT NOT NULL,
                    currency TEXT NOT NULL,
                    month TEXT NOT NULL,
                    invoices INTEGER NOT NULL,
                    total_minor INTEGER NOT NULL,
                    PRIMARY KEY (status, currency, month)
                ) WITHOUT ROWID;

                \(triggers(of: services))
                \(triggers(of: invoices))

                \(fill(services))
                \(fill(invoices))
                """)
    }

    /// Invoices per status, currency and due date, and orders per day and kind of change: the unpaid and overdue
    /// figures and the orders chart, which were still read by scanning (half a millisecond over 4,000 unpaid invoices
    /// and a millisecond over a month's 1,300 orders, of a 2.4 ms figures read on the bench's brand).
    static func createDaily(_ db: Database) throws {
        try db.execute(
            sql: """
                CREATE TABLE invoice_due_totals (
                    status TEXT NOT NULL,
                    currency TEXT NOT NULL,
                    due_date TEXT NOT NULL,
                    invoices INTEGER NOT NULL,
                    total_minor INTEGER NOT NULL,
                    PRIMARY KEY (status, currency, due_date)
                ) WITHOUT ROWID;
                CREATE TABLE order_day_totals (
                    day TEXT NOT NULL,
                    change_kind TEXT NOT NULL,
                    orders INTEGER NOT NULL,
                    PRIMARY KEY (day, change_kind)
                ) WITHOUT ROWID;

                \(triggers(of: invoicesByDueDate))
                \(triggers(of: ordersByDay))

                \(fill(invoicesByDueDate))
                \(fill(ordersByDay))
                """)
    }

    /// A total kept per group of a table's rows: the group columns and their values for a row, what is
    /// counted and summed (if anything), and the row columns whose change moves a row between groups or changes its
    /// sum.
    private struct Total {
        let table: String
        let totals: String
        /// Each group column of the totals, and its value for a row (`NEW`, `OLD`); never NULL (a key column).
        let groups: [(column: String, value: @Sendable (String) -> String)]
        let count: String
        let sum: String?
        let watched: String
    }

    private static let services = Total(
        table: "service_mirror", totals: "service_totals",
        groups: [
            ("status", { "\($0).status" }), ("whmcs_product_id", { "\($0).whmcs_product_id" }),
            ("billing_cycle", { "\($0).billing_cycle" }),
        ],
        count: "services", sum: "recurring_minor", watched: "status, whmcs_product_id, billing_cycle, recurring_minor")
    private static let invoices = Total(
        table: "invoice_mirror", totals: "invoice_totals",
        groups: [
            ("status", { "\($0).status" }), ("currency", { "\($0).currency" }),
            ("month", { "substr(\($0).date, 1, 7)" }),
        ],
        count: "invoices", sum: "total_minor", watched: "status, currency, date, total_minor")
    private static let invoicesByDueDate = Total(
        table: "invoice_mirror", totals: "invoice_due_totals",
        groups: [
            ("status", { "\($0).status" }), ("currency", { "\($0).currency" }), ("due_date", { "\($0).due_date" }),
        ],
        count: "invoices", sum: "total_minor", watched: "status, currency, due_date, total_minor")
    private static let ordersByDay = Total(
        table: "orders", totals: "order_day_totals",
        groups: [
            ("day", { "substr(\($0).created_at, 1, 10)" }), ("change_kind", { "coalesce(\($0).change_kind, '')" }),
        ],
        count: "orders", sum: nil, watched: "created_at, change_kind")

    /// Fills `total` from the rows its table holds (a database that migrates), with the groups its triggers keep.
    private static func fill(_ total: Total) -> String {
        let groups = total.groups.map { $0.value(total.table) }
        let sum = total.sum.map { ", sum(\(total.table).\($0))" } ?? ""
        let positions = (1...groups.count).map(String.init).joined(separator: ", ")
        return """
            INSERT INTO \(total.totals) SELECT \(groups.joined(separator: ", ")), count(*)\(sum) FROM \(total.table)
                GROUP BY \(positions);
            """
    }

    /// Insert, delete and update triggers on `total.table`: a deleted row leaves its group's total (and a group with
    /// no rows left goes), an inserted row joins its group, an update of a grouped or summed column does both.
    private static func triggers(of total: Total) -> String {
        func remove(_ row: String) -> String {
            let group = total.groups.map { "\($0.column) = \($0.value(row))" }.joined(separator: " AND ")
            let sum = total.sum.map { ", \($0) = \($0) - \(row).\($0)" } ?? ""
            return """
                UPDATE \(total.totals) SET \(total.count) = \(total.count) - 1\(sum)
                    WHERE \(group);
                DELETE FROM \(total.totals) WHERE \(total.count) = 0 AND \(group);

                """
        }
        func add(_ row: String) -> String {
            let values = total.groups.map { $0.value(row) }.joined(separator: ", ")
            let (sumValue, sumUpdate) =
                total.sum.map { (", \(row).\($0)", ", \($0) = \($0) + excluded.\($0)") } ?? ("", "")
            return """
                INSERT INTO \(total.totals) VALUES (\(values), 1\(sumValue))
                    ON CONFLICT DO UPDATE SET \(total.count) = \(total.count) + 1\(sumUpdate);

                """
        }
        return """
            CREATE TRIGGER \(total.totals)_insert AFTER INSERT ON \(total.table) BEGIN
            \(add("NEW"))END;
            CREATE TRIGGER \(total.totals)_delete AFTER DELETE ON \(total.table) BEGIN
            \(remove("OLD"))END;
            CREATE TRIGGER \(total.totals)_update AFTER UPDATE OF \(total.watched) ON \(total.table) BEGIN
            \(remove("OLD"))\(add("NEW"))END;
            """
    }
}
