import Foundation
import Hummingbird
import Tenancy

/// A customer's ticket thread and their replies to it.
extension TicketsController {
    func threadPage(
        _ chrome: StorefrontChrome, csrf: String, ticket: Ticket, messages: [TicketMessage], staff: Bool,
        customer: String, reply: String = "", error: String? = nil
    ) async throws -> ThreadPage {
        ThreadPage(
            ticket, messages: messages, staff: staff, customer: customer, reply: reply, error: error, chrome: chrome,
            csrf: csrf)
    }

    @Sendable func customerThread(_ request: Request, context: CustomerRequestContext) async throws -> Response {
        guard let id = context.parameters.get("id").flatMap(Int64.init),
            let (ticket, messages) = try await databases.withDatabase(
                for: context.tenant, { try await $0.tickets.ticket(id, of: context.account.id) })
        else { throw PortalError.notFound }
        return try flows.page(
            try await threadPage(
                context.chrome, csrf: context.csrfToken, ticket: ticket, messages: messages, staff: false, customer: ""),
            "account/ticket"
        )
    }

    @Sendable func customerReply(_ request: Request, context: CustomerRequestContext) async throws -> Response {
        guard let id = context.parameters.get("id").flatMap(Int64.init),
            let (ticket, messages) = try await databases.withDatabase(
                for: context.tenant, { try await $0.tickets.ticket(id, of: context.account.id) }),
            ticket.whmcsTicketID != nil
        else { throw PortalError.notFound }
        let body = try await FormData.parse(request)["message"].trimmingCharacters(in: .whitespacesAndNewlines)
        guard !body.isEmpty, body.count <= 20_000 else {
            return try flows.page(
                try await threadPage(
                    context.chrome, csrf: context.csrfToken, ticket: ticket, messages: messages, staff: false,
                    customer: "",
                    reply: body, error: tr("support.ticket.reply_invalid")),
                "account/ticket", status: .unprocessableContent
            )
        }
        try await desk.reply(
            to: ticket, body, by: context.account, in: context.tenant, ip: context.origin.clientAddress ?? "")
        return flows.redirect(to: AccountPaths.ticket.link(id))
    }
}
