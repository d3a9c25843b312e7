import Foundation
import GRDB

/// The back office's reports, read from the brand's own database: invoices as mirrored from WHMCS and the orders
/// placed through the portal.
package struct ReportStore: Sendable {
    let pool: DatabasePool
    var figureReads: CommittedReads<String, BackOfficeFigures>?
    var inline: InlineReader?
    var workReads: CommittedReads<Int, WorkCounts>?

    /// One month of paid invoices in one currency.
    package struct MonthRevenue: Sendable, Equatable {
        /// `yyyy-MM`.
        package var month: String
        package var currency: String
        package var invoices: Int
        package var totalMinor: Int64
    }

    /// One product's paid orders in one currency.
    package struct ProductRevenue: Sendable, Equatable {
        package var product: String
        package var currency: String
        package var orders: Int
        package var totalMinor: Int64
    }

    /// One promotion code's use on orders placed here, in one currency.
    package struct PromotionUse: Sendable, Equatable {
        package var code: String
        package var currency: String
        package var orders: Int
        package var discountMinor: Int64
        package var totalMinor: Int64
    }

    /// Each promotion code used on an order that was not cancelled, with its orders, discount given and revenue,
    /// most used first (every time, not only the report's period: a code's uses are counted for its whole life).
    package func promotionUses() async throws -> [PromotionUse] {
        try await pool.read { db in
            try Row.fetchAll(
                db,
                sql: """
                    SELECT promo_code, currency, count(*) AS orders, sum(discount_minor) AS discount,
                        sum(total_minor) AS total
                    FROM orders WHERE promo_code != '' AND status NOT IN ('cancelled', 'failed')
                    GROUP BY promo_code COLLATE NOCASE, currency ORDER BY orders DESC, promo_code
                    """
            ).map {
                PromotionUse(
                    code: $0["promo_code"], currency: $0["currency"], orders: $0["orders"],
                    discountMinor: $0["discount"], totalMinor: $0["total"])
            }
        }
    }

    /// Paid invoices per month and currency, from `fromMonth` (`yyyy-MM`) on, oldest first.
    package func revenueByMonth(from fromMonth: String) async throws -> [MonthRevenue] {
        try await pool.read { db in
            try Row.fetchAll(
                db,
                sql: """
                    SELECT substr(date, 1, 7) AS month, currency, count(*) AS invoices, sum(total_minor) AS total
                    FROM invoice_mirror WHERE status = 'Paid' AND substr(date, 1, 7) >= ?
                    GROUP BY month, currency ORDER BY month, currency
                    """,
                arguments: [fromMonth]
            ).map {
                MonthRevenue(
                    month: $0["month"], currency: $0["currency"], invoices: $0["invoices"], totalMinor: $0["total"])
            }
        }
    }

    /// Orders and upgrades that were paid and not failed or cancelled since, per product and currency, largest first.
    package func revenueByProduct(since: Date) async throws -> [ProductRevenue] {
        try await pool.read { db in
            try Row.fetchAll(
                db,
                sql: """
                    SELECT product_name, currency, count(*) AS orders, sum(total_minor) AS total FROM orders
                    WHERE status IN ('paid', 'provisioning', 'active', 'needs_setup') AND (change_kind IS NULL OR change_kind = 'upgrade') AND created_at >= ?
                    GROUP BY product_name, currency ORDER BY total DESC, product_name
                    """,
                arguments: [since]
            ).map {
                ProductRevenue(
                    product: $0["product_name"], currency: $0["currency"], orders: $0["orders"], totalMinor: $0["total"]
                )
            }
        }
    }
}

extension TenantDatabase {
    package var reports: ReportStore {
        ReportStore(pool: pool, figureReads: reads.staffFigures, inline: reads.inline, workReads: reads.workCounts)
    }
}
