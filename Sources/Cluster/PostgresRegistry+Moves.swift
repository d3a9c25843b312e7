import Crypto
import Foundation
import PostgresNIO
import Tenancy

/// A request to move one tenant between nodes, as the registry keeps it.
package struct TenantMove: Sendable, Equatable {
    package enum State: String, Sendable {
        case requested, running, done, failed
    }

    package var id: Int64
    package var tenantID: Tenant.ID
    package var slug: TenantSlug
    package var source: String
    package var target: String
    package var state: State
    package var requestedBy: String
    package var requestedAt: Date
    /// The step the source is at, for whoever watches (`portal tenant move`, the console).
    package var step: String
    package var bytes: Int64?
    /// How long the tenant answered 503 at the source: from the freeze to the flip.
    package var frozenMilliseconds: Int?
    package var finishedAt: Date?
    package var error: String?
}

extension PostgresRegistry {
    // MARK: The shared master key

    /// Records the master key the cluster's nodes share, or checks this node's against it: tenant archives (what a
    /// move streams) and sealed secrets only open with the same key.
    package func checkMasterKey(_ keyID: String) async throws {
        let stored: String = try await connection { [self] connection in
            try await inTransaction(connection) { connection in
                try await connection.query(
                    """
                    INSERT INTO cluster_settings (id, key_id) VALUES (1, \(keyID)) ON CONFLICT (id) DO NOTHING
                    """, logger: self.logger)
                var stored = keyID
                for try await value in try await connection.query(
                    "SELECT key_id FROM cluster_settings WHERE id = 1", logger: self.logger
                ).decode(String.self) {
                    stored = value
                }
                return stored
            }
        }
        guard stored == keyID else { throw ClusterError.otherMasterKey(cluster: stored, node: keyID) }
    }

    // MARK: Moves

    /// Asks the tenant's node to move it to `target`; returns the move. Refused when the target is unknown, already
    /// holds the tenant, or a move of the tenant is open.
    package func requestMove(slug: TenantSlug, to target: String, by who: String, now: Date = Date()) async throws
        -> TenantMove
    {
        try await connection { [self] connection in
            try await inTransaction(connection) { connection in
                let tenant = try await self.tenant(slug: slug, connection)
                var source: String?
                for try await node in try await connection.query(
                    "SELECT node FROM tenants WHERE id = \(tenant.id.rawValue) FOR UPDATE", logger: self.logger
                ).decode(String?.self) {
                    source = node
                }
                guard let source else { throw TenancyError.notHeld(slug.rawValue, node: nil) }
                var known = false
                for try await _ in try await connection.query(
                    "SELECT 1 FROM nodes WHERE name = \(target)", logger: self.logger
                ).decode(Int32.self) {
                    known = true
                }
                guard known else { throw TenancyError.unknownNode(target) }
                guard source != target else { throw ClusterError.alreadyThere(slug.rawValue, node: target) }
                do {
                    var id: Int64 = 0
                    for try await value in try await connection.query(
                        """
                        INSERT INTO moves (tenant_id, source, target, state, requested_by, requested_at)
                        VALUES (\(tenant.id.rawValue), \(source), \(target), 'requested', \(who), \(now))
                        RETURNING id
                        """, logger: self.logger
                    ).decode(Int64.self) {
                        id = value
                    }
                    return TenantMove(
                        id: id, tenantID: tenant.id, slug: slug, source: source, target: target, state: .requested,
                        requestedBy: who, requestedAt: now, step: "")
                } catch let error as PSQLError where error.serverInfo?[.sqlState] == "23505" {
                    throw ClusterError.moveOpen(slug.rawValue)
                }
            }
        }
    }

    /// The move with this id.
    package func move(_ id: Int64) async throws -> TenantMove? {
        try await moves(where: "m.id = \(id)").first
    }

    /// Moves waiting for `source` to start them, oldest first.
    package func requestedMoves(from source: String) async throws -> [TenantMove] {
        try await moves(where: "m.source = \(source) AND m.state = 'requested'")
    }

    /// The latest moves, newest first (the console's list).
    package func recentMoves(limit: Int = 20) async throws -> [TenantMove] {
        try await moves(where: "true", limit: limit)
    }

    private func moves(where condition: PostgresQuery, limit: Int = 1000) async throws -> [TenantMove] {
        var query: PostgresQuery = """
            SELECT m.id, m.tenant_id, t.slug, m.source, m.target, m.state, m.requested_by, m.requested_at, m.step,
                m.bytes, m.frozen_ms, m.finished_at, m.error
            FROM moves m JOIN tenants t ON t.id = m.tenant_id WHERE
            """
        // The head has no parameters, so the condition's $1, $2 … stay its own.
        query.sql += " " + condition.sql
        query.binds = condition.binds
        query.sql += " ORDER BY m.id DESC LIMIT \(max(1, limit))"
        let built = query
        return try await connection { [self] connection in
            var moves: [TenantMove] = []
            for try await row in try await connection.query(built, logger: self.logger) {
                let (id, tenant, slug, source, target, state, who, at, step, bytes, frozen, finished, error) =
                    try row.decode(
                        (
                            Int64, Int64, String, String, String, String, String, Date, String, Int64?, Int32?, Date?,
                            String?
                        )
                        .self)
                moves.append(
                    TenantMove(
                        id: id, tenantID: Tenant.ID(tenant), slug: try TenantSlug(validating: slug), source: source,
                        target: target, state: TenantMove.State(rawValue: state) ?? .failed, requestedBy: who,
                        requestedAt: at, step: step, bytes: bytes, frozenMilliseconds: frozen.map(Int.init),
                        finishedAt: finished, error: error))
            }
            return moves
        }
    }

    /// The source starts the move: it must still hold the tenant. Returns the token the target will be shown.
    package func startMove(_ id: Int64, source: String) async throws -> String {
        let token = (0..<32).map { _ in String(format: "%02x", UInt8.random(in: 0...255)) }.joined()
        let hash = Self.sha256(token)
        let started: Bool = try await connection { [self] connection in
            var started = false
            for try await _ in try await connection.query(
                """
                UPDATE moves m SET state = 'running', token_sha256 = \(hash), step = 'starting'
                FROM tenants t
                WHERE m.id = \(id) AND m.state = 'requested' AND m.source = \(source)
                    AND t.id = m.tenant_id AND t.node = \(source)
                RETURNING m.id
                """, logger: self.logger
            ).decode(Int64.self) {
                started = true
            }
            return started
        }
        guard started else { throw ClusterError.moveNotStartable(id) }
        return token
    }

    /// Records the step a running move is at.
    package func recordStep(_ id: Int64, _ step: String) async throws {
        try await connection { [self] connection in
            try await connection.query(
                "UPDATE moves SET step = \(step) WHERE id = \(id) AND state = 'running'", logger: self.logger)
        }
    }

    /// Checks what a target is shown, and uses the token up: a running move `id` of `slug` to `target` whose token is
    /// `token`. The same token never opens a second transfer.
    package func verifyMove(_ id: Int64, slug: TenantSlug, target: String, token: String) async throws {
        // A token is 64 hex digits: anything else is refused before PostgreSQL is asked.
        guard token.utf8.count == 64, token.utf8.allSatisfy({ $0.isHexDigit }) else {
            throw ClusterError.moveRefused("the move token is malformed")
        }
        let hash = Self.sha256(token)
        let accepted: Bool = try await connection { [self] connection in
            var accepted = false
            for try await _ in try await connection.query(
                """
                UPDATE moves m SET token_sha256 = NULL FROM tenants t
                WHERE m.id = \(id) AND m.state = 'running' AND m.target = \(target) AND m.token_sha256 = \(hash)
                    AND t.id = m.tenant_id AND t.slug = \(slug.rawValue)
                RETURNING m.id
                """, logger: self.logger
            ).decode(Int64.self) {
                accepted = true
            }
            return accepted
        }
        guard accepted else {
            throw ClusterError.moveRefused("no running move \(id) of \(slug) to \(target) with this token")
        }
    }

    /// Finishes a move in one transaction: the tenant is assigned to the target (only if the source still holds it:
    /// the fence), its job lease is released, and the move is done.
    package func completeMove(_ id: Int64, bytes: Int64, frozenMilliseconds: Int, now: Date = Date()) async throws {
        try await connection { [self] connection in
            try await inTransaction(connection) { connection in
                try await lockRegistry(connection)
                var flipped = false
                for try await _ in try await connection.query(
                    """
                    UPDATE tenants t SET node = m.target FROM moves m
                    WHERE m.id = \(id) AND m.state = 'running' AND t.id = m.tenant_id AND t.node = m.source
                    RETURNING t.id
                    """, logger: self.logger
                ).decode(Int64.self) {
                    flipped = true
                }
                guard flipped else { throw ClusterError.moveNotStartable(id) }
                try await connection.query(
                    """
                    DELETE FROM job_leases l USING moves m WHERE m.id = \(id) AND l.tenant_id = m.tenant_id
                    """, logger: self.logger)
                try await connection.query(
                    """
                    UPDATE moves SET state = 'done', step = 'done', bytes = \(bytes),
                        frozen_ms = \(Int32(clamping: frozenMilliseconds)), finished_at = \(now)
                    WHERE id = \(id)
                    """, logger: self.logger)
            }
        }
    }

    /// Fails every move `source` had started: it stopped (a restart) before finishing them.
    package func failRunningMoves(from source: String, reason: String, now: Date = Date()) async throws {
        try await connection { [self] connection in
            try await connection.query(
                """
                UPDATE moves SET state = 'failed', error = \(reason), finished_at = \(now)
                WHERE source = \(source) AND state = 'running'
                """, logger: self.logger)
        }
    }

    /// The node the tenant is assigned to now, in the registry itself.
    package func assignment(of tenant: Tenant.ID) async throws -> String? {
        try await connection { [self] connection in
            var node: String?
            for try await value in try await connection.query(
                "SELECT node FROM tenants WHERE id = \(tenant.rawValue)", logger: self.logger
            ).decode(String?.self) {
                node = value
            }
            return node
        }
    }

    /// Marks a move failed with what went wrong; the tenant stays where it was.
    package func failMove(_ id: Int64, error: String, now: Date = Date()) async throws {
        try await connection { [self] connection in
            try await connection.query(
                """
                UPDATE moves SET state = 'failed', error = \(error), finished_at = \(now)
                WHERE id = \(id) AND state IN ('requested', 'running')
                """, logger: self.logger)
        }
    }

    static func sha256(_ text: String) -> String {
        SHA256.hash(data: Data(text.utf8)).map { String(format: "%02x", $0) }.joined()
    }

}

extension PostgresRegistry {
    // MARK: Recovering a dead node

    /// The tenants assigned to `node`, by slug.
    package func tenants(on node: String) async throws -> [Tenant] {
        try await connection { [self] connection in
            var tenants: [Tenant] = []
            for try await (id, slug, name, status, reason, createdAt, maintenance) in try await connection.query(
                """
                SELECT id, slug, name, status, status_reason, created_at, maintenance_since FROM tenants
                WHERE node = \(node) ORDER BY slug
                """, logger: self.logger
            ).decode((Int64, String, String, String, String, Date, Date?).self) {
                tenants.append(
                    Tenant(
                        id: Tenant.ID(id), slug: try TenantSlug(validating: slug), name: name,
                        status: Tenant.Status(rawValue: status) ?? .suspended, createdAt: createdAt,
                        maintenanceSince: maintenance, statusReason: reason))
            }
            return tenants
        }
    }

    /// Gives a tenant of a dead node to `target`, only while it is still assigned to `dead` (the fence against a
    /// second recovery or a move racing this one). True when it was reassigned.
    package func reassign(_ tenantID: Tenant.ID, from dead: String, to target: String) async throws -> Bool {
        try await connection { [self] connection in
            try await inTransaction(connection) { connection in
                try await lockRegistry(connection)
                var moved = false
                for try await _ in try await connection.query(
                    """
                    UPDATE tenants SET node = \(target) WHERE id = \(tenantID.rawValue) AND node = \(dead) RETURNING id
                    """, logger: self.logger
                ).decode(Int64.self) {
                    moved = true
                }
                if moved {
                    // Its open moves can never finish now. Its job lease is left to expire: the dead node may only
                    // seem dead, and it stops its jobs before the lease runs out.
                    try await connection.query(
                        """
                        UPDATE moves SET state = 'failed', error = 'its node was recovered', finished_at = now()
                        WHERE tenant_id = \(tenantID.rawValue) AND state IN ('requested', 'running')
                        """, logger: self.logger)
                }
                return moved
            }
        }
    }
}

extension PostgresRegistry {
    // MARK: Custom domains

    /// `CustomDomains.plan`'s rules on the shared registry: the rows are read and written under the registry lock.
    package func changeDomain(_ change: CustomDomains.Change, of tenant: Tenant.ID, now: Date) async throws
        -> TenantDomain
    {
        try await connection { [self] connection in
            try await inTransaction(connection) { connection in
                try await lockRegistry(connection)
                let existing = try await domains(connection, where: "hostname = \(change.host)").first
                let owned = try await domains(connection, where: "tenant_id = \(tenant.rawValue)")
                let plan = try CustomDomains.plan(change, of: tenant, existing: existing, owned: owned, now: now)
                for host in plan.deletes {
                    try await connection.query("DELETE FROM domains WHERE hostname = \(host)", logger: self.logger)
                }
                // Rows losing the primary flag first: the one-primary index never sees two.
                for row in plan.writes.filter({ !$0.isPrimary }) + plan.writes.filter(\.isPrimary) {
                    try await connection.query(
                        """
                        INSERT INTO domains (hostname, tenant_id, kind, is_primary, status, verification_token,
                            added_at, verified_at)
                        VALUES (\(row.hostname), \(row.tenantID.rawValue), \(row.kind.rawValue), \(row.isPrimary),
                            \(row.status.rawValue), \(row.verificationToken), \(row.addedAt), \(row.verifiedAt))
                        ON CONFLICT (hostname) DO UPDATE SET tenant_id = excluded.tenant_id, kind = excluded.kind,
                            is_primary = excluded.is_primary, status = excluded.status,
                            verification_token = excluded.verification_token, added_at = excluded.added_at,
                            verified_at = excluded.verified_at
                        """, logger: self.logger)
                }
                return plan.result
            }
        }
    }

    private func domains(_ connection: PostgresConnection, where condition: PostgresQuery) async throws
        -> [TenantDomain]
    {
        var query: PostgresQuery = """
            SELECT hostname, tenant_id, kind, is_primary, status, verification_token, added_at, verified_at
            FROM domains WHERE
            """
        // The head has no parameters, so the condition's $1 … stay its own.
        query.sql += " " + condition.sql
        query.binds = condition.binds
        var domains: [TenantDomain] = []
        for try await (host, tenant, kind, primary, status, token, added, verified) in try await connection.query(
            query, logger: logger
        ).decode((String, Int64, String, Bool, String, String?, Date?, Date?).self) {
            domains.append(
                TenantDomain(
                    hostname: host, tenantID: Tenant.ID(tenant), kind: TenantDomain.Kind(rawValue: kind) ?? .custom,
                    isPrimary: primary, status: TenantDomain.Status(rawValue: status) ?? .pending,
                    verificationToken: token, addedAt: added, verifiedAt: verified))
        }
        return domains
    }
}

extension UInt8 {
    fileprivate var isHexDigit: Bool {
        (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(self) || (UInt8(ascii: "a")...UInt8(ascii: "f")).contains(self)
    }
}
