import Foundation
import GRDB

/// One tenant's database file (`DATA/<slug>/tenant.sqlite`), owning its migrations.
package struct TenantDatabase: Sendable {
    package let pool: DatabasePool
    package let tenantID: Tenant.ID
    /// The hottest reads (sessions, dashboards), reused until this pool's next commit.
    let reads: TenantReads

    /// Readers per pool. Each connection holds about three descriptors (database, WAL, shared memory),
    /// so a small number keeps hundreds of open tenants inside the descriptor budget; the storefront
    /// serves most reads from memory, so more readers would rarely be used.
    package static let maximumReaderCount = 2

    /// Descriptors one open pool may hold at most: a writer, the readers and the inline reader, three files each.
    package static let descriptorsPerPool = (2 + maximumReaderCount) * 3

    /// Opens the file, creating it if needed, and runs pending migrations. Blocking: call off the event loop.
    ///
    /// An up-to-date database costs one read here: `PRAGMA user_version` holds the number of migrations applied
    /// (written after they ran), and the migrator runs only when it differs. With `expecting`, the database must
    /// belong to that tenant: a file copied into another tenant's folder is refused instead of served.
    package static func open(path: String, tenantID: Tenant.ID, expecting slug: TenantSlug? = nil) throws
        -> TenantDatabase
    {
        try open(path: path, tenantID: tenantID, expecting: slug, synchronous: "FULL")
    }

    private static func open(path: String, tenantID: Tenant.ID, expecting slug: TenantSlug?, synchronous: String)
        throws -> TenantDatabase
    {
        let pool = try DatabasePool.openDurable(path: path, readers: maximumReaderCount, synchronous: synchronous)
        do {
            try bringUpToDate(pool, expecting: slug)
        } catch {
            try? pool.close()
            throw error
        }
        let reads = TenantReads(path: path)
        pool.add(transactionObserver: reads.commits, extent: .databaseLifetime)
        pool.add(transactionObserver: StorefrontCommitObserver(databasePath: path), extent: .databaseLifetime)
        return TenantDatabase(pool: pool, tenantID: tenantID, reads: reads)
    }

    /// Creates a new tenant's database at `path` from the migrated template kept in `templates`
    /// (`DataDirectory.templatesFolder`), then gives it its identity (the tenant's slug, the creation time). No
    /// migration is replayed.
    ///
    /// The database is being staged: its commits do not wait for the disk (`synchronous = OFF`), since a crash
    /// leaves only a staging folder that is thrown away. `TenantOnboarding.register` makes the finished folder
    /// durable once, before the tenant is registered.
    package static func create(path: String, slug: TenantSlug, templates: URL, now: Date = Date()) throws
        -> TenantDatabase
    {
        guard !FileManager.default.fileExists(atPath: path) else {
            throw TenancyError.storage("\(path) already exists")
        }
        try TenantTemplate.copy(to: path, templates: templates)
        let database = try open(path: path, tenantID: Tenant.ID(0), expecting: nil, synchronous: "OFF")
        do {
            try database.pool.write { db in
                try db.execute(
                    sql: "UPDATE tenant_identity SET slug = ?, created_at = ? WHERE id = 1", arguments: [slug, now])
                try db.execute(sql: "UPDATE brand SET updated_at = ? WHERE id = 1", arguments: [now])
            }
        } catch {
            try? database.close()
            throw error
        }
        return database
    }

    /// One read transaction through a read-only connection of its own, opened and closed here; nil (nothing read)
    /// when the database is not at this portal's schema version, for the caller to open the pool, which migrates.
    static func readOnce<T>(path: String, expecting slug: TenantSlug, _ read: (Database) throws -> T) throws -> T? {
        guard FileManager.default.fileExists(atPath: path) else {
            throw TenancyError.storage("\(path) is missing")
        }
        var configuration = Configuration()
        configuration.readonly = true
        configuration.foreignKeysEnabled = true
        let queue = try DatabaseQueue(path: path, configuration: configuration)
        defer { try? queue.close() }
        return try queue.read { db -> T? in
            guard try Int.fetchOne(db, sql: "PRAGMA user_version") == schemaVersion else { return nil }
            try checkOwner(try String.fetchOne(db, sql: ownerQuery), expecting: slug)
            return try read(db)
        }
    }

    /// `read` in a read transaction of its own on a connection that is not in one (the writer's, between writes).
    static func readTransaction<T>(_ db: Database, _ read: (Database) throws -> T) throws -> T {
        var value: T?
        try db.inTransaction(.deferred) {
            value = try read(db)
            return .commit
        }
        guard let value else { throw TenancyError.storage("a read transaction ended without a value") }
        return value
    }

    /// The schema version of an up-to-date tenant database: the number of migrations.
    package static let schemaVersion = migrator.migrations.count

    private static let ownerQuery = "SELECT slug FROM tenant_identity WHERE id = 1"

    /// Refuses a database that names another tenant as its owner; one that names none (made before identities were
    /// recorded) passes.
    private static func checkOwner(_ owner: String?, expecting slug: TenantSlug) throws {
        guard let owner, !owner.isEmpty, owner != slug.rawValue else { return }
        throw TenancyError.storage("the database of tenant \(owner) is in the folder of tenant \(slug)")
    }

    /// Checks the version and the owner in one read; migrates only when the version differs.
    private static func bringUpToDate(_ pool: DatabasePool, expecting slug: TenantSlug?) throws {
        let (version, firstOwner) = try pool.writeWithoutTransaction { db -> (Int, String?) in
            let version = try Int.fetchOne(db, sql: "PRAGMA user_version") ?? 0
            return (version, version == schemaVersion ? try String.fetchOne(db, sql: ownerQuery) : nil)
        }
        var owner = firstOwner
        guard version <= schemaVersion else {
            throw TenancyError.storage(
                "the database has schema version \(version), newer than this portal's \(schemaVersion)")
        }
        if version != schemaVersion {
            try migrator.migrate(pool)
            owner = try pool.writeWithoutTransaction { db in
                try db.execute(sql: "PRAGMA user_version = \(schemaVersion)")
                return try String.fetchOne(db, sql: ownerQuery)
            }
        }
        guard let slug else { return }
        try checkOwner(owner, expecting: slug)
        if owner?.isEmpty ?? true {
            // A database from before identities were recorded takes its folder's tenant.
            try pool.write { db in
                try db.execute(sql: "UPDATE tenant_identity SET slug = ? WHERE id = 1 AND slug = ''", arguments: [slug])
            }
        }
    }

    /// Customers, staff, sessions, audit log and outbox of this tenant.
    package var accounts: AccountStore {
        AccountStore(pool: pool, sessionReads: reads.sessions, settingReads: reads.settings, inline: reads.inline)
    }

    /// Upstream settings, and the WHMCS clients and WHM accounts made for this tenant's customers.
    package var upstreams: UpstreamStore { UpstreamStore(pool: pool) }
    package var provisioned: ProvisionedStore { ProvisionedStore(pool: pool) }
    /// The brand's Stripe account, card payments and refunds.
    package var payments: PaymentStore { PaymentStore(pool: pool) }
    package var content: ContentStore { ContentStore(pool: pool) }

    package func close() throws {
        try reads.inline.close()
        try pool.close()
    }

    static var migrator: DatabaseMigrator {
        // Adding a migration: `schemaVersion` follows, and every database migrates once on its next open.
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1: brand and catalogue") { db in
            try db.execute(
                sql: """
                    CREATE TABLE brand (
                        id INTEGER PRIMARY KEY CHECK (id = 1),
                        tagline TEXT NOT NULL DEFAULT '',
                        primary_color TEXT NOT NULL DEFAULT '#1f4fd1',
                        accent_color TEXT NOT NULL DEFAULT '#0b7a53',
                        background_color TEXT NOT NULL DEFAULT '#ffffff',
                        text_color TEXT NOT NULL DEFAULT '#1b1f24',
                        link_color TEXT NOT NULL DEFAULT '#1f4fd1',
                        font_stack TEXT NOT NULL DEFAULT 'system',
                        logo_file TEXT,
                        currency TEXT NOT NULL DEFAULT 'GBP' CHECK (length(currency) = 3),
                        version INTEGER NOT NULL DEFAULT 1,
                        updated_at DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP
                    );
                    INSERT INTO brand (id) VALUES (1);
                    CREATE TABLE products (
                        id INTEGER PRIMARY KEY AUTOINCREMENT,
                        slug TEXT NOT NULL UNIQUE,
                        name TEXT NOT NULL CHECK (length(name) BETWEEN 1 AND 120),
                        summary TEXT NOT NULL DEFAULT '',
                        kind TEXT NOT NULL CHECK (kind IN ('shared_hosting', 'reseller_hosting', 'vps', 'ssl', 'domain')),
                        price_minor INTEGER NOT NULL CHECK (price_minor >= 0),
                        billing_cycle TEXT NOT NULL CHECK (billing_cycle IN
                            ('monthly', 'quarterly', 'semiannually', 'annually', 'biennially', 'triennially')),
                        features TEXT NOT NULL DEFAULT '',
                        position INTEGER NOT NULL DEFAULT 0,
                        visible BOOLEAN NOT NULL DEFAULT 1,
                        created_at DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP
                    );
                    CREATE INDEX products_storefront ON products(visible, position);
                    """
            )
        }
        migrator.registerMigration("v2: accounts, sessions, audit and mail outbox") { db in
            try AccountSchema.create(db)
        }
        migrator.registerMigration("v3: upstream settings, billing clients and hosting accounts") { db in
            try UpstreamSchema.create(db)
        }
        migrator.registerMigration("v4: brand studio") { db in
            try BrandSchema.createStudio(db)
        }
        migrator.registerMigration("v5: mail delivery") { db in
            try MailSchema.upgradeOutbox(db)
            try ReminderSchema.create(db)
        }
        migrator.registerMigration("v6: catalogue, API keys, orders and jobs") { db in
            try CatalogueSchema.create(db)
        }
        migrator.registerMigration("v7: mirror of customers' WHMCS services and invoices") { db in
            try BillingMirrorStore.create(db)
        }
        migrator.registerMigration("v8: support tickets") { db in
            try TicketStore.create(db)
        }
        migrator.registerMigration("v9: help centre") { db in
            try KnowledgeBaseStore.create(db)
        }
        migrator.registerMigration("v10: service changes (upgrades, cancellations) as orders") { db in
            try db.execute(
                sql: """
                    ALTER TABLE orders ADD COLUMN change_kind TEXT CHECK (change_kind IS NULL OR change_kind IN ('upgrade', 'cancel'));
                    ALTER TABLE orders ADD COLUMN target_service_id INTEGER;
                    ALTER TABLE orders ADD COLUMN cancel_immediately BOOLEAN NOT NULL DEFAULT 0;
                    ALTER TABLE orders ADD COLUMN change_reason TEXT NOT NULL DEFAULT '';
                    CREATE INDEX orders_by_target ON orders(target_service_id) WHERE target_service_id IS NOT NULL;
                    """
            )
        }
        migrator.registerMigration("v11: ticket threads mirrored from WHMCS") { db in
            try db.execute(sql: "ALTER TABLE tickets ADD COLUMN whmcs_last_reply TEXT NOT NULL DEFAULT ''")
        }
        migrator.registerMigration("v12: WHM through root for a reseller the platform created") { db in
            try db.execute(sql: "ALTER TABLE integration_settings ADD COLUMN whm_reseller TEXT NOT NULL DEFAULT ''")
        }
        migrator.registerMigration("v13: back office: customer notes, signing in as a customer, report indexes") { db in
            try CustomerDirectory.create(db)
        }
        migrator.registerMigration("v14: 20i and TheSSLStore connections") { db in
            try db.execute(
                sql: """
                    ALTER TABLE integration_settings ADD COLUMN twentyi_url TEXT NOT NULL DEFAULT '';
                    ALTER TABLE integration_settings ADD COLUMN twentyi_key BLOB;
                    ALTER TABLE integration_settings ADD COLUMN sslstore_url TEXT NOT NULL DEFAULT '';
                    ALTER TABLE integration_settings ADD COLUMN sslstore_partner TEXT NOT NULL DEFAULT '';
                    ALTER TABLE integration_settings ADD COLUMN sslstore_token BLOB;
                    """
            )
        }
        migrator.registerMigration("v15: domains, cloud servers and certificates; renewal and transfer orders") { db in
            try ProvisionedStore.create(db)
        }
        migrator.registerMigration("v16: brand country, company and tax numbers, terms address") { db in
            try db.execute(
                sql: """
                    ALTER TABLE brand ADD COLUMN country TEXT NOT NULL DEFAULT '';
                    ALTER TABLE brand ADD COLUMN company_number TEXT NOT NULL DEFAULT '';
                    ALTER TABLE brand ADD COLUMN tax_number TEXT NOT NULL DEFAULT '';
                    ALTER TABLE brand ADD COLUMN terms_url TEXT NOT NULL DEFAULT '';
                    """)
        }
        migrator.registerMigration("v17: Stripe payments and refunds, promotions, tax ids") { db in
            try PaymentStore.create(db)
            try db.execute(
                sql: """
                    ALTER TABLE orders ADD COLUMN discount_minor INTEGER NOT NULL DEFAULT 0;
                    ALTER TABLE orders ADD COLUMN promo_code TEXT NOT NULL DEFAULT '';
                    ALTER TABLE billing_profiles ADD COLUMN tax_id TEXT NOT NULL DEFAULT '';
                    """)
        }
        migrator.registerMigration("v18: API key expiry") { db in
            try db.execute(sql: "ALTER TABLE api_keys ADD COLUMN expires_at DATETIME")
        }
        migrator.registerMigration("v19: the relay each queued message was checked for") { db in
            try db.execute(sql: "ALTER TABLE mail_outbox ADD COLUMN relay TEXT NOT NULL DEFAULT 'platform'")
        }
        migrator.registerMigration("v20: alerts for the brand's owners and admins") { db in
            try AlertStore.createTable(db)
        }
        migrator.registerMigration("v21: languages: the brand's, each customer's, translated products") { db in
            try db.execute(
                sql: """
                    ALTER TABLE brand ADD COLUMN default_language TEXT NOT NULL DEFAULT 'en';
                    ALTER TABLE brand ADD COLUMN languages TEXT NOT NULL DEFAULT '["en"]';
                    ALTER TABLE brand ADD COLUMN taglines TEXT NOT NULL DEFAULT '{}';
                    ALTER TABLE accounts ADD COLUMN language TEXT NOT NULL DEFAULT '';
                    CREATE TABLE product_translations (
                        product_id INTEGER NOT NULL REFERENCES products(id) ON DELETE CASCADE,
                        language TEXT NOT NULL,
                        name TEXT NOT NULL DEFAULT '',
                        summary TEXT NOT NULL DEFAULT '',
                        description TEXT NOT NULL DEFAULT '',
                        features TEXT NOT NULL DEFAULT '',
                        PRIMARY KEY (product_id, language)
                    ) WITHOUT ROWID;
                    """)
        }
        migrator.registerMigration("v22: the brand's pages, news, menu, announcement and images") { db in
            try ContentStore.createTables(db)
        }
        migrator.registerMigration("v23: the tenant this database belongs to") { db in
            try db.execute(
                sql: """
                    CREATE TABLE tenant_identity (
                        id INTEGER PRIMARY KEY CHECK (id = 1),
                        slug TEXT NOT NULL DEFAULT '',
                        created_at DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP
                    );
                    INSERT INTO tenant_identity (id) VALUES (1);
                    """)
        }
        migrator.registerMigration("v24: staff dashboard totals kept by triggers") { db in
            try FigureTotals.create(db)
        }
        migrator.registerMigration("v25: unpaid invoices per due date and orders per day, kept by triggers") { db in
            try FigureTotals.createDaily(db)
        }
        return migrator
    }
}

/// The reads every signed-in page makes, kept per open tenant database until it next commits.
final class TenantReads: Sendable {
    let commits: CommitCounter
    let inline: InlineReader
    let sessions: CommittedReads<String, AccountStore.SessionRead>
    /// Settings, by the keys read together (the staff two-factor policy on every staff request).
    let settings: CommittedReads<[String], [String: String]>
    let dashboards: CommittedReads<BillingMirrorStore.DashboardKey, BillingMirrorStore.Dashboard>
    /// The staff dashboard's figures, per currency and day.
    let staffFigures: CommittedReads<String, BackOfficeFigures>
    /// The staff sidebar's counts (open tickets, failed set-ups, unpaid invoices).
    let workCounts: CommittedReads<Int, WorkCounts>
    /// The staff home's alerts, per list length.
    let alerts: CommittedReads<Int, [Alert]>

    init(path: String) {
        let inline = InlineReader(path: path)
        self.inline = inline
        commits = CommitCounter(outside: .init(dataVersion: { try inline.dataVersion() }))
        sessions = CommittedReads(commits: commits, capacity: 512)
        settings = CommittedReads(commits: commits, capacity: 32)
        dashboards = CommittedReads(commits: commits, capacity: 256)
        staffFigures = CommittedReads(commits: commits, capacity: 8)
        workCounts = CommittedReads(commits: commits, capacity: 1)
        alerts = CommittedReads(commits: commits, capacity: 2)
    }
}

extension DatabasePool {
    /// Opens a WAL pool with foreign keys on, a busy timeout for writers in other processes (the CLI),
    /// and synchronous=FULL.
    ///
    /// WAL with synchronous=NORMAL may lose the last commits on power loss. Orders, payments, sessions and
    /// the registry must survive it, so every commit waits for the WAL to reach the disk (FULL). GRDB sets
    /// NORMAL when it opens the writer, and only the writer commits, so FULL is set on the writer once open.
    /// (`OFF` is for a database still being staged, made durable as a whole file afterwards. A session's
    /// once-a-minute touch alone commits with NORMAL: see `AccountStore.liveSession`.)
    static func openDurable(path: String, readers: Int, synchronous: String = "FULL") throws -> DatabasePool {
        var configuration = Configuration()
        configuration.busyMode = .timeout(5)
        configuration.maximumReaderCount = readers
        configuration.foreignKeysEnabled = true
        let pool = try DatabasePool(path: path, configuration: configuration)
        try pool.writeWithoutTransaction { db in try db.execute(sql: "PRAGMA synchronous = \(synchronous)") }
        return pool
    }
}
