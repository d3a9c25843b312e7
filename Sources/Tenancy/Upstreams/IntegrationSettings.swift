import Foundation
import GRDB

/// One tenant's upstream configuration. Secrets are sealed by the caller (Portal) before they reach here,
/// so this module never sees them in the clear.
package struct IntegrationSettings: Sendable, Equatable {
    /// `sandbox`: the upstreams are the loopback simulators; `live`: real WHMCS and WHM over HTTPS.
    package enum Mode: String, Sendable, CaseIterable {
        case sandbox, live
    }

    package var mode: Mode = .sandbox
    /// The brand's currency (from its brand row, not stored here): every WHMCS amount is in it.
    package var brandCurrency = "GBP"
    package var whmcsURL = ""
    package var whmcsIdentifier = ""
    package var whmcsSecret: Data?
    package var whmcsAccessKey: Data?
    package var whmcsGroupID: Int?
    package var whmURL = ""
    package var whmUser = ""
    package var whmToken: Data?
    /// The reseller the brand's accounts belong to when `whmUser` is root (a reseller the platform created);
    /// empty when the token is the reseller's own.
    package var whmReseller = ""
    /// 20i: the API address (https://api.20i.com live) and the general API key, sealed.
    package var twentyIURL = ""
    package var twentyIKey: Data?
    /// TheSSLStore: the API address, the partner code and the auth token, sealed.
    package var sslStoreURL = ""
    package var sslStorePartner = ""
    package var sslStoreToken: Data?
    /// Bumped on every save, so cached clients built from older settings are rebuilt.
    package var revision = 0
    package var updatedAt: Date?

    package init() {}

    package var whmcsConfigured: Bool { !whmcsURL.isEmpty && !whmcsIdentifier.isEmpty && whmcsSecret != nil }
    package var whmConfigured: Bool { !whmURL.isEmpty && !whmUser.isEmpty && whmToken != nil }
    package var twentyIConfigured: Bool { !twentyIURL.isEmpty && twentyIKey != nil }
    package var sslStoreConfigured: Bool { !sslStoreURL.isEmpty && !sslStorePartner.isEmpty && sslStoreToken != nil }
    /// The reseller every hosting account belongs to.
    package var effectiveReseller: String { whmReseller.isEmpty ? whmUser : whmReseller }

    init(row: Row) {
        mode = Mode(rawValue: row["mode"]) ?? .sandbox
        whmcsURL = row["whmcs_url"]
        whmcsIdentifier = row["whmcs_identifier"]
        whmcsSecret = row["whmcs_secret"]
        whmcsAccessKey = row["whmcs_access_key"]
        whmcsGroupID = row["whmcs_group_id"]
        whmURL = row["whm_url"]
        whmUser = row["whm_user"]
        whmToken = row["whm_token"]
        whmReseller = row["whm_reseller"]
        twentyIURL = row["twentyi_url"]
        twentyIKey = row["twentyi_key"]
        sslStoreURL = row["sslstore_url"]
        sslStorePartner = row["sslstore_partner"]
        sslStoreToken = row["sslstore_token"]
        revision = row["revision"]
        updatedAt = row["updated_at"]
    }
}

/// A customer's WHMCS client, created on first need.
package struct BillingClientLink: Sendable, Equatable {
    package var accountID: Account.ID
    package var clientID: Int
    package var groupID: Int

    package init(accountID: Account.ID, clientID: Int, groupID: Int) {
        self.accountID = accountID
        self.clientID = clientID
        self.groupID = groupID
    }
}

/// A hosting account the portal created on WHM for a customer.
package struct HostingAccountRecord: Sendable, Equatable {
    package var id: Int64
    package var accountID: Account.ID
    package var username: String
    package var domain: String
    package var plan: String
    package var reseller: String
    package var nameservers: [String]
    package var isPending: Bool
    package var createdAt: Date
    /// The cPanel password, sealed; set when the portal chose it.
    package var sealedPassword: Data? = nil
}

/// A hosting account for the domain exists already (another order of the same customer).
package enum HostingAccountConflict: Error, Equatable {
    case domainTaken
}

/// Reads and writes one tenant's upstream settings and links, each method one transaction.
package struct UpstreamStore: Sendable {
    let pool: DatabasePool

    package init(pool: DatabasePool) {
        self.pool = pool
    }

    package func settings() async throws -> IntegrationSettings {
        try await pool.read { db in
            var settings =
                try Row.fetchOne(db, sql: "SELECT * FROM integration_settings WHERE id = 1").map(
                    IntegrationSettings.init(row:)) ?? IntegrationSettings()
            settings.brandCurrency = try String.fetchOne(db, sql: "SELECT currency FROM brand WHERE id = 1") ?? "GBP"
            return settings
        }
    }

    /// Saves the settings and an audit entry in one transaction.
    package func save(_ settings: IntegrationSettings, actor: Account?, detail: String, ip: String, now: Date = Date())
        async throws
    {
        try await pool.write { db in
            _ = try Self.save(db, settings, now: now)
            try AccountStore.appendAudit(
                db, "integrations.updated", actor: actor, target: "", detail: detail, ip: ip, now: now)
        }
    }

    /// Saves every field and bumps the revision; returns the stored settings.
    package func save(_ settings: IntegrationSettings, now: Date = Date()) async throws -> IntegrationSettings {
        try await pool.write { db in try Self.save(db, settings, now: now) }
    }

    private static func save(_ db: Database, _ settings: IntegrationSettings, now: Date) throws -> IntegrationSettings {
        try db.execute(
            sql: """
                UPDATE integration_settings SET mode = ?, whmcs_url = ?, whmcs_identifier = ?, whmcs_secret = ?,
                    whmcs_access_key = ?, whmcs_group_id = ?, whm_url = ?, whm_user = ?, whm_token = ?,
                    whm_reseller = ?, twentyi_url = ?, twentyi_key = ?, sslstore_url = ?, sslstore_partner = ?, sslstore_token = ?, revision = revision + 1, updated_at = ?
                WHERE id = 1
                """,
            arguments: [
                settings.mode.rawValue, settings.whmcsURL, settings.whmcsIdentifier, settings.whmcsSecret,
                settings.whmcsAccessKey, settings.whmcsGroupID, settings.whmURL, settings.whmUser, settings.whmToken,
                settings.whmReseller, settings.twentyIURL, settings.twentyIKey, settings.sslStoreURL,
                settings.sslStorePartner,
                settings.sslStoreToken, now,
            ]
        )
        return IntegrationSettings(row: try Row.fetchOne(db, sql: "SELECT * FROM integration_settings WHERE id = 1")!)
    }

    /// The published brand's nameservers, used for new hosting accounts.
    package func nameservers() async throws -> [String] {
        try await pool.read { db in
            let stored = try String.fetchOne(db, sql: "SELECT nameservers FROM brand WHERE id = 1") ?? "[]"
            return (try? JSONDecoder().decode([String].self, from: Data(stored.utf8))) ?? []
        }
    }

    /// Every customer linked to a WHMCS client.
    package func billingClients() async throws -> [BillingClientLink] {
        try await pool.read { db in
            try Row.fetchAll(
                db, sql: "SELECT account_id, whmcs_client_id, whmcs_group_id FROM billing_clients ORDER BY account_id"
            ).map {
                BillingClientLink(
                    accountID: Account.ID($0["account_id"] as Int64), clientID: $0["whmcs_client_id"],
                    groupID: $0["whmcs_group_id"])
            }
        }
    }

    package func billingClient(of account: Account.ID) async throws -> BillingClientLink? {
        try await pool.read { db in
            try Row.fetchOne(
                db, sql: "SELECT whmcs_client_id, whmcs_group_id FROM billing_clients WHERE account_id = ?",
                arguments: [account.rawValue]
            ).map {
                BillingClientLink(accountID: account, clientID: $0["whmcs_client_id"], groupID: $0["whmcs_group_id"])
            }
        }
    }

    /// Records the link; an existing link for the account is kept (the first writer wins) and returned.
    package func linkBillingClient(_ link: BillingClientLink, now: Date = Date()) async throws -> BillingClientLink {
        try await pool.write { db in
            try db.execute(
                sql: """
                    INSERT INTO billing_clients (account_id, whmcs_client_id, whmcs_group_id, created_at) VALUES (?, ?, ?, ?)
                    ON CONFLICT(account_id) DO NOTHING
                    """,
                arguments: [link.accountID.rawValue, link.clientID, link.groupID, now]
            )
            let row = try Row.fetchOne(
                db, sql: "SELECT whmcs_client_id, whmcs_group_id FROM billing_clients WHERE account_id = ?",
                arguments: [link.accountID.rawValue]
            )!
            return BillingClientLink(
                accountID: link.accountID, clientID: row["whmcs_client_id"], groupID: row["whmcs_group_id"])
        }
    }

    /// The hosting account of `account` on `domain` (pending or already active), or a new pending row with
    /// `username`: written before createacct is sent, so the name (and the password) survive a crash and a retry
    /// looks up the same account.
    package func pendingHostingAccount(
        account: Account.ID, domain: String, plan: String, reseller: String, username: @escaping @Sendable () -> String,
        sealedPassword: Data? = nil, order: Int64? = nil, now: Date = Date()
    ) async throws -> HostingAccountRecord {
        try await pool.write { db in
            if let order {
                if let row = try Row.fetchOne(
                    db, sql: "SELECT * FROM hosting_accounts WHERE order_id = ?", arguments: [order])
                {
                    return Self.record(row)
                }
                if try Bool.fetchOne(
                    db, sql: "SELECT 1 FROM hosting_accounts WHERE account_id = ? AND domain = ?",
                    arguments: [account.rawValue, domain]
                ) == true {
                    throw HostingAccountConflict.domainTaken
                }
            } else if let row = try Row.fetchOne(
                db,
                sql:
                    "SELECT * FROM hosting_accounts WHERE account_id = ? AND domain = ? ORDER BY status = 'active' DESC, id LIMIT 1",
                arguments: [account.rawValue, domain]
            ) {
                return Self.record(row)
            }
            var name = username()
            while try Bool.fetchOne(db, sql: "SELECT 1 FROM hosting_accounts WHERE username = ?", arguments: [name])
                == true
            {
                name = username()
            }
            try db.execute(
                sql: """
                    INSERT INTO hosting_accounts (account_id, username, domain, plan, reseller, created_at, password_sealed, order_id)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?)
                    """,
                arguments: [account.rawValue, name, domain, plan, reseller, now, sealedPassword, order]
            )
            return HostingAccountRecord(
                id: db.lastInsertedRowID, accountID: account, username: name, domain: domain, plan: plan,
                reseller: reseller,
                nameservers: [], isPending: true, createdAt: now, sealedPassword: sealedPassword
            )
        }
    }

    /// Marks a pending account as created, with the nameservers WHM gave it.
    package func activateHostingAccount(_ id: Int64, nameservers: [String]) async throws -> HostingAccountRecord {
        try await pool.write { db in
            try db.execute(
                sql: "UPDATE hosting_accounts SET status = 'active', nameservers = ? WHERE id = ?",
                arguments: [nameservers.joined(separator: ","), id]
            )
            return Self.record(
                try Row.fetchOne(db, sql: "SELECT * FROM hosting_accounts WHERE id = ?", arguments: [id])!)
        }
    }

    /// Points a pending row at the account WHM already has for the domain (made by WHMCS's module).
    package func renamePendingHostingAccount(_ id: Int64, to username: String) async throws {
        try await pool.write { db in
            try db.execute(
                sql: "UPDATE hosting_accounts SET username = ? WHERE id = ? AND status = 'pending'",
                arguments: [username, id])
        }
    }

    /// Forgets a pending account that WHM refused: nothing was created, so nothing is left to find.
    package func discardPendingHostingAccount(_ id: Int64) async throws {
        try await pool.write { db in
            try db.execute(sql: "DELETE FROM hosting_accounts WHERE id = ? AND status = 'pending'", arguments: [id])
        }
    }

    private static func record(_ row: Row) -> HostingAccountRecord {
        HostingAccountRecord(
            id: row["id"], accountID: Account.ID(row["account_id"]), username: row["username"], domain: row["domain"],
            plan: row["plan"], reseller: row["reseller"],
            nameservers: (row["nameservers"] as String).split(separator: ",").map(String.init),
            isPending: (row["status"] as String) == "pending", createdAt: row["created_at"],
            sealedPassword: row["password_sealed"]
        )
    }

    /// Every hosting account the tenant's customers hold (not the pending ones).
    package func allHostingAccounts() async throws -> [HostingAccountRecord] {
        try await pool.read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM hosting_accounts WHERE status = 'active' ORDER BY id").map(
                Self.record)
        }
    }

    package func hostingAccounts(of account: Account.ID) async throws -> [HostingAccountRecord] {
        try await pool.read { db in
            try Row.fetchAll(
                db, sql: "SELECT * FROM hosting_accounts WHERE account_id = ? ORDER BY id",
                arguments: [account.rawValue]
            )
            .map(Self.record)
        }
    }
}
