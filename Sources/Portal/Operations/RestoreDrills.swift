import Foundation
import Logging
import ServiceLifecycle
import Tenancy

/// The restore drill: restores the newest remote backup of the registry and of a rotating sample of tenants into a
/// temporary folder, runs `PRAGMA integrity_check` on each and compares every table's row count with the live
/// database's as of the snapshot. The result is stored (console health page, `/internal/metrics`), and a failed
/// drill raises a platform alert.
package struct RestoreDrills: Sendable {
    let backups: TenantBackups
    let sample: Int
    let logger: Logger

    package init(backups: TenantBackups, sample: Int, logger: Logger) {
        self.backups = backups
        self.sample = sample
        self.logger = logger
    }

    /// The databases the next drill restores: the registry, then `sample` tenants taken in turn by id, so that
    /// successive drills cover every tenant.
    static func selection(tenants: [Tenant], drillsSoFar: Int, sample: Int) -> [String] {
        let ordered = tenants.sorted { $0.id.rawValue < $1.id.rawValue }.map(\.slug.rawValue)
        guard !ordered.isEmpty else { return [TenantArchive.platformDatabase] }
        let count = min(sample, ordered.count)
        let start = (drillsSoFar * count) % ordered.count
        return [TenantArchive.platformDatabase] + (0..<count).map { ordered[(start + $0) % ordered.count] }
    }

    /// Runs one drill now and records it.
    @discardableResult
    package func run(now: @Sendable () -> Date = { Date() }) async -> RestoreDrill {
        let started = now()
        let platform = backups.platform
        var lines: [String] = []
        var checked: [String] = []
        var ok = true
        if let remote = backups.remote {
            let databases: [String]
            do {
                databases = try await BlockingIO.run { [sample] in
                    let chosen = Self.selection(
                        tenants: try platform.heldTenants(), drillsSoFar: try platform.drillCount(), sample: sample)
                    // A node of a cluster does not back up its copy of the shared registry: nothing to drill there.
                    return try platform.clusterNode() == nil
                        ? chosen : chosen.filter { $0 != TenantArchive.platformDatabase }
                }
            } catch {
                databases = []
                ok = false
                lines.append("registry: FAILED: cannot be read: \(error)")
            }
            let scratch = backups.dataDirectory.root.appendingPathComponent(".drill-\(UUID().uuidString)")
            defer { try? FileManager.default.removeItem(at: scratch) }
            for database in databases {
                checked.append(database)
                do {
                    let work = scratch.appendingPathComponent(database, isDirectory: true)
                    defer { try? FileManager.default.removeItem(at: work) }
                    let verified = try await RemoteBackupCheck.fetchNewest(
                        database, backups: backups, remote: remote, into: work)
                    let tables = verified.manifest.rowCounts?.count ?? 0
                    lines.append(
                        "\(database): \(verified.name) ok (integrity ok, \(tables) tables, \(verified.rows) rows as at the snapshot)"
                    )
                } catch {
                    ok = false
                    lines.append("\(database): FAILED: \(error)")
                }
            }
        } else {
            ok = false
            lines.append("no backup remote is configured (--backup-remote)")
        }
        let drill = RestoreDrill(startedAt: started, finishedAt: now(), ok: ok, checked: checked, detail: lines)
        do {
            try await BlockingIO.run { try platform.recordDrill(drill) }
        } catch {
            logger.error("the restore drill could not be recorded", metadata: ["error": "\(error)"])
        }
        if ok {
            logger.info("restore drill passed", metadata: ["databases": "\(checked.joined(separator: ","))"])
        } else {
            logger.error(
                "restore drill failed",
                metadata: [
                    "databases": "\(checked.joined(separator: ","))", "detail": "\(lines.joined(separator: " | "))",
                ])
        }
        return drill
    }
}

/// Runs the restore drill every `interval` while serving: the first one a quarter of an hour after start (when the
/// first backups of a new platform exist), then `interval` after the previous one, across restarts.
package struct RestoreDrillScheduler: Service {
    let drills: RestoreDrills
    let interval: Duration
    let now: @Sendable () -> Date
    let sleep: @Sendable (Duration) async throws -> Void

    package init(
        drills: RestoreDrills, interval: Duration, now: @escaping @Sendable () -> Date = { Date() },
        sleep: @escaping @Sendable (Duration) async throws -> Void = { try await Task.sleep(for: $0) }
    ) {
        self.drills = drills
        self.interval = interval
        self.now = now
        self.sleep = sleep
    }

    package func run() async throws {
        let started = now()
        await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                let platform = drills.backups.platform
                let last = try? await BlockingIO.run { try platform.drills(limit: 1).first?.finishedAt }
                let due = Self.nextDrill(last: last ?? nil, started: started, interval: interval)
                let wait = due.timeIntervalSince(now())
                if wait <= 0 {
                    await drills.run(now: now)
                    continue
                }
                // Re-checked at least each minute, so a drill run by hand (`portal backup drill`) moves the next.
                do { try await sleep(.seconds(min(wait, 60))) } catch { return }
            }
        }
    }

    static func nextDrill(last: Date?, started: Date, interval: Duration) -> Date {
        guard let last else { return started.addingTimeInterval(900) }
        return last.addingTimeInterval(Double(interval.components.seconds))
    }
}
