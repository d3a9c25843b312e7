import Foundation
import Hummingbird
import Tenancy

/// `/admin/reports`: revenue by month (paid invoices) and by product (paid orders) over the last twelve months,
/// each also as CSV. Every staff role reads them; each download is audited.
package struct ReportsController: Sendable {
    let flows: AccountFlows
    let realm: @Sendable (Tenant) -> any AccountRealm
    let databases: TenantDatabases

    /// How far back the reports look.
    static let months = 12

    package struct Page: Sendable {
        package struct MonthRow: Sendable {
            package let month: String
            package let invoices: Int
            package let total: String
        }

        package struct ProductRow: Sendable {
            package let product: String
            package let orders: Int
            package let total: String
        }

        package let chrome: StorefrontChrome
        package let csrf: String
        package let period: String
        package let months: [MonthRow]
        package let hasMonths: Bool
        package let products: [ProductRow]
        package let hasProducts: Bool
        package var promotions: [PromotionRow] = []
        package var hasPromotions = false
    }

    package struct PromotionRow: Sendable {
        package let code: String
        package let orders: Int
        package let discount: String
        package let total: String
    }

    package func addRoutes(to group: RouterGroup<StaffRequestContext>) {
        group.get(AdminPaths.reports.route, use: show)
        group.get(AdminPaths.revenueByMonthCSV.route, use: monthsCSV)
        group.get(AdminPaths.revenueByProductCSV.route, use: productsCSV)
    }

    /// The first month of the period (`yyyy-MM`) and its first instant, in UTC.
    private func period() -> (month: String, start: Date) {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        let now = flows.services.now()
        let thisMonth = calendar.date(from: calendar.dateComponents([.year, .month], from: now)) ?? now
        let start = calendar.date(byAdding: .month, value: -(Self.months - 1), to: thisMonth) ?? thisMonth
        let parts = calendar.dateComponents([.year, .month], from: start)
        return (String(format: "%04d-%02d", parts.year ?? 1970, parts.month ?? 1), start)
    }

    private func data(_ context: StaffRequestContext) async throws -> (
        [ReportStore.MonthRevenue], [ReportStore.ProductRevenue], String
    ) {
        let (month, start) = period()
        let (months, products) = try await databases.withDatabase(for: context.tenant) { database in
            (
                try await database.reports.revenueByMonth(from: month),
                try await database.reports.revenueByProduct(since: start)
            )
        }
        return (months, products, month)
    }

    @Sendable func show(_ request: Request, context: StaffRequestContext) async throws -> Response {
        try context.require(.support)
        let (months, products, from) = try await data(context)
        var page = Page(
            chrome: context.chrome, csrf: context.csrfToken,
            period: "\(Self.monthName(from)) to now",
            months: months.map {
                .init(
                    month: Self.monthName($0.month), invoices: $0.invoices,
                    total: Money.format(minor: $0.totalMinor, currency: $0.currency))
            },
            hasMonths: !months.isEmpty,
            products: products.map {
                .init(
                    product: $0.product, orders: $0.orders,
                    total: Money.format(minor: $0.totalMinor, currency: $0.currency))
            },
            hasProducts: !products.isEmpty
        )
        let uses = try await databases.withDatabase(for: context.tenant) { try await $0.reports.promotionUses() }
        page.promotions = uses.map {
            PromotionRow(
                code: $0.code, orders: $0.orders,
                discount: Money.format(minor: $0.discountMinor, currency: $0.currency),
                total: Money.format(minor: $0.totalMinor, currency: $0.currency))
        }
        page.hasPromotions = !uses.isEmpty
        return try flows.page(page, "admin/reports")
    }

    @Sendable func monthsCSV(_ request: Request, context: StaffRequestContext) async throws -> Response {
        try context.require(.support)
        let (months, _, from) = try await data(context)
        let body = CSV.document(
            header: ["month", "currency", "paid invoices", "revenue"],
            rows: months.map {
                [
                    .text($0.month), .text($0.currency), .number(String($0.invoices)),
                    CSV.amount(minor: $0.totalMinor, currency: $0.currency),
                ]
            }
        )
        return try await download(body, name: "revenue-by-month-from-\(from).csv", context: context)
    }

    @Sendable func productsCSV(_ request: Request, context: StaffRequestContext) async throws -> Response {
        try context.require(.support)
        let (_, products, from) = try await data(context)
        let body = CSV.document(
            header: ["product", "currency", "paid orders", "revenue"],
            rows: products.map {
                [
                    .text($0.product), .text($0.currency), .number(String($0.orders)),
                    CSV.amount(minor: $0.totalMinor, currency: $0.currency),
                ]
            }
        )
        return try await download(body, name: "revenue-by-product-from-\(from).csv", context: context)
    }

    private func download(_ body: String, name: String, context: StaffRequestContext) async throws -> Response {
        try await realm(context.tenant).withAccounts { store in
            try await store.audit(
                "report.exported", actor: context.staff, target: name, detail: "",
                ip: context.origin.clientAddress ?? "")
        }
        return Response(
            status: .ok,
            headers: [
                .contentType: "text/csv; charset=utf-8", .contentDisposition: "attachment; filename=\"\(name)\"",
                .cacheControl: "no-store",
            ],
            body: .init(byteBuffer: ByteBuffer(string: body))
        )
    }

    /// `2026-03` → `March 2026`.
    static func monthName(_ month: String) -> String {
        let parts = month.split(separator: "-")
        guard parts.count == 2, let year = Int(parts[0]), let number = Int(parts[1]), (1...12).contains(number) else {
            return month
        }
        return "\(DisplayCalendar.monthNames[number - 1]) \(year)"
    }
}
