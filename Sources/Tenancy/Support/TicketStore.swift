import Foundation
import GRDB

/// A support ticket as the portal keeps it: opened in WHMCS, mirrored here with its messages so pages stay fast.
package struct Ticket: Codable, Hashable, Sendable, FetchableRecord, MutablePersistableRecord {
    package var id: Int64?
    package var accountID: Account.ID
    package var idempotencyKey: String
    /// Nil while WHMCS has not yet answered OpenTicket.
    package var whmcsTicketID: Int?
    /// WHMCS's ticket number (`tid`), shown to people.
    package var number: String
    package var departmentID: Int
    package var departmentName: String
    package var subject: String
    /// Open, Answered, Customer-Reply, In Progress, On Hold, Closed.
    package var status: String
    package var whmcsServiceID: Int?
    package var createdAt: Date
    package var updatedAt: Date

    /// A ticket about to be opened in WHMCS, under the form's idempotency key.
    package init(
        accountID: Account.ID, idempotencyKey: String, departmentID: Int, departmentName: String, subject: String,
        whmcsServiceID: Int?, now: Date
    ) {
        self.accountID = accountID
        self.idempotencyKey = idempotencyKey
        number = ""
        self.departmentID = departmentID
        self.departmentName = departmentName
        self.subject = subject
        status = "Open"
        self.whmcsServiceID = whmcsServiceID
        createdAt = now
        updatedAt = now
    }

    package static let databaseTableName = "tickets"
    package enum CodingKeys: String, CodingKey {
        case id, number, subject, status
        case accountID = "account_id"
        case idempotencyKey = "idempotency_key"
        case whmcsTicketID = "whmcs_ticket_id"
        case departmentID = "department_id"
        case departmentName = "department_name"
        case whmcsServiceID = "whmcs_service_id"
        case createdAt = "created_at"
        case updatedAt = "updated_at"
    }

    package var isOpen: Bool { status != "Closed" }

    package mutating func didInsert(_ inserted: InsertionSuccess) {
        id = inserted.rowID
    }
}

/// One message of a ticket's thread.
package struct TicketMessage: Codable, Hashable, Sendable, FetchableRecord {
    package var id: Int64
    package var ticketID: Int64
    /// `customer` or `staff`.
    package var author: String
    package var authorName: String
    package var body: String
    package var createdAt: Date

    package enum CodingKeys: String, CodingKey {
        case id, author, body
        case ticketID = "ticket_id"
        case authorName = "author_name"
        case createdAt = "created_at"
    }
}

/// The tenant's tickets: each method is one transaction.
package struct TicketStore: Sendable {
    let pool: DatabasePool

    static func create(_ db: Database) throws {
        try db.execute(
            sql: """
                CREATE TABLE tickets (
                    id INTEGER PRIMARY KEY AUTOINCREMENT,
                    account_id INTEGER NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
                    idempotency_key TEXT NOT NULL,
                    whmcs_ticket_id INTEGER UNIQUE,
                    number TEXT NOT NULL DEFAULT '',
                    department_id INTEGER NOT NULL,
                    department_name TEXT NOT NULL,
                    subject TEXT NOT NULL,
                    status TEXT NOT NULL,
                    whmcs_service_id INTEGER,
                    created_at DATETIME NOT NULL,
                    updated_at DATETIME NOT NULL,
                    UNIQUE (account_id, idempotency_key)
                );
                CREATE INDEX tickets_by_account ON tickets(account_id, updated_at);
                CREATE INDEX tickets_by_status ON tickets(status, updated_at);
                CREATE TABLE ticket_messages (
                    id INTEGER PRIMARY KEY AUTOINCREMENT,
                    ticket_id INTEGER NOT NULL REFERENCES tickets(id) ON DELETE CASCADE,
                    author TEXT NOT NULL CHECK (author IN ('customer', 'staff')),
                    author_name TEXT NOT NULL,
                    body TEXT NOT NULL,
                    created_at DATETIME NOT NULL
                );
                CREATE INDEX ticket_messages_by_ticket ON ticket_messages(ticket_id, id);
                """
        )
    }

    /// Reserves the ticket under the form's key before WHMCS is called; a second submission finds the first.
    package func reserve(_ ticket: Ticket, message: String) async throws -> (ticket: Ticket, isNew: Bool) {
        try await pool.write { db in
            if let existing = try Ticket.filter(
                Column("account_id") == ticket.accountID && Column("idempotency_key") == ticket.idempotencyKey
            )
            .fetchOne(db) {
                return (existing, false)
            }
            var ticket = ticket
            try ticket.insert(db)
            try db.execute(
                sql:
                    "INSERT INTO ticket_messages (ticket_id, author, author_name, body, created_at) VALUES (?, 'customer', ?, ?, ?)",
                arguments: [
                    ticket.id,
                    try String.fetchOne(
                        db, sql: "SELECT name FROM accounts WHERE id = ?", arguments: [ticket.accountID]) ?? "",
                    message, ticket.createdAt,
                ]
            )
            return (ticket, true)
        }
    }

    /// Records WHMCS's ticket id and number once OpenTicket answered, with an audit entry.
    package func opened(_ id: Int64, whmcsTicketID: Int, number: String, actor: Account, ip: String, now: Date = Date())
        async throws
    {
        try await pool.write { db in
            try db.execute(
                sql: "UPDATE tickets SET whmcs_ticket_id = ?, number = ?, updated_at = ? WHERE id = ?",
                arguments: [whmcsTicketID, number, now, id]
            )
            try AccountStore.appendAudit(
                db, "ticket.opened", actor: actor, target: "ticket \(number)", detail: "", ip: ip, now: now)
        }
    }

    /// Forgets a reserved ticket that WHMCS refused or never answered, so the customer can try again.
    package func discard(_ id: Int64) async throws {
        try await pool.write { db in
            try db.execute(sql: "DELETE FROM tickets WHERE id = ? AND whmcs_ticket_id IS NULL", arguments: [id])
        }
    }

    /// Adds a reply (after WHMCS took it) and sets the status WHMCS gives such a reply; the optional email goes in
    /// the same transaction.
    package func addReply(
        _ id: Int64, author: String, authorName: String, body: String, status: String, mail: OutgoingMail? = nil,
        actor: Account, ip: String, now: Date = Date()
    ) async throws {
        try await pool.write { db in
            try db.execute(
                sql:
                    "INSERT INTO ticket_messages (ticket_id, author, author_name, body, created_at) VALUES (?, ?, ?, ?, ?)",
                arguments: [id, author, authorName, body, now]
            )
            try db.execute(
                sql: "UPDATE tickets SET status = ?, updated_at = ? WHERE id = ?", arguments: [status, now, id])
            if let mail { try AccountStore.insertMail(db, mail, now: now) }
            let number = try String.fetchOne(db, sql: "SELECT number FROM tickets WHERE id = ?", arguments: [id]) ?? ""
            try AccountStore.appendAudit(
                db, "ticket.replied", actor: actor, target: "ticket \(number)", detail: author, ip: ip, now: now)
        }
    }

    /// A customer's tickets, newest activity first, with the total for paging.
    package func tickets(of account: Account.ID, limit: Int, offset: Int) async throws -> (items: [Ticket], total: Int)
    {
        try await pool.read { db in
            let request = Ticket.filter(Column("account_id") == account.rawValue && Column("whmcs_ticket_id") != nil)
            return (
                try request.order(Column("updated_at").desc).limit(limit, offset: offset).fetchAll(db),
                try request.fetchCount(db)
            )
        }
    }

    /// Every ticket for staff: those awaiting an answer first.
    package func allTickets(openOnly: Bool, limit: Int, offset: Int) async throws -> (items: [Ticket], total: Int) {
        try await pool.read { db in
            var request = Ticket.filter(Column("whmcs_ticket_id") != nil)
            if openOnly { request = request.filter(Column("status") != "Closed") }
            return (
                try request.order(Column("status") == "Answered", Column("updated_at").desc).limit(
                    limit, offset: offset
                ).fetchAll(db),
                try request.fetchCount(db)
            )
        }
    }

    /// The ticket and its thread; `account` limits it to that customer's own.
    package func ticket(_ id: Int64, of account: Account.ID?) async throws -> (Ticket, [TicketMessage])? {
        try await pool.read { db in
            var request = Ticket.filter(Column("id") == id && Column("whmcs_ticket_id") != nil)
            if let account { request = request.filter(Column("account_id") == account.rawValue) }
            guard let ticket = try request.fetchOne(db) else { return nil }
            let messages = try TicketMessage.fetchAll(
                db, sql: "SELECT * FROM ticket_messages WHERE ticket_id = ? ORDER BY id", arguments: [id])
            return (ticket, messages)
        }
    }

    /// The customer's tickets whose last activity in WHMCS differs from what was mirrored: (local id, WHMCS id).
    package func stale(_ lastReplies: [Int: String], of account: Account.ID) async throws -> [(Int64, Int)] {
        try await pool.read { db in
            try Row.fetchAll(
                db,
                sql:
                    "SELECT id, whmcs_ticket_id, whmcs_last_reply FROM tickets WHERE account_id = ? AND whmcs_ticket_id IS NOT NULL",
                arguments: [account.rawValue]
            ).compactMap { row in
                let whmcsID: Int = row["whmcs_ticket_id"]
                guard let last = lastReplies[whmcsID], last != (row["whmcs_last_reply"] as String) else { return nil }
                return (row["id"] as Int64, whmcsID)
            }
        }
    }

    /// Replaces a ticket's thread with WHMCS's (replies written in WHMCS itself included), with its status.
    package func replaceThread(
        _ id: Int64, status: String, lastReply: String,
        messages: [(author: String, name: String, body: String, date: Date)], now: Date = Date()
    ) async throws {
        try await pool.write { db in
            try db.execute(sql: "DELETE FROM ticket_messages WHERE ticket_id = ?", arguments: [id])
            for message in messages {
                try db.execute(
                    sql:
                        "INSERT INTO ticket_messages (ticket_id, author, author_name, body, created_at) VALUES (?, ?, ?, ?, ?)",
                    arguments: [id, message.author, message.name, message.body, message.date]
                )
            }
            try db.execute(
                sql: "UPDATE tickets SET status = ?, whmcs_last_reply = ?, updated_at = ? WHERE id = ?",
                arguments: [status, lastReply, now, id]
            )
        }
    }

    /// Statuses as WHMCS reports them (a ticket answered or closed in WHMCS itself).
    package func updateStatuses(_ statuses: [Int: String], of account: Account.ID, now: Date = Date()) async throws {
        try await pool.write { db in
            for (whmcsID, status) in statuses {
                try db.execute(
                    sql:
                        "UPDATE tickets SET status = ?, updated_at = CASE WHEN status != ? THEN ? ELSE updated_at END WHERE whmcs_ticket_id = ? AND account_id = ?",
                    arguments: [status, status, now, whmcsID, account.rawValue]
                )
            }
        }
    }
}

extension TenantDatabase {
    /// Support tickets and their messages.
    package var tickets: TicketStore { TicketStore(pool: pool) }
}
