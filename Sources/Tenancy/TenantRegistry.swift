import Logging
import ServiceLifecycle
import Synchronization

/// Resolves hostnames to tenants from an in-memory snapshot of the registry.
///
/// The snapshot is swapped atomically when the registry changes; a watcher polls the registry's
/// revision at most once a second, so edits made by the CLI in another process arrive within a second.
package final class TenantRegistry: Sendable {
    /// Called after a reload with the previous and the new snapshot.
    package typealias ChangeHandler = @Sendable (_ old: RegistrySnapshot, _ new: RegistrySnapshot) async -> Void

    package let database: PlatformDatabase
    package let baseDomain: String
    /// This process's node in a cluster; nil on a single node, which holds every tenant.
    package let node: String?
    private let current: Mutex<RegistrySnapshot>
    private let handlers = Mutex<[ChangeHandler]>([])
    /// In a cluster: whether this node holds the tenant's job lease (set by the node's membership).
    private let jobGate = Mutex<(@Sendable (Tenant.ID) -> Bool)?>(nil)
    /// Tenants whose folder this node has just received in a move, each until its deadline: until this node's copy
    /// of the registry shows them here, their requests are told to retry rather than sent to the old holder.
    private let arrivals = Mutex<[Tenant.ID: ContinuousClock.Instant]>([:])

    package init(database: PlatformDatabase, baseDomain: String, node: String? = nil) throws {
        self.database = database
        self.baseDomain = baseDomain
        self.node = node
        current = Mutex(try database.snapshot())
    }

    package var snapshot: RegistrySnapshot { current.withLock { $0 } }

    /// Resolves a normalised host name to its tenant, without touching SQLite.
    package func tenant(forHost host: String) -> Tenant? {
        current.withLock { $0.tenant(forHost: host, baseDomain: baseDomain) }
    }

    /// The host a tenant's links point at: its primary domain, else its address under the base domain.
    package func linkHost(of tenant: Tenant) -> String {
        current.withLock { $0.primaryHost(of: tenant.id) } ?? "\(tenant.slug).\(baseDomain)"
    }

    /// The tenants this node holds: every tenant on a single node; those assigned to it in a cluster. Background
    /// jobs run for these only.
    package var heldTenants: [Tenant] {
        let snapshot = self.snapshot
        guard let node else { return Array(snapshot.tenantsByID.values) }
        return snapshot.tenantsByID.values.filter { snapshot.assignments[$0.id] == node }
    }

    /// Whether this node holds the tenant.
    package func holds(_ tenantID: Tenant.ID) -> Bool {
        // Asked twice per request: a single node holds everything without copying the snapshot out of its lock.
        guard let node else { return true }
        return current.withLock { $0.holds(tenantID, node: node) }
    }

    /// Notes that the tenant's folder arrived here in a move that the registry has yet to show (for at most
    /// `limit`: a move that fails after the folder arrived leaves the tenant where it was).
    package func expectArrival(of tenantID: Tenant.ID, within limit: Duration) {
        arrivals.withLock { $0[tenantID] = .now + limit }
    }

    /// Whether the tenant's folder just arrived here and the registry copy may not show it yet.
    package func isArriving(_ tenantID: Tenant.ID) -> Bool {
        arrivals.withLock { arrivals in
            guard let deadline = arrivals[tenantID] else { return false }
            if deadline > .now { return true }
            arrivals[tenantID] = nil
            return false
        }
    }

    /// Makes background jobs ask `gate` too (a node of a cluster: its fenced job leases).
    package func setJobGate(_ gate: @escaping @Sendable (Tenant.ID) -> Bool) {
        jobGate.withLock { $0 = gate }
    }

    /// Whether background jobs may run for the tenant here now: it is held here and, in a cluster, this node holds
    /// its job lease.
    package func runsJobs(_ tenantID: Tenant.ID) -> Bool {
        guard holds(tenantID) else { return false }
        return jobGate.withLock { $0 }?(tenantID) ?? true
    }

    /// The tenants whose background jobs run here now.
    package var jobTenants: [Tenant] {
        heldTenants.filter { runsJobs($0.id) }
    }

    /// The tenants other nodes hold, with their node's name (nil for a tenant assigned to none); empty on a single node.
    package func heldElsewhere(in snapshot: RegistrySnapshot) -> [Tenant.ID: String?] {
        guard let node else { return [:] }
        var owners: [Tenant.ID: String?] = [:]
        for id in snapshot.tenantsByID.keys where snapshot.assignments[id] != node {
            owners[id] = .some(snapshot.assignments[id])
        }
        return owners
    }

    package func onChange(_ handler: @escaping ChangeHandler) {
        handlers.withLock { $0.append(handler) }
    }

    /// Re-reads the registry if its revision moved; returns whether anything changed.
    @discardableResult
    package func reloadIfChanged() async throws -> Bool {
        let database = self.database
        let revision = try await BlockingIO.run { try database.revision() }
        guard revision != snapshot.revision else { return false }
        try await reload()
        return true
    }

    /// Re-reads the registry now; in-process writers call this right after their change.
    package func reload() async throws {
        let database = self.database
        let fresh = try await BlockingIO.run { try database.snapshot() }
        let old = current.withLock { snapshot in
            let old = snapshot
            if fresh.revision >= old.revision { snapshot = fresh }
            return old
        }
        guard fresh.revision > old.revision else { return }
        // An arrival ends once the registry says where the brand is (here, or still elsewhere after a failed move
        // that changed its assignment back): only brands whose assignment this copy has not changed stay waiting.
        if let node {
            arrivals.withLock { arrivals in
                arrivals = arrivals.filter { id, _ in
                    !fresh.holds(id, node: node) && fresh.assignments[id] == old.assignments[id]
                }
            }
        }
        for handler in handlers.withLock({ $0 }) {
            await handler(old, fresh)
        }
    }
}

/// Polls the registry revision once a second for the life of the server.
package struct RegistryWatcher: Service {
    package let registry: TenantRegistry
    package let interval: Duration
    package let logger: Logger

    package init(registry: TenantRegistry, interval: Duration = .seconds(1), logger: Logger) {
        self.registry = registry
        self.interval = interval
        self.logger = logger
    }

    package func run() async throws {
        await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                do {
                    try await Task.sleep(for: interval)
                    if try await registry.reloadIfChanged() {
                        logger.info("registry reloaded", metadata: ["tenants": "\(registry.snapshot.tenantCount)"])
                    }
                } catch is CancellationError {
                    return
                } catch {
                    logger.error("registry reload failed", metadata: ["error": "\(error)"])
                }
            }
        }
    }
}
