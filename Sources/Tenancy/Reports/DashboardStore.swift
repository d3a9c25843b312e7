import Foundation
import GRDB

/// The figures of the staff dashboard, read in one transaction from the brand's own database.
package struct BackOfficeFigures: Sendable, Equatable {
    /// Active services' recurring amounts as a monthly figure (an annual £120 counts £10).
    package var monthlyRecurringMinor: Int64
    package var newOrders: Int
    package var cancellations: Int
    /// Active services per product type (`shared_hosting`, …; `other` for products not sold here).
    package var servicesByKind: [(kind: String, count: Int)]
    package var unpaidMinor: Int64
    package var unpaidCount: Int
    package var overdueMinor: Int64
    package var overdueCount: Int
    package var openTickets: Int
    package var failedJobs: Int
    /// The last twelve months (oldest first), paid invoices in the brand's currency, zero where none.
    package var revenueByMonth: [(month: String, totalMinor: Int64)]
    /// The last thirty days (oldest first), orders placed, zero where none.
    package var ordersPerDay: [(day: String, count: Int)]

    package static func == (a: Self, b: Self) -> Bool {
        a.monthlyRecurringMinor == b.monthlyRecurringMinor && a.newOrders == b.newOrders
            && a.cancellations == b.cancellations
            && a.servicesByKind.map { "\($0.kind)=\($0.count)" } == b.servicesByKind.map { "\($0.kind)=\($0.count)" }
            && a.unpaidMinor == b.unpaidMinor && a.unpaidCount == b.unpaidCount && a.overdueMinor == b.overdueMinor
            && a.overdueCount == b.overdueCount && a.openTickets == b.openTickets && a.failedJobs == b.failedJobs
            && a.revenueByMonth.map { "\($0.month)=\($0.totalMinor)" }
                == b.revenueByMonth.map { "\($0.month)=\($0.totalMinor)" }
            && a.ordersPerDay.map { "\($0.day)=\($0.count)" } == b.ordersPerDay.map { "\($0.day)=\($0.count)" }
    }
}

extension ReportStore {
    /// WHMCS billing cycles as months; free and one-time services add nothing to the monthly figure.
    static let cycleMonths =
        "CASE billing_cycle WHEN 'Monthly' THEN 1 WHEN 'Quarterly' THEN 3 WHEN 'Semi-Annually' THEN 6 "
        + "WHEN 'Annually' THEN 12 WHEN 'Biennially' THEN 24 WHEN 'Triennially' THEN 36 ELSE NULL END"

    /// Everything the dashboard shows, as of `now` (UTC calendar), for a brand billing in `currency`. Kept until the
    /// brand's database next commits (another process's commit is noticed within two seconds), so a busy back office
    /// reads it once per change.
    package func figures(now: Date, currency: String) async throws -> BackOfficeFigures {
        guard let figureReads, let inline else {
            return try await pool.read { db in try Self.readFigures(db, now: now, currency: currency) }
        }
        // The UTC day number: the figures of one day and currency (no formatter per request).
        let key = "\(currency)|\(Int(now.timeIntervalSince1970 / 86_400))"
        return try figureReads.value(for: key) {
            try inline.read { db in try Self.readFigures(db, now: now, currency: currency) }
        }
    }

    /// What the staff sidebar counts: open tickets, orders whose set-up failed, and unpaid invoices; one read, kept
    /// until the brand's database next commits (every staff page shows them).
    package func workCounts() async throws -> WorkCounts {
        func read(_ db: Database) throws -> WorkCounts {
            let row = try Row.fetchOne(db.cachedStatement(sql: FigureSQL.workCounts))
            return WorkCounts(
                openTickets: row?["tickets"] ?? 0, failedJobs: row?["failed"] ?? 0, unpaidInvoices: row?["unpaid"] ?? 0)
        }
        guard let workReads, let inline else { return try await pool.read(read) }
        return try workReads.value(for: 0) { try inline.read(read) }
    }

    static func readFigures(_ db: Database, now: Date, currency: String) throws -> BackOfficeFigures {
        // Month and day keys by integer arithmetic (a DateFormatter costs about a millisecond to make on Linux).
        let today = UTCDate.parts(now)
        let monthStart = UTCDate.monthKey(year: today.year, month: today.month) + "-01"
        let todayDays = Int((now.timeIntervalSince1970 / 86_400).rounded(.down))
        let months = (0..<12).reversed().map { back -> String in
            let index = today.year * 12 + (today.month - 1) - back
            return UTCDate.monthKey(year: index / 12, month: index % 12 + 1)
        }
        let days = (0..<30).reversed().map { back -> String in
            let (year, month, day) = UTCDate.civil(days: todayDays - back)
            return UTCDate.dayKey(year: year, month: month, day: day)
        }
        do {
            let recurring = try Int64.fetchOne(db.cachedStatement(sql: FigureSQL.recurring)) ?? 0
            let orderCounts = try Row.fetchOne(db.cachedStatement(sql: FigureSQL.orderCounts), arguments: [monthStart])
            let kinds = try Row.fetchAll(db.cachedStatement(sql: FigureSQL.servicesByKind))
                .map { (kind: $0["kind"] as String, count: $0["services"] as Int) }
            let todayText = UTCDate.dayKey(year: today.year, month: today.month, day: today.day)
            let unpaid = try Row.fetchOne(
                db.cachedStatement(sql: FigureSQL.unpaid), arguments: [todayText, todayText, currency])
            let tickets = try Int.fetchOne(db.cachedStatement(sql: FigureSQL.openTickets)) ?? 0
            let failed = try Int.fetchOne(db.cachedStatement(sql: FigureSQL.failedJobs)) ?? 0
            let revenue = Dictionary(
                uniqueKeysWithValues: try Row.fetchAll(
                    db.cachedStatement(sql: FigureSQL.revenueByMonth),
                    arguments: [currency, months[0]]
                ).map { ($0["month"] as String, $0["total"] as Int64) }
            )
            let perDay = Dictionary(
                uniqueKeysWithValues: try Row.fetchAll(
                    db.cachedStatement(sql: FigureSQL.ordersPerDay), arguments: [days[0]]
                )
                .map { ($0["day"] as String, $0["placed"] as Int) }
            )
            return BackOfficeFigures(
                monthlyRecurringMinor: recurring, newOrders: orderCounts?["placed"] ?? 0,
                cancellations: orderCounts?["cancels"] ?? 0,
                servicesByKind: kinds, unpaidMinor: unpaid?["unpaid_total"] ?? 0, unpaidCount: unpaid?["unpaid"] ?? 0,
                overdueMinor: unpaid?["overdue_total"] ?? 0, overdueCount: unpaid?["overdue"] ?? 0,
                openTickets: tickets, failedJobs: failed,
                revenueByMonth: months.map { ($0, revenue[$0] ?? 0) },
                ordersPerDay: days.map { ($0, perDay[$0] ?? 0) }
            )
        }
    }
}

/// The work waiting for a brand's staff, shown beside the staff sidebar's links.
package struct WorkCounts: Sendable, Equatable {
    package var openTickets: Int
    package var failedJobs: Int
    package var unpaidInvoices: Int
}

/// The dashboard's queries, one place for the figures and for the test that checks each uses an index.
package enum FigureSQL {
    package static let recurring = """
        SELECT CAST(round(coalesce(sum(recurring_minor * 1.0 / \(ReportStore.cycleMonths)), 0)) AS INTEGER)
        FROM service_totals WHERE status = 'Active'
        """
    /// From the day totals: a day on or after the month's first is an order created on or after it.
    package static let orderCounts = """
        SELECT coalesce(sum(orders) FILTER (WHERE change_kind = ''), 0) AS placed,
            coalesce(sum(orders) FILTER (WHERE change_kind = 'cancel'), 0) AS cancels
        FROM order_day_totals WHERE day >= ?
        """
    package static let servicesByKind = """
        SELECT coalesce(products.kind, 'other') AS kind, sum(service_totals.services) AS services FROM service_totals
        LEFT JOIN products ON products.whmcs_product_id = service_totals.whmcs_product_id
        WHERE service_totals.status = 'Active' GROUP BY 1 ORDER BY services DESC, kind
        """
    package static let unpaid = """
        SELECT coalesce(sum(invoices), 0) AS unpaid, coalesce(sum(total_minor), 0) AS unpaid_total,
            coalesce(sum(invoices) FILTER (WHERE due_date < ?), 0) AS overdue,
            coalesce(sum(total_minor) FILTER (WHERE due_date < ?), 0) AS overdue_total
        FROM invoice_due_totals WHERE status = 'Unpaid' AND currency = ?
        """
    package static let openTickets = "SELECT count(*) FROM tickets WHERE status != 'Closed'"
    package static let failedJobs = "SELECT count(*) FROM orders WHERE status = 'failed'"
    package static let revenueByMonth = """
        SELECT month, total_minor AS total FROM invoice_totals WHERE status = 'Paid' AND currency = ? AND month >= ?
        """
    package static let ordersPerDay = """
        SELECT day, orders AS placed FROM order_day_totals WHERE change_kind = '' AND day >= ?
        """

    package static let workCounts = """
        SELECT (\(openTickets)) AS tickets, (\(failedJobs)) AS failed,
            (SELECT coalesce(sum(invoices), 0) FROM invoice_due_totals WHERE status = 'Unpaid') AS unpaid
        """

    package static let all = [
        workCounts, recurring, orderCounts, servicesByKind, unpaid, openTickets, failedJobs, revenueByMonth,
        ordersPerDay,
    ]
}

extension DateFormatter {
    package static func utc(_ format: String) -> DateFormatter {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = format
        return formatter
    }
}
