import Foundation
import GRDB

/// Domains, cloud servers and certificates the pipeline provisioned for one tenant's customers. Every customer-facing
/// read takes the account: another customer's id reads as missing.
package struct ProvisionedStore: Sendable {
    let pool: DatabasePool

    static func create(_ db: Database) throws {
        try db.execute(
            sql: """
                CREATE TABLE registered_domains (
                    id INTEGER PRIMARY KEY AUTOINCREMENT,
                    account_id INTEGER NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
                    order_id INTEGER UNIQUE REFERENCES orders(id),
                    name TEXT NOT NULL UNIQUE COLLATE NOCASE,
                    status TEXT NOT NULL CHECK (status IN ('active', 'expired')),
                    expires_at DATETIME NOT NULL,
                    auto_renew BOOLEAN NOT NULL DEFAULT 1,
                    privacy BOOLEAN NOT NULL DEFAULT 0,
                    nameservers TEXT NOT NULL DEFAULT '',
                    created_at DATETIME NOT NULL,
                    updated_at DATETIME NOT NULL
                );
                CREATE INDEX registered_domains_by_account ON registered_domains(account_id, name);
                CREATE INDEX registered_domains_by_expiry ON registered_domains(expires_at);
                CREATE TABLE cloud_servers (
                    id INTEGER PRIMARY KEY AUTOINCREMENT,
                    account_id INTEGER NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
                    order_id INTEGER UNIQUE REFERENCES orders(id),
                    name TEXT NOT NULL,
                    provider TEXT NOT NULL,
                    size TEXT NOT NULL,
                    cpu INTEGER NOT NULL,
                    ram_gb INTEGER NOT NULL,
                    storage_gb INTEGER NOT NULL,
                    upstream_id TEXT NOT NULL,
                    status TEXT NOT NULL,
                    ip_address TEXT NOT NULL DEFAULT '',
                    hostname TEXT NOT NULL DEFAULT '',
                    created_at DATETIME NOT NULL,
                    updated_at DATETIME NOT NULL
                );
                CREATE INDEX cloud_servers_by_account ON cloud_servers(account_id);
                CREATE TABLE ssl_certificates (
                    id INTEGER PRIMARY KEY AUTOINCREMENT,
                    account_id INTEGER NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
                    order_id INTEGER UNIQUE REFERENCES orders(id),
                    domain TEXT NOT NULL COLLATE NOCASE,
                    product_code TEXT NOT NULL,
                    months INTEGER NOT NULL,
                    custom_id TEXT NOT NULL UNIQUE,
                    upstream_id TEXT NOT NULL DEFAULT '',
                    status TEXT NOT NULL CHECK (status IN ('pending_validation', 'issued', 'renewed', 'expired')),
                    validation TEXT NOT NULL CHECK (validation IN ('file', 'dns')),
                    auth_file_name TEXT NOT NULL DEFAULT '',
                    auth_file_content TEXT NOT NULL DEFAULT '',
                    cname_name TEXT NOT NULL DEFAULT '',
                    cname_value TEXT NOT NULL DEFAULT '',
                    proof_placed_by TEXT NOT NULL DEFAULT '',
                    private_key_sealed BLOB NOT NULL,
                    csr TEXT NOT NULL,
                    certificate TEXT NOT NULL DEFAULT '',
                    ca_bundle TEXT NOT NULL DEFAULT '',
                    installed_on TEXT NOT NULL DEFAULT '',
                    starts_at DATETIME,
                    expires_at DATETIME,
                    created_at DATETIME NOT NULL,
                    updated_at DATETIME NOT NULL
                );
                CREATE INDEX ssl_certificates_by_account ON ssl_certificates(account_id, created_at);
                CREATE INDEX ssl_certificates_by_expiry ON ssl_certificates(expires_at) WHERE status = 'issued';
                CREATE TABLE stack_users (
                    account_id INTEGER PRIMARY KEY REFERENCES accounts(id) ON DELETE CASCADE,
                    reference TEXT NOT NULL,
                    created_at DATETIME NOT NULL
                );
                ALTER TABLE orders ADD COLUMN renewal_of TEXT;
                ALTER TABLE orders ADD COLUMN transfer_code BLOB;
                ALTER TABLE orders ADD COLUMN provider_requested_at DATETIME;
                CREATE UNIQUE INDEX orders_one_open_renewal ON orders(renewal_of)
                    WHERE renewal_of IS NOT NULL AND status IN ('awaiting_payment', 'paid', 'provisioning', 'needs_setup');
                """
        )
    }

    // MARK: Domains

    package func domains(of account: Account.ID) async throws -> [RegisteredDomain] {
        try await pool.read { db in
            try RegisteredDomain.filter(Column("account_id") == account.rawValue).order(Column("name")).fetchAll(db)
        }
    }

    package func domain(named name: String, of account: Account.ID) async throws -> RegisteredDomain? {
        try await pool.read { db in
            try RegisteredDomain.filter(Column("account_id") == account.rawValue && Column("name") == name.lowercased())
                .fetchOne(db)
        }
    }

    package func domain(_ id: RegisteredDomain.ID) async throws -> RegisteredDomain? {
        try await pool.read { db in try RegisteredDomain.fetchOne(db, key: id.rawValue) }
    }

    /// Any customer's domain by name: the pipeline asks whether a name is registered here.
    package func domain(named name: String) async throws -> RegisteredDomain? {
        try await pool.read { db in try RegisteredDomain.filter(Column("name") == name.lowercased()).fetchOne(db) }
    }

    /// Records a registration; the same order recording again (a crash after the registrar answered) changes nothing.
    @discardableResult
    package func record(_ domain: RegisteredDomain) async throws -> RegisteredDomain {
        try await insertOnce(domain, order: domain.orderID)
    }

    package func updateDomain(
        _ id: RegisteredDomain.ID, now: Date, _ change: @escaping @Sendable (inout RegisteredDomain) -> Void
    ) async throws {
        try await modify(RegisteredDomain.self, id.rawValue, now: now, change)
    }

    /// Changes one stored record in a transaction, stamping when; a record gone meanwhile is left alone.
    private func modify<Record: FetchableRecord & MutablePersistableRecord & TableRecord & Stamped>(
        _ type: Record.Type, _ id: Int64, now: Date, _ change: @escaping @Sendable (inout Record) -> Void
    ) async throws {
        try await pool.write { db in
            guard var record = try Record.fetchOne(db, key: id) else { return }
            change(&record)
            record.updatedAt = now
            try record.update(db)
        }
    }

    /// Active domains that expire before `date`.
    package func domainsExpiring(before date: Date) async throws -> [RegisteredDomain] {
        try await pool.read { db in
            try RegisteredDomain.filter(
                Column("status") == RegisteredDomain.Status.active.rawValue && Column("expires_at") <= date
            ).fetchAll(db)
        }
    }

    // MARK: Cloud servers

    package func cloudServers(of account: Account.ID) async throws -> [CloudServer] {
        try await pool.read { db in
            try CloudServer.filter(Column("account_id") == account.rawValue).order(Column("id").desc).fetchAll(db)
        }
    }

    package func cloudServer(_ id: CloudServer.ID, of account: Account.ID) async throws -> CloudServer? {
        try await pool.read { db in
            try CloudServer.filter(Column("id") == id.rawValue && Column("account_id") == account.rawValue).fetchOne(db)
        }
    }

    @discardableResult
    package func record(_ server: CloudServer) async throws -> CloudServer {
        try await insertOnce(server, order: server.orderID)
    }

    package func refresh(_ id: CloudServer.ID, status: String, ipAddress: String, hostname: String, now: Date)
        async throws
    {
        try await pool.write { db in
            try db.execute(
                sql: "UPDATE cloud_servers SET status = ?, ip_address = ?, hostname = ?, updated_at = ? WHERE id = ?",
                arguments: [status, ipAddress, hostname, now, id.rawValue]
            )
        }
    }

    // MARK: Certificates

    package func certificates(of account: Account.ID) async throws -> [SSLCertificate] {
        try await pool.read { db in
            try SSLCertificate.filter(Column("account_id") == account.rawValue).order(
                Column("created_at").desc, Column("id").desc
            ).fetchAll(db)
        }
    }

    package func certificate(_ id: SSLCertificate.ID, of account: Account.ID) async throws -> SSLCertificate? {
        try await pool.read { db in
            try SSLCertificate.filter(Column("id") == id.rawValue && Column("account_id") == account.rawValue).fetchOne(
                db)
        }
    }

    package func certificate(_ id: SSLCertificate.ID) async throws -> SSLCertificate? {
        try await pool.read { db in try SSLCertificate.fetchOne(db, key: id.rawValue) }
    }

    package func certificate(order: Order.ID) async throws -> SSLCertificate? {
        try await pool.read { db in try SSLCertificate.filter(Column("order_id") == order.rawValue).fetchOne(db) }
    }

    /// Stores a new certificate order; when one exists for the order already, that one is returned.
    package func record(_ certificate: SSLCertificate) async throws -> SSLCertificate {
        try await insertOnce(certificate, order: certificate.orderID)
    }

    /// Inserts `record` unless the order made one already (a step run again after a crash): then that one.
    private func insertOnce<Record: FetchableRecord & MutablePersistableRecord & Sendable>(
        _ record: Record, order: Order.ID?
    ) async throws -> Record {
        try await pool.write { db in
            if let order, let existing = try Record.filter(Column("order_id") == order.rawValue).fetchOne(db) {
                return existing
            }
            var record = record
            try record.insert(db)
            return record
        }
    }

    // MARK: StackCP users

    /// The StackCP user the portal made for this customer at 20i.
    package func stackUser(of account: Account.ID) async throws -> String? {
        try await pool.read { db in
            try String.fetchOne(
                db, sql: "SELECT reference FROM stack_users WHERE account_id = ? AND reference != ''",
                arguments: [account.rawValue])
        }
    }

    /// Whether a StackCP user was asked for (`requestStackUser`) and its answer never recorded: a run that died
    /// between the two.
    package func stackUserRequested(of account: Account.ID) async throws -> Bool {
        try await pool.read { db in
            try Bool.fetchOne(
                db, sql: "SELECT 1 FROM stack_users WHERE account_id = ? AND reference = ''",
                arguments: [account.rawValue]) ?? false
        }
    }

    /// Notes, before 20i is asked, that a StackCP user is being made for this customer.
    package func requestStackUser(for account: Account.ID, now: Date) async throws {
        try await pool.write { db in
            try db.execute(
                sql:
                    "INSERT INTO stack_users (account_id, reference, created_at) VALUES (?, '', ?) ON CONFLICT(account_id) DO NOTHING",
                arguments: [account.rawValue, now]
            )
        }
    }

    /// The StackCP user 20i made; it completes a request and never replaces a recorded user.
    package func recordStackUser(_ reference: String, for account: Account.ID, now: Date) async throws {
        try await pool.write { db in
            try db.execute(
                sql: """
                    INSERT INTO stack_users (account_id, reference, created_at) VALUES (?, ?, ?)
                    ON CONFLICT(account_id) DO UPDATE SET reference = excluded.reference WHERE reference = ''
                    """,
                arguments: [account.rawValue, reference, now]
            )
        }
    }

    package func updateCertificate(
        _ id: SSLCertificate.ID, now: Date, _ change: @escaping @Sendable (inout SSLCertificate) -> Void
    ) async throws {
        try await modify(SSLCertificate.self, id.rawValue, now: now, change)
    }

    /// Issued certificates that expire before `date`.
    package func certificatesExpiring(before date: Date) async throws -> [SSLCertificate] {
        try await pool.read { db in
            try SSLCertificate.filter(
                Column("status") == SSLCertificate.Status.issued.rawValue && Column("expires_at") <= date
            ).fetchAll(db)
        }
    }

    /// Certificates waiting for their domain validation.
    package func certificatesPendingValidation() async throws -> [SSLCertificate] {
        try await pool.read { db in
            try SSLCertificate.filter(Column("status") == SSLCertificate.Status.pendingValidation.rawValue).fetchAll(db)
        }
    }

    /// Marks what has passed its expiry as expired.
    package func expire(now: Date) async throws {
        try await pool.write { db in
            try db.execute(
                sql:
                    "UPDATE ssl_certificates SET status = 'expired', updated_at = ? WHERE status = 'issued' AND expires_at < ?",
                arguments: [now, now])
            try db.execute(
                sql:
                    "UPDATE registered_domains SET status = 'expired', updated_at = ? WHERE status = 'active' AND expires_at < ?",
                arguments: [now, now])
        }
    }
}
