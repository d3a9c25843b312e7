import Foundation
import Hummingbird
import Tenancy

/// `/admin/orders`: every order, failed ones first to hand, with their pipeline steps; owners and admins retry,
/// cancel or finish a manual setup; support reads.
package struct AdminOrdersController: Sendable {
    let flows: AccountFlows
    let realm: @Sendable (Tenant) -> any AccountRealm
    let databases: TenantDatabases
    let queue: OrderQueue
    let upstreams: TenantUpstreams

    package struct ListPage: Sendable {
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
        package let failedCount: Int
        package let setupCount: Int
        package let previousURL: String?
        package let nextURL: String?
    }

    package struct DetailPage: Sendable {
        package struct Job: Sendable {
            package let step: String
            package let state: String
            package let attempts: Int
            package let lastError: String
            package let runAfter: String
        }

        package let chrome: StorefrontChrome
        package let csrf: String
        package var notice: Notice?
        package let id: Int64
        package let number: String
        package let customer: String
        package let product: String
        package let domain: String
        package let domainAction: String
        package let cycle: String
        package let total: String
        package let status: String
        package let failure: String?
        package let whmcs: String
        package let jobs: [Job]
        package let setupTask: String?
        package let canAct: Bool
        package let canRetry: Bool
        package let canCancel: Bool
        package let canCompleteSetup: Bool
    }

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
        let rows = orders.map { order in
            ListPage.Row(
                id: order.id!.rawValue, number: order.number, customer: emails[order.accountID] ?? "",
                product: order.productName,
                domain: order.domain, total: Money.format(minor: order.totalMinor, currency: order.currency),
                status: order.status.staffLabel, failed: order.status == .failed,
                placed: PageDates.format(order.createdAt)
            )
        }
        let base = filter.isEmpty ? AdminPaths.orders.link() + "?" : AdminPaths.orders.link() + "?status=\(filter)&"
        return try flows.page(
            ListPage(
                chrome: context.chrome, csrf: context.csrfToken, rows: rows, hasRows: !rows.isEmpty,
                filters: [ListPage.Filter(value: "", label: "All", selected: filter.isEmpty)]
                    + Order.Status.allCases.map {
                        .init(
                            value: $0.rawValue, label: "\($0.staffLabel) (\(counts[$0] ?? 0))",
                            selected: $0.rawValue == filter)
                    },
                failedCount: counts[.failed] ?? 0, setupCount: counts[.needsSetup] ?? 0,
                previousURL: page > 1 ? "\(base)page=\(page - 1)" : nil,
                nextURL: page * perPage < total ? "\(base)page=\(page + 1)" : nil
            ),
            "admin/orders"
        )
    }

    private func detailPage(_ context: StaffRequestContext, notice: Notice? = nil) async throws -> DetailPage {
        guard let raw = context.parameters.get("id").flatMap(Int64.init),
            let detail = try await databases.withDatabase(
                for: context.tenant, { try await $0.orders.detail(Order.ID(raw)) })
        else { throw PortalError.notFound }
        let order = detail.order
        let whmcs = [
            order.whmcsClientID.map { "client \($0)" }, order.whmcsOrderID.map { "order \($0)" },
            order.whmcsInvoiceID.map { "invoice \($0)" }, order.whmcsServiceID.map { "service \($0)" },
        ].compactMap { $0 }.joined(separator: ", ")
        let canAct = context.role >= .admin
        return DetailPage(
            chrome: context.chrome, csrf: context.csrfToken, notice: notice, id: raw, number: order.number,
            customer: detail.customer.map { "\($0.name) <\($0.email)>" } ?? "deleted customer",
            product: order.productName,
            domain: order.domain, domainAction: order.domainAction?.rawValue ?? "", cycle: order.cycle?.rawValue ?? "",
            total: Money.format(minor: order.totalMinor, currency: order.currency), status: order.status.staffLabel,
            failure: order.failure, whmcs: whmcs.isEmpty ? "nothing yet" : whmcs,
            jobs: detail.jobs.map {
                .init(
                    step: $0.step.rawValue, state: $0.state.rawValue, attempts: $0.attempts,
                    lastError: $0.lastError ?? "",
                    runAfter: PageDates.format($0.runAfter))
            },
            setupTask: detail.setupTask.flatMap { $0.status == "open" ? $0.description : nil },
            canAct: canAct, canRetry: canAct && order.status == .failed,
            canCancel: canAct && order.status != .active && order.status != .cancelled,
            canCompleteSetup: canAct && order.status == .needsSetup
        )
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

    private func act(
        _ context: StaffRequestContext, _ body: (TenantDatabase, Order.ID) async throws -> Void, done: String
    ) async throws -> Response {
        try context.require(.admin)
        guard let raw = context.parameters.get("id").flatMap(Int64.init) else { throw PortalError.notFound }
        do {
            try await databases.withDatabase(for: context.tenant) { try await body($0, Order.ID(raw)) }
        } catch OrderError.notFound {
            throw PortalError.notFound
        } catch let error as OrderError {
            return try flows.page(
                try await detailPage(context, notice: .error("Nothing was changed: \(error.description).")),
                "admin/order", status: .conflict)
        }
        return flows.redirect(to: AdminPaths.order.link(raw) + "?done=\(done)")
    }

    @Sendable func retry(_ request: Request, context: StaffRequestContext) async throws -> Response {
        try context.require(.admin)
        // A person asking to try now means now: the brand's paused upstream calls are resumed for this attempt.
        upstreams.resetBreakers(context.tenant)
        try await queue.willQueue(context.tenant.id)
        let response = try await act(
            context,
            { database, id in
                _ = try await database.orders.retry(id, actor: context.staff, ip: context.origin.clientAddress ?? "")
            }, done: "retried")
        queue.notify(context.tenant.id)
        return response
    }

    @Sendable func cancel(_ request: Request, context: StaffRequestContext) async throws -> Response {
        try await act(
            context,
            { database, id in
                _ = try await database.orders.cancel(id, actor: context.staff, ip: context.origin.clientAddress ?? "")
            }, done: "cancelled")
    }

    @Sendable func complete(_ request: Request, context: StaffRequestContext) async throws -> Response {
        try context.require(.admin)
        guard let raw = context.parameters.get("id").flatMap(Int64.init),
            let detail = try await databases.withDatabase(
                for: context.tenant, { try await $0.orders.detail(Order.ID(raw)) }),
            let customer = detail.customer
        else { throw PortalError.notFound }
        let realm = realm(context.tenant)
        let nameservers = try context.content.brand.nameservers
        let mail = try await flows.prepareMail(
            realm: realm, to: customer.email, name: customer.name, .serviceActivated,
            variables: [
                "service.name": detail.order.productName, "service.domain": detail.order.domain,
                "nameservers": nameservers.joined(separator: "\n"),
                "link": flows.services.link(primaryHost: realm.linkHost, path: AccountPaths.order.link(raw)),
            ],
            tag: "service_activated"
        )
        try await flows.mailQueue.willQueue(realm.mailbox)
        let response = try await act(
            context,
            { database, id in
                _ = try await database.orders.completeSetup(
                    id, actor: context.staff, ip: context.origin.clientAddress ?? "", mail: mail)
            }, done: "completed")
        flows.mailQueue.notify(realm.mailbox)
        return response
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
