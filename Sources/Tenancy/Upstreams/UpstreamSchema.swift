import GRDB

/// The tenant's upstream settings and what the portal created upstream for its customers.
enum UpstreamSchema {
    static func create(_ db: Database) throws {
        try db.execute(
            sql: """
                CREATE TABLE integration_settings (
                    id INTEGER PRIMARY KEY CHECK (id = 1),
                    mode TEXT NOT NULL DEFAULT 'sandbox' CHECK (mode IN ('sandbox', 'live')),
                    whmcs_url TEXT NOT NULL DEFAULT '',
                    whmcs_identifier TEXT NOT NULL DEFAULT '',
                    whmcs_secret BLOB,
                    whmcs_access_key BLOB,
                    whmcs_group_id INTEGER,
                    whm_url TEXT NOT NULL DEFAULT '',
                    whm_user TEXT NOT NULL DEFAULT '',
                    whm_token BLOB,
                    revision INTEGER NOT NULL DEFAULT 0,
                    updated_at DATETIME
                );
                INSERT INTO integration_settings (id) VALUES (1);
                CREATE TABLE billing_clients (
                    account_id INTEGER PRIMARY KEY REFERENCES accounts(id) ON DELETE CASCADE,
                    whmcs_client_id INTEGER NOT NULL,
                    whmcs_group_id INTEGER NOT NULL,
                    created_at DATETIME NOT NULL
                );
                CREATE TABLE hosting_accounts (
                    id INTEGER PRIMARY KEY AUTOINCREMENT,
                    account_id INTEGER NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
                    username TEXT NOT NULL UNIQUE,
                    domain TEXT NOT NULL COLLATE NOCASE,
                    plan TEXT NOT NULL,
                    reseller TEXT NOT NULL,
                    nameservers TEXT NOT NULL DEFAULT '',
                    -- 'pending' from before createacct is sent until it is known to exist, so a retry after a
                    -- crash reuses the same user name and finds the account instead of making a second one.
                    status TEXT NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'active')),
                    created_at DATETIME NOT NULL
                );
                CREATE INDEX hosting_accounts_by_account ON hosting_accounts(account_id);
                """
        )
    }
}
