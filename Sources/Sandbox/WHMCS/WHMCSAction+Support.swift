import Foundation
import GRDB

extension WHMCSAction {
    // MARK: One ticket

    /// GetTicket: the ticket with its thread; the opening message comes first, as replyid 0.
    func getTicket() throws -> JSONValue {
        guard let id = params.int("ticketid"),
            let row = try Row.fetchOne(db, sql: "SELECT * FROM whmcs_tickets WHERE id = ?", arguments: [id])
        else { throw WHMCSFailure("Ticket ID Not Found") }
        var replies: [JSONValue] = [
            [
                "replyid": "0", "userid": Self.id(row["userid"]), "name": .string(row["name"]),
                "email": .string(row["email"]),
                "date": .string(row["date"]), "message": .string(row["message"]), "admin": "", "attachment": "",
                "rating": "0",
            ]
        ]
        for reply in try Row.fetchAll(
            db, sql: "SELECT * FROM whmcs_ticket_replies WHERE tid = ? ORDER BY id", arguments: [id])
        {
            replies.append([
                "replyid": Self.id(reply["id"]), "userid": Self.id(reply["userid"]), "name": "", "email": "",
                "date": .string(reply["date"]), "message": .string(reply["message"]), "admin": .string(reply["admin"]),
                "attachment": "", "rating": "0",
            ])
        }
        return [
            "ticketid": Self.id(id), "tid": .string(row["tid"]), "c": .string(row["c"]), "deptid": Self.id(row["did"]),
            "userid": Self.id(row["userid"]), "subject": .string(row["title"]), "status": .string(row["status"]),
            "priority": .string(row["urgency"]), "date": .string(row["date"]), "lastreply": .string(row["lastreply"]),
            "replies": ["reply": .array(replies)], "notes": "", "contactid": "0", "name": .string(row["name"]),
            "email": .string(row["email"]), "cc": "", "flag": "0", "admin": "",
            "deptname": .string(
                try String.fetchOne(db, sql: "SELECT name FROM whmcs_departments WHERE id = ?", arguments: [row["did"]])
                    ?? ""),
            "service": .string((row["serviceid"] as Int) == 0 ? "" : "S\(row["serviceid"] as Int)"),
        ]
    }

    // MARK: Departments

    func getSupportDepartments() throws -> JSONValue {
        let rows = try Row.fetchAll(db, sql: "SELECT * FROM whmcs_departments ORDER BY id")
        let departments: [JSONValue] = try rows.map { row in
            let id: Int = row["id"]
            let open =
                try Int.fetchOne(
                    db, sql: "SELECT count(*) FROM whmcs_tickets WHERE did = ? AND status != 'Closed'", arguments: [id])
                ?? 0
            return [
                "id": Self.id(id), "name": .string(row["name"]), "awaitingreply": "0",
                "opentickets": .string(String(open)),
            ]
        }
        var body: [String: JSONValue] = ["totalresults": .number(Double(departments.count))]
        body["departments"] = Self.list("department", departments)
        return .object(body)
    }

    // MARK: Invoices

    func getInvoices() throws -> JSONValue {
        var conditions: [String] = []
        var arguments: [any DatabaseValueConvertible] = []
        if let user = params.int("userid") { conditions.append("i.userid = ?"); arguments.append(user) }
        if let status = params.nonEmpty("status") {
            if status == "Overdue" {
                conditions.append("i.status = 'Unpaid' AND i.duedate < ?")
                arguments.append(today)
            } else {
                conditions.append("i.status = ?")
                arguments.append(status)
            }
        }
        let filter = conditions.isEmpty ? "" : "WHERE " + conditions.joined(separator: " AND ")
        let columns = [
            "id": "i.id", "invoicenumber": "i.id", "date": "i.date", "duedate": "i.duedate", "total": "i.total",
            "status": "i.status",
        ]
        let orderBy = params.nonEmpty("orderby").flatMap { columns[$0] } ?? "i.id"
        let direction = params.string("order")?.lowercased() == "desc" ? "DESC" : "ASC"
        let (start, size) = paging
        let total =
            try Int.fetchOne(
                db, sql: "SELECT count(*) FROM whmcs_invoices i \(filter)", arguments: StatementArguments(arguments))
            ?? 0
        let rows = try Row.fetchAll(
            db,
            sql: """
                SELECT i.*, c.firstname, c.lastname, c.companyname, c.currency FROM whmcs_invoices i JOIN whmcs_clients c ON c.id = i.userid
                \(filter) ORDER BY \(orderBy) \(direction) LIMIT \(size) OFFSET \(start)
                """,
            arguments: StatementArguments(arguments)
        )
        let items: [JSONValue] = rows.map { row in
            let currency = Self.currencies.first { $0.id == (row["currency"] as Int? ?? 1) } ?? Self.currencies[0]
            return [
                "id": Self.id(row["id"]), "userid": Self.id(row["userid"]), "firstname": .string(row["firstname"]),
                "lastname": .string(row["lastname"]), "companyname": .string(row["companyname"]),
                "invoicenum": "", "date": .string(row["date"]), "duedate": .string(row["duedate"]),
                "datepaid": .string(row["datepaid"]), "last_capture_attempt": "0000-00-00 00:00:00",
                "date_refunded": "0000-00-00 00:00:00", "date_cancelled": "0000-00-00 00:00:00",
                "subtotal": Self.money(row["subtotal"]), "credit": "0.00", "tax": Self.money(row["tax"]),
                "tax2": Self.money(row["tax2"]),
                "total": Self.money(row["total"]), "taxrate": .string(row["taxrate"]),
                "taxrate2": .string(row["taxrate2"]),
                "status": .string(row["status"]),
                "paymentmethod": .string(row["paymentmethod"]), "paymethodid": "", "notes": .string(row["notes"]),
                "created_at": .string(row["date"]), "updated_at": .string(row["date"]),
                "currencycode": .string(currency.code),
                "currencyprefix": .string(currency.prefix), "currencysuffix": .string(currency.suffix),
            ]
        }
        return Self.page("invoices", "invoice", items: items, total: total, start: start, empty: .emptyArray)
    }

    func getInvoice() throws -> JSONValue {
        guard let invoiceID = params.int("invoiceid"),
            let row = try Row.fetchOne(db, sql: "SELECT * FROM whmcs_invoices WHERE id = ?", arguments: [invoiceID])
        else { throw WHMCSFailure("Invoice ID Not Found") }
        let items = try Row.fetchAll(
            db, sql: "SELECT * FROM whmcs_invoice_items WHERE invoiceid = ? ORDER BY id", arguments: [invoiceID])
        let payments = try Row.fetchAll(
            db, sql: "SELECT * FROM whmcs_transactions WHERE invoiceid = ? ORDER BY id", arguments: [invoiceID])
        let paid = payments.reduce(0) { $0 + ($1["amountin"] as Int) - ($1["amountout"] as Int) }
        let total: Int = row["total"]
        let transactions: JSONValue =
            payments.isEmpty
            ? ""
            : [
                "transaction": .array(
                    payments.map { payment in
                        [
                            "id": Self.id(payment["id"]), "userid": Self.id(payment["userid"]),
                            "transid": .string(payment["transid"]),
                            "gateway": .string(payment["gateway"]), "date": .string(payment["date"]),
                            "amountin": Self.money(payment["amountin"]), "fees": Self.money(payment["fees"]),
                            "amountout": Self.money(payment["amountout"]),
                            "description": .string(payment["description"]),
                        ]
                    })
            ]
        return [
            "invoiceid": Self.id(invoiceID), "invoicenum": "", "userid": Self.id(row["userid"]),
            "date": .string(row["date"]),
            "duedate": .string(row["duedate"]), "datepaid": .string(row["datepaid"]),
            "lastcaptureattempt": "0000-00-00 00:00:00", "subtotal": Self.money(row["subtotal"]), "credit": "0.00",
            "tax": Self.money(row["tax"]), "tax2": Self.money(row["tax2"]), "total": Self.money(total),
            "balance": Self.money(max(0, total - paid)),
            "taxrate": .string(row["taxrate"]), "taxrate2": .string(row["taxrate2"]), "status": .string(row["status"]),
            "paymentmethod": .string(row["paymentmethod"]),
            "notes": .string(row["notes"]), "ccgateway": false,
            "items": [
                "item": .array(
                    items.map { item in
                        [
                            "id": Self.id(item["id"]), "type": .string(item["type"]), "relid": Self.id(item["relid"]),
                            "description": .string(item["description"]), "amount": Self.money(item["amount"]),
                            "taxed": .string(String(item["taxed"] as Int)),
                        ]
                    })
            ],
            "transactions": transactions,
        ]
    }

    func addInvoicePayment() throws -> JSONValue {
        guard let invoiceID = params.int("invoiceid"),
            let row = try Row.fetchOne(db, sql: "SELECT * FROM whmcs_invoices WHERE id = ?", arguments: [invoiceID])
        else { throw WHMCSFailure("Invoice ID Not Found") }
        guard let transactionID = params.nonEmpty("transid") else { throw WHMCSFailure("Transaction ID is required") }
        guard let gateway = params.nonEmpty("gateway"), Self.gateways.contains(gateway) else {
            throw WHMCSFailure("Invalid Payment Gateway Name")
        }
        guard let date = params.nonEmpty("date") else { throw WHMCSFailure("Payment date is required") }
        let status: String = row["status"]
        guard status != "Cancelled" else {
            throw WHMCSFailure("It is not possible to add a payment to an invoice that is Cancelled")
        }
        let total: Int = row["total"]
        let paidSoFar =
            try Int.fetchOne(
                db, sql: "SELECT coalesce(sum(amountin), 0) FROM whmcs_transactions WHERE invoiceid = ?",
                arguments: [invoiceID]) ?? 0
        var amount = total - paidSoFar
        if let raw = params.nonEmpty("amount") {
            guard let value = Self.minor(raw), value > 0 else { throw WHMCSFailure("Invalid payment amount") }
            amount = value
        }
        try db.execute(
            sql:
                "INSERT INTO whmcs_transactions (invoiceid, userid, transid, gateway, date, amountin, fees) VALUES (?, ?, ?, ?, ?, ?, ?)",
            arguments: [
                invoiceID, row["userid"] as Int, transactionID, gateway, date, amount,
                Self.minor(params.string("fees") ?? "0") ?? 0,
            ]
        )
        if paidSoFar + amount >= total, status != "Paid" {
            try db.execute(
                sql: "UPDATE whmcs_invoices SET status = 'Paid', datepaid = ? WHERE id = ?",
                arguments: [date, invoiceID])
            try advanceDueDates(paidInvoice: invoiceID)
        }
        if !params.flag("noemail") {
            try sendStockEmail(.paymentConfirmation, client: row["userid"], about: "#\(invoiceID)")
        }
        return [:]
    }

    /// As WHMCS does when an invoice is paid: each service it bills moves its next due date on by one billing cycle,
    /// so a yearly plan bought today is next due a year from now.
    func advanceDueDates(paidInvoice invoiceID: Int) throws {
        let services = try Int.fetchAll(
            db, sql: "SELECT relid FROM whmcs_invoice_items WHERE invoiceid = ? AND type = 'Hosting'",
            arguments: [invoiceID])
        let months = [
            "Monthly": 1, "Quarterly": 3, "Semi-Annually": 6, "Annually": 12, "Biennially": 24, "Triennially": 36,
        ]
        let calendar = Calendar(identifier: .gregorian)
        for serviceID in services {
            guard
                let row = try Row.fetchOne(
                    db, sql: "SELECT billingcycle, nextduedate FROM whmcs_services WHERE id = ?", arguments: [serviceID]
                ),
                let step = months[row["billingcycle"] as String],
                let due = Self.date(row["nextduedate"]),
                let next = calendar.date(byAdding: .month, value: step, to: due)
            else { continue }
            try db.execute(
                sql: "UPDATE whmcs_services SET nextduedate = ? WHERE id = ?",
                arguments: [Self.format(next, "yyyy-MM-dd"), serviceID])
        }
    }

    // MARK: Tickets

    func openTicket() throws -> JSONValue {
        guard let department = params.int("deptid"),
            try Int.fetchOne(db, sql: "SELECT id FROM whmcs_departments WHERE id = ?", arguments: [department]) != nil
        else { throw WHMCSFailure("Department ID not found") }
        guard let subject = params.nonEmpty("subject") else { throw WHMCSFailure("Subject is required") }
        guard let message = params.nonEmpty("message") else { throw WHMCSFailure("Message is required") }
        var clientID = 0
        var name = params.string("name") ?? ""
        var email = params.string("email") ?? ""
        if let id = params.int("clientid"), id != 0 {
            guard let client = try clientRow(id: id) else { throw WHMCSFailure("Client ID Not Found") }
            clientID = id
            name = "\(client["firstname"] as String) \(client["lastname"] as String)"
            email = client["email"]
        } else if name.isEmpty || email.isEmpty {
            throw WHMCSFailure("Name and email address are required if not a client")
        }
        let priority = params.nonEmpty("priority") ?? "Medium"
        guard ["Low", "Medium", "High"].contains(priority) else {
            throw WHMCSFailure("Invalid priority. Must be one of Low, Medium, High")
        }
        var number: String
        repeat {
            number = Self.randomToken(6, alphabet: "0123456789")
        } while try Int.fetchOne(db, sql: "SELECT id FROM whmcs_tickets WHERE tid = ?", arguments: [number]) != nil
        let access = Self.randomToken(8, alphabet: "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789")
        try db.execute(
            sql: """
                INSERT INTO whmcs_tickets (tid, c, did, userid, name, email, date, title, message, urgency, lastreply, serviceid)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """,
            arguments: [
                number, access, department, clientID, name, email, timestamp, subject, message, priority, timestamp,
                params.int("serviceid") ?? 0,
            ]
        )
        let ticketID = Int(db.lastInsertedRowID)
        if !params.flag("noemail") { try sendStockEmail(.ticketOpened, client: clientID, about: "#\(number)") }
        return ["id": Self.id(ticketID), "tid": .string(number), "c": .string(access)]
    }

    func getTickets() throws -> JSONValue {
        var conditions: [String] = []
        var arguments: [any DatabaseValueConvertible] = []
        if let department = params.int("deptid") { conditions.append("did = ?"); arguments.append(department) }
        if let client = params.int("clientid") { conditions.append("userid = ?"); arguments.append(client) }
        if let email = params.nonEmpty("email") { conditions.append("email = ?"); arguments.append(email) }
        if let subject = params.nonEmpty("subject") {
            conditions.append("title LIKE '%' || ? || '%'"); arguments.append(subject)
        }
        switch params.nonEmpty("status") {
        case nil: break
        case "Awaiting Reply": conditions.append("status IN ('Open', 'Customer-Reply')")
        case "All Active Tickets": conditions.append("status IN ('Open', 'Answered', 'Customer-Reply', 'In Progress')")
        case "My Flagged Tickets": conditions.append("0")
        case let status?: conditions.append("status = ?"); arguments.append(status)
        }
        let filter = conditions.isEmpty ? "" : "WHERE " + conditions.joined(separator: " AND ")
        let (start, size) = paging
        let total =
            try Int.fetchOne(
                db, sql: "SELECT count(*) FROM whmcs_tickets \(filter)", arguments: StatementArguments(arguments)) ?? 0
        let rows = try Row.fetchAll(
            db,
            sql: "SELECT * FROM whmcs_tickets \(filter) ORDER BY lastreply DESC, id DESC LIMIT \(size) OFFSET \(start)",
            arguments: StatementArguments(arguments)
        )
        let items = rows.map(ticket)
        return Self.page("tickets", "ticket", items: items, total: total, start: start)
    }

    private func ticket(_ row: Row) -> JSONValue {
        let clientID: Int = row["userid"]
        let serviceID: Int = row["serviceid"]
        let name: JSONValue = .string(row["name"])
        let email: JSONValue = .string(row["email"])
        var fields: [String: JSONValue] = [
            "id": Self.id(row["id"]), "tid": .string(row["tid"]), "deptid": Self.id(row["did"]),
            "userid": Self.id(clientID),
            "c": .string(row["c"]), "date": .string(row["date"]), "subject": .string(row["title"]),
            "status": .string(row["status"]), "priority": .string(row["urgency"]),
            "lastreply": .string(row["lastreply"]),
        ]
        fields["name"] = name
        fields["owner_name"] = name
        fields["requestor_name"] = name
        fields["email"] = email
        fields["requestor_email"] = email
        fields["requestor_type"] = .string(clientID == 0 ? "Guest" : "Owner")
        fields["cc"] = ""
        fields["admin"] = ""
        fields["attachment"] = ""
        fields["attachments"] = .array([])
        fields["attachments_removed"] = .bool(false)
        fields["flag"] = "0"
        fields["service"] = .string(serviceID == 0 ? "" : "S\(serviceID)")
        return .object(fields)
    }

    static let ticketStatuses = ["Open", "Answered", "Customer-Reply", "Closed", "On Hold", "In Progress"]

    func addTicketReply() throws -> JSONValue {
        guard let ticketID = params.int("ticketid"),
            try Int.fetchOne(db, sql: "SELECT id FROM whmcs_tickets WHERE id = ?", arguments: [ticketID]) != nil
        else { throw WHMCSFailure("Ticket ID not found") }
        guard let message = params.nonEmpty("message") else { throw WHMCSFailure("Message is required") }
        let admin = params.string("adminusername") ?? ""
        var status = admin.isEmpty ? "Customer-Reply" : "Answered"
        if let requested = params.nonEmpty("status") {
            guard Self.ticketStatuses.contains(requested) else { throw WHMCSFailure("Invalid Ticket Status") }
            status = requested
        }
        try db.execute(
            sql: "INSERT INTO whmcs_ticket_replies (tid, userid, admin, date, message) VALUES (?, ?, ?, ?, ?)",
            arguments: [ticketID, params.int("clientid") ?? 0, admin, timestamp, message]
        )
        try db.execute(
            sql: "UPDATE whmcs_tickets SET status = ?, lastreply = ? WHERE id = ?",
            arguments: [status, timestamp, ticketID])
        // A staff reply notifies the client.
        if !admin.isEmpty, !params.flag("noemail") {
            let client = try Int.fetchOne(
                db, sql: "SELECT userid FROM whmcs_tickets WHERE id = ?", arguments: [ticketID])
            try sendStockEmail(.ticketReply, client: client ?? 0, about: "#\(ticketID)")
        }
        return [:]
    }

    // MARK: Single sign-on

    /// The destinations the sandbox knows; the full WHMCS list was not retrieved (CONTRACTS.md §1.6).
    static let destinations = [
        "clientarea:home", "clientarea:profile", "clientarea:services", "clientarea:product_details",
        "clientarea:invoices", "clientarea:tickets", "clientarea:domains", "sso:custom_redirect",
    ]

    func createSsoToken() throws -> JSONValue {
        guard let clientID = params.int("client_id") ?? params.int("user_id") else {
            throw WHMCSFailure("A valid client_id or user_id is required")
        }
        guard try clientRow(id: clientID) != nil else { throw WHMCSFailure("Invalid client_id") }
        let destination = params.nonEmpty("destination") ?? "clientarea:home"
        guard Self.destinations.contains(destination) else { throw WHMCSFailure("Invalid destination") }
        if destination == "clientarea:product_details" {
            guard let service = params.int("service_id"),
                try Int.fetchOne(
                    db, sql: "SELECT id FROM whmcs_services WHERE id = ? AND userid = ?",
                    arguments: [service, clientID]) != nil
            else { throw WHMCSFailure("Invalid service_id") }
        }
        // `sso:custom_redirect` opens the page named by `sso_redirect_path`, relative to the WHMCS address.
        var redirectPath = ""
        if destination == "sso:custom_redirect" {
            guard let path = params.nonEmpty("sso_redirect_path"), !path.hasPrefix("/"), !path.contains("://") else {
                throw WHMCSFailure("A valid sso_redirect_path is required for a custom redirect")
            }
            redirectPath = path
        }
        let token = Self.randomToken(40)
        try db.execute(
            sql:
                "INSERT INTO whmcs_sso_tokens (token, client_id, destination, expires_at, redirect_path) VALUES (?, ?, ?, ?, ?)",
            arguments: [
                token, clientID, destination, now.addingTimeInterval(60).timeIntervalSince1970, redirectPath,
            ]
        )
        return [
            "access_token": .string(token),
            "redirect_url": .string("\(baseURL)/oauth/singlesignon.php?access_token=\(token)"),
        ]
    }
}
