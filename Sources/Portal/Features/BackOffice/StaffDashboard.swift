import Foundation
import Tenancy

/// The figures at the top of `/admin`, formatted, with both charts as SVG and as tables.
package struct StaffDashboard: Sendable, Encodable {
    package struct Figure: Sendable, Encodable {
        package let label: String
        package let value: String
        package let detail: String
        package let link: String?
        package let alert: Bool
    }

    package struct Row: Sendable, Encodable {
        package let label: String
        package let value: String
    }

    package let figures: [Figure]
    package let services: [Row]
    package let hasServices: Bool
    package let revenueChart: String
    package let revenueRows: [Row]
    package let ordersChart: String
    package let orderRows: [Row]

    init(_ figures: BackOfficeFigures, currency: String) {
        func money(_ minor: Int64) -> String { Money.format(minor: minor, currency: currency) }
        self.figures = [
            .init(
                label: "Monthly recurring revenue", value: money(figures.monthlyRecurringMinor),
                detail: "active services, as a monthly figure", link: nil, alert: false),
            .init(
                label: "New orders this month", value: String(figures.newOrders),
                detail: "\(figures.cancellations) cancellation request\(figures.cancellations == 1 ? "" : "s")",
                link: AdminPaths.orders.link(), alert: false),
            .init(
                label: "Unpaid invoices", value: money(figures.unpaidMinor),
                detail: "\(figures.unpaidCount) invoice\(figures.unpaidCount == 1 ? "" : "s")", link: nil, alert: false),
            .init(
                label: "Overdue", value: money(figures.overdueMinor),
                detail: "\(figures.overdueCount) invoice\(figures.overdueCount == 1 ? "" : "s") past due", link: nil,
                alert: figures.overdueCount > 0),
            .init(
                label: "Open tickets", value: String(figures.openTickets), detail: "not closed",
                link: AdminPaths.tickets.link(),
                alert: false),
            .init(
                label: "Failed jobs", value: String(figures.failedJobs), detail: "orders waiting for a retry",
                link: AdminPaths.orders.link() + "?status=failed", alert: figures.failedJobs > 0),
        ]
        services = figures.servicesByKind.map {
            .init(label: Product.Kind(rawValue: $0.kind)?.label ?? "Other", value: String($0.count))
        }
        hasServices = !services.isEmpty
        let monthBars = figures.revenueByMonth.map { month, total in
            BarChart.Bar(label: Self.shortMonth(month), value: Double(total), text: money(total))
        }
        revenueChart =
            BarChart(
                id: "revenue-chart", title: "Revenue by month, last 12 months",
                summary: "Paid invoices per month in \(currency.uppercased()); the table below lists the same figures.",
                bars: monthBars
            ).svg
        revenueRows = zip(figures.revenueByMonth, monthBars).map {
            .init(label: ReportsController.monthName($0.month), value: $1.text)
        }
        let dayBars = figures.ordersPerDay.map { day, count in
            BarChart.Bar(
                label: String(day.suffix(5)), value: Double(count), text: "\(count) order\(count == 1 ? "" : "s")")
        }
        ordersChart =
            BarChart(
                id: "orders-chart", title: "Orders per day, last 30 days",
                summary: "New orders placed each day; the table below lists the same figures.", bars: dayBars,
                labelEvery: 7
            ).svg
        orderRows = zip(figures.ordersPerDay, dayBars).map { .init(label: $0.day, value: $1.text) }
    }

    /// `2026-03` → `Mar 26`.
    static func shortMonth(_ month: String) -> String {
        let parts = month.split(separator: "-")
        guard parts.count == 2, let number = Int(parts[1]), (1...12).contains(number) else { return month }
        return "\(DisplayCalendar.shortMonthNames[number - 1]) \(parts[0].suffix(2))"
    }
}
