import Foundation
import GRDB

extension PlatformDatabase {
    /// Records that a tenant has order jobs queued; written before the jobs themselves, so after a crash the hint
    /// may be spare but is never missing.
    package func markJobsPending(_ tenant: Tenant.ID, now: Date = Date()) async throws {
        try await pool.write { db in
            try db.execute(
                sql:
                    "INSERT INTO jobs_pending (tenant_id, since) VALUES (?, ?) ON CONFLICT(tenant_id) DO UPDATE SET since = excluded.since",
                arguments: [tenant.rawValue, now]
            )
        }
    }

    package func tenantsWithPendingJobs() async throws -> [Tenant.ID] {
        try await pool.read { db in
            try Int64.fetchAll(db, sql: "SELECT tenant_id FROM jobs_pending ORDER BY since").map(Tenant.ID.init)
        }
    }

    /// Clears the hint unless jobs were announced after `checkedAt` (when the tenant was found idle).
    package func clearJobsPending(_ tenant: Tenant.ID, checkedAt: Date) async throws {
        try await pool.write { db in
            try db.execute(
                sql: "DELETE FROM jobs_pending WHERE tenant_id = ? AND since <= ?",
                arguments: [tenant.rawValue, checkedAt])
        }
    }
}
