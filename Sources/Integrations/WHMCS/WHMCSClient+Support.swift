/// Tickets and single sign-on.
extension WHMCSClient {
    /// OpenTicket for a client. Not repeated after a lost answer: a customer may well open two tickets with the
    /// same subject, so there is no safe way to tell ours apart.
    package func openTicket(_ ticket: WHMCSNewTicket) async throws -> WHMCSOpenedTicket {
        var fields: [(String, PHPFormValue)] = [
            ("deptid", .scalar(String(ticket.departmentID))), ("clientid", .scalar(String(ticket.clientID))),
            ("subject", .scalar(ticket.subject)), ("message", .scalar(ticket.message)),
            ("priority", .scalar(ticket.priority.rawValue)), ("markdown", .flag(true)),
            // The portal tells the customer itself, under the brand.
            ("noemail", .flag(true)),
        ]
        if let serviceID = ticket.serviceID { fields.append(("serviceid", .scalar(String(serviceID)))) }
        let json = try await perform("OpenTicket", fields, safety: .once)
        return WHMCSOpenedTicket(
            id: try Self.int(json, "id", action: "OpenTicket"), number: json["tid"]?.string ?? "",
            accessCode: json["c"]?.string ?? ""
        )
    }

    /// GetTickets for one client, newest first.
    package func tickets(clientID: Int? = nil, status: String? = nil, page: WHMCSPageRequest = .init()) async throws
        -> WHMCSPage<WHMCSTicket>
    {
        var fields = Self.paging(page)
        if let clientID { fields.append(("clientid", .scalar(String(clientID)))) }
        if let status { fields.append(("status", .scalar(status))) }
        let json = try await perform("GetTickets", fields, safety: .safe)
        return Self.page(json, outer: "tickets", inner: "ticket", WHMCSTicket.init)
    }

    /// AddTicketReply as the client. Not repeated after a lost answer, for the same reason as OpenTicket.
    package func addTicketReply(ticketID: Int, clientID: Int, message: String) async throws {
        _ = try await perform(
            "AddTicketReply",
            [
                ("ticketid", .scalar(String(ticketID))), ("clientid", .scalar(String(clientID))),
                ("message", .scalar(message)), ("markdown", .flag(true)), ("noemail", .flag(true)),
            ],
            safety: .once
        )
    }

    /// AddTicketReply as a staff member (`adminusername`), which marks the ticket Answered. Not repeated.
    package func addStaffReply(ticketID: Int, adminUsername: String, message: String) async throws {
        _ = try await perform(
            "AddTicketReply",
            [
                ("ticketid", .scalar(String(ticketID))), ("adminusername", .scalar(adminUsername)),
                ("message", .scalar(message)), ("markdown", .flag(true)), ("noemail", .flag(true)),
            ],
            safety: .once
        )
    }

    /// GetTicket: a ticket's status and its whole thread, oldest first.
    package func ticketThread(id: Int) async throws -> WHMCSTicketThread {
        let json = try await perform("GetTicket", [("ticketid", .scalar(String(id)))], safety: .safe)
        return WHMCSTicketThread(json)
    }

    /// GetSupportDepartments: the departments tickets can be opened in.
    package func supportDepartments() async throws -> [(id: Int, name: String)] {
        let json = try await perform("GetSupportDepartments", [], safety: .safe)
        return (json["departments"]?["department"]?.elements ?? []).compactMap { item in
            guard let id = item["id"]?.int, let name = item["name"]?.string else { return nil }
            return (id, name)
        }
    }

    /// CreateSsoToken: a single-use link into the WHMCS client area. `page` (a path relative to WHMCS, such as
    /// `viewinvoice.php?id=12`) opens that page, as `sso:custom_redirect` with `sso_redirect_path`; the returned link
    /// is used as it is. A new token is harmless, so it may be repeated.
    package func createSsoToken(
        clientID: Int, destination: String? = nil, serviceID: Int? = nil, page: String? = nil
    ) async throws -> WHMCSSingleSignOn {
        var fields: [(String, PHPFormValue)] = [("client_id", .scalar(String(clientID)))]
        if let page {
            fields.append(("destination", .scalar("sso:custom_redirect")))
            fields.append(("sso_redirect_path", .scalar(page)))
        } else if let destination {
            fields.append(("destination", .scalar(destination)))
        }
        if let serviceID { fields.append(("service_id", .scalar(String(serviceID)))) }
        let json = try await perform("CreateSsoToken", fields, safety: .safe)
        guard let token = json["access_token"]?.string, let url = json["redirect_url"]?.string else {
            throw UpstreamError.malformedResponse(.whmcs, action: "CreateSsoToken", detail: "missing access_token")
        }
        return WHMCSSingleSignOn(accessToken: token, redirectURL: url)
    }
}

/// GetTicket's answer: the status and every message, the opening one first.
package struct WHMCSTicketThread: Sendable, Equatable {
    package struct Message: Sendable, Equatable {
        /// The staff member's name for staff replies, empty for the customer's.
        package var admin: String
        package var name: String
        package var date: String
        package var message: String
    }

    package var status: String
    package var lastReply: String
    package var messages: [Message]

    init(_ json: LenientJSON) {
        status = json["status"]?.string ?? ""
        lastReply = json["lastreply"]?.string ?? ""
        messages = (json["replies"]?["reply"]?.elements ?? []).map { reply in
            Message(
                admin: reply["admin"]?.string ?? "", name: reply["name"]?.string ?? "",
                date: reply["date"]?.string ?? "",
                message: reply["message"]?.string ?? ""
            )
        }
    }
}
