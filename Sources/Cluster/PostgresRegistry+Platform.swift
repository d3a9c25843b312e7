import Foundation
import PostgresNIO
import Tenancy

/// Platform users, the platform audit log and upstream claims in the shared registry.
extension PostgresRegistry {
    /// The name this process's audit entries carry: its node, or `cli` for a command run by hand.
    var auditNode: String { node ?? "cli" }

    /// Writes platform users' documents changed on this node (nil: removed here); the last writer wins, which is
    /// this node while the proxy sends the console to it. Returns each document written with the revision it got,
    /// and the accounts refused because the registry has another account under the same id or email (a node's own
    /// users from before they were shared): those are left to the registry's version.
    package func publishAccounts(_ documents: [Int64: String?]) async throws -> (
        published: [Int64: SharedAccountDocument], refused: Set<Int64>
    ) {
        guard !documents.isEmpty else { return ([:], []) }
        let writer = auditNode
        return try await connection { [self] connection in
            try await inTransaction(connection) { connection in
                try await lockRegistry(connection)
                var published: [Int64: SharedAccountDocument] = [:]
                var refused = Set<Int64>()
                for (id, document) in documents.sorted(by: { $0.key < $1.key }) {
                    guard let document else {
                        try await connection.query("DELETE FROM platform_accounts WHERE id = \(id)", logger: logger)
                        published[id] = SharedAccountDocument(document: nil, revision: 0)
                        continue
                    }
                    let email = PlatformRealmCopy.email(in: document) ?? ""
                    var taken = false
                    for try await _ in try await connection.query(
                        """
                        SELECT 1 FROM platform_accounts
                        WHERE (id = \(id) AND lower(email) != lower(\(email))) OR (id != \(id) AND lower(email) = lower(\(email)))
                        """, logger: logger
                    ).decode(Int.self) {
                        taken = true
                    }
                    if taken {
                        refused.insert(id)
                        continue
                    }
                    for try await revision in try await connection.query(
                        """
                        INSERT INTO platform_accounts (id, email, document, written_by)
                        VALUES (\(id), \(email), \(document), \(writer))
                        ON CONFLICT (id) DO UPDATE SET email = excluded.email, document = excluded.document,
                            written_by = excluded.written_by
                        RETURNING revision
                        """, logger: logger
                    ).decode(Int64.self) {
                        published[id] = SharedAccountDocument(document: document, revision: revision)
                    }
                }
                // A removal's tombstone has the latest revision of this transaction.
                for try await revision in try await connection.query(
                    "SELECT revision FROM registry_state WHERE id = 1", logger: logger
                ).decode(Int64.self) {
                    for (id, state) in published where state.document == nil {
                        published[id] = SharedAccountDocument(document: nil, revision: revision)
                    }
                }
                // An account made on a node (a single node's, before it joined) keeps the next id free.
                try await connection.query(
                    """
                    SELECT setval(pg_get_serial_sequence('platform_accounts', 'id'),
                        greatest((SELECT max(id) FROM platform_accounts), 1))
                    """, logger: logger)
                return (published, refused)
            }
        }
    }

    /// Appends this data folder's audit entries under its name (each once, however often pushed).
    package func pushAudit(_ entries: [AuditEntry], as node: String) async throws {
        guard !entries.isEmpty else { return }
        try await connection { [self] connection in
            try await inTransaction(connection) { connection in
                try await lockRegistry(connection)
                for entry in entries {
                    try await connection.query(
                        """
                        INSERT INTO platform_audit (node, local_id, at, actor_id, actor, action, target, detail, ip)
                        VALUES (\(node), \(entry.id), \(entry.at), \(entry.actorID?.rawValue), \(entry.actor),
                            \(entry.action), \(entry.target), \(entry.detail), \(entry.ip))
                        ON CONFLICT (node, local_id) DO NOTHING
                        """, logger: logger)
                }
            }
        }
    }

    /// Creates a platform user in the registry with the next id: `build` makes its document for that id (see
    /// `PlatformRealmCopy.newAccount`) and returns what the caller needs (the invitation's token). An email
    /// already used by a platform user is refused with nothing written.
    package func createPlatformUser<T: Sendable>(
        email: String, action: String, detail: String,
        build: @escaping @Sendable (Int64) throws -> (document: String, result: T)
    ) async throws -> T {
        let node = auditNode
        return try await connection { [self] connection in
            try await inTransaction(connection) { connection in
                try await lockRegistry(connection)
                for try await _ in try await connection.query(
                    "SELECT 1 FROM platform_accounts WHERE lower(email) = lower(\(email))", logger: logger
                ).decode(Int.self) {
                    throw AccountError.emailTaken
                }
                var next: Int64 = 0
                for try await value in try await connection.query(
                    """
                    SELECT nextval(pg_get_serial_sequence('platform_accounts', 'id'))::bigint
                    """, logger: logger
                ).decode(Int64.self) {
                    next = value
                }
                let (document, result) = try build(next)
                try await connection.query(
                    """
                    INSERT INTO platform_accounts (id, email, document, written_by)
                    VALUES (\(next), \(email), \(document), \(node))
                    """, logger: logger)
                try await connection.query(
                    """
                    INSERT INTO platform_audit (node, at, actor, action, target, detail)
                    VALUES (\(node), now(), 'anonymous', \(action), \(email), \(detail))
                    """, logger: logger)
                return result
            }
        }
    }

    /// How many platform users the registry has.
    package func platformUserCount() async throws -> Int {
        try await connection { [self] connection in
            var count = 0
            for try await value in try await connection.query(
                "SELECT count(*)::bigint FROM platform_accounts", logger: logger
            ).decode(Int64.self) {
                count = Int(value)
            }
            return count
        }
    }

    /// Copies a single node's platform users, audit log (under the name `origin`) and upstream claims in, with
    /// their ids, through the same writes the nodes use; the platform-user id sequence continues after the highest
    /// copied. A registry that already has other users under those ids or emails is refused.
    package func importPlatformRealm(
        documents: [Int64: String], audit: [AuditEntry], origin: String, claims: [Tenant.ID: UpstreamClaim],
        batch: Int = 500
    ) async throws {
        let (_, refused) = try await publishAccounts(documents.mapValues { .some($0) })
        guard refused.isEmpty else {
            throw TenancyError.storage(
                "the shared registry already has other platform users under the ids or emails of \(refused.sorted())")
        }
        try await connection { [self] connection in
            try await inTransaction(connection) { connection in
                try await lockRegistry(connection)
                for (tenant, claim) in claims { try await record(connection, claim, of: tenant) }
            }
        }
        for start in stride(from: 0, to: audit.count, by: batch) {
            try await pushAudit(Array(audit[start..<min(start + batch, audit.count)]), as: origin)
        }
    }
}

/// Reports of what each node measures about the brands it holds.
extension PostgresRegistry {
    /// Writes this node's reports of the brands it holds (a brand it no longer holds keeps its new node's report).
    package func publishReports(_ reports: [Tenant.ID: TenantReport]) async throws {
        guard !reports.isEmpty, let node else { return }
        let encoder = JSONEncoder()
        encoder.dateEncodingStrategy = .millisecondsSince1970
        let encoded = try reports.map {
            ($0.key.rawValue, String(decoding: try encoder.encode($0.value), as: UTF8.self))
        }
        try await connection { [self] connection in
            try await inTransaction(connection) { connection in
                for (tenant, report) in encoded {
                    try await connection.query(
                        """
                        INSERT INTO tenant_reports (tenant_id, node, report, updated_at)
                        SELECT id, \(node), \(report), now() FROM tenants WHERE id = \(tenant) AND node = \(node)
                        ON CONFLICT (tenant_id) DO UPDATE SET node = excluded.node, report = excluded.report,
                            updated_at = excluded.updated_at
                        """, logger: logger)
                }
            }
        }
    }

    /// Every brand's latest report, with the node that made it.
    package func tenantReports() async throws -> [Tenant.ID: TenantReport] {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .millisecondsSince1970
        return try await connection { [self] connection in
            var reports: [Tenant.ID: TenantReport] = [:]
            for try await (tenant, report) in try await connection.query(
                "SELECT tenant_id, report FROM tenant_reports", logger: logger
            ).decode((Int64, String).self) {
                reports[Tenant.ID(tenant)] = try? decoder.decode(TenantReport.self, from: Data(report.utf8))
            }
            return reports
        }
    }
}

/// One brand per client group and reseller across the whole cluster: checked and recorded under the registry's
/// lock, so two nodes saving settings at once cannot both take one group.
extension PostgresRegistry: UpstreamClaimRegistry {
    package func claimants(of claim: UpstreamClaim, except tenant: Tenant.ID?) async throws
        -> (whmcs: String?, whm: String?)
    {
        try await connection { [self] connection in try await claimants(connection, of: claim, except: tenant) }
    }

    package func reserve(_ claim: UpstreamClaim, for tenant: Tenant.ID) async throws -> (whmcs: String?, whm: String?) {
        try await connection { [self] connection in
            try await inTransaction(connection) { connection in
                try await lockRegistry(connection)
                let holders = try await claimants(connection, of: claim, except: tenant)
                if holders.whmcs == nil, holders.whm == nil { try await record(connection, claim, of: tenant) }
                return holders
            }
        }
    }

    package func record(_ claim: UpstreamClaim, of tenant: Tenant.ID) async throws {
        try await connection { [self] connection in
            try await inTransaction(connection) { connection in
                try await lockRegistry(connection)
                try await record(connection, claim, of: tenant)
            }
        }
    }

    package func backfill(_ claim: UpstreamClaim, of tenant: Tenant.ID) async throws {
        try await connection { [self] connection in
            try await connection.query(
                """
                INSERT INTO upstream_claims (tenant_id, whmcs_key, whm_key)
                SELECT id, \(claim.whmcs), \(claim.whm) FROM tenants WHERE id = \(tenant.rawValue)
                ON CONFLICT (tenant_id) DO NOTHING
                """, logger: logger)
        }
    }

    private func record(_ connection: PostgresConnection, _ claim: UpstreamClaim, of tenant: Tenant.ID) async throws {
        try await connection.query(
            """
            INSERT INTO upstream_claims (tenant_id, whmcs_key, whm_key)
            SELECT id, \(claim.whmcs), \(claim.whm) FROM tenants WHERE id = \(tenant.rawValue)
            ON CONFLICT (tenant_id) DO UPDATE SET whmcs_key = excluded.whmcs_key, whm_key = excluded.whm_key
            """, logger: logger)
    }

    private func claimants(_ connection: PostgresConnection, of claim: UpstreamClaim, except tenant: Tenant.ID?)
        async throws -> (whmcs: String?, whm: String?)
    {
        let except = tenant?.rawValue ?? 0
        var whmcs: String?
        var whm: String?
        if let key = claim.whmcs {
            for try await slug in try await connection.query(
                """
                SELECT t.slug FROM upstream_claims c JOIN tenants t ON t.id = c.tenant_id
                WHERE c.whmcs_key = \(key) AND c.tenant_id != \(except) ORDER BY t.id LIMIT 1
                """, logger: logger
            ).decode(String.self) {
                whmcs = slug
            }
        }
        if let key = claim.whm {
            for try await slug in try await connection.query(
                """
                SELECT t.slug FROM upstream_claims c JOIN tenants t ON t.id = c.tenant_id
                WHERE c.whm_key = \(key) AND c.tenant_id != \(except) ORDER BY t.id LIMIT 1
                """, logger: logger
            ).decode(String.self) {
                whm = slug
            }
        }
        return (whmcs, whm)
    }
}
