import Foundation
import GRDB
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
        await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                do {
                    try await runDue()
                    try await Task.sleep(for: .seconds(60))
                } catch is CancellationError {
                    return
                } catch {
                    logger.error("backup round failed", metadata: ["error": "\(error)"])
                    try? await Task.sleep(for: .seconds(60))
                }
            }
        }
    }

    /// Backs up each tenant whose newest backup is older than the interval (or that has none), spread over the
    /// interval: with 10,000 tenants due at once (a first start), one every few seconds, not all in a burst that
    /// would take the server's cores from its visitors.
    package func runDue(now: Date = Date()) async throws {
        let backups = self.backups
        let newest = Dictionary(try backups.list().map { ($0.slug, $0.takenAt) }, uniquingKeysWith: max)
        let seconds = Double(interval.components.seconds)
        let due = try backups.platform.allTenants().filter { tenant in
            newest[tenant.slug].map { now.timeIntervalSince($0) >= seconds } ?? true
        }
        let pause = Self.pause(interval: interval, due: due.count)
        for (index, tenant) in due.enumerated() {
            try Task.checkCancellation()
            if index > 0 { try await Task.sleep(for: pause) }
            let start = ContinuousClock.now
            do {
                let backup = try await BlockingIO.run { try backups.backUp(tenant.slug, now: Date()) }
                logger.info(
                    "tenant backed up",
                    metadata: ["tenant": "\(tenant.slug)", "bytes": "\(backup.size)", "ms": "\(Int((ContinuousClock.now - start) / .milliseconds(1)))"]
                )
            } catch {
                logger.error("tenant backup failed", metadata: ["tenant": "\(tenant.slug)", "error": "\(error)"])
            }
        }
    }

    /// The wait between two backups: half the interval shared out among the tenants due, within 50 ms and 60 s.
    static func pause(interval: Duration, due: Int) -> Duration {
        let share = interval / max(1, due * 2)
        return min(max(share, .milliseconds(50)), .seconds(60))
    }
}
