import GRDB

/// The catalogue (categories, products with per-cycle prices and type details, TLD price lists), API keys,
/// customer billing profiles, orders and the jobs that carry them out.
enum CatalogueSchema {
    static let cycles = "('monthly', 'quarterly', 'semiannually', 'annually', 'biennially', 'triennially')"

    static func create(_ db: Database) throws {
        try db.execute(
            sql: """
                CREATE TABLE product_categories (
                    id INTEGER PRIMARY KEY AUTOINCREMENT,
                    slug TEXT NOT NULL UNIQUE,
                    name TEXT NOT NULL CHECK (length(name) BETWEEN 1 AND 80),
                    description TEXT NOT NULL DEFAULT '',
                    position INTEGER NOT NULL DEFAULT 0
                );
                CREATE TABLE products_v6 (
                    id INTEGER PRIMARY KEY AUTOINCREMENT,
                    slug TEXT NOT NULL UNIQUE,
                    name TEXT NOT NULL CHECK (length(name) BETWEEN 1 AND 120),
                    summary TEXT NOT NULL DEFAULT '',
                    description TEXT NOT NULL DEFAULT '',
                    kind TEXT NOT NULL CHECK (kind IN ('shared_hosting', 'reseller_hosting', 'cloud_server', 'ssl', 'domain')),
                    category_id INTEGER REFERENCES product_categories(id) ON DELETE SET NULL,
                    features TEXT NOT NULL DEFAULT '',
                    position INTEGER NOT NULL DEFAULT 0,
                    visibility TEXT NOT NULL DEFAULT 'visible' CHECK (visibility IN ('visible', 'hidden', 'retired')),
                    disk_mb INTEGER,
                    bandwidth_mb INTEGER,
                    whm_package TEXT,
                    reseller_accounts INTEGER,
                    cloud_provider TEXT,
                    cloud_size TEXT,
                    ssl_type TEXT CHECK (ssl_type IS NULL OR ssl_type IN ('single', 'multi', 'wildcard')),
                    ssl_product_code TEXT,
                    whmcs_product_id INTEGER,
                    synced_at DATETIME,
                    sync_error TEXT,
                    updated_at DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
                    created_at DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP
                );
                INSERT INTO products_v6 (id, slug, name, summary, kind, features, position, visibility, cloud_provider,
                                         cloud_size, ssl_type, created_at)
                    SELECT id, slug, name, summary, CASE kind WHEN 'vps' THEN 'cloud_server' ELSE kind END, features,
                           position, CASE WHEN visible THEN 'visible' ELSE 'hidden' END,
                           CASE kind WHEN 'vps' THEN '20i' END, CASE kind WHEN 'vps' THEN 'medium' END,
                           CASE kind WHEN 'ssl' THEN 'single' END, created_at
                    FROM products;
                CREATE TABLE product_prices (
                    product_id INTEGER NOT NULL REFERENCES products(id) ON DELETE CASCADE,
                    cycle TEXT NOT NULL CHECK (cycle IN \(cycles)),
                    price_minor INTEGER NOT NULL CHECK (price_minor >= 0),
                    setup_minor INTEGER NOT NULL DEFAULT 0 CHECK (setup_minor >= 0),
                    cost_minor INTEGER NOT NULL DEFAULT 0 CHECK (cost_minor >= 0),
                    PRIMARY KEY (product_id, cycle)
                ) WITHOUT ROWID;
                INSERT INTO product_prices (product_id, cycle, price_minor) SELECT id, billing_cycle, price_minor FROM products;
                DROP TABLE products;
                ALTER TABLE products_v6 RENAME TO products;
                CREATE INDEX products_storefront ON products(visibility, position);
                CREATE INDEX products_by_category ON products(category_id, position);
                CREATE TABLE domain_prices (
                    product_id INTEGER NOT NULL REFERENCES products(id) ON DELETE CASCADE,
                    tld TEXT NOT NULL,
                    register_minor INTEGER NOT NULL CHECK (register_minor >= 0),
                    transfer_minor INTEGER NOT NULL CHECK (transfer_minor >= 0),
                    renew_minor INTEGER NOT NULL CHECK (renew_minor >= 0),
                    cost_minor INTEGER NOT NULL DEFAULT 0 CHECK (cost_minor >= 0),
                    PRIMARY KEY (product_id, tld)
                ) WITHOUT ROWID;
                CREATE TABLE api_keys (
                    id INTEGER PRIMARY KEY AUTOINCREMENT,
                    name TEXT NOT NULL,
                    key_hash TEXT NOT NULL UNIQUE,
                    last_four TEXT NOT NULL,
                    created_by INTEGER REFERENCES accounts(id) ON DELETE SET NULL,
                    created_at DATETIME NOT NULL,
                    last_used_at DATETIME,
                    revoked_at DATETIME
                );
                CREATE TABLE billing_profiles (
                    account_id INTEGER PRIMARY KEY REFERENCES accounts(id) ON DELETE CASCADE,
                    first_name TEXT NOT NULL,
                    last_name TEXT NOT NULL,
                    company TEXT NOT NULL DEFAULT '',
                    address1 TEXT NOT NULL,
                    city TEXT NOT NULL,
                    state TEXT NOT NULL,
                    postcode TEXT NOT NULL,
                    country TEXT NOT NULL CHECK (length(country) = 2),
                    phone TEXT NOT NULL,
                    updated_at DATETIME NOT NULL
                );
                CREATE TABLE orders (
                    id INTEGER PRIMARY KEY AUTOINCREMENT,
                    account_id INTEGER NOT NULL REFERENCES accounts(id),
                    number TEXT NOT NULL UNIQUE,
                    idempotency_key TEXT NOT NULL,
                    product_id INTEGER NOT NULL REFERENCES products(id),
                    product_name TEXT NOT NULL,
                    kind TEXT NOT NULL,
                    cycle TEXT CHECK (cycle IS NULL OR cycle IN \(cycles)),
                    domain TEXT NOT NULL DEFAULT '' COLLATE NOCASE,
                    domain_action TEXT CHECK (domain_action IS NULL OR domain_action IN ('register', 'transfer', 'existing')),
                    currency TEXT NOT NULL,
                    price_minor INTEGER NOT NULL,
                    setup_minor INTEGER NOT NULL,
                    domain_minor INTEGER NOT NULL DEFAULT 0,
                    total_minor INTEGER NOT NULL,
                    status TEXT NOT NULL DEFAULT 'awaiting_payment' CHECK (status IN
                        ('awaiting_payment', 'paid', 'provisioning', 'active', 'needs_setup', 'failed', 'cancelled')),
                    whmcs_client_id INTEGER,
                    whmcs_order_baseline INTEGER,
                    whmcs_order_id INTEGER,
                    whmcs_invoice_id INTEGER,
                    whmcs_service_id INTEGER,
                    hosting_account_id INTEGER REFERENCES hosting_accounts(id),
                    failure TEXT,
                    created_at DATETIME NOT NULL,
                    updated_at DATETIME NOT NULL,
                    activated_at DATETIME,
                    UNIQUE (account_id, idempotency_key)
                );
                CREATE INDEX orders_by_account ON orders(account_id, id);
                CREATE INDEX orders_by_status ON orders(status, id);
                CREATE TABLE order_jobs (
                    id INTEGER PRIMARY KEY AUTOINCREMENT,
                    order_id INTEGER NOT NULL REFERENCES orders(id) ON DELETE CASCADE,
                    step TEXT NOT NULL CHECK (step IN ('client', 'order', 'payment', 'accept', 'provision')),
                    state TEXT NOT NULL DEFAULT 'queued' CHECK (state IN ('queued', 'done', 'failed', 'cancelled')),
                    attempts INTEGER NOT NULL DEFAULT 0,
                    run_after DATETIME NOT NULL,
                    last_error TEXT,
                    created_at DATETIME NOT NULL,
                    finished_at DATETIME
                );
                CREATE INDEX order_jobs_queue ON order_jobs(state, run_after);
                CREATE INDEX order_jobs_by_order ON order_jobs(order_id, id);
                CREATE TABLE setup_tasks (
                    id INTEGER PRIMARY KEY AUTOINCREMENT,
                    order_id INTEGER NOT NULL UNIQUE REFERENCES orders(id) ON DELETE CASCADE,
                    description TEXT NOT NULL,
                    status TEXT NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'done')),
                    created_at DATETIME NOT NULL,
                    done_at DATETIME
                );
                ALTER TABLE hosting_accounts ADD COLUMN password_sealed BLOB;
                ALTER TABLE hosting_accounts ADD COLUMN order_id INTEGER REFERENCES orders(id);
                """
        )
    }
}
