import Foundation
import Logging
import PostgresNIO
import Synchronization
import Tenancy

/// The fenced leases that keep a tenant's background jobs (pipeline, mail, reminders, renewals, backups) on one node:
/// a node runs them for a tenant only while it holds the tenant's lease in PostgreSQL. A lease is taken only by the
/// node the tenant is assigned to, and only when no other node holds an unexpired one; each new holder gets a new
/// fence number. A move or a recovery deletes the lease in the same transaction that reassigns the tenant.
///
/// Locally a lease counts as held until `duration - margin` after the renewal was *sent* (by this process's
/// monotonic clock), so a node cut off from PostgreSQL stops its jobs before the lease expires there.
package final class JobLeases: Sendable {
    package struct Held: Sendable, Equatable {
        package var fence: Int64
        package var until: ContinuousClock.Instant
    }

    let registry: PostgresRegistry
    let node: String
    let duration: Duration
    let margin: Duration
    let now: @Sendable () -> ContinuousClock.Instant
    private let held = Mutex<[Tenant.ID: Held]>([:])

    package init(
        registry: PostgresRegistry, node: String, duration: Duration = .seconds(15), margin: Duration = .seconds(5),
        now: @escaping @Sendable () -> ContinuousClock.Instant = { ContinuousClock.now }
    ) {
        precondition(margin < duration, "the margin must be shorter than the lease")
        self.registry = registry
        self.node = node
        self.duration = duration
        self.margin = margin
        self.now = now
    }

    /// Whether this node may run the tenant's jobs now.
    package func mayRun(_ tenant: Tenant.ID) -> Bool {
        let now = self.now()
        return held.withLock { $0[tenant].map { now < $0.until } ?? false }
    }

    /// The fence of this node's lease on the tenant, while held.
    package func fence(of tenant: Tenant.ID) -> Int64? {
        let now = self.now()
        return held.withLock { held in held[tenant].flatMap { now < $0.until ? $0.fence : nil } }
    }

    /// Takes or renews the leases of every tenant assigned to this node; returns the tenants newly held.
    @discardableResult
    package func renew() async throws -> [Tenant.ID] {
        let sent = now()
        let rows = try await registry.renewLeases(node: node, for: duration)
        let until = sent + duration - margin
        return held.withLock { held in
            let before = held
            held = Dictionary(uniqueKeysWithValues: rows.map { ($0.tenant, Held(fence: $0.fence, until: until)) })
            return rows.map(\.tenant).filter { before[$0]?.fence != held[$0]?.fence }
        }
    }

    /// Drops every lease locally (a node that stops, or loses the registry for too long, runs nothing).
    package func dropAll() {
        held.withLock { $0.removeAll() }
    }
}

extension PostgresRegistry {
    /// One statement: renews this node's unexpired leases, takes the expired or missing ones of its tenants (with a
    /// new fence), and returns what it holds.
    package func renewLeases(node: String, for duration: Duration) async throws -> [(tenant: Tenant.ID, fence: Int64)] {
        let seconds = Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
        return try await connection { [self] connection in
            var held: [(tenant: Tenant.ID, fence: Int64)] = []
            for try await (tenant, fence) in try await connection.query(
                """
                INSERT INTO job_leases (tenant_id, node, fence, expires_at)
                SELECT id, \(node), nextval('job_lease_fences'), now() + make_interval(secs => \(seconds))
                FROM tenants WHERE node = \(node)
                ON CONFLICT (tenant_id) DO UPDATE SET
                    fence = CASE WHEN job_leases.node = excluded.node AND job_leases.expires_at >= now()
                        THEN job_leases.fence ELSE excluded.fence END,
                    node = excluded.node,
                    expires_at = excluded.expires_at
                WHERE job_leases.node = excluded.node OR job_leases.expires_at < now()
                RETURNING tenant_id, fence
                """, logger: self.logger
            ).decode((Int64, Int64).self) {
                held.append((Tenant.ID(tenant), fence))
            }
            return held
        }
    }

    /// Who holds the tenant's job lease now, with its fence (nil when nobody does, or it expired).
    package func leaseHolder(of tenant: Tenant.ID) async throws -> (node: String, fence: Int64)? {
        try await connection { [self] connection in
            var holder: (node: String, fence: Int64)?
            for try await (node, fence) in try await connection.query(
                """
                SELECT node, fence FROM job_leases WHERE tenant_id = \(tenant.rawValue) AND expires_at >= now()
                """, logger: self.logger
            ).decode((String, Int64).self) {
                holder = (node, fence)
            }
            return holder
        }
    }
}
