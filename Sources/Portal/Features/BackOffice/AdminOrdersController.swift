import Foundation
import Hummingbird
import Tenancy

/// `/admin/orders`: every order, failed ones first to hand, with their pipeline steps; owners and admins retry,
/// cancel or finish a manual setup; support reads.
package struct AdminOrdersController: Sendable {
    let flows: AccountFlows
    let databases: TenantDatabases
    let desk: OrderDesk

    package func addRoutes(to group: RouterGroup<StaffRequestContext>) {
        group.get(AdminPaths.orders.route, use: list)
        group.get(AdminPaths.order.route, use: show)
        group.post(AdminPaths.orderRetry.route, use: retry)
        group.post(AdminPaths.orderCancel.route, use: cancel)
        group.post(AdminPaths.orderComplete.route, use: complete)
    }

    @Sendable func list(_ request: Request, context: StaffRequestContext) async throws -> Response {
        try context.require(.support)
        let filter = request.uri.queryParameters.get("status") ?? ""
        let statuses: Set<Order.Status>? = Order.Status(rawValue: filter).map { [$0] }
        let perPage = 50
        let page = PageNumber.parse(request.uri.queryParameters.get("page"))
        let (orders, total, counts) = try await databases.withDatabase(for: context.tenant) { database in
            let (orders, total) = try await database.orders.orders(
                statuses: statuses, limit: perPage, offset: (page - 1) * perPage)
            return (orders, total, try await database.orders.statusCounts())
        }
        let found = try await databases.withDatabase(for: context.tenant) { database in
            try await database.accounts.emails(of: Set(orders.map(\.accountID)))
        }
        let emails = Dictionary(uniqueKeysWithValues: Set(orders.map(\.accountID)).map { ($0, found[$0] ?? "deleted") })
        return try flows.page(
            AdminOrdersPage(
                orders, emails: emails, counts: counts, filter: filter, page: page, perPage: perPage, total: total,
                context: context),
            "admin/orders"
        )
    }

    private func detailPage(_ context: StaffRequestContext, notice: Notice? = nil) async throws -> AdminOrderPage {
        AdminOrderPage(try await desk.detail(try id(context), in: context.tenant), notice: notice, context: context)
    }

    private func id(_ context: StaffRequestContext) throws -> Int64 {
        guard let id = context.parameters.get("id").flatMap(Int64.init) else { throw PortalError.notFound }
        return id
    }

    @Sendable func show(_ request: Request, context: StaffRequestContext) async throws -> Response {
        try context.require(.support)
        let notice: Notice? =
            switch request.uri.queryParameters.get("done") {
            case "retried": .success("The failed step was queued again.")
            case "cancelled":
                .success("The order was cancelled; nothing more runs for it. Check WHMCS for anything already created.")
            case "completed": .success("Marked as set up; the customer was emailed.")
            default: nil
            }
        return try flows.page(try await detailPage(context, notice: notice), "admin/order")
    }

    @Sendable func retry(_ request: Request, context: StaffRequestContext) async throws -> Response {
        try await act(context, done: "retried") {
            try await desk.retry($0, by: context.staff, in: context.tenant, ip: $1)
        }
    }

    @Sendable func cancel(_ request: Request, context: StaffRequestContext) async throws -> Response {
        try await act(context, done: "cancelled") {
            try await desk.cancel($0, by: context.staff, in: context.tenant, ip: $1)
        }
    }

    @Sendable func complete(_ request: Request, context: StaffRequestContext) async throws -> Response {
        let nameservers = try context.content.brand.nameservers
        return try await act(context, done: "completed") {
            try await desk.completeSetup($0, nameservers: nameservers, by: context.staff, in: context.tenant, ip: $1)
        }
    }

    /// An owner's or admin's action on the order: back to it with a notice, or its page again with the refusal.
    private func act(
        _ context: StaffRequestContext, done: String, _ action: (Int64, String) async throws -> OrderDesk.Outcome
    ) async throws -> Response {
        try context.require(.admin)
        let id = try id(context)
        switch try await action(id, context.origin.clientAddress ?? "") {
        case .done:
            return flows.redirect(to: AdminPaths.order.link(id) + "?done=\(done)")
        case .refused(let message):
            return try flows.page(
                try await detailPage(context, notice: .error(message)), "admin/order", status: .conflict)
        }
    }
}

extension Order.Status {
    var staffLabel: String {
        switch self {
        case .awaitingPayment: "Awaiting payment"
        case .paid: "Paid"
        case .provisioning: "Provisioning"
        case .active: "Active"
        case .needsSetup: "Needs manual setup"
        case .failed: "Failed"
        case .cancelled: "Cancelled"
        }
    }
}
