import Foundation
import Integrations
import Logging
import ServiceLifecycle
import Tenancy

/// Backs up every tenant once a day (or every `interval`) while the server runs, each in turn on the blocking pool.
package struct BackupScheduler: Service {
    let backups: TenantBackups
    let interval: Duration
    let logger: Logger

    package init(backups: TenantBackups, interval: Duration, logger: Logger) {
        self.backups = backups
        self.interval = interval
        self.logger = logger
    }

    package func run() async throws {
        await sweep(now: { Date() }).run()
    }

    /// Each minute, the tenants whose newest backup is older than the interval (or that have none), spread over
    /// the interval: with 10,000 tenants due at once (a first start), one every few seconds, not all in a burst
    /// that would take the server's cores from its visitors.
    private func sweep(now: @escaping @Sendable () -> Date) -> TenantSweep<Tenant> {
        let (backups, interval, logger) = (self.backups, self.interval, self.logger)
        return TenantSweep(
            name: "backups", interval: .seconds(60), start: .immediately, logger: logger,
            pause: { Self.pause(interval: interval, due: $0) },
            items: {
                // Reading the backup folders and the registry is file work: off the cooperative pool.
                try await BlockingIO.run {
                    let newest = Dictionary(try backups.list().map { ($0.slug, $0.takenAt) }, uniquingKeysWith: max)
                    let seconds = Double(interval.components.seconds)
                    return try backups.platform.allTenants().filter { tenant in
                        newest[tenant.slug].map { now().timeIntervalSince($0) >= seconds } ?? true
                    }
                }
            },
            label: { $0.slug.rawValue },
            visit: { tenant in
                let start = ContinuousClock.now
                do {
                    let backup = try await BlockingIO.run { try backups.backUp(tenant.slug, now: Date()) }
                    logger.info(
                        "tenant backed up",
                        metadata: [
                            "tenant": "\(tenant.slug)", "bytes": "\(backup.size)",
                            "ms": "\(Int((ContinuousClock.now - start) / .milliseconds(1)))",
                        ]
                    )
                    return 1
                } catch {
                    // An error, not a skipped item: a brand without a fresh backup is a loss waiting to happen.
                    logger.error("tenant backup failed", metadata: ["tenant": "\(tenant.slug)", "error": "\(error)"])
                    return 0
                }
            }
        )
    }

    /// Backs up every tenant that is due at `now`, in turn.
    package func runDue(now: Date = Date()) async throws {
        await sweep(now: { now }).pass()
    }

    /// The wait between two backups: half the interval shared out among the tenants due, within 50 ms and 60 s.
    static func pause(interval: Duration, due: Int) -> Duration {
        let share = interval / max(1, due * 2)
        return min(max(share, .milliseconds(50)), .seconds(60))
    }
}
