import Foundation
import Integrations
import Tenancy

/// The WHMCS calls tickets need; `WHMCSClient` is the live one, tests use an in-memory one.
package protocol SupportDesk: Sendable {
    func supportDepartments() async throws -> [(id: Int, name: String)]
    func openTicket(_ ticket: WHMCSNewTicket) async throws -> WHMCSOpenedTicket
    func addTicketReply(ticketID: Int, clientID: Int, message: String) async throws
    func addStaffReply(ticketID: Int, adminUsername: String, message: String) async throws
}

extension WHMCSClient: SupportDesk {}

/// A ticket a customer asked to open, checked by the controller.
package struct TicketRequest: Sendable {
    package var departmentID: Int
    package var departmentName: String
    package var subject: String
    package var message: String
    package var serviceID: Int?
    /// The form's one-time key: a ticket posted twice is opened once.
    package var idempotencyKey: String
}

/// Opening and answering support tickets: WHMCS holds them, the brand's database mirrors them.
///
/// Opening is reserve → call → confirm or undo: the reservation (under the form's key) makes a repeated post a
/// no-op, and a refusal from WHMCS removes it so nothing half-made is left.
package struct TicketDesk: Sendable {
    package enum Opened: Equatable, Sendable {
        /// Opened now, or earlier under the same form key; the brand's ticket id.
        case opened(Int64)
        /// Posted again while the first post is still being sent: nothing to show yet.
        case inProgress
        /// The customer has no WHMCS client and no billing details to make one from.
        case needsBillingDetails
    }

    let databases: TenantDatabases
    let desk: @Sendable (Tenant) async throws -> any SupportDesk
    /// The customer's WHMCS client, made from their saved billing details when they never ordered; nil when neither.
    let billingClient: @Sendable (Account, Tenant) async throws -> BillingClientLink?
    let now: @Sendable () -> Date

    package init(
        databases: TenantDatabases, desk: @escaping @Sendable (Tenant) async throws -> any SupportDesk,
        billingClient: @escaping @Sendable (Account, Tenant) async throws -> BillingClientLink?,
        now: @escaping @Sendable () -> Date
    ) {
        self.databases = databases
        self.desk = desk
        self.billingClient = billingClient
        self.now = now
    }

    /// The departments a ticket can go to.
    package func departments(in tenant: Tenant) async throws -> [(id: Int, name: String)] {
        try await desk(tenant).supportDepartments()
    }

    /// Opens `request` in WHMCS for `account`, once per form key.
    package func open(_ request: TicketRequest, by account: Account, in tenant: Tenant, ip: String) async throws
        -> Opened
    {
        guard let link = try await billingClient(account, tenant) else { return .needsBillingDetails }
        let (ticket, isNew) = try await databases.withDatabase(for: tenant) { database in
            try await database.tickets.reserve(
                Ticket(
                    accountID: account.id, idempotencyKey: request.idempotencyKey,
                    departmentID: request.departmentID, departmentName: request.departmentName,
                    subject: request.subject, whmcsServiceID: request.serviceID, now: now()
                ),
                message: request.message
            )
        }
        guard let id = ticket.id else { throw PortalError.notFound }
        guard isNew else { return ticket.whmcsTicketID == nil ? .inProgress : .opened(id) }
        do {
            var wire = WHMCSNewTicket(
                departmentID: request.departmentID, clientID: link.clientID, subject: request.subject,
                message: request.message
            )
            wire.serviceID = request.serviceID
            let opened = try await desk(tenant).openTicket(wire)
            try await databases.withDatabase(for: tenant) { database in
                try await database.tickets.opened(
                    id, whmcsTicketID: opened.id, number: opened.number, actor: account, ip: ip, now: now()
                )
            }
        } catch {
            try await databases.withDatabase(for: tenant) { try await $0.tickets.discard(id) }
            throw error
        }
        return .opened(id)
    }

    /// Sends a staff member's answer to WHMCS under the brand's WHMCS admin user (or the staff member's name).
    package func staffReply(ticketID: Int, as adminUsername: String, _ body: String, in tenant: Tenant) async throws {
        try await desk(tenant).addStaffReply(ticketID: ticketID, adminUsername: adminUsername, message: body)
    }

    /// Sends the customer's reply to WHMCS, then keeps it in the thread; nothing is kept when WHMCS refuses it.
    package func reply(
        to ticket: Ticket, _ body: String, by account: Account, in tenant: Tenant, ip: String
    ) async throws {
        guard let id = ticket.id, let whmcsID = ticket.whmcsTicketID,
            let link = try await databases.withDatabase(
                for: tenant, { try await $0.upstreams.billingClient(of: account.id) })
        else { throw PortalError.notFound }
        try await desk(tenant).addTicketReply(ticketID: whmcsID, clientID: link.clientID, message: body)
        try await databases.withDatabase(for: tenant) { database in
            try await database.tickets.addReply(
                id, author: "customer", authorName: account.name, body: body, status: "Customer-Reply",
                actor: account, ip: ip, now: now()
            )
        }
    }
}
