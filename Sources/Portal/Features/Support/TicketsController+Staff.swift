import Foundation
import Hummingbird
import Integrations
import Logging
import Tenancy

extension TicketsController {
    // MARK: Staff

    @Sendable func staffList(_ request: Request, context: StaffRequestContext) async throws -> Response {
        try context.require(.support)
        let perPage = 50
        let page = PageNumber.parse(request.uri.queryParameters.get("page"))
        let openOnly = request.uri.queryParameters.get("show") != "all"
        let (list, names) = try await databases.withDatabase(for: context.tenant) { database in
            let list = try await database.tickets.allTickets(
                openOnly: openOnly, limit: perPage, offset: (page - 1) * perPage)
            return (list, try await database.accounts.emails(of: Set(list.items.map(\.accountID))))
        }
        let show = openOnly ? "" : "show=all&"
        return try flows.page(
            ListPage(
                chrome: context.chrome, csrf: context.csrfToken,
                rows: list.items.map { Self.row($0, customer: names[$0.accountID] ?? "") },
                hasRows: !list.items.isEmpty,
                previousURL: page > 1 ? AdminPaths.tickets.link() + "?\(show)page=\(page - 1)" : nil,
                nextURL: page * perPage < list.total ? AdminPaths.tickets.link() + "?\(show)page=\(page + 1)" : nil,
                openOnly: openOnly
            ),
            "admin/tickets"
        )
    }

    func staffTicket(_ context: StaffRequestContext) async throws -> (Ticket, [TicketMessage], Account?) {
        guard let id = context.parameters.get("id").flatMap(Int64.init),
            let found = try await databases.withDatabase(
                for: context.tenant,
                { database -> (Ticket, [TicketMessage], Account?)? in
                    guard let (ticket, messages) = try await database.tickets.ticket(id, of: nil) else { return nil }
                    return (ticket, messages, try await database.accounts.account(ticket.accountID))
                })
        else { throw PortalError.notFound }
        return found
    }

    @Sendable func staffThread(_ request: Request, context: StaffRequestContext) async throws -> Response {
        try context.require(.support)
        let (ticket, messages, customer) = try await staffTicket(context)
        var page = try await threadPage(
            context.chrome, csrf: context.csrfToken, ticket: ticket, messages: messages, staff: true,
            customer: customer.map { "\($0.name) <\($0.email)>" } ?? "")
        if request.uri.queryParameters.get("done") == "sent" {
            page.notice = .success("Reply sent; the customer was emailed.")
        }
        return try flows.page(page, "admin/ticket")
    }

    @Sendable func staffReply(_ request: Request, context: StaffRequestContext) async throws -> Response {
        try context.require(.support)
        let (ticket, messages, customer) = try await staffTicket(context)
        guard let whmcsID = ticket.whmcsTicketID, let customer else { throw PortalError.notFound }
        let body = try await FormData.parse(request)["message"].trimmingCharacters(in: .whitespacesAndNewlines)
        guard !body.isEmpty, body.count <= 20_000 else {
            return try flows.page(
                try await threadPage(
                    context.chrome, csrf: context.csrfToken, ticket: ticket, messages: messages, staff: true,
                    customer: "\(customer.name) <\(customer.email)>", reply: body,
                    error: "Write your reply (at most 20,000 characters)."),
                "admin/ticket", status: .unprocessableContent
            )
        }
        let realm = realm(context.tenant)
        let admin = try await databases.withDatabase(for: context.tenant) {
            try await $0.accounts.setting(Self.adminUsernameKey)
        }
        do {
            try await desk.staffReply(
                ticketID: whmcsID, as: (admin?.isEmpty == false ? admin : nil) ?? context.staff.name, body,
                in: context.tenant)
        } catch let error as UpstreamError {
            var page = try await threadPage(
                context.chrome, csrf: context.csrfToken, ticket: ticket, messages: messages, staff: true,
                customer: "\(customer.name) <\(customer.email)>", reply: body)
            page.notice = .error("WHMCS did not take the reply; nothing was sent: \(TenantUpstreams.describe(error))")
            return try flows.page(page, "admin/ticket", status: .badGateway)
        }
        let mail = try await flows.prepareMail(
            realm: realm, to: customer.email, name: customer.name, .ticketReply,
            variables: [
                "ticket.number": ticket.number, "ticket.subject": ticket.subject,
                "reply.excerpt": String(body.prefix(300)),
                "link": flows.services.link(
                    primaryHost: realm.linkHost, path: AccountPaths.ticket.link(ticket.id ?? 0)),
            ],
            tag: "ticket_reply"
        )
        try await flows.mailQueue.willQueue(realm.mailbox)
        try await databases.withDatabase(for: context.tenant) { database in
            try await database.tickets.addReply(
                ticket.id ?? 0, author: "staff", authorName: context.staff.name, body: body, status: "Answered",
                mail: mail, actor: context.staff, ip: context.origin.clientAddress ?? "", now: flows.services.now())
        }
        flows.mailQueue.notify(realm.mailbox)
        return flows.redirect(to: AdminPaths.ticket.link(ticket.id ?? 0) + "?done=sent")
    }
}
