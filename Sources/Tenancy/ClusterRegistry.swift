import Foundation
import GRDB

/// A node of a cluster as the shared registry knows it.
package struct ClusterNode: Codable, Hashable, Sendable {
    /// The name given with `portal serve --node`: lower-case letters, digits and hyphens.
    package var name: String
    /// Where other nodes and the proxy reach it (`http://ADDR:PORT`).
    package var advertise: String
    /// When it last said it was alive.
    package var heartbeatAt: Date?
    /// Requests per second over its last heartbeat period, and its open tenant databases.
    package var load: Double
    package var openTenants: Int

    package init(name: String, advertise: String, heartbeatAt: Date? = nil, load: Double = 0, openTenants: Int = 0) {
        self.name = name
        self.advertise = advertise
        self.heartbeatAt = heartbeatAt
        self.load = load
        self.openTenants = openTenants
    }

    /// Checks a node name: what `--node` accepts, and what HAProxy's server names allow.
    package static func validateName(_ raw: String) throws(TenancyError) -> String {
        let name = raw.trimmingCharacters(in: .whitespaces)
        guard (1...40).contains(name.utf8.count) else {
            throw .invalidNodeName("a node name has 1 to 40 characters")
        }
        let allowed = name.utf8.allSatisfy { byte in
            (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(byte)
                || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte)
                || byte == UInt8(ascii: "-")
        }
        guard allowed, name.first != "-", name.last != "-" else {
            throw .invalidNodeName("a node name has lower-case letters, digits and inner hyphens only")
        }
        return name
    }
}

/// What changed in the shared registry since a revision: the rows to write into this node's copy and the keys to
/// delete from it. `complete` means the rows are the whole registry (the first copy, or one too far behind).
package struct RegistryChanges: Sendable, Equatable {
    package var revision: Int64
    package var complete: Bool
    package var tenants: [Tenant]
    /// Each changed tenant's node; nil while it is not assigned to any.
    package var assignments: [Tenant.ID: String?]
    package var domains: [TenantDomain]
    package var deletedTenants: [Tenant.ID]
    package var deletedDomains: [String]
    /// Every node (a short list, always sent whole).
    package var nodes: [ClusterNode]
    /// Changed platform users' documents (`PlatformRealmCopy`) by account id.
    package var accounts: [Int64: SharedAccountDocument]
    /// Platform audit entries written since, by any node.
    package var audit: [SharedAuditEntry]

    package init(
        revision: Int64, complete: Bool, tenants: [Tenant] = [], assignments: [Tenant.ID: String?] = [:],
        domains: [TenantDomain] = [], deletedTenants: [Tenant.ID] = [], deletedDomains: [String] = [],
        nodes: [ClusterNode] = [], accounts: [Int64: SharedAccountDocument] = [:], audit: [SharedAuditEntry] = []
    ) {
        self.accounts = accounts
        self.audit = audit
        self.revision = revision
        self.complete = complete
        self.tenants = tenants
        self.assignments = assignments
        self.domains = domains
        self.deletedTenants = deletedTenants
        self.deletedDomains = deletedDomains
        self.nodes = nodes
    }

    package var isEmpty: Bool {
        tenants.isEmpty && domains.isEmpty && deletedTenants.isEmpty && deletedDomains.isEmpty && assignments.isEmpty
            && accounts.isEmpty && audit.isEmpty
    }
}

/// This node's copy of a shared registry, kept in `platform.sqlite`: the request path, the jobs and the foreign keys
/// of the node's own tables read it as they read the single-node registry, and it keeps serving while PostgreSQL is
/// away. Only `apply` writes its rows.
package struct RegistryReplica: Sendable {
    package let platform: PlatformDatabase

    package init(platform: PlatformDatabase) {
        self.platform = platform
    }

    /// The shared registry this copy follows and the revision it has reached; nil before the first copy.
    package func position() throws -> (source: String, revision: Int64)? {
        try platform.pool.read { db in
            guard let row = try Row.fetchOne(db, sql: "SELECT source, revision FROM registry_replica WHERE id = 1")
            else { return nil }
            return (row["source"], row["revision"])
        }
    }

    /// Writes `changes` in one transaction and records `source` at their revision. A complete set replaces every
    /// tenant, domain, node and platform user (tenants that are gone take their node-local rows with them, by
    /// foreign key). Returns whether tenants, domains, assignments or nodes changed (what the in-memory registry
    /// reloads for); platform users and audit entries alone do not.
    @discardableResult
    package func apply(_ changes: RegistryChanges, source: String, node: String? = nil) throws -> Bool {
        try platform.pool.write { db in
            // Never back: a set read before one already applied is dropped (the copy is newer than it).
            if !changes.complete,
                let position = try Row.fetchOne(db, sql: "SELECT source, revision FROM registry_replica WHERE id = 1"),
                (position["source"] as String) == source, (position["revision"] as Int64) > changes.revision
            {
                return false
            }
            try PlatformRealmCopy.apply(
                db, changes.accounts, complete: changes.complete, revision: changes.revision)
            try PlatformRealmCopy.copyAudit(db, changes.audit, node: node)
            var registryChanged =
                changes.complete || !changes.tenants.isEmpty || !changes.domains.isEmpty
                || !changes.deletedTenants.isEmpty || !changes.deletedDomains.isEmpty || !changes.assignments.isEmpty
            if changes.complete {
                let keep = Set(changes.tenants.map(\.id.rawValue))
                let existing = try Int64.fetchAll(db, sql: "SELECT id FROM tenants")
                for id in existing where !keep.contains(id) {
                    try db.execute(sql: "DELETE FROM tenants WHERE id = ?", arguments: [id])
                }
                try db.execute(sql: "DELETE FROM domains")
                try db.execute(sql: "DELETE FROM tenant_nodes")
            }
            for id in changes.deletedTenants {
                try db.execute(sql: "DELETE FROM tenants WHERE id = ?", arguments: [id])
            }
            for host in changes.deletedDomains {
                try db.execute(sql: "DELETE FROM domains WHERE hostname = ?", arguments: [host])
            }
            for tenant in changes.tenants {
                try db.execute(
                    sql: """
                        INSERT INTO tenants (id, slug, name, status, status_reason, created_at, maintenance_since)
                        VALUES (?, ?, ?, ?, ?, ?, ?)
                        ON CONFLICT (id) DO UPDATE SET slug = excluded.slug, name = excluded.name,
                            status = excluded.status, status_reason = excluded.status_reason,
                            created_at = excluded.created_at, maintenance_since = excluded.maintenance_since
                        """,
                    arguments: [
                        tenant.id, tenant.slug, tenant.name, tenant.status, tenant.statusReason, tenant.createdAt,
                        tenant.maintenanceSince,
                    ])
            }
            // A domain that moved to another tenant or lost its primary flag: its old row goes first.
            for domain in changes.domains {
                try db.execute(sql: "DELETE FROM domains WHERE hostname = ?", arguments: [domain.hostname])
                if domain.isPrimary {
                    try db.execute(
                        sql: "UPDATE domains SET is_primary = 0 WHERE tenant_id = ? AND is_primary",
                        arguments: [domain.tenantID])
                }
                try domain.insert(db)
            }
            for (tenant, node) in changes.assignments {
                if let node {
                    try db.execute(
                        sql: """
                            INSERT INTO tenant_nodes (tenant_id, node) VALUES (?, ?)
                            ON CONFLICT (tenant_id) DO UPDATE SET node = excluded.node WHERE node != excluded.node
                            """,
                        arguments: [tenant, node])
                } else {
                    try db.execute(sql: "DELETE FROM tenant_nodes WHERE tenant_id = ?", arguments: [tenant])
                }
            }
            let nodes = try ClusterNode.fetchAll(db)
            if nodes != changes.nodes {
                try db.execute(sql: "DELETE FROM cluster_nodes")
                for node in changes.nodes { try node.insert(db) }
                // Heartbeats and load alone are not a change of the registry.
                let addresses = { (nodes: [ClusterNode]) in Set(nodes.map { [$0.name, $0.advertise] }) }
                if addresses(nodes) != addresses(changes.nodes) { registryChanged = true }
            }
            try db.execute(
                sql: """
                    INSERT INTO registry_replica (id, source, revision, node) VALUES (1, ?, ?, ?)
                    ON CONFLICT (id) DO UPDATE SET source = excluded.source, revision = excluded.revision,
                        node = coalesce(excluded.node, registry_replica.node)
                    """,
                arguments: [source, changes.revision, node])
            return registryChanged
        }
    }
}

extension ClusterNode: FetchableRecord, PersistableRecord {
    package static let databaseTableName = "cluster_nodes"
    package enum CodingKeys: String, CodingKey {
        case name, advertise, load
        case heartbeatAt = "heartbeat_at"
        case openTenants = "open_tenants"
    }
}

enum ClusterSchema {
    /// What a node needs to exchange platform users and audit entries with the shared registry.
    static func createRealmCopy(_ db: Database) throws {
        try db.execute(
            sql: """
                -- The registry's id of an entry copied from another node; NULL for this node's own.
                ALTER TABLE audit_log ADD COLUMN origin INTEGER;
                CREATE UNIQUE INDEX audit_by_origin ON audit_log(origin) WHERE origin IS NOT NULL;
                -- Each platform user's document as last exchanged with the registry, and its revision there
                -- (PlatformRealmCopy); a NULL document: removed.
                CREATE TABLE platform_account_sync (
                    account_id INTEGER PRIMARY KEY,
                    document TEXT,
                    revision INTEGER NOT NULL
                );
                """
        )
    }

    /// The copy of a shared registry's node assignment and nodes, beside the single-node tables.
    static func create(_ db: Database) throws {
        try db.execute(
            sql: """
                CREATE TABLE registry_replica (
                    id INTEGER PRIMARY KEY CHECK (id = 1),
                    source TEXT NOT NULL,
                    revision INTEGER NOT NULL,
                    -- The node whose copy this is: commands run on its data folder act on its tenants only.
                    node TEXT
                );
                CREATE TABLE tenant_nodes (
                    tenant_id INTEGER PRIMARY KEY REFERENCES tenants(id) ON DELETE CASCADE,
                    node TEXT NOT NULL
                );
                CREATE TABLE cluster_nodes (
                    name TEXT PRIMARY KEY NOT NULL,
                    advertise TEXT NOT NULL,
                    heartbeat_at DATETIME,
                    load DOUBLE NOT NULL DEFAULT 0,
                    open_tenants INTEGER NOT NULL DEFAULT 0
                );
                """
        )
        for table in ["tenant_nodes", "cluster_nodes"] {
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
}
