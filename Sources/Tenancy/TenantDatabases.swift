import GRDB
import Logging
import Synchronization

/// Exactly one open `TenantDatabase` per tenant file, with a least-recently-used bound on how many are open.
///
/// A pool that a request is using is never closed under it: eviction only picks pools with no lease,
/// and when every open pool is leased the bound is exceeded briefly rather than breaking a request.
package actor TenantDatabases {
    private enum State {
        case opening(Task<TenantDatabase, any Error>)
        case open(TenantDatabase)
    }

    private struct Entry {
        var state: State
        var generation: UInt64
        var leases: Int
        var lastUse: UInt64
        var closeWhenIdle = false
    }

    package nonisolated let maximumOpen: Int
    private let dataDirectory: DataDirectory
    private let logger: Logger
    private var entries: [Tenant.ID: Entry] = [:]
    /// Pools being closed; a tenant is not reopened until its previous pool has closed.
    private var closing: [Tenant.ID: Task<Void, Never>] = [:]
    private var tick: UInt64 = 0
    private var generations: UInt64 = 0
    /// Tenants whose data is being restored: nothing in this process may open (and write to) their database.
    private var inMaintenance: Set<Tenant.ID> = []
    /// Tenants being moved to another node: nothing opens them until the move ends.
    package nonisolated let moving = MovingTenants()
    /// Tenants another node of the cluster holds (with its name): opening them here would serve a stale copy.
    private var heldElsewhere: [Tenant.ID: String?] = [:]

    package init(dataDirectory: DataDirectory, maximumOpen: Int, logger: Logger) {
        precondition(maximumOpen >= 1, "at least one tenant database must be allowed open")
        self.dataDirectory = dataDirectory
        self.maximumOpen = maximumOpen
        self.logger = logger
    }

    /// How many pools are open, opening or closing.
    package var openCount: Int { entries.count + closing.count }

    /// Runs `body` with the tenant's database, opening it if needed; the pool stays open until `body` ends.
    package nonisolated func withDatabase<T: Sendable>(
        for tenant: Tenant,
        _ body: (TenantDatabase) async throws -> T
    ) async throws -> T {
        let (database, generation) = try await lease(tenant)
        do {
            let result = try await body(database)
            await release(tenant.id, generation: generation)
            return result
        } catch {
            await release(tenant.id, generation: generation)
            throw error
        }
    }

    /// Runs one read transaction on the tenant's database without opening its pool: through the pool when it is open
    /// (or opening) already, else through a read-only connection opened for this read and closed after it.
    ///
    /// Opening a pool costs a writer connection and GRDB's set-up of the WAL (a small commit whenever the WAL file is
    /// missing, then a checkpoint when the pool is evicted); a read-only connection costs neither. A database whose
    /// schema is not this portal's goes through the pool, which migrates it; one in another tenant's folder is
    /// refused as `TenantDatabase.open` refuses it.
    ///
    /// `openingPool` reads through the pool even when it is not open yet: for a request that is about to open it.
    package nonisolated func readOnce<T: Sendable>(
        for tenant: Tenant, openingPool: Bool = false, _ read: @escaping @Sendable (Database) throws -> T
    )
        async throws -> T
    {
        if try await isOpenOrRefused(tenant) || openingPool {
            return try await withDatabase(for: tenant) { database in
                try await database.pool.writeWithoutTransaction { db in try TenantDatabase.readTransaction(db, read) }
            }
        }
        let path = dataDirectory.tenantDatabasePath(tenant.slug)
        let slug = tenant.slug
        do {
            if let value = try await BlockingIO.run({ try TenantDatabase.readOnce(path: path, expecting: slug, read) })
            {
                return value
            }
        } catch let error as DatabaseError {
            // A read-only connection cannot recover a WAL left by a crash, for one; the pool can.
            logger.debug(
                "read-only read failed, opening the pool", metadata: ["tenant": "\(slug)", "error": "\(error)"])
        }
        return try await withDatabase(for: tenant) { database in
            try await database.pool.writeWithoutTransaction { db in try TenantDatabase.readTransaction(db, read) }
        }
    }

    /// Whether the tenant's pool is open or opening; throws when the tenant is in maintenance.
    private func isOpenOrRefused(_ tenant: Tenant) throws -> Bool {
        try checkMayOpen(tenant)
        return entries[tenant.id] != nil || closing[tenant.id] != nil
    }

    /// Closes a tenant's pool (now, or when its last request ends); used when a tenant is removed.
    package func forget(_ tenantID: Tenant.ID) {
        guard var entry = entries[tenantID] else { return }
        if entry.leases == 0 {
            entries[tenantID] = nil
            close(entry, of: tenantID)
        } else {
            entry.closeWhenIdle = true
            entries[tenantID] = entry
        }
    }

    /// Waits until pools already being closed have closed.
    package func finishClosing() async {
        while let pending = closing.first?.value { await pending.value }
    }

    /// Closes every pool; the server calls this after the last request has finished.
    package func closeAll() async {
        for (id, entry) in entries { close(entry, of: id) }
        entries.removeAll()
        await finishClosing()
    }

    /// Follows the registry: tenants in maintenance are closed (once idle) and refused until they are back.
    package func setMaintenance(_ ids: Set<Tenant.ID>) {
        for id in ids.subtracting(inMaintenance) { forget(id) }
        inMaintenance = ids
    }

    /// Follows the cluster's assignment: tenants held by other nodes (by name; nil when by none) are closed once
    /// idle and refused until this node holds them again. Empty on a single node.
    package func setHeldElsewhere(_ owners: [Tenant.ID: String?]) {
        for id in owners.keys where heldElsewhere[id] == nil { forget(id) }
        heldElsewhere = owners
    }

    private func checkMayOpen(_ tenant: Tenant) throws {
        guard tenant.maintenanceSince == nil, !inMaintenance.contains(tenant.id) else {
            throw TenancyError.maintenance(tenant.slug.rawValue)
        }
        if moving.contains(tenant.id) { throw TenancyError.moving(tenant.slug.rawValue) }
        if let owner = heldElsewhere[tenant.id] { throw TenancyError.notHeld(tenant.slug.rawValue, node: owner) }
    }

    /// Stops all use of the tenant's database for a move: new uses are refused (`TenancyError.moving`), the pool
    /// closes once its last request or job is done, and this returns when the file is closed (checkpointed, no WAL
    /// left). `thaw` undoes it when the move fails.
    /// Returns false when the database is still in use after `limit` (a long request or job): the caller thaws it.
    package func freeze(_ tenantID: Tenant.ID, move: Int64, within limit: Duration = .seconds(30)) async -> Bool {
        moving.insert(tenantID, move: move)
        forget(tenantID)
        let deadline = ContinuousClock.now + limit
        while entries[tenantID] != nil || closing[tenantID] != nil {
            if let pending = closing[tenantID] {
                await pending.value
            } else {
                // Still leased: the last release closes it (`closeWhenIdle`).
                guard ContinuousClock.now < deadline, !Task.isCancelled else { return false }
                try? await Task.sleep(for: .milliseconds(2))
            }
        }
        return true
    }

    /// Lets the tenant's database be opened again after move `move` (only that move's freeze is lifted).
    package func thaw(_ tenantID: Tenant.ID, move: Int64) {
        moving.remove(tenantID, move: move)
    }

    private func lease(_ tenant: Tenant) async throws -> (TenantDatabase, UInt64) {
        try checkMayOpen(tenant)
        while true {
            while let pending = closing[tenant.id] { await pending.value }
            if entries[tenant.id] != nil { break }
            evictIdle(toMakeRoomFor: 1)
            // Pools still closing hold their descriptors: wait for one rather than go past the bound, then look
            // again (another request may have opened this tenant meanwhile).
            guard entries.count + closing.count >= maximumOpen, let pending = closing.values.first else { break }
            await pending.value
        }
        // Checked again after every wait: a freeze or maintenance that began meanwhile wins.
        try checkMayOpen(tenant)
        tick += 1
        if var entry = entries[tenant.id] {
            entry.leases += 1
            entry.lastUse = tick
            entry.closeWhenIdle = false
            entries[tenant.id] = entry
            switch entry.state {
            case .open(let database):
                return (database, entry.generation)
            case .opening(let task):
                do {
                    return (try await task.value, entry.generation)
                } catch {
                    release(tenant.id, generation: entry.generation)
                    throw error
                }
            }
        }

        generations += 1
        let generation = generations
        let path = dataDirectory.tenantDatabasePath(tenant.slug)
        let (tenantID, slug) = (tenant.id, tenant.slug)
        let task = Task {
            try await BlockingIO.run { try TenantDatabase.open(path: path, tenantID: tenantID, expecting: slug) }
        }
        entries[tenant.id] = Entry(state: .opening(task), generation: generation, leases: 1, lastUse: tick)
        do {
            let database = try await task.value
            if var entry = entries[tenant.id], entry.generation == generation {
                entry.state = .open(database)
                entries[tenant.id] = entry
            }
            return (database, generation)
        } catch {
            if entries[tenant.id]?.generation == generation { entries[tenant.id] = nil }
            logger.error("tenant database failed to open", metadata: ["tenant": "\(tenant.slug)", "error": "\(error)"])
            throw error
        }
    }

    private func release(_ tenantID: Tenant.ID, generation: UInt64) {
        guard var entry = entries[tenantID], entry.generation == generation else { return }
        entry.leases -= 1
        if entry.leases == 0 && entry.closeWhenIdle {
            entries[tenantID] = nil
            close(entry, of: tenantID)
            return
        }
        entries[tenantID] = entry
        if entry.leases == 0 && entries.count > maximumOpen {
            evictIdle(toMakeRoomFor: 0)
        }
    }

    /// Closes least-recently-used idle pools until the bound leaves room for `incoming` more.
    private func evictIdle(toMakeRoomFor incoming: Int) {
        let excess = entries.count + closing.count + incoming - maximumOpen
        guard excess > 0 else { return }
        let idle = entries.lazy.filter { $0.value.leases == 0 && Self.isOpen($0.value) }
        // Usually one pool makes room for one more: a single pass finds it, where sorting thousands of entries for
        // every newly opened tenant was a visible share of a cold request.
        let victims =
            excess == 1
            ? idle.min { $0.value.lastUse < $1.value.lastUse }.map { [$0] } ?? []
            : Array(idle.sorted { $0.value.lastUse < $1.value.lastUse }.prefix(excess))
        for (id, entry) in victims {
            entries[id] = nil
            close(entry, of: id)
        }
    }

    private static func isOpen(_ entry: Entry) -> Bool {
        if case .open = entry.state { return true }
        return false
    }

    private func close(_ entry: Entry, of tenantID: Tenant.ID) {
        guard case .open(let database) = entry.state else { return }
        let logger = self.logger
        closing[tenantID] = Task {
            do {
                try await BlockingIO.run { try database.close() }
            } catch {
                logger.warning("closing a tenant database failed", metadata: ["error": "\(error)"])
            }
            self.finishedClosing(tenantID)
        }
    }

    private func finishedClosing(_ tenantID: Tenant.ID) {
        closing[tenantID] = nil
    }
}

/// The tenants being moved away from this node, readable without waiting for the databases' actor (the request
/// gate asks on every request).
package final class MovingTenants: Sendable {
    /// Each frozen tenant with the move that froze it.
    private let moves = Mutex<[Tenant.ID: Int64]>([:])

    package init() {}

    package func contains(_ id: Tenant.ID) -> Bool { moves.withLock { $0[id] != nil } }
    package func insert(_ id: Tenant.ID, move: Int64) { moves.withLock { $0[id] = move } }
    /// Lifts move `move`'s freeze; a later move's freeze of the same tenant stays.
    package func remove(_ id: Tenant.ID, move: Int64) {
        moves.withLock { moves in
            if moves[id] == move { moves[id] = nil }
        }
    }
}
