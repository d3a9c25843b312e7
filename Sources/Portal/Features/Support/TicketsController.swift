import Foundation
import Hummingbird
import Integrations
import Logging
import Tenancy

/// Support tickets: customers open, read and answer theirs at `/account/tickets`; staff (support and up) answer
/// at `/admin/tickets`. Tickets live in WHMCS (OpenTicket, AddTicketReply, GetTickets) and are mirrored here.
package struct TicketsController: Sendable {
    let flows: AccountFlows
    let realm: @Sendable (Tenant) -> any AccountRealm
    let databases: TenantDatabases
    let upstreams: TenantUpstreams
    let desk: TicketDesk

    package static let adminUsernameKey = "support.whmcs_admin_username"

    package func addCustomerRoutes(to group: RouterGroup<CustomerRequestContext>) {
        group.get(AccountPaths.tickets.route, use: customerList)
        group.get(AccountPaths.newTicket.route, use: newTicket)
        group.post(AccountPaths.tickets.route, use: open)
        group.get(AccountPaths.ticket.route, use: customerThread)
        group.post(AccountPaths.ticketReply.route, use: customerReply)
    }

    package func addStaffRoutes(to group: RouterGroup<StaffRequestContext>) {
        group.get(AdminPaths.tickets.route, use: staffList)
        group.get(AdminPaths.ticket.route, use: staffThread)
        group.post(AdminPaths.ticketReply.route, use: staffReply)
    }

    // MARK: Customer

    @Sendable func customerList(_ request: Request, context: CustomerRequestContext) async throws -> Response {
        let perPage = 20
        let page = PageNumber.parse(request.uri.queryParameters.get("page"))
        let list = try await databases.withDatabase(for: context.tenant) { database in
            try await database.tickets.tickets(of: context.account.id, limit: perPage, offset: (page - 1) * perPage)
        }
        return try flows.page(
            ListPage(
                chrome: context.chrome, csrf: context.csrfToken,
                rows: list.items.map {
                    var row = Self.row($0, customer: "")
                    row.statusLabel = TicketLabels.status(row.status)
                    return row
                },
                hasRows: !list.items.isEmpty,
                previousURL: page > 1 ? AccountPaths.tickets.link() + "?page=\(page - 1)" : nil,
                nextURL: page * perPage < list.total ? AccountPaths.tickets.link() + "?page=\(page + 1)" : nil,
                openOnly: false
            ),
            "account/tickets"
        )
    }

    static func row(_ ticket: Ticket, customer: String) -> ListPage.Row {
        ListPage.Row(ticket, customer: customer)
    }

    func newPage(
        _ context: CustomerRequestContext, subject: String = "", message: String = "", department: String = "",
        service: String = "",
        key: String = SecureToken.generate(), errors: [String: String] = [:]
    ) async throws -> NewPage {
        let departments = try await desk.departments(in: context.tenant)
        let services = try await databases.withDatabase(for: context.tenant) {
            try await $0.billing.services(of: context.account.id, limit: 100).items
        }
        return NewPage(
            departments: departments, services: services, department: department, service: service,
            subject: subject, message: message, key: key, errors: errors, chrome: context.chrome,
            csrf: context.csrfToken)
    }

    @Sendable func newTicket(_ request: Request, context: CustomerRequestContext) async throws -> Response {
        try flows.page(try await newPage(context), "account/ticket-new")
    }

    @Sendable func open(_ request: Request, context: CustomerRequestContext) async throws -> Response {
        let form = try await FormData.parse(request)
        let subject = form.trimmed("subject")
        let message = form["message"].trimmingCharacters(in: .whitespacesAndNewlines)
        let key = form["idempotency_key"]
        guard key.count >= 20, key.count <= 64 else { return flows.redirect(to: AccountPaths.newTicket.link()) }
        var errors: [String: String] = [:]
        if subject.isEmpty || subject.count > 200 || subject.contains(where: \.isNewline) {
            errors["subject"] = tr("support.ticket-new.subject_invalid")
        }
        if message.isEmpty || message.count > 20_000 {
            errors["message"] = tr("support.ticket-new.message_invalid")
        }
        var page = try await newPage(
            context, subject: subject, message: message, department: form["department"], service: form["service"],
            key: key)
        let department = page.departments.first { $0.value == form["department"] }
        if department == nil { errors["department"] = tr("support.ticket-new.department_invalid") }
        let serviceID = Int(form["service"])
        if let serviceID,
            try await databases.withDatabase(
                for: context.tenant, { try await $0.billing.service(serviceID, of: context.account.id) }) == nil
        {
            errors["service"] = tr("support.ticket-new.service_invalid")
        }
        guard errors.isEmpty, let department else {
            page = try await newPage(
                context, subject: subject, message: message, department: department?.value ?? "",
                service: errors["service"] == nil ? form["service"] : "", key: key, errors: errors)
            page.notice = .error(tr("support.ticket-new.not_sent"))
            return try flows.page(page, "account/ticket-new", status: .unprocessableContent)
        }
        let ticket = TicketRequest(
            departmentID: Int(department.value) ?? 0, departmentName: department.label, subject: subject,
            message: message, serviceID: serviceID, idempotencyKey: key
        )
        switch try await desk.open(
            ticket, by: context.account, in: context.tenant, ip: context.origin.clientAddress ?? "")
        {
        case .opened(let id):
            return flows.redirect(to: AccountPaths.ticket.link(id))
        case .inProgress:
            return flows.redirect(to: AccountPaths.tickets.link())
        case .needsBillingDetails:
            page.notice = .error(tr("support.ticket-new.needs_billing_details"))
            return try flows.page(page, "account/ticket-new", status: .conflict)
        }
    }
}
