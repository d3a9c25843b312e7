import Foundation
import Logging
import ServiceLifecycle
import Synchronization
import Tenancy

/// How a node joins a cluster: the shared registry, its own name, and where the others reach it.
package struct ClusterSettings: Sendable {
    package var registry: RegistryURL
    package var node: String
    package var advertise: String
    /// How often the node tells the registry it is alive, with its load.
    package var heartbeatInterval: Duration = .seconds(2)
    /// How often the copy is compared with the registry when no notification came.
    package var pollInterval: Duration = .seconds(1)
    /// How often the node sends what it measured about its brands (health, backups) for the console.
    package var reportInterval: Duration = .seconds(30)
    /// How long a removal's tombstone is kept for copies that were away; an older copy starts over.
    package var tombstoneLifetime: Duration = .seconds(7 * 24 * 3600)
    /// The HAProxy this node keeps routing current on; nil when none (a single proxy is configured by hand).
    package var proxy: ProxySettings?

    package init(registry: RegistryURL, node: String, advertise: String) {
        self.registry = registry
        self.node = node
        self.advertise = advertise
    }

    /// Checks `--advertise`: an http(s) URL with a host and a port, nothing else.
    package static func validateAdvertise(_ raw: String) throws(TenancyError) -> String {
        guard let components = URLComponents(string: raw), components.scheme == "http" || components.scheme == "https",
            let host = components.host, !host.isEmpty, components.port != nil,
            components.path.isEmpty || components.path == "/", components.query == nil, components.user == nil
        else {
            throw .storage("--advertise must be http://ADDRESS:PORT (where the proxy and other nodes reach this node)")
        }
        return "\(components.scheme!)://\(host):\(components.port!)"
    }
}

/// A node's part in the cluster while it serves: the registry's connections, its copy (`RegistryFollower`),
/// and its heartbeat. Writes to tenants go through `registry` (a `RegistryWriter`).
package final class ClusterMembership: Service, Sendable {
    package let settings: ClusterSettings
    package let registry: PostgresRegistry
    package let follower: RegistryFollower
    /// This node's fenced job leases.
    package let leases: JobLeases
    /// Sends this node's changes to platform users and its audit entries to the registry.
    package let publisher: PlatformRealmPublisher
    /// Called with the tenants whose job lease this node has just taken (their queued work can start).
    private let acquired = Mutex<(@Sendable ([Tenant.ID]) -> Void)?>(nil)
    /// This node's reports of the brands it holds, and the ones last sent (only changes are sent again).
    private let reports = Mutex<
        (source: (@Sendable () async throws -> [Tenant.ID: TenantReport])?, sent: [Tenant.ID: TenantReport])
    >((nil, [:]))
    let replica: RegistryReplica
    let openTenants: @Sendable () async -> Int
    /// The master key's public fingerprint: every node of a cluster must share the key.
    let keyID: String
    /// Where other nodes reach this one: `settings.advertise`, unless changed since (tests learn their port late).
    private let advertised: Mutex<String>
    private let joined = Mutex(false)
    let logger: Logger

    package init(
        settings: ClusterSettings, platform: PlatformDatabase, tenants: TenantRegistry, keyID: String,
        openTenants: @escaping @Sendable () async -> Int, logger: Logger
    ) {
        self.keyID = keyID
        self.settings = settings
        advertised = Mutex(settings.advertise)
        registry = PostgresRegistry(url: settings.registry, node: settings.node, logger: logger)
        replica = RegistryReplica(platform: platform)
        follower = RegistryFollower(
            registry: registry, replica: replica, tenants: tenants, pollInterval: settings.pollInterval, logger: logger)
        self.openTenants = openTenants
        self.logger = logger
        publisher = PlatformRealmPublisher(
            registry: registry, platform: platform, gate: follower.serial, retryInterval: settings.heartbeatInterval,
            logger: logger)
        let leases = JobLeases(registry: registry, node: settings.node)
        self.leases = leases
        tenants.setJobGate { leases.mayRun($0) }
    }

    package func run() async throws {
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { await self.registry.run() }
            try await joinWhenReachable()
            group.addTask { try await self.follower.run() }
            group.addTask { await self.publisher.run() }
            group.addTask { await self.beat() }
            group.addTask { await self.upkeep() }
            try await group.next()
            group.cancelAll()
        }
    }

    /// Migrates the registry's schema and joins, retrying while PostgreSQL is away; the node serves from its last
    /// copy meanwhile. Refuses to follow a registry that lacks the tenants this node already has (a platform not yet
    /// moved with `portal registry migrate-to-postgres`): following it would drop them from this node's copy.
    private func joinWhenReachable() async throws {
        var pause = Duration.milliseconds(250)
        while true {
            do {
                try await registry.migrate()
                try await registry.checkMasterKey(keyID)
                try await checkNotDropping()
                try await registry.join(node: settings.node, advertise: advertised.withLock { $0 })
                try await follower.sync()
                joined.withLock { $0 = true }
                logger.info(
                    "joined the cluster",
                    metadata: ["node": "\(settings.node)", "registry": "\(settings.registry)"])
                return
            } catch let error as ClusterError where error != .registryUnreachable(settings.registry.description) {
                throw error
            } catch is CancellationError {
                throw CancellationError()
            } catch {
                logger.warning(
                    "shared registry unreachable; serving from this node's copy",
                    metadata: ["registry": "\(settings.registry)", "error": "\(error)"])
            }
            try await Task.sleep(for: pause)
            pause = min(pause * 2, .seconds(10))
        }
    }

    /// Whether the node has joined (and made its first copy) since it started.
    package var hasJoined: Bool { joined.withLock { $0 } }

    /// Waits until the node has joined; a write asked for before then (the registry's schema may not exist yet)
    /// waits here, while PostgreSQL accepts connections.
    package func waitUntilJoined() async throws {
        let checks = max(1, Int(registry.leaseTimeout / .milliseconds(20)))
        while true {
            for _ in 0..<checks {
                if hasJoined { return }
                try await Task.sleep(for: .milliseconds(20))
            }
            // Not joined yet: reported when PostgreSQL is away, waited for when the machine is only busy.
            let (host, port) = (settings.registry.host, settings.registry.port)
            guard try await BlockingIO.run({ TCPProbe.accepts(host: host, port: port) }) else {
                throw ClusterError.registryUnreachable(settings.registry.description)
            }
        }
    }

    /// Changes where other nodes reach this one, in the registry too.
    package func advertise(_ address: String) async throws {
        advertised.withLock { $0 = address }
        try await registry.join(node: settings.node, advertise: address)
        try await follower.sync()
    }

    private func checkNotDropping() async throws {
        let replica = self.replica
        let (position, local) = try await BlockingIO.run {
            (try replica.position(), try replica.platform.allTenants().map(\.slug.rawValue))
        }
        guard position?.source != registry.source, !local.isEmpty else { return }
        let shared = Set(try await registry.changes(since: nil).tenants.map(\.slug.rawValue))
        let missing = local.filter { !shared.contains($0) }
        guard missing.isEmpty else { throw ClusterError.wouldDropTenants(missing.sorted()) }
    }

    /// Where this node's brand reports come from; they are sent to the registry every `reportInterval`.
    package func reportBrands(_ source: @escaping @Sendable () async throws -> [Tenant.ID: TenantReport]) {
        reports.withLock { $0.source = source }
    }

    /// Sends the reports that changed since the last time; returns how many were sent.
    @discardableResult
    package func publishReports() async throws -> Int {
        guard let source = reports.withLock({ $0.source }) else { return 0 }
        let current = try await source()
        let changed = current.filter { id, report in reports.withLock { $0.sent[id] } != report }
        try await registry.publishReports(changed)
        reports.withLock { state in
            for (id, report) in changed { state.sent[id] = report }
        }
        return changed.count
    }

    /// Calls `handler` with the tenants whose job lease this node has just taken.
    package func onLeasesAcquired(_ handler: @escaping @Sendable ([Tenant.ID]) -> Void) {
        acquired.withLock { $0 = handler }
    }

    private func beat() async {
        while !Task.isCancelled {
            do {
                try await registry.heartbeat(
                    node: settings.node, load: Self.loadAverage(), openTenants: await openTenants())
                let new = try await leases.renew()
                if !new.isEmpty { acquired.withLock { $0 }?(new) }
            } catch is CancellationError {
                return
            } catch {
                logger.warning("heartbeat failed", metadata: ["error": "\(error)"])
            }
            do { try await Task.sleep(for: settings.heartbeatInterval) } catch { return }
        }
    }

    /// Work beside the heartbeat, so a slow registry never delays a lease renewal: this node's brand reports every
    /// `reportInterval`, and every hour the tombstones older than `tombstoneLifetime` (removals are kept for copies
    /// that were away; an older copy starts over; any node may prune, under the registry's lock).
    private func upkeep() async {
        var lastPrune = ContinuousClock.now - .seconds(3600)
        while !Task.isCancelled {
            do {
                try await publishReports()
            } catch is CancellationError {
                return
            } catch {
                logger.warning("brand reports not sent", metadata: ["error": "\(error)"])
            }
            if ContinuousClock.now - lastPrune >= .seconds(3600) {
                lastPrune = .now
                do {
                    let pruned = try await registry.pruneTombstones(olderThan: settings.tombstoneLifetime)
                    if pruned > 0 { logger.info("registry tombstones pruned", metadata: ["count": "\(pruned)"]) }
                } catch {
                    logger.warning("registry tombstones not pruned", metadata: ["error": "\(error)"])
                }
            }
            do { try await Task.sleep(for: settings.reportInterval) } catch { return }
        }
    }

    /// The one-minute load average (runnable tasks), from /proc/loadavg.
    static func loadAverage() -> Double {
        guard let text = try? String(contentsOfFile: "/proc/loadavg", encoding: .utf8),
            let first = text.split(separator: " ").first
        else { return 0 }
        return Double(first) ?? 0
    }
}

/// A node writes tenants to the shared registry and returns once its own copy shows the change.
extension ClusterMembership: RegistryWriter {
    package func register(
        _ registration: TenantRegistration, beforeCommit: @escaping @Sendable () throws -> Void
    ) async throws -> Tenant {
        try await synced { try await registry.register(registration, beforeCommit: beforeCommit) }
    }

    package func remove(slug: TenantSlug) async throws -> Tenant {
        try await synced { try await registry.remove(slug: slug) }
    }

    package func setStatus(_ status: Tenant.Status, slug: TenantSlug, reason: String) async throws -> Tenant {
        try await synced { try await registry.setStatus(status, slug: slug, reason: reason) }
    }

    package func setMaintenance(_ on: Bool, slug: TenantSlug, now: Date) async throws -> Tenant {
        try await synced { try await registry.setMaintenance(on, slug: slug, now: now) }
    }

    package func changeDomain(_ change: CustomDomains.Change, of tenant: Tenant.ID, now: Date) async throws
        -> TenantDomain
    {
        try await synced { try await registry.changeDomain(change, of: tenant, now: now) }
    }

    private func synced<T: Sendable>(_ write: () async throws -> T) async throws -> T {
        try await waitUntilJoined()
        let result = try await write()
        // The commit stands whatever happens next: a copy that fails here is made by the follower shortly.
        do {
            try await follower.sync()
        } catch {
            logger.warning("registry copy after a write failed", metadata: ["error": "\(error)"])
        }
        return result
    }
}
