import Foundation
import Integrations
import Logging
import ServiceLifecycle
import Tenancy

/// Backs up the platform database and every tenant once a day (or every `interval`) while the server runs, each in
/// turn on the blocking pool, and pushes each backup off the machine when a remote is configured.
package struct BackupScheduler: Service {
    let backups: TenantBackups
    let interval: Duration
    let logger: Logger
    let now: @Sendable () -> Date
    /// Whether this node holds a tenant (in a cluster, only its own tenants are backed up here).
    let holds: @Sendable (Tenant.ID) -> Bool

    package init(
        backups: TenantBackups, interval: Duration, logger: Logger, now: @escaping @Sendable () -> Date = { Date() },
        holds: @escaping @Sendable (Tenant.ID) -> Bool = { _ in true }
    ) {
        self.holds = holds
        self.backups = backups
        self.interval = interval
        self.logger = logger
        self.now = now
    }

    package func run() async throws {
        await sweep().run()
    }

    /// Each minute, the databases whose newest good backup is older than the interval (or that have none), the
    /// platform's first, spread over the interval: with 10,000 tenants due at once (a first start), one every few
    /// seconds, not all in a burst that would take the server's cores from its visitors. A database whose last
    /// attempt failed (the remote was down) is tried again after an hour, or the interval if shorter.
    private func sweep() -> TenantSweep<String> {
        let (backups, interval, logger, now, holds) = (self.backups, self.interval, self.logger, self.now, self.holds)
        return TenantSweep(
            name: "backups", interval: .seconds(60), start: .immediately, logger: logger,
            pause: { Self.pause(interval: interval, due: $0) },
            items: {
                try await BlockingIO.run {
                    let statuses = try backups.platform.backupStatuses()
                    // A node of a cluster backs up its own tenants; its platform.sqlite is a copy of the shared
                    // registry (PostgreSQL's own backups keep that).
                    let databases =
                        (try backups.platform.clusterNode() == nil ? [TenantArchive.platformDatabase] : [])
                        + (try backups.platform.heldTenants().filter { holds($0.id) }.map(\.slug.rawValue))
                    return databases.filter { Self.isDue(statuses[$0], interval: interval, now: now()) }
                }
            },
            label: { $0 },
            visit: { database in
                let start = ContinuousClock.now
                do {
                    let backup = try await backups.backUpAndPush(database, now: now())
                    logger.info(
                        "database backed up",
                        metadata: [
                            "database": "\(database)", "bytes": "\(backup.size)",
                            "remote": "\(backups.remote != nil)",
                            "ms": "\(Int((ContinuousClock.now - start) / .milliseconds(1)))",
                        ]
                    )
                    return 1
                } catch {
                    // An error, not a skipped item: a brand without a fresh backup is a loss waiting to happen.
                    logger.error("backup failed", metadata: ["database": "\(database)", "error": "\(error)"])
                    return 0
                }
            }
        )
    }

    /// Backs up every database that is due now, in turn.
    package func runDue() async throws {
        await sweep().pass()
    }

    static func isDue(_ status: BackupStatus?, interval: Duration, now: Date) -> Bool {
        let seconds = Double(interval.components.seconds)
        guard let status else { return true }
        if let good = status.lastGoodAt, now.timeIntervalSince(good) < seconds { return false }
        if status.isFailing, let failed = status.failedAt, now.timeIntervalSince(failed) < min(seconds, 3600) {
            return false
        }
        return true
    }

    /// The wait between two backups: half the interval shared out among the databases due, within 50 ms and 60 s.
    static func pause(interval: Duration, due: Int) -> Duration {
        let share = interval / max(1, due * 2)
        return min(max(share, .milliseconds(50)), .seconds(60))
    }
}
