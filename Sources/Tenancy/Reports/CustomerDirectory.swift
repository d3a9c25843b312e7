import Foundation
import GRDB

/// The back office's view of the brand's customers: search, one customer's page, private notes.
package struct CustomerDirectory: Sendable {
    let pool: DatabasePool

    static func create(_ db: Database) throws {
        try db.execute(
            sql: """
                CREATE TABLE customer_notes (
                    id INTEGER PRIMARY KEY AUTOINCREMENT,
                    account_id INTEGER NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
                    author_id INTEGER REFERENCES accounts(id) ON DELETE SET NULL,
                    author TEXT NOT NULL,
                    body TEXT NOT NULL,
                    created_at DATETIME NOT NULL
                );
                CREATE INDEX customer_notes_by_account ON customer_notes(account_id, id);
                ALTER TABLE sessions ADD COLUMN impersonator_id INTEGER REFERENCES accounts(id) ON DELETE CASCADE;
                CREATE INDEX service_mirror_by_status ON service_mirror(status, whmcs_product_id, billing_cycle, recurring_minor);
                CREATE INDEX service_mirror_by_domain ON service_mirror(domain);
                CREATE INDEX invoice_mirror_by_status ON invoice_mirror(status, currency, due_date, total_minor, date);
                CREATE INDEX orders_by_created ON orders(created_at, change_kind);
                CREATE INDEX audit_by_actor ON audit_log(actor_id);
                CREATE INDEX audit_by_target ON audit_log(target);
                CREATE INDEX products_by_whmcs_id ON products(whmcs_product_id, kind);
                """
        )
    }

    /// One row of the customer list.
    package struct Row: Sendable, Equatable {
        package var id: Account.ID
        package var name: String
        package var email: String
        package var company: String
        package var createdAt: Date
        package var services: Int
    }

    package struct Note: Sendable, Equatable {
        package var author: String
        package var body: String
        package var createdAt: Date
    }

    /// Customers whose name, email, company or a service's or order's domain contains `query`, newest first.
    package func search(_ query: String, limit: Int, offset: Int) async throws -> (rows: [Row], total: Int) {
        try await pool.read { db in
            let pattern =
                "%"
                + query.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "%", with: "\\%")
                .replacingOccurrences(of: "_", with: "\\_") + "%"
            let filter =
                query.isEmpty
                ? ""
                : """
                 AND (accounts.name LIKE :q ESCAPE '\\' OR accounts.email LIKE :q ESCAPE '\\' OR accounts.company LIKE :q ESCAPE '\\'
                    OR accounts.id IN (SELECT account_id FROM service_mirror WHERE domain LIKE :q ESCAPE '\\')
                    OR accounts.id IN (SELECT account_id FROM orders WHERE domain LIKE :q ESCAPE '\\'))
                """
            let arguments: StatementArguments = ["q": pattern, "limit": limit, "offset": offset]
            let total =
                try Int.fetchOne(
                    db, sql: "SELECT count(*) FROM accounts WHERE kind = 'customer'" + filter, arguments: arguments)
                ?? 0
            let rows = try GRDB.Row.fetchAll(
                db,
                sql: """
                    SELECT accounts.id, accounts.name, accounts.email, accounts.company, accounts.created_at,
                        (SELECT count(*) FROM service_mirror WHERE service_mirror.account_id = accounts.id AND status = 'Active') AS services
                    FROM accounts WHERE kind = 'customer'\(filter) ORDER BY accounts.id DESC LIMIT :limit OFFSET :offset
                    """,
                arguments: arguments
            ).map {
                Row(
                    id: Account.ID($0["id"] as Int64), name: $0["name"], email: $0["email"], company: $0["company"],
                    createdAt: $0["created_at"], services: $0["services"])
            }
            return (rows, total)
        }
    }

    /// The customer's private notes, newest first.
    package func notes(of account: Account.ID) async throws -> [Note] {
        try await pool.read { db in
            try GRDB.Row.fetchAll(
                db, sql: "SELECT author, body, created_at FROM customer_notes WHERE account_id = ? ORDER BY id DESC",
                arguments: [account.rawValue]
            ).map { Note(author: $0["author"], body: $0["body"], createdAt: $0["created_at"]) }
        }
    }

    /// Adds a note and its audit entry together.
    package func addNote(_ body: String, to customer: Account, by staff: Account, ip: String, now: Date = Date())
        async throws
    {
        try await pool.write { db in
            try db.execute(
                sql:
                    "INSERT INTO customer_notes (account_id, author_id, author, body, created_at) VALUES (?, ?, ?, ?, ?)",
                arguments: [customer.id.rawValue, staff.id.rawValue, staff.email, body, now]
            )
            try AccountStore.appendAudit(
                db, "customer.note_added", actor: staff, target: customer.email, detail: "", ip: ip, now: now)
        }
    }

    /// What happened to or by the customer: entries they made, and staff entries naming them.
    package func auditTrail(of customer: Account, limit: Int = 50) async throws -> [AuditEntry] {
        try await pool.read { db in
            try AuditEntry.fetchAll(
                db, sql: "SELECT * FROM audit_log WHERE actor_id = ? OR target = ? ORDER BY id DESC LIMIT ?",
                arguments: [customer.id.rawValue, customer.email, limit]
            )
        }
    }
}

extension TenantDatabase {
    package var customers: CustomerDirectory { CustomerDirectory(pool: pool) }
}
