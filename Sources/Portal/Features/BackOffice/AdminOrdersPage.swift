import Foundation
import Tenancy

/// `/admin/orders`: every order, filtered by status, failed and manual-setup counts to hand.
package struct AdminOrdersPage: Sendable {
    package struct Row: Sendable {
        package let id: Int64
        package let number: String
        package let customer: String
        package let product: String
        package let domain: String
        package let total: String
        package let status: String
        package let failed: Bool
        package let placed: String
    }

    package struct Filter: Sendable {
        package let value: String
        package let label: String
        package let selected: Bool
    }

    package let chrome: StorefrontChrome
    package let csrf: String
    package let rows: [Row]
    package let hasRows: Bool
    package let filters: [Filter]
    /// "1 order failed to set up"; nil with none, so no alert shows at zero.
    package let failedNotice: String?
    /// "2 orders wait for a manual setup"; nil with none.
    package let setupNotice: String?
    package let previousURL: String?
    package let nextURL: String?
}

extension AdminOrdersPage {
    init(
        _ orders: [Order], emails: [Account.ID: String], counts: [Order.Status: Int], filter: String, page: Int,
        perPage: Int, total: Int, context: StaffRequestContext
    ) {
        let rows = orders.map { order in
            Row(
                id: order.id!.rawValue, number: order.number, customer: emails[order.accountID] ?? "",
                product: order.productName, domain: order.domain,
                total: Money.format(minor: order.totalMinor, currency: order.currency),
                status: order.status.staffLabel, failed: order.status == .failed,
                placed: PageDates.format(order.createdAt)
            )
        }
        let base = filter.isEmpty ? AdminPaths.orders.link() + "?" : AdminPaths.orders.link() + "?status=\(filter)&"
        self.init(
            chrome: context.chrome, csrf: context.csrfToken, rows: rows, hasRows: !rows.isEmpty,
            filters: [Filter(value: "", label: "All", selected: filter.isEmpty)]
                + Order.Status.allCases.map {
                    Filter(
                        value: $0.rawValue, label: "\($0.staffLabel) (\(counts[$0] ?? 0))",
                        selected: $0.rawValue == filter)
                },
            failedNotice: Self.count(counts[.failed] ?? 0, one: "order failed", many: "orders failed")
                .map { "\($0) to set up" },
            setupNotice: Self.count(counts[.needsSetup] ?? 0, one: "order waits", many: "orders wait")
                .map { "\($0) for a manual setup" },
            previousURL: page > 1 ? "\(base)page=\(page - 1)" : nil,
            nextURL: page * perPage < total ? "\(base)page=\(page + 1)" : nil
        )
    }
}

extension AdminOrdersPage {
    /// "1 order failed", "3 orders failed"; nil for none.
    static func count(_ count: Int, one: String, many: String) -> String? {
        count == 0 ? nil : count == 1 ? "1 \(one)" : "\(count) \(many)"
    }
}
