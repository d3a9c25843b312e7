import Foundation
import GRDB

/// The registry database (`DATA/platform.sqlite`): tenants and the domains that route to them.
package struct PlatformDatabase: Sendable {
    package let pool: DatabasePool

    /// Opens (creating if needed) and migrates the registry.
    package init(dataDirectory: DataDirectory) throws {
        try dataDirectory.createRootIfNeeded()
        pool = try DatabasePool.openDurable(path: dataDirectory.platformDatabasePath, readers: 2)
        try Self.migrator.migrate(pool)
    }

    static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1: tenants and domains") { db in
            try db.execute(
                sql: """
                    CREATE TABLE tenants (
                        id INTEGER PRIMARY KEY AUTOINCREMENT,
                        slug TEXT NOT NULL UNIQUE,
                        name TEXT NOT NULL,
                        status TEXT NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'suspended')),
                        created_at DATETIME NOT NULL
                    );
                    CREATE TABLE domains (
                        hostname TEXT PRIMARY KEY NOT NULL,
                        tenant_id INTEGER NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
                        kind TEXT NOT NULL CHECK (kind IN ('platform', 'custom')),
                        is_primary BOOLEAN NOT NULL DEFAULT 0
                    );
                    CREATE INDEX domains_by_tenant ON domains(tenant_id);
                    CREATE UNIQUE INDEX domains_one_primary ON domains(tenant_id) WHERE is_primary;
                    -- Bumped by every change so a running server notices edits made by another process.
                    CREATE TABLE registry_state (
                        id INTEGER PRIMARY KEY CHECK (id = 1),
                        revision INTEGER NOT NULL
                    );
                    INSERT INTO registry_state (id, revision) VALUES (1, 0);
                    """
            )
            for table in ["tenants", "domains"] {
                for event in ["INSERT", "UPDATE", "DELETE"] {
                    try db.execute(
                        sql: """
                            CREATE TRIGGER \(table)_\(event.lowercased())_bumps_revision AFTER \(event) ON \(table)
                            BEGIN UPDATE registry_state SET revision = revision + 1 WHERE id = 1; END
                            """
                    )
                }
            }
        }
        migrator.registerMigration("v2: accounts, sessions, audit and mail outbox") { db in
            try AccountSchema.create(db)
        }
        migrator.registerMigration("v3: HTML part of mail") { db in
            try db.execute(sql: "ALTER TABLE mail_outbox ADD COLUMN html_body TEXT")
        }
        migrator.registerMigration("v4: mail delivery") { db in
            try MailSchema.upgradeOutbox(db)
            // Which outboxes have mail to deliver, so a restart finds them without opening every tenant's database.
            try db.execute(sql: "CREATE TABLE mail_pending (mailbox TEXT PRIMARY KEY, since DATETIME NOT NULL)")
        }
        migrator.registerMigration("v5: order jobs pending") { db in
            // Which tenants have order jobs queued, for the same reason as mail_pending.
            try db.execute(sql: "CREATE TABLE jobs_pending (tenant_id INTEGER PRIMARY KEY, since DATETIME NOT NULL)")
        }
        migrator.registerMigration("v6: maintenance and verified custom domains") { db in
            // Set while a backup is restored; a change bumps the revision, so a running server notices.
            try db.execute(
                sql: """
                    ALTER TABLE tenants ADD COLUMN maintenance_since DATETIME;
                    ALTER TABLE domains ADD COLUMN status TEXT NOT NULL DEFAULT 'active' CHECK (status IN ('pending', 'active'));
                    ALTER TABLE domains ADD COLUMN verification_token TEXT;
                    ALTER TABLE domains ADD COLUMN added_at DATETIME;
                    ALTER TABLE domains ADD COLUMN verified_at DATETIME;
                    """
            )
        }
        migrator.registerMigration("v7: suspension reasons and tenant health") { db in
            try db.execute(
                sql: """
                    ALTER TABLE tenants ADD COLUMN status_reason TEXT NOT NULL DEFAULT '';
                    CREATE TABLE tenant_health (
                        tenant_id INTEGER PRIMARY KEY REFERENCES tenants(id) ON DELETE CASCADE,
                        customers INTEGER NOT NULL,
                        active_services INTEGER NOT NULL,
                        failed_jobs INTEGER NOT NULL,
                        last_activity DATETIME,
                        database_bytes INTEGER NOT NULL,
                        checked_at DATETIME NOT NULL
                    );
                    """
            )
        }
        migrator.registerMigration("v8: one brand per WHMCS client group and WHM reseller") { db in
            try db.execute(
                sql: """
                    CREATE TABLE upstream_claims (
                        tenant_id INTEGER PRIMARY KEY REFERENCES tenants(id) ON DELETE CASCADE,
                        whmcs_key TEXT,
                        whm_key TEXT
                    );
                    CREATE INDEX upstream_claims_by_whmcs ON upstream_claims(whmcs_key) WHERE whmcs_key IS NOT NULL;
                    CREATE INDEX upstream_claims_by_whm ON upstream_claims(whm_key) WHERE whm_key IS NOT NULL;
                    """
            )
        }
        migrator.registerMigration(
            "v9: sessions share the tenant sessions' columns (no one signs in as a platform user)"
        ) { db in
            try db.execute(sql: "ALTER TABLE sessions ADD COLUMN impersonator_id INTEGER")
        }
        migrator.registerMigration("v10: the relay each queued message was checked for") { db in
            try db.execute(sql: "ALTER TABLE mail_outbox ADD COLUMN relay TEXT NOT NULL DEFAULT 'platform'")
        }
        migrator.registerMigration("v11: operations figures, backups that leave the machine, drills and alerts") { db in
            try OperationsSchema.create(db)
        }
        migrator.registerMigration("v12: this node's copy of a shared registry (node assignment, nodes)") { db in
            try ClusterSchema.create(db)
        }
        migrator.registerMigration("v13: platform users and audit shared through a cluster's registry") { db in
            try ClusterSchema.createRealmCopy(db)
        }
        return migrator
    }

    /// The registry's change counter; cheap enough to poll every second.
    package func revision() throws -> Int64 {
        try pool.read { db in try Int64.fetchOne(db, sql: "SELECT revision FROM registry_state WHERE id = 1") ?? 0 }
    }

    /// Everything the request path needs to resolve hosts, read in one transaction.
    package func snapshot() throws -> RegistrySnapshot {
        try pool.read { db in
            let revision = try Int64.fetchOne(db, sql: "SELECT revision FROM registry_state WHERE id = 1") ?? 0
            let tenants = try Tenant.fetchAll(db)
            let domains = try TenantDomain.fetchAll(db)
            let assignments = try Row.fetchAll(db, sql: "SELECT tenant_id, node FROM tenant_nodes")
            let nodes = try ClusterNode.fetchAll(db)
            return RegistrySnapshot(
                revision: revision, tenants: tenants, domains: domains,
                assignments: Dictionary(
                    assignments.map { (Tenant.ID($0["tenant_id"]), $0["node"] as String) },
                    uniquingKeysWith: { first, _ in first }),
                nodes: nodes)
        }
    }

    package func tenant(slug: TenantSlug) throws -> Tenant? {
        try pool.read { db in try Tenant.filter(Tenant.Columns.slug == slug).fetchOne(db) }
    }

    package func domains(of tenantID: Tenant.ID) throws -> [TenantDomain] {
        try pool.read { db in
            try TenantDomain.filter(TenantDomain.Columns.tenantID == tenantID)
                .order(sql: "is_primary DESC, kind DESC, hostname")
                .fetchAll(db)
        }
    }

    package func allTenants() throws -> [Tenant] {
        try pool.read { db in try Tenant.order(Tenant.Columns.slug).fetchAll(db) }
    }

    /// The node this data folder belongs to, when it is a node of a cluster (recorded by its copy of the registry).
    package func clusterNode() throws -> String? {
        try pool.read { db in try String.fetchOne(db, sql: "SELECT node FROM registry_replica WHERE id = 1") }
    }

    /// The tenants this data folder holds: every tenant on a single node; on a node of a cluster, those assigned to
    /// it (the others' folders are elsewhere). Backups and drills run on these.
    package func heldTenants() throws -> [Tenant] {
        try pool.read { db in
            guard let node = try String.fetchOne(db, sql: "SELECT node FROM registry_replica WHERE id = 1") else {
                return try Tenant.order(Tenant.Columns.slug).fetchAll(db)
            }
            return try Tenant.fetchAll(
                db,
                sql: """
                    SELECT tenants.* FROM tenants JOIN tenant_nodes ON tenant_nodes.tenant_id = tenants.id
                    WHERE tenant_nodes.node = ? ORDER BY tenants.slug
                    """, arguments: [node])
        }
    }

    /// Sets a tenant's status and the reason its staff are shown; returns the updated tenant.
    package func setStatus(_ status: Tenant.Status, slug: TenantSlug, reason: String = "") throws -> Tenant {
        try pool.write { db in
            guard var tenant = try Tenant.filter(Tenant.Columns.slug == slug).fetchOne(db) else {
                throw TenancyError.unknownTenant(slug.rawValue)
            }
            let reason = status == .active ? "" : reason
            guard tenant.status != status || tenant.statusReason != reason else { return tenant }
            try db.execute(
                sql: "UPDATE tenants SET status = ?, status_reason = ? WHERE id = ?",
                arguments: [status, reason, tenant.id])
            tenant.status = status
            tenant.statusReason = reason
            return tenant
        }
    }

    /// Stores what the health collector measured.
    package func record(_ health: TenantHealth) throws {
        try pool.write { db in try health.save(db) }
    }

    /// The last measured health of every tenant.
    package func health() throws -> [Tenant.ID: TenantHealth] {
        try pool.read { db in
            Dictionary(try TenantHealth.fetchAll(db).map { ($0.tenantID, $0) }, uniquingKeysWith: { first, _ in first })
        }
    }

    /// Every domain of every tenant, for the console's search.
    package func allDomains() throws -> [TenantDomain] {
        try pool.read { db in try TenantDomain.fetchAll(db) }
    }

    /// Puts a tenant into maintenance (its sites answer 503) or takes it out; returns the updated tenant.
    @discardableResult
    package func setMaintenance(_ on: Bool, slug: TenantSlug, now: Date = Date()) throws -> Tenant {
        try pool.write { db in
            guard var tenant = try Tenant.filter(Tenant.Columns.slug == slug).fetchOne(db) else {
                throw TenancyError.unknownTenant(slug.rawValue)
            }
            tenant.maintenanceSince = on ? (tenant.maintenanceSince ?? now) : nil
            try db.execute(
                sql: "UPDATE tenants SET maintenance_since = ? WHERE id = ?",
                arguments: [tenant.maintenanceSince, tenant.id])
            return tenant
        }
    }

    /// Platform users, their sessions, the platform audit log and outbox.
    package var accounts: AccountStore { AccountStore(pool: pool) }

    /// Closes the pool's connections; used before the data folder is moved or in tests.
    package func close() throws {
        try pool.close()
    }
}
