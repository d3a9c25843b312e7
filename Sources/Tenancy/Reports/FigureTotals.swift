import GRDB

/// Totals the staff dashboard reads instead of scanning the billing copy: active services and their recurring amounts
/// per product and cycle, and invoice totals per status, currency and month. Kept by triggers, so every change to
/// `service_mirror` or `invoice_mirror` (the portal's, the CLI's) updates them in its own transaction, and they are
/// never behind the rows they sum.
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

                \(serviceTrigger("insert", "AFTER INSERT", add: "NEW"))
                \(serviceTrigger("delete", "AFTER DELETE", remove: "OLD"))
                \(serviceTrigger(
                    "update", "AFTER UPDATE OF status, whmcs_product_id, billing_cycle, recurring_minor",
                    remove: "OLD", add: "NEW"))
                \(invoiceTrigger("insert", "AFTER INSERT", add: "NEW"))
                \(invoiceTrigger("delete", "AFTER DELETE", remove: "OLD"))
                \(invoiceTrigger(
                    "update", "AFTER UPDATE OF status, currency, date, total_minor", remove: "OLD", add: "NEW"))

                INSERT INTO service_totals
                    SELECT status, whmcs_product_id, billing_cycle, count(*), sum(recurring_minor) FROM service_mirror
                    GROUP BY 1, 2, 3;
                INSERT INTO invoice_totals
                    SELECT status, currency, substr(date, 1, 7), count(*), sum(total_minor) FROM invoice_mirror
                    GROUP BY 1, 2, 3;
                """)
    }

    /// A trigger that takes `remove`'s row out of its total and adds `add`'s; totals that reach zero rows go.
    private static func serviceTrigger(_ name: String, _ event: String, remove: String? = nil, add: String? = nil)
        -> String
    {
        var body = ""
        if let row = remove {
            body += """
                UPDATE service_totals SET services = services - 1, recurring_minor = recurring_minor - \(row).recurring_minor
                    WHERE status = \(row).status AND whmcs_product_id = \(row).whmcs_product_id
                        AND billing_cycle = \(row).billing_cycle;
                DELETE FROM service_totals WHERE services = 0 AND status = \(row).status
                    AND whmcs_product_id = \(row).whmcs_product_id AND billing_cycle = \(row).billing_cycle;

                """
        }
        if let row = add {
            body += """
                INSERT INTO service_totals VALUES (\(row).status, \(row).whmcs_product_id, \(row).billing_cycle, 1, \(row).recurring_minor)
                    ON CONFLICT DO UPDATE SET services = services + 1, recurring_minor = recurring_minor + excluded.recurring_minor;

                """
        }
        return "CREATE TRIGGER service_totals_\(name) \(event) ON service_mirror BEGIN\n\(body)END;"
    }

    private static func invoiceTrigger(_ name: String, _ event: String, remove: String? = nil, add: String? = nil)
        -> String
    {
        var body = ""
        if let row = remove {
            body += """
                UPDATE invoice_totals SET invoices = invoices - 1, total_minor = total_minor - \(row).total_minor
                    WHERE status = \(row).status AND currency = \(row).currency AND month = substr(\(row).date, 1, 7);
                DELETE FROM invoice_totals WHERE invoices = 0 AND status = \(row).status AND currency = \(row).currency
                    AND month = substr(\(row).date, 1, 7);

                """
        }
        if let row = add {
            body += """
                INSERT INTO invoice_totals VALUES (\(row).status, \(row).currency, substr(\(row).date, 1, 7), 1, \(row).total_minor)
                    ON CONFLICT DO UPDATE SET invoices = invoices + 1, total_minor = total_minor + excluded.total_minor;

                """
        }
        return "CREATE TRIGGER invoice_totals_\(name) \(event) ON invoice_mirror BEGIN\n\(body)END;"
    }
}
