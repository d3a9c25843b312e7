import Foundation
import Integrations
import Logging
import ServiceLifecycle
import Synchronization
import Tenancy

/// Brand databases the health pass could not open, with why; cleared when one opens again.
package final class UnopenableDatabases: Sendable {
    private let failures = Mutex<[TenantSlug: String]>([:])

    package init() {}

    package func failed(_ slug: TenantSlug, _ reason: String) { failures.withLock { $0[slug] = reason } }
    package func opened(_ slug: TenantSlug) { _ = failures.withLock { $0.removeValue(forKey: slug) } }
    package var current: [TenantSlug: String] { failures.withLock { $0 } }
}

/// Once a minute, turns conditions into alerts and clears the alerts whose condition has passed:
/// - the platform's: a failing backup, a failed restore drill, a low data disk, readiness failing, a brand's database
///   that cannot be opened;
/// - a brand's: an upstream failing every call for more than 15 minutes; and the brand alerts raised elsewhere (a
///   parked order, a renewal, a relay) are cleared here once resolved (the order retried, completed or cancelled).
package struct AlertWatch: Service {
    static let upstreamGrace: TimeInterval = 15 * 60

    let desk: AlertDesk
    let platform: PlatformDatabase
    let registry: TenantRegistry
    let databases: TenantDatabases
    let breakers: CircuitBreakers
    let readiness: Readiness
    let dataDirectory: DataDirectory
    let unopenable: UnopenableDatabases
    let interval: Duration
    let now: @Sendable () -> Date
    let freeBytes: @Sendable () -> Int64?

    package init(
        desk: AlertDesk, platform: PlatformDatabase, registry: TenantRegistry, databases: TenantDatabases,
        breakers: CircuitBreakers, readiness: Readiness, dataDirectory: DataDirectory, unopenable: UnopenableDatabases,
        interval: Duration = .seconds(60), now: @escaping @Sendable () -> Date = { Date() },
        freeBytes: (@Sendable () -> Int64?)? = nil
    ) {
        self.desk = desk
        self.platform = platform
        self.registry = registry
        self.databases = databases
        self.breakers = breakers
        self.readiness = readiness
        self.dataDirectory = dataDirectory
        self.unopenable = unopenable
        self.interval = interval
        self.now = now
        let path = dataDirectory.root.path
        self.freeBytes = freeBytes ?? { Readiness.freeBytes(at: path) }
    }

    package func run() async throws {
        await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                await check()
                try? await Task.sleep(for: interval)
            }
        }
    }

    /// One look at every condition.
    package func check() async {
        await checkPlatform()
        await checkBrands()
    }

    private func checkPlatform() async {
        let platform = self.platform
        let (statuses, drill, readable) =
            (try? await BlockingIO.run {
                (
                    (try? platform.backupStatuses()) ?? [:], (try? platform.drills(limit: 1))?.first,
                    (try? platform.revision()) != nil
                )
            }) ?? ([:], nil, false)

        var failing = Set<String>()
        for status in statuses.values where status.isFailing {
            let incident = "backup:\(status.database)"
            failing.insert(incident)
            let what = status.database == TenantArchive.platformDatabase ? "platform.sqlite" : status.database
            await desk.raisePlatform(
                incident: incident, kind: "backup", title: "The backup of \(what) failed",
                detail: "\(status.lastError). The backup is tried again within the hour; `portal backup run` tries now."
            )
        }
        await desk.resolvePlatform(kind: "backup", stillFailing: failing)

        var drillFailing = Set<String>()
        if let drill, !drill.ok, let id = drill.id {
            // One incident per run of failures: the first failed drill after a good one names it.
            let incident = "drill"
            drillFailing.insert(incident)
            await desk.raisePlatform(
                incident: incident, kind: "drill", title: "The restore drill failed (drill \(id))",
                detail: drill.detail.split(separator: "\n").filter { $0.contains("FAILED") }.joined(separator: "; "))
        }
        await desk.resolvePlatform(kind: "drill", stillFailing: drillFailing)

        let free = freeBytes()
        var disk = Set<String>()
        if let free, free < readiness.thresholds.minimumFreeBytes {
            disk.insert("disk")
            await desk.raisePlatform(
                incident: "disk", kind: "disk", title: "The data disk is almost full",
                detail:
                    "\(free >> 20) MiB free, less than \(readiness.thresholds.minimumFreeBytes >> 20) MiB; /internal/ready answers 503 until there is room."
            )
        }
        await desk.resolvePlatform(kind: "disk", stillFailing: disk)

        // Readiness apart from the disk (its own alert) and a shutdown's draining (intended).
        let problems = readiness.problems(registryReadable: readable, freeBytes: nil).filter {
            !$0.hasPrefix("draining")
        }
        await desk.resolvePlatform(kind: "readiness", stillFailing: problems.isEmpty ? [] : ["readiness"])
        if !problems.isEmpty {
            await desk.raisePlatform(
                incident: "readiness", kind: "readiness", title: "The server is not ready",
                detail: problems.joined(separator: "; "))
        }

        var unopened = Set<String>()
        for (slug, reason) in unopenable.current {
            let incident = "database:\(slug)"
            unopened.insert(incident)
            await desk.raisePlatform(
                incident: incident, kind: "database", title: "The database of \(slug) cannot be opened",
                detail: "\(reason). Restore it from a backup: portal backup restore --slug \(slug)")
        }
        await desk.resolvePlatform(kind: "database", stillFailing: unopened)
    }

    private func checkBrands() async {
        let snapshot = registry.snapshot
        let failing = breakers.failing(since: now().addingTimeInterval(-Self.upstreamGrace))
        var failingIncidents = Set<String>()
        for (key, since) in failing {
            guard let tenant = snapshot.tenantsByID.values.first(where: { $0.slug.rawValue == key.tenant }) else {
                continue
            }
            let name = Upstream(rawValue: key.upstream)?.displayName ?? key.upstream
            let minutes = Int(now().timeIntervalSince(since) / 60)
            let incident = "upstream:\(key.upstream)"
            failingIncidents.insert("\(tenant.id.rawValue) \(incident)")
            await desk.raise(
                tenant, incident: incident, kind: "upstream",
                title: "\(name) has been unreachable for \(minutes) minutes",
                detail:
                    "Every call to \(name) has failed since \(PageDates.format(since)); orders and pages that need it wait. Check the address and credentials under Integrations (Test connection).",
                actionPath: AdminPaths.integrations.link())
        }
        let platform = self.platform
        let open = (try? await BlockingIO.run { try platform.openBrandAlerts() }) ?? []
        for entry in open {
            guard let tenant = snapshot.tenantsByID[entry.tenant] else {
                try? await BlockingIO.run { try platform.unindexBrandAlert(entry.tenant, incident: entry.incident) }
                continue
            }
            if entry.kind == "upstream" {
                if !failingIncidents.contains("\(entry.tenant.rawValue) \(entry.incident)") {
                    await desk.clear(tenant, incident: entry.incident)
                }
                continue
            }
            await reconcile(entry, tenant: tenant)
        }
    }

    /// A brand alert raised elsewhere: cleared here when its cause has gone (a parked order no longer parked), or
    /// dropped from the index when it was cleared in the brand's own database.
    private func reconcile(_ entry: PlatformDatabase.BrandAlertEntry, tenant: Tenant) async {
        do {
            let (stillOpen, resolved) = try await databases.withDatabase(for: tenant) { database -> (Bool, Bool) in
                let open = try await database.alerts.isOpen(entry.incident)
                guard open, entry.incident.hasPrefix("order:"), let number = Int64(entry.incident.dropFirst(6)) else {
                    return (open, false)
                }
                let order = try await database.orders.order(Order.ID(number))
                return (open, order.map { $0.status != .failed } ?? true)
            }
            if resolved {
                await desk.clear(tenant, incident: entry.incident)
            } else if !stillOpen {
                let platform = self.platform
                try await BlockingIO.run { try platform.unindexBrandAlert(entry.tenant, incident: entry.incident) }
            }
        } catch {
            // The brand's database cannot be read now: its own alert says so; try again next minute.
        }
    }
}
