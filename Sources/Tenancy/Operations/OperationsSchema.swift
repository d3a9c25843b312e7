import Foundation
import GRDB

/// The platform tables operations need: each tenant's job and outbox figures (beside its health), the state of each
/// database's off-machine backups, the restore drills, and the platform's alerts.
enum OperationsSchema {
    static func create(_ db: Database) throws {
        try db.execute(
            sql: """
                -- Each tenant's pipeline and outbox, as of the health pass or the pipeline's last turn.
                CREATE TABLE tenant_figures (
                    tenant_id INTEGER PRIMARY KEY REFERENCES tenants(id) ON DELETE CASCADE,
                    jobs_queued INTEGER NOT NULL,
                    jobs_retrying INTEGER NOT NULL,
                    parked INTEGER NOT NULL,
                    oldest_job_at DATETIME,
                    outbox_depth INTEGER NOT NULL,
                    updated_at DATETIME NOT NULL
                );
                -- One row per backed-up database: a tenant's slug, or '_platform' for platform.sqlite.
                CREATE TABLE backup_status (
                    database TEXT PRIMARY KEY,
                    last_good_at DATETIME,
                    last_pushed_at DATETIME,
                    failed_at DATETIME,
                    last_error TEXT NOT NULL DEFAULT ''
                );
                CREATE TABLE restore_drills (
                    id INTEGER PRIMARY KEY AUTOINCREMENT,
                    started_at DATETIME NOT NULL,
                    finished_at DATETIME NOT NULL,
                    ok INTEGER NOT NULL,
                    checked TEXT NOT NULL,
                    detail TEXT NOT NULL
                );
                CREATE TABLE platform_alerts (
                    id INTEGER PRIMARY KEY AUTOINCREMENT,
                    incident TEXT NOT NULL,
                    kind TEXT NOT NULL,
                    title TEXT NOT NULL,
                    detail TEXT NOT NULL,
                    raised_at DATETIME NOT NULL,
                    cleared_at DATETIME
                );
                CREATE UNIQUE INDEX platform_alerts_open ON platform_alerts(incident) WHERE cleared_at IS NULL;
                -- The brands' open alerts (each kept in the brand's own database), so that the watcher can clear
                -- them when resolved without opening every tenant.
                CREATE TABLE brand_alerts_open (
                    tenant_id INTEGER NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
                    incident TEXT NOT NULL,
                    kind TEXT NOT NULL,
                    raised_at DATETIME NOT NULL,
                    PRIMARY KEY (tenant_id, incident)
                );
                """
        )
    }
}

/// What `/internal/metrics` reads from the platform database, in one transaction.
package struct OperationsFigures: Sendable, Equatable {
    package var jobsQueued = 0
    package var jobsRetrying = 0
    package var parkedOrders = 0
    package var oldestJobAt: Date?
    package var tenantOutbox = 0
    package var platformOutbox = 0
    /// The newest good backup of any database, and the oldest of each database's newest good backup.
    package var newestBackupAt: Date?
    package var stalestBackupAt: Date?
    /// Databases whose latest backup attempt failed.
    package var failingBackups = 0
    package var lastDrill: RestoreDrill?
    package var openPlatformAlerts = 0
    package var openBrandAlerts = 0
}

extension PlatformDatabase {
    package func operationsFigures() throws -> OperationsFigures {
        try pool.read { db in
            var figures = OperationsFigures()
            if let row = try Row.fetchOne(
                db,
                sql: """
                    SELECT coalesce(sum(jobs_queued), 0), coalesce(sum(jobs_retrying), 0),
                           coalesce(sum(parked), 0), min(oldest_job_at), coalesce(sum(outbox_depth), 0)
                    FROM tenant_figures
                    """)
            {
                figures.jobsQueued = row[0]
                figures.jobsRetrying = row[1]
                figures.parkedOrders = row[2]
                figures.oldestJobAt = row[3]
                figures.tenantOutbox = row[4]
            }
            figures.platformOutbox =
                try Int.fetchOne(db, sql: "SELECT count(*) FROM mail_outbox WHERE status IN ('queued', 'sending')")
                ?? 0
            if let row = try Row.fetchOne(
                db,
                sql: """
                    SELECT max(last_good_at), min(last_good_at),
                           count(*) FILTER (WHERE failed_at IS NOT NULL AND (last_good_at IS NULL OR failed_at > last_good_at))
                    FROM backup_status
                    """)
            {
                figures.newestBackupAt = row[0]
                figures.stalestBackupAt = row[1]
                figures.failingBackups = row[2]
            }
            figures.lastDrill = try RestoreDrill.fetchOne(
                db, sql: "SELECT * FROM restore_drills ORDER BY id DESC LIMIT 1")
            figures.openPlatformAlerts =
                try Int.fetchOne(db, sql: "SELECT count(*) FROM platform_alerts WHERE cleared_at IS NULL") ?? 0
            figures.openBrandAlerts = try Int.fetchOne(db, sql: "SELECT count(*) FROM brand_alerts_open") ?? 0
            return figures
        }
    }

    /// A tenant's pipeline and outbox figures, measured by the health pass or by the pipeline after a turn.
    package func recordJobFigures(_ figures: JobFigures, of tenant: Tenant.ID, now: Date = Date()) throws {
        try pool.write { db in
            try db.execute(
                sql: """
                    INSERT INTO tenant_figures
                        (tenant_id, jobs_queued, jobs_retrying, parked, oldest_job_at, outbox_depth, updated_at)
                    VALUES (?, ?, ?, ?, ?, ?, ?)
                    ON CONFLICT(tenant_id) DO UPDATE SET jobs_queued = excluded.jobs_queued,
                        jobs_retrying = excluded.jobs_retrying, parked = excluded.parked,
                        oldest_job_at = excluded.oldest_job_at, outbox_depth = excluded.outbox_depth,
                        updated_at = excluded.updated_at
                    """,
                arguments: [
                    tenant.rawValue, figures.queued, figures.retrying, figures.parked, figures.oldestQueuedAt,
                    figures.outboxDepth, now,
                ])
        }
    }
}

/// One run of the restore drill: which databases it restored and what it found.
package struct RestoreDrill: Codable, Sendable, Equatable, FetchableRecord, PersistableRecord {
    package var id: Int64?
    package var startedAt: Date
    package var finishedAt: Date
    package var ok: Bool
    /// The databases restored, comma-separated (`_platform`, then tenant slugs).
    package var checked: String
    /// One line per database: its verdict and counts, or what went wrong.
    package var detail: String

    package static let databaseTableName = "restore_drills"
    package enum CodingKeys: String, CodingKey {
        case id, ok, checked, detail
        case startedAt = "started_at"
        case finishedAt = "finished_at"
    }

    package init(startedAt: Date, finishedAt: Date, ok: Bool, checked: [String], detail: [String]) {
        self.startedAt = startedAt
        self.finishedAt = finishedAt
        self.ok = ok
        self.checked = checked.joined(separator: ",")
        self.detail = detail.joined(separator: "\n")
    }

    package mutating func didInsert(_ inserted: InsertionSuccess) { id = inserted.rowID }
}

/// The state of one database's backups: a tenant's slug, or `_platform`.
package struct BackupStatus: Codable, Sendable, Equatable, FetchableRecord, PersistableRecord {
    package var database: String
    /// When the newest good backup was taken (and, with a remote, stored off the machine).
    package var lastGoodAt: Date?
    package var lastPushedAt: Date?
    package var failedAt: Date?
    package var lastError: String

    package static let databaseTableName = "backup_status"
    package enum CodingKeys: String, CodingKey {
        case database
        case lastGoodAt = "last_good_at"
        case lastPushedAt = "last_pushed_at"
        case failedAt = "failed_at"
        case lastError = "last_error"
    }

    /// Whether the latest attempt failed.
    package var isFailing: Bool { failedAt.map { failed in lastGoodAt.map { failed > $0 } ?? true } ?? false }
}

extension PlatformDatabase {
    package func backupStatuses() throws -> [String: BackupStatus] {
        try pool.read { db in
            Dictionary(uniqueKeysWithValues: try BackupStatus.fetchAll(db).map { ($0.database, $0) })
        }
    }

    /// A backup taken at `takenAt` is good (and was pushed off the machine when `pushed`).
    package func recordBackup(of database: String, takenAt: Date, pushed: Bool) throws {
        try pool.write { db in
            var status =
                try BackupStatus.fetchOne(db, key: database)
                ?? BackupStatus(database: database, lastError: "")
            status.lastGoodAt = max(status.lastGoodAt ?? takenAt, takenAt)
            if pushed { status.lastPushedAt = takenAt }
            status.lastError = ""
            try status.save(db)
        }
    }

    package func recordBackupFailure(of database: String, at date: Date, error: String) throws {
        try pool.write { db in
            var status =
                try BackupStatus.fetchOne(db, key: database)
                ?? BackupStatus(database: database, lastError: "")
            status.failedAt = date
            status.lastError = String(error.prefix(500))
            try status.save(db)
        }
    }

    /// Forgets an offboarded tenant's backup state.
    package func forgetBackups(of database: String) throws {
        try pool.write { db in _ = try BackupStatus.deleteOne(db, key: database) }
    }

    package func recordDrill(_ drill: RestoreDrill) throws {
        try pool.write { db in
            var drill = drill
            try drill.insert(db)
            // A year of daily drills is plenty of history.
            try db.execute(
                sql:
                    "DELETE FROM restore_drills WHERE id NOT IN (SELECT id FROM restore_drills ORDER BY id DESC LIMIT 400)"
            )
        }
    }

    package func drills(limit: Int = 10) throws -> [RestoreDrill] {
        try pool.read { db in
            try RestoreDrill.fetchAll(
                db, sql: "SELECT * FROM restore_drills ORDER BY id DESC LIMIT ?", arguments: [limit])
        }
    }

    /// How many drills ran, for rotating the sample.
    package func drillCount() throws -> Int {
        try pool.read { db in try Int.fetchOne(db, sql: "SELECT count(*) FROM restore_drills") ?? 0 }
    }
}
