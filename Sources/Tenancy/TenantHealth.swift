import Foundation
import GRDB

/// What the platform console shows about a tenant, measured from its own database by the health collector.
package struct TenantHealth: Codable, Sendable, Equatable, FetchableRecord, PersistableRecord {
    package var tenantID: Tenant.ID
    package var customers: Int
    package var activeServices: Int
    /// Orders parked after their retries ran out, waiting for staff.
    package var failedJobs: Int
    /// The latest of a session seen, an order changed or an audited action.
    package var lastActivity: Date?
    package var databaseBytes: Int64
    package var checkedAt: Date

    package static let databaseTableName = "tenant_health"
    package enum CodingKeys: String, CodingKey {
        case customers
        case tenantID = "tenant_id"
        case activeServices = "active_services"
        case failedJobs = "failed_jobs"
        case lastActivity = "last_activity"
        case databaseBytes = "database_bytes"
        case checkedAt = "checked_at"
    }

    /// Measures a tenant through a read-only connection of its own, so the server's open pools and their
    /// least-recently-used order are left alone. Blocking: call on `BlockingIO`.
    /// Also returns the tenant's upstream claim, read through the same connection (the registry's backfill).
    package static func measure(_ tenant: Tenant, in dataDirectory: DataDirectory, now: Date = Date()) throws -> (
        TenantHealth, UpstreamClaim, JobFigures
    ) {
        let path = dataDirectory.tenantDatabasePath(tenant.slug)
        var configuration = Configuration()
        configuration.readonly = true
        let queue = try DatabaseQueue(path: path, configuration: configuration)
        defer { try? queue.close() }
        let (customers, services, failed, activity, claim, jobs) = try queue.read { db in
            let customers = try Int.fetchOne(db, sql: "SELECT count(*) FROM accounts WHERE kind = 'customer'") ?? 0
            let services = try Int.fetchOne(db, sql: "SELECT count(*) FROM service_mirror WHERE status = 'Active'") ?? 0
            let failed = try Int.fetchOne(db, sql: "SELECT count(*) FROM orders WHERE status = 'failed'") ?? 0
            let activity = try Date.fetchOne(
                db,
                sql: """
                    SELECT max(at) FROM (
                        SELECT max(last_seen_at) AS at FROM sessions
                        UNION ALL SELECT max(updated_at) FROM orders
                        UNION ALL SELECT max(at) FROM audit_log
                    )
                    """
            )
            return (customers, services, failed, activity, try UpstreamClaim.read(db), try JobFigures.read(db))
        }
        let bytes = FileSize.bytes(at: path) + FileSize.bytes(at: path + "-wal")
        let health = TenantHealth(
            tenantID: tenant.id, customers: customers, activeServices: services, failedJobs: failed,
            lastActivity: activity,
            databaseBytes: bytes, checkedAt: now
        )
        return (health, claim, jobs)
    }
}

/// The figures of a tenant's order pipeline and outbox that metrics sum over every tenant; measured by the health
/// pass and again by the pipeline after each turn of the tenant, so they are never older than its last job.
package struct JobFigures: Sendable, Equatable {
    package var queued = 0
    package var retrying = 0
    package var parked = 0
    package var oldestQueuedAt: Date?
    package var outboxDepth = 0

    package init() {}

    package static func read(_ db: Database) throws -> JobFigures {
        var figures = JobFigures()
        let row = try Row.fetchOne(
            db,
            sql: """
                SELECT count(*) FILTER (WHERE attempts = 0), count(*) FILTER (WHERE attempts > 0), min(created_at)
                FROM order_jobs WHERE state = 'queued'
                """)
        figures.queued = row?[0] ?? 0
        figures.retrying = row?[1] ?? 0
        figures.oldestQueuedAt = row?[2]
        figures.parked = try Int.fetchOne(db, sql: "SELECT count(*) FROM orders WHERE status = 'failed'") ?? 0
        figures.outboxDepth =
            try Int.fetchOne(db, sql: "SELECT count(*) FROM mail_outbox WHERE status IN ('queued', 'sending')") ?? 0
        return figures
    }
}

/// What the console shows about a brand that only the node holding it can measure: its health, its backups' state
/// and how many backups that node keeps. In a cluster each node publishes its brands' reports to the shared registry.
package struct TenantReport: Codable, Sendable, Equatable {
    package var health: TenantHealth?
    package var backup: BackupStatus?
    /// Backups kept on the holding node's disk.
    package var backups: Int

    package init(health: TenantHealth?, backup: BackupStatus?, backups: Int) {
        self.health = health
        self.backup = backup
        self.backups = backups
    }
}
