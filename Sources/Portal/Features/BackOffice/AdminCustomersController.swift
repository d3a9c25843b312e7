import Foundation
import Hummingbird
import Integrations
import Tenancy

/// `/admin/customers`: search and page through the brand's customers; one customer's services, invoices, tickets,
/// orders, private notes and audit trail. Owners and admins act (notes, password reset, suspend or restore a service,
/// resend a service's welcome email); support reads. Every action is audited.
package struct AdminCustomersController: Sendable {
    let flows: AccountFlows
    let realm: @Sendable (Tenant) -> any AccountRealm
    let databases: TenantDatabases
    let desk: CustomerDesk

    static let pageSize = 50

    package func addRoutes(to group: RouterGroup<StaffRequestContext>) {
        group.get(AdminPaths.customers.route, use: list)
        group.get(AdminPaths.customer.route, use: show)
        group.post(AdminPaths.customerNotes.route, use: addNote)
        group.post(AdminPaths.customerPasswordReset.route, use: sendPasswordReset)
        group.post(AdminPaths.customerServiceSuspend.route, use: suspend)
        group.post(AdminPaths.customerServiceUnsuspend.route, use: unsuspend)
        group.post(AdminPaths.customerServiceWelcome.route, use: resendWelcome)
        group.post(AdminPaths.customerSignInAs.route, use: signInAs)
    }

    @Sendable func list(_ request: Request, context: StaffRequestContext) async throws -> Response {
        try context.require(.support)
        let parameters = request.uri.queryParameters
        let query = String(
            (FormQuery.value("q", in: request.uri.query) ?? "").trimmingCharacters(in: .whitespaces).prefix(100))
        let page = PageNumber.parse(parameters.get("page"))
        let (rows, total) = try await databases.withDatabase(for: context.tenant) { database in
            try await database.customers.search(query, limit: Self.pageSize, offset: (page - 1) * Self.pageSize)
        }
        let encoded = query.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? ""
        func link(_ page: Int) -> String {
            AdminPaths.customers.link() + "?" + (query.isEmpty ? "" : "q=\(encoded)&") + "page=\(page)"
        }
        let first = (page - 1) * Self.pageSize
        return try flows.page(
            ListPage(
                chrome: context.chrome, csrf: context.csrfToken, query: query, hasQuery: !query.isEmpty,
                rows: rows.map {
                    .init(
                        id: $0.id.rawValue, name: $0.name, email: $0.email, company: $0.company, services: $0.services,
                        joined: PageDates.format($0.createdAt))
                },
                hasRows: !rows.isEmpty,
                summary: total == 0
                    ? "" : "\(first + 1)–\(first + rows.count) of \(total) customer\(total == 1 ? "" : "s")",
                previous: page > 1 ? link(page - 1) : nil, next: first + rows.count < total ? link(page + 1) : nil
            ),
            "admin/customers"
        )
    }

    func customer(_ context: StaffRequestContext) async throws -> Account {
        guard let id = context.parameters.get("id").flatMap(Int64.init) else { throw PortalError.notFound }
        return try await desk.customer(id, in: context.tenant)
    }

    func detail(_ customer: Account, _ context: StaffRequestContext, notice: Notice? = nil) async throws
        -> DetailPage
    {
        DetailPage(customer, try await desk.record(of: customer, in: context.tenant), notice: notice, context: context)
    }

    @Sendable func show(_ request: Request, context: StaffRequestContext) async throws -> Response {
        try context.require(.support)
        let customer = try await customer(context)
        let notice: Notice? =
            switch request.uri.queryParameters.get("done") {
            case "note": .success("Note added.")
            case "reset": .success("A password reset link was emailed to \(customer.email).")
            case "suspended": .success("Service suspended.")
            case "unsuspended": .success("Service restored.")
            case "welcome": .success("The welcome email was sent again.")
            default: nil
            }
        return try flows.page(try await detail(customer, context, notice: notice), "admin/customer")
    }

    @Sendable func addNote(_ request: Request, context: StaffRequestContext) async throws -> Response {
        try context.require(.admin)
        let customer = try await customer(context)
        let body = try await FormData.parse(request).trimmed("note")
        guard !body.isEmpty, body.count <= 4000 else {
            var page = try await detail(customer, context)
            page.noteInput = body
            page.noteError = body.isEmpty ? "Write the note first." : "A note holds at most 4,000 characters."
            return try flows.page(page, "admin/customer", status: .unprocessableContent)
        }
        try await desk.addNote(body, to: customer, by: context.staff, in: context.tenant, ip: ip(context))
        return flows.redirect(to: AdminPaths.customer.link(customer.id.rawValue) + "?done=note")
    }

    @Sendable func sendPasswordReset(_ request: Request, context: StaffRequestContext) async throws -> Response {
        try context.require(.admin)
        let customer = try await customer(context)
        try await desk.sendPasswordReset(to: customer, by: context.staff, in: context.tenant, ip: ip(context))
        return flows.redirect(to: AdminPaths.customer.link(customer.id.rawValue) + "?done=reset")
    }

    func ip(_ context: StaffRequestContext) -> String { context.origin.clientAddress ?? "" }
}
