import Foundation
import Logging
import PostgresNIO
import Synchronization
import Tenancy

/// The registry several nodes share, in PostgreSQL: tenants, their domains, the node each is assigned to, and the
/// nodes themselves. Every node keeps a copy in its own `platform.sqlite` (`RegistryReplica`) that `changes(since:)`
/// brings up to date; writes go here first and reach every copy through `LISTEN/NOTIFY`.
package final class PostgresRegistry: RegistryWriter {
    package let url: RegistryURL
    /// This process's node: tenants it registers are assigned to it. Nil for a tool that is no node (a migration).
    package let node: String?
    /// How long a query waits for a connection before the registry counts as unreachable.
    package let leaseTimeout: Duration
    let client: PostgresClient
    let logger: Logger

    package init(url: RegistryURL, node: String? = nil, leaseTimeout: Duration = .seconds(10), logger: Logger) {
        var configuration = PostgresClient.Configuration(
            host: url.host, port: url.port, username: url.user, password: url.password, database: url.database,
            tls: {
                switch url.tls {
                case .disable: .disable
                case .prefer: .prefer(.makeClientConfiguration())
                case .require: .require(.makeClientConfiguration())
                }
            }())
        // Two are held by LISTEN (the registry follower and the mover); the rest serve queries.
        configuration.options.maximumConnections = 8
        configuration.options.connectTimeout = .seconds(5)
        self.url = url
        self.node = node
        self.leaseTimeout = leaseTimeout
        self.logger = logger
        client = PostgresClient(configuration: configuration, backgroundLogger: logger)
    }

    /// Runs the connection pool until the task is cancelled; nothing else works while it is not running.
    package func run() async {
        await client.run()
    }

    /// The name this registry's copies are kept under (no password).
    package var source: String { url.source }

    /// Notified when a move is requested or changes state.
    package static let movesChannel = PostgresSchema.movesChannel

    /// Calls `notified(true)` for each notification on `channel`, and `notified(false)` each time listening
    /// (re)starts, since anything sent while not listening was missed; reconnects after a growing pause when the
    /// connection drops. Returns when the task is cancelled.
    package func listen(on channel: String, _ notified: @escaping @Sendable (_ isNotification: Bool) -> Void) async {
        var pause = Duration.milliseconds(200)
        while !Task.isCancelled {
            do {
                try await client.withConnection { connection in
                    try await connection.listen(on: channel) { notifications in
                        notified(false)
                        pause = .milliseconds(200)
                        for try await _ in notifications { notified(true) }
                    }
                }
            } catch {
                if Task.isCancelled { return }
                logger.warning("notifications interrupted", metadata: ["channel": "\(channel)", "error": "\(error)"])
            }
            do { try await Task.sleep(for: pause) } catch { return }
            pause = min(pause * 2, .seconds(5))
        }
    }

    // MARK: Schema

    /// Creates or upgrades the tables; several nodes starting at once take turns (an advisory lock).
    package func migrate() async throws {
        try await connection { [self] connection in
            try await connection.query("SELECT pg_advisory_lock(\(Self.migrationLock))", logger: logger)
            do {
                try await upgrade(connection)
                try await connection.query("SELECT pg_advisory_unlock(\(Self.migrationLock))", logger: logger)
            } catch {
                _ = try? await connection.query("SELECT pg_advisory_unlock(\(Self.migrationLock))", logger: logger)
                throw error
            }
        }
    }

    private static let migrationLock: Int64 = 0x706f_7274_616c  // "portal"

    private func upgrade(_ connection: PostgresConnection) async throws {
        try await connection.query(
            "CREATE TABLE IF NOT EXISTS portal_schema (version integer NOT NULL)", logger: logger)
        var version = 0
        for try await value in try await connection.query(
            "SELECT coalesce(max(version), 0)::integer FROM portal_schema", logger: logger
        ).decode(Int.self) {
            version = value
        }
        guard version <= PostgresSchema.steps.count else {
            throw ClusterError.registryNewer(version: version, known: PostgresSchema.steps.count)
        }
        for (index, step) in PostgresSchema.steps.enumerated() where index >= version {
            try await inTransaction(connection) { connection in
                for statement in step {
                    try await connection.query(PostgresQuery(unsafeSQL: statement), logger: logger)
                }
                try await connection.query("DELETE FROM portal_schema", logger: logger)
                try await connection.query("INSERT INTO portal_schema (version) VALUES (\(index + 1))", logger: logger)
            }
        }
    }

    // MARK: Reading the changes

    /// Everything that changed after revision `since`, read in one consistent snapshot; every row when `since` is
    /// nil or older than the oldest kept tombstone.
    package func changes(since: Int64?) async throws -> RegistryChanges {
        try await connection { [self] connection in
            try await inTransaction(connection, readOnly: true) { connection in
                var revision: Int64 = 0
                var keptFrom: Int64 = 0
                for try await (value, kept) in try await connection.query(
                    "SELECT revision, deletions_kept_from FROM registry_state WHERE id = 1", logger: logger
                ).decode((Int64, Int64).self) {
                    revision = value
                    keptFrom = kept
                }
                let complete = since.map { $0 < keptFrom || $0 > revision } ?? true
                let after = complete ? 0 : since ?? 0
                var changes = RegistryChanges(revision: revision, complete: complete)
                let tenants = try await connection.query(
                    """
                    SELECT id, slug, name, status, status_reason, created_at, maintenance_since, node
                    FROM tenants WHERE revision > \(after) ORDER BY id
                    """, logger: logger)
                for try await (id, slug, name, status, reason, createdAt, maintenance, node) in tenants.decode(
                    (Int64, String, String, String, String, Date, Date?, String?).self)
                {
                    let tenant = Tenant(
                        id: Tenant.ID(id), slug: try TenantSlug(validating: slug), name: name,
                        status: Tenant.Status(rawValue: status) ?? .suspended, createdAt: createdAt,
                        maintenanceSince: maintenance, statusReason: reason)
                    changes.tenants.append(tenant)
                    changes.assignments[tenant.id] = .some(node)
                }
                let domains = try await connection.query(
                    """
                    SELECT hostname, tenant_id, kind, is_primary, status, verification_token, added_at, verified_at
                    FROM domains WHERE revision > \(after) ORDER BY revision
                    """, logger: logger)
                for try await (host, tenant, kind, primary, status, token, added, verified) in domains.decode(
                    (String, Int64, String, Bool, String, String?, Date?, Date?).self)
                {
                    changes.domains.append(
                        TenantDomain(
                            hostname: host, tenantID: Tenant.ID(tenant),
                            kind: TenantDomain.Kind(rawValue: kind) ?? .custom,
                            isPrimary: primary, status: TenantDomain.Status(rawValue: status) ?? .pending,
                            verificationToken: token, addedAt: added, verifiedAt: verified))
                }
                if !complete {
                    let deletions = try await connection.query(
                        """
                        SELECT kind, key, revision FROM registry_deletions WHERE revision > \(after) ORDER BY revision
                        """, logger: logger)
                    for try await (kind, key, revision) in deletions.decode((String, String, Int64).self) {
                        if kind == "tenant", let id = Int64(key) {
                            changes.deletedTenants.append(Tenant.ID(id))
                        } else if kind == "domain" {
                            changes.deletedDomains.append(key)
                        } else if kind == "account", let id = Int64(key) {
                            changes.accounts[id] = SharedAccountDocument(document: nil, revision: revision)
                        }
                    }
                }
                for try await (id, document, revision) in try await connection.query(
                    "SELECT id, document, revision FROM platform_accounts WHERE revision > \(after) ORDER BY revision",
                    logger: logger
                ).decode((Int64, String, Int64).self) {
                    changes.accounts[id] = SharedAccountDocument(document: document, revision: revision)
                }
                // The copy leaves out the entries its own folder wrote (`PlatformRealmCopy.copyAudit`).
                let audit = try await connection.query(
                    """
                    SELECT id, node, at, actor_id, actor, action, target, detail, ip FROM platform_audit
                    WHERE revision > \(after) ORDER BY id
                    """, logger: logger)
                for try await (id, node, at, actorID, actor, action, target, detail, ip) in audit.decode(
                    (Int64, String, Date, Int64?, String, String, String, String, String).self)
                {
                    changes.audit.append(
                        SharedAuditEntry(
                            sharedID: id, node: node, at: at, actorID: actorID, actor: actor, action: action,
                            target: target, detail: detail, ip: ip))
                }
                changes.nodes = try await nodes(connection)
                return changes
            }
        }
    }

    /// How many seconds ago each node's last heartbeat was, by PostgreSQL's clock (nil: never).
    package func heartbeatAges() async throws -> [String: Double?] {
        try await connection { [self] connection in
            var ages: [String: Double?] = [:]
            for try await (name, age) in try await connection.query(
                "SELECT name, extract(epoch FROM now() - heartbeat_at)::float8 FROM nodes", logger: self.logger
            ).decode((String, Double?).self) {
                ages[name] = age
            }
            return ages
        }
    }

    /// Deletes tombstones older than `age` (by PostgreSQL's clock); a copy that had not reached the newest of them
    /// starts over at its next sync instead of missing a removal. Returns how many went.
    @discardableResult
    package func pruneTombstones(olderThan age: Duration) async throws -> Int {
        let seconds = Double(age.components.seconds) + Double(age.components.attoseconds) / 1e18
        return try await connection { [self] connection in
            try await inTransaction(connection) { connection in
                try await lockRegistry(connection)
                var pruned = 0
                var newest: Int64 = 0
                for try await revision in try await connection.query(
                    """
                    DELETE FROM registry_deletions WHERE deleted_at <= now() - make_interval(secs => \(seconds))
                    RETURNING revision
                    """, logger: logger
                ).decode(Int64.self) {
                    pruned += 1
                    newest = max(newest, revision)
                }
                if pruned > 0 {
                    try await connection.query(
                        """
                        UPDATE registry_state SET deletions_kept_from = greatest(deletions_kept_from, \(newest))
                        WHERE id = 1
                        """, logger: logger)
                }
                return pruned
            }
        }
    }

    /// Every node with its last heartbeat, by name.
    package func nodes() async throws -> [ClusterNode] {
        try await connection { [self] connection in try await nodes(connection) }
    }

    private func nodes(_ connection: PostgresConnection) async throws -> [ClusterNode] {
        var nodes: [ClusterNode] = []
        for try await (name, advertise, heartbeat, load, open) in try await connection.query(
            "SELECT name, advertise, heartbeat_at, load, open_tenants FROM nodes ORDER BY name", logger: logger
        ).decode((String, String, Date?, Double, Int32).self) {
            nodes.append(
                ClusterNode(
                    name: name, advertise: advertise, heartbeatAt: heartbeat, load: load, openTenants: Int(open)))
        }
        return nodes
    }

    /// The registry's revision: what the followers compare with their copy when no notification came.
    package func revision() async throws -> Int64 {
        try await connection { [self] connection in
            var revision: Int64 = 0
            for try await value in try await connection.query(
                "SELECT revision FROM registry_state WHERE id = 1", logger: self.logger
            ).decode(Int64.self) {
                revision = value
            }
            return revision
        }
    }

    // MARK: Nodes

    /// Adds this node, or updates its address when it joins again.
    package func join(node name: String, advertise: String, now: Date = Date()) async throws {
        try await connection { [self] connection in
            try await inTransaction(connection) { connection in
                try await lockRegistry(connection)
                try await connection.query(
                    """
                    INSERT INTO nodes (name, advertise, heartbeat_at) VALUES (\(name), \(advertise), \(now))
                    ON CONFLICT (name) DO UPDATE SET advertise = excluded.advertise, heartbeat_at = excluded.heartbeat_at
                        WHERE nodes.advertise IS DISTINCT FROM excluded.advertise
                    """, logger: logger)
                try await connection.query(
                    "UPDATE nodes SET heartbeat_at = \(now) WHERE name = \(name)", logger: logger)
            }
        }
    }

    /// Says the node is alive, with its load, at PostgreSQL's time (every node's heartbeat on one clock); does not
    /// change the registry's revision.
    package func heartbeat(node name: String, load: Double, openTenants: Int, now: Date = Date()) async throws {
        try await connection { [self] connection in
            try await connection.query(
                """
                UPDATE nodes SET heartbeat_at = now(), load = \(load), open_tenants = \(Int32(clamping: openTenants))
                WHERE name = \(name)
                """, logger: self.logger)
        }
    }

    /// Assigns the tenant to `node` (which must have joined); returns the updated tenant.
    @discardableResult
    package func assign(slug: TenantSlug, to node: String) async throws -> Tenant {
        try await updateTenant(slug: slug) { [self] connection, id in
            var known = false
            for try await _ in try await connection.query(
                "SELECT 1 FROM nodes WHERE name = \(node)", logger: logger
            ).decode(Int32.self) {
                known = true
            }
            guard known else { throw TenancyError.unknownNode(node) }
            try await connection.query(
                "UPDATE tenants SET node = \(node) WHERE id = \(id) AND node IS DISTINCT FROM \(node)", logger: logger)
        }
    }

    /// The node a tenant is assigned to, read from the registry itself (not a copy).
    package func node(of slug: TenantSlug) async throws -> String? {
        let found: String?? = try await connection { [self] connection in
            var found: String?? = nil
            for try await node in try await connection.query(
                "SELECT node FROM tenants WHERE slug = \(slug.rawValue)", logger: self.logger
            ).decode(String?.self) {
                found = .some(node)
            }
            return found
        }
        guard let found else { throw TenancyError.unknownTenant(slug.rawValue) }
        return found
    }

    // MARK: Moving a platform in

    /// How many tenants the registry has.
    package func tenantCount() async throws -> Int {
        try await connection { [self] connection in
            var count = 0
            for try await value in try await connection.query(
                "SELECT count(*)::bigint FROM tenants", logger: self.logger
            ).decode(Int64.self) {
                count = Int(value)
            }
            return count
        }
    }

    /// Copies a single node's registry in, keeping every tenant's id, all assigned to `node` (which holds their
    /// folders), in batches of `batch` tenants per transaction; `progress` hears the running count. Refuses a registry
    /// that has tenants already. The id sequence continues after the highest id copied.
    package func importPlatform(
        tenants: [Tenant], domains: [TenantDomain], node: String, batch: Int = 500,
        progress: @Sendable (Int) async -> Void
    ) async throws {
        let domainsByTenant = Dictionary(grouping: domains, by: \.tenantID)
        var copied = 0
        for start in stride(from: 0, to: max(tenants.count, 1), by: batch) {
            let chunk = tenants.isEmpty ? [] : Array(tenants[start..<min(start + batch, tenants.count)])
            try await connection { [self] connection in
                try await inTransaction(connection) { connection in
                    try await lockRegistry(connection)
                    if start == 0 {
                        var existing: Int64 = 0
                        for try await count in try await connection.query(
                            "SELECT count(*)::bigint FROM tenants", logger: logger
                        ).decode(Int64.self) {
                            existing = count
                        }
                        guard existing == 0 else { throw ClusterError.registryNotEmpty(Int(existing)) }
                    }
                    for tenant in chunk {
                        try await connection.query(
                            """
                            INSERT INTO tenants (id, slug, name, status, status_reason, created_at, maintenance_since, node)
                            VALUES (\(tenant.id.rawValue), \(tenant.slug.rawValue), \(tenant.name), \(tenant.status.rawValue),
                                \(tenant.statusReason), \(tenant.createdAt), \(tenant.maintenanceSince), \(node))
                            """, logger: logger)
                        for domain in domainsByTenant[tenant.id] ?? [] {
                            try await connection.query(
                                """
                                INSERT INTO domains (hostname, tenant_id, kind, is_primary, status, verification_token,
                                    added_at, verified_at)
                                VALUES (\(domain.hostname), \(tenant.id.rawValue), \(domain.kind.rawValue), \(domain.isPrimary),
                                    \(domain.status.rawValue), \(domain.verificationToken), \(domain.addedAt),
                                    \(domain.verifiedAt))
                                """, logger: logger)
                        }
                    }
                    try await connection.query(
                        """
                        SELECT setval(pg_get_serial_sequence('tenants', 'id'), greatest((SELECT max(id) FROM tenants), 1))
                        """, logger: logger)
                }
            }
            copied += chunk.count
            await progress(copied)
        }
    }

    // MARK: RegistryWriter

    /// Registers the tenant assigned to this process's node.
    package func register(
        _ registration: TenantRegistration, beforeCommit: @escaping @Sendable () throws -> Void
    ) async throws -> Tenant {
        try await register(registration, node: node, beforeCommit: beforeCommit)
    }

    /// Registers the tenant assigned to `node`.
    package func register(
        _ registration: TenantRegistration, node: String?, beforeCommit: @escaping @Sendable () throws -> Void
    ) async throws -> Tenant {
        do {
            let id = try await connection { [self] connection in
                try await inTransaction(connection) { connection in
                    try await lockRegistry(connection)
                    var id: Int64?
                    for try await value in try await connection.query(
                        """
                        INSERT INTO tenants (slug, name, status, created_at, node)
                        VALUES (\(registration.slug.rawValue), \(registration.name), \(registration.status.rawValue),
                            \(registration.createdAt), \(node))
                        RETURNING id
                        """, logger: logger
                    ).decode(Int64.self) {
                        id = value
                    }
                    guard let id else { throw TenancyError.storage("the new tenant got no id") }
                    for domain in registration.domains {
                        try await connection.query(
                            """
                            INSERT INTO domains (hostname, tenant_id, kind, is_primary, status, verification_token,
                                added_at, verified_at)
                            VALUES (\(domain.hostname), \(id), \(domain.kind.rawValue), \(domain.isPrimary),
                                \(domain.status.rawValue), \(domain.verificationToken), \(domain.addedAt),
                                \(domain.verifiedAt))
                            """, logger: logger)
                    }
                    try beforeCommit()
                    return id
                }
            }
            return Tenant(
                id: Tenant.ID(id), slug: registration.slug, name: registration.name, status: registration.status,
                createdAt: registration.createdAt)
        } catch let error as PSQLError where error.serverInfo?[.sqlState] == "23505" {
            if error.serverInfo?[.constraintName] == "tenants_slug_key" {
                throw TenancyError.duplicateSlug(registration.slug.rawValue)
            }
            throw TenancyError.duplicateDomain(error.serverInfo?[.detail] ?? "")
        }
    }

    package func remove(slug: TenantSlug) async throws -> Tenant {
        try await connection { [self] connection in
            try await inTransaction(connection) { connection in
                try await lockRegistry(connection)
                let tenant = try await tenant(slug: slug, connection)
                try await connection.query("DELETE FROM tenants WHERE id = \(tenant.id.rawValue)", logger: logger)
                return tenant
            }
        }
    }

    package func setStatus(_ status: Tenant.Status, slug: TenantSlug, reason: String) async throws -> Tenant {
        let reason = status == .active ? "" : reason
        return try await updateTenant(slug: slug) { [self] connection, id in
            try await connection.query(
                """
                UPDATE tenants SET status = \(status.rawValue), status_reason = \(reason)
                WHERE id = \(id) AND (status != \(status.rawValue) OR status_reason != \(reason))
                """, logger: logger)
        }
    }

    package func setMaintenance(_ on: Bool, slug: TenantSlug, now: Date) async throws -> Tenant {
        try await updateTenant(slug: slug) { [self] connection, id in
            if on {
                try await connection.query(
                    "UPDATE tenants SET maintenance_since = \(now) WHERE id = \(id) AND maintenance_since IS NULL",
                    logger: logger)
            } else {
                try await connection.query(
                    "UPDATE tenants SET maintenance_since = NULL WHERE id = \(id) AND maintenance_since IS NOT NULL",
                    logger: logger)
            }
        }
    }

    // MARK: Helpers

    /// Runs `change` on the tenant's row under the registry lock and returns the row as it is afterwards.
    func updateTenant(
        slug: TenantSlug, _ change: @escaping @Sendable (PostgresConnection, Int64) async throws -> Void
    ) async throws -> Tenant {
        try await connection { [self] connection in
            try await inTransaction(connection) { connection in
                try await lockRegistry(connection)
                let before = try await tenant(slug: slug, connection)
                try await change(connection, before.id.rawValue)
                return try await tenant(slug: slug, connection)
            }
        }
    }

    func tenant(slug: TenantSlug, _ connection: PostgresConnection) async throws -> Tenant {
        for try await (id, name, status, reason, createdAt, maintenance) in try await connection.query(
            """
            SELECT id, name, status, status_reason, created_at, maintenance_since FROM tenants
            WHERE slug = \(slug.rawValue)
            """, logger: logger
        ).decode((Int64, String, String, String, Date, Date?).self) {
            return Tenant(
                id: Tenant.ID(id), slug: slug, name: name, status: Tenant.Status(rawValue: status) ?? .suspended,
                createdAt: createdAt, maintenanceSince: maintenance, statusReason: reason)
        }
        throw TenancyError.unknownTenant(slug.rawValue)
    }

    /// Runs `body` on a connection of the pool. While no connection comes, every `leaseTimeout` the registry's address
    /// is tried: PostgreSQL being away is reported (`ClusterError.registryUnreachable`) instead of waited out; `body`
    /// itself is not bounded.
    @discardableResult
    func connection<T: Sendable>(
        _ body: @escaping @Sendable (PostgresConnection) async throws -> T
    ) async throws -> T {
        let leased = LeaseFlag()
        return try await withThrowingTaskGroup(of: T?.self) { group in
            group.addTask {
                do {
                    return try await self.client.withConnection { connection in
                        leased.set()
                        return try await body(connection)
                    }
                } catch  where !leased.isSet && !(error is CancellationError) {
                    // The pool gave up before handing a connection over (its circuit breaker trips after repeated
                    // refusals, sooner or later than our timer): the same question decides what to report.
                    try await self.reportUnreachable()
                    throw error
                }
            }
            group.addTask {
                // Still waiting after the timeout: unreachable only if nothing accepts connections there; a busy
                // machine that is merely slow to hand the connection over is waited for.
                while true {
                    try await Task.sleep(for: self.leaseTimeout)
                    if leased.isSet { return nil }
                    try await self.reportUnreachable()
                }
            }
            while let next = try await group.next() {
                if let value = next {
                    group.cancelAll()
                    return value
                }
            }
            throw CancellationError()
        }
    }

    /// Throws `ClusterError.registryUnreachable` when nothing accepts connections at the registry's address.
    private func reportUnreachable() async throws {
        let (host, port) = (url.host, url.port)
        guard try await BlockingIO.run({ TCPProbe.accepts(host: host, port: port) }) else {
            throw ClusterError.registryUnreachable(url.description)
        }
    }

    /// Every write takes the registry row's lock first: revisions are handed out in commit order, and two writers
    /// never wait for each other's rows in opposite orders.
    func lockRegistry(_ connection: PostgresConnection) async throws {
        try await connection.query("SELECT revision FROM registry_state WHERE id = 1 FOR UPDATE", logger: logger)
    }

    func inTransaction<Result: Sendable>(
        _ connection: PostgresConnection, readOnly: Bool = false,
        _ body: (PostgresConnection) async throws -> Result
    ) async throws -> Result {
        try await connection.query(
            readOnly ? "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY" : "BEGIN", logger: logger)
        do {
            let result = try await body(connection)
            try await connection.query("COMMIT", logger: logger)
            return result
        } catch {
            _ = try? await connection.query("ROLLBACK", logger: logger)
            throw error
        }
    }
}

/// What goes wrong between a node and the shared registry, said for a person.
package enum ClusterError: Error, CustomStringConvertible, Equatable {
    case registryNewer(version: Int, known: Int)
    case notInCluster
    case wouldDropTenants([String])
    case registryNotEmpty(Int)
    case registryUnreachable(String)
    case otherMasterKey(cluster: String, node: String)
    case alreadyThere(String, node: String)
    case moveOpen(String)
    case moveNotStartable(Int64)
    case moveRefused(String)

    package var description: String {
        switch self {
        case .registryNewer(let version, let known):
            "the shared registry's schema is at step \(version), newer than this portal knows (\(known)); "
                + "upgrade this node first"
        case .wouldDropTenants(let slugs):
            "the shared registry does not have \(slugs.count) tenant(s) this node has (\(slugs.prefix(5).joined(separator: ", ")) …); "
                + "move this platform first with `portal registry migrate-to-postgres`"
        case .registryNotEmpty(let count):
            "the shared registry already has \(count) tenant(s); a platform is moved into an empty one"
        case .registryUnreachable(let url):
            "the shared registry at \(url) cannot be reached (no connection); is PostgreSQL running there?"
        case .otherMasterKey(let cluster, let node):
            "this node's master key (\(node)) is not the cluster's (\(cluster)): every node needs the same "
                + "--master-key-file, so archives and sealed secrets open on each"
        case .alreadyThere(let slug, let node):
            "tenant \(slug) is already on node \(node)"
        case .moveOpen(let slug):
            "tenant \(slug) is being moved already; wait for that move to finish"
        case .moveNotStartable(let id):
            "move \(id) can no longer go ahead (it was taken up, or the tenant changed node meanwhile)"
        case .moveRefused(let reason):
            "move refused: \(reason)"
        case .notInCluster:
            "this portal is not part of a cluster: start it with --registry and --node"
        }
    }
}

/// Set once a connection has been leased; read by the lease deadline.
private final class LeaseFlag: Sendable {
    private let value = Mutex(false)
    func set() { value.withLock { $0 = true } }
    var isSet: Bool { value.withLock { $0 } }
}
