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
    let upstreams: TenantUpstreams

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
        guard let raw = context.parameters.get("id").flatMap(Int64.init),
            let account = try await databases.withDatabase(
                for: context.tenant, { try await $0.accounts.account(Account.ID(raw)) }),
            account.kind == .customer
        else { throw PortalError.notFound }
        return account
    }

    func detail(_ customer: Account, _ context: StaffRequestContext, notice: Notice? = nil) async throws
        -> DetailPage
    {
        let today = DateFormatter.utc("yyyy-MM-dd").string(from: flows.services.now())
        let (services, invoices, tickets, orders, notes, audit) = try await databases.withDatabase(for: context.tenant)
        { database in
            (
                try await database.billing.services(of: customer.id, limit: 100).items,
                try await database.billing.invoices(of: customer.id, filter: .all, today: today, limit: 50).items,
                try await database.tickets.tickets(of: customer.id, limit: 50, offset: 0).items,
                try await database.orders.orders(of: customer.id, limit: 50),
                try await database.customers.notes(of: customer.id),
                try await database.customers.auditTrail(of: customer)
            )
        }
        let canAct = context.role >= .admin
        return DetailPage(
            chrome: context.chrome, csrf: context.csrfToken, notice: notice, customerID: customer.id.rawValue,
            name: customer.name, email: customer.email, company: customer.company,
            hasCompany: !customer.company.isEmpty,
            joined: PageDates.format(customer.createdAt), verified: customer.emailVerifiedAt != nil,
            canReadAudit: context.role >= .admin,
            canAct: canAct, canSignInAs: context.role >= .admin,
            services: services.map { service in
                var line = DetailPage.Line(
                    id: String(service.whmcsServiceID), title: service.productName, detail: service.domain,
                    status: service.status, link: nil
                )
                line.canSuspend = canAct && service.status == "Active"
                line.canUnsuspend = canAct && service.status == "Suspended"
                return line
            },
            invoices: invoices.map {
                .init(
                    id: String($0.whmcsInvoiceID), title: "Invoice \($0.number)",
                    detail: "\(Money.format(minor: $0.totalMinor, currency: $0.currency)), due \($0.dueDate)",
                    status: $0.status, link: nil)
            },
            tickets: tickets.map {
                .init(
                    id: String($0.id ?? 0), title: $0.subject, detail: $0.departmentName, status: $0.status,
                    link: $0.id.map { AdminPaths.ticket.link($0) })
            },
            orders: orders.map {
                .init(
                    id: String($0.id?.rawValue ?? 0), title: "\($0.number): \($0.productName)",
                    detail: Money.format(minor: $0.totalMinor, currency: $0.currency),
                    status: $0.status.staffLabel, link: $0.id.map { AdminPaths.order.link($0.rawValue) })
            },
            notes: notes.map { .init(author: $0.author, body: $0.body, at: PageDates.format($0.createdAt)) },
            audit: AuditPage.rows(audit)
        )
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
        try await databases.withDatabase(for: context.tenant) { database in
            try await database.customers.addNote(
                body, to: customer, by: context.staff, ip: context.origin.clientAddress ?? "", now: flows.services.now()
            )
        }
        return flows.redirect(to: AdminPaths.customer.link(customer.id.rawValue) + "?done=note")
    }

    @Sendable func sendPasswordReset(_ request: Request, context: StaffRequestContext) async throws -> Response {
        try context.require(.admin)
        let customer = try await customer(context)
        let realm = realm(context.tenant)
        let (link, token) = flows.oneTimeLink(
            .resetPassword, path: SignInPaths.customer.resetPassword.link(), realm: realm)
        let mail = try await flows.prepareMail(
            realm: realm, to: customer.email, name: customer.name, .passwordReset, variables: ["link": link],
            tag: "reset_password"
        )
        let (staff, ip, now) = (context.staff, context.origin.clientAddress ?? "", flows.services.now())
        try await realm.withAccounts { store in
            try await flows.commit(store, realm: realm) { db in
                try AccountStore.insertToken(db, token(customer.id))
                try AccountStore.insertMail(db, mail, now: now)
                try AccountStore.appendAudit(
                    db, "customer.password_reset_sent", actor: staff, target: customer.email, detail: "", ip: ip,
                    now: now)
            }
        }
        return flows.redirect(to: AdminPaths.customer.link(customer.id.rawValue) + "?done=reset")
    }

}
