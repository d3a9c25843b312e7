import GRDB
import Logging
import Synchronization

/// Exactly one open `TenantDatabase` per tenant file, with a least-recently-used bound on how many are open.
///
/// A pool that a request is using is never closed under it: eviction only picks pools with no lease,
/// and when every open pool is leased the bound is exceeded briefly rather than breaking a request.
///
/// The bookkeeping sits behind one lock rather than in an actor: a signed-in request leases its tenant's pool twice
/// (session, page), and as an actor each lease and release was a hop to the actor's executor and back — four thread
/// switches per request. Holding the lock is a few dictionary operations; everything that waits (opening, closing)
/// waits outside it, and looks again after waiting.
package final class TenantDatabases: Sendable {
    private enum Slot {
        case opening(Task<TenantDatabase, any Error>)
        case open(TenantDatabase)
    }

    private struct Entry {
        var slot: Slot
        var generation: UInt64
        var leases: Int
        var lastUse: UInt64
        var closeWhenIdle = false
    }

    private struct State {
        var entries: [Tenant.ID: Entry] = [:]
        /// Pools being closed; a tenant is not reopened until its previous pool has closed.
        var closing: [Tenant.ID: Task<Void, Never>] = [:]
        var tick: UInt64 = 0
        var generations: UInt64 = 0
        /// Tenants whose data is being restored: nothing in this process may open (and write to) their database.
        var inMaintenance: Set<Tenant.ID> = []
        /// Tenants another node of the cluster holds (with its name): opening them here would serve a stale copy.
        var heldElsewhere: [Tenant.ID: String?] = [:]
    }

    /// What a lease does after looking at the state: use a pool, wait for one being opened or closed, or open one.
    private enum Step {
        case leased(TenantDatabase, generation: UInt64)
        case awaitOpening(Task<TenantDatabase, any Error>, generation: UInt64)
        case awaitClosing(Task<Void, Never>)
    }

    package let maximumOpen: Int
    private let dataDirectory: DataDirectory
    private let logger: Logger
    private let state = Mutex(State())
    /// Tenants being moved to another node: nothing opens them until the move ends.
    package let moving = MovingTenants()

    package init(dataDirectory: DataDirectory, maximumOpen: Int, logger: Logger) {
        precondition(maximumOpen >= 1, "at least one tenant database must be allowed open")
        self.dataDirectory = dataDirectory
        self.maximumOpen = maximumOpen
        self.logger = logger
    }

    /// How many pools are open, opening or closing.
    package var openCount: Int { state.withLock { $0.entries.count + $0.closing.count } }

    /// Runs `body` with the tenant's database, opening it if needed; the pool stays open until `body` ends.
    package func withDatabase<T: Sendable>(
        for tenant: Tenant,
        _ body: (TenantDatabase) async throws -> T
    ) async throws -> T {
        let (database, generation) = try await lease(tenant)
        do {
            let result = try await body(database)
            release(tenant.id, generation: generation)
            return result
        } catch {
            release(tenant.id, generation: generation)
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
    package func readOnce<T: Sendable>(
        for tenant: Tenant, openingPool: Bool = false, _ read: @escaping @Sendable (Database) throws -> T
    )
        async throws -> T
    {
        if try isOpenOrRefused(tenant) || openingPool {
            return try await withDatabase(for: tenant) { database in
                // The request reads its session next, through the inline reader: its connection opens meanwhile.
                if openingPool { database.reads.inline.openInBackground() }
                return try await database.pool.writeWithoutTransaction { db in
                    try TenantDatabase.readTransaction(db, read)
                }
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
        try state.withLock { state in
            try checkMayOpen(tenant, state)
            return state.entries[tenant.id] != nil || state.closing[tenant.id] != nil
        }
    }

    /// Closes a tenant's pool (now, or when its last request ends); used when a tenant is removed.
    package func forget(_ tenantID: Tenant.ID) {
        state.withLock { forget(tenantID, &$0) }
    }

    private func forget(_ tenantID: Tenant.ID, _ state: inout State) {
        guard var entry = state.entries[tenantID] else { return }
        if entry.leases == 0 {
            state.entries[tenantID] = nil
            close(entry, of: tenantID, &state)
        } else {
            entry.closeWhenIdle = true
            state.entries[tenantID] = entry
        }
    }

    /// Waits until pools already being closed have closed.
    package func finishClosing() async {
        while let pending = state.withLock({ $0.closing.first?.value }) { await pending.value }
    }

    /// Closes every pool; the server calls this after the last request has finished.
    package func closeAll() async {
        state.withLock { state in
            for (id, entry) in state.entries { close(entry, of: id, &state) }
            state.entries.removeAll()
        }
        await finishClosing()
    }

    /// Follows the registry: tenants in maintenance are closed (once idle) and refused until they are back.
    package func setMaintenance(_ ids: Set<Tenant.ID>) {
        state.withLock { state in
            for id in ids.subtracting(state.inMaintenance) { forget(id, &state) }
            state.inMaintenance = ids
        }
    }

    /// Follows the cluster's assignment: tenants held by other nodes (by name; nil when by none) are closed once
    /// idle and refused until this node holds them again. Empty on a single node.
    package func setHeldElsewhere(_ owners: [Tenant.ID: String?]) {
        state.withLock { state in
            for id in owners.keys where state.heldElsewhere[id] == nil { forget(id, &state) }
            state.heldElsewhere = owners
        }
    }

    private func checkMayOpen(_ tenant: Tenant, _ state: State) throws {
        guard tenant.maintenanceSince == nil, !state.inMaintenance.contains(tenant.id) else {
            throw TenancyError.maintenance(tenant.slug.rawValue)
        }
        if moving.contains(tenant.id) { throw TenancyError.moving(tenant.slug.rawValue) }
        if let owner = state.heldElsewhere[tenant.id] {
            throw TenancyError.notHeld(tenant.slug.rawValue, node: owner)
        }
    }

    /// Stops all use of the tenant's database for a move: new uses are refused (`TenancyError.moving`), the pool
    /// closes once its last request or job is done, and this returns when the file is closed (checkpointed, no WAL
    /// left). `thaw` undoes it when the move fails.
    /// Returns false when the database is still in use after `limit` (a long request or job): the caller thaws it.
    package func freeze(_ tenantID: Tenant.ID, move: Int64, within limit: Duration = .seconds(30)) async -> Bool {
        moving.insert(tenantID, move: move)
        forget(tenantID)
        let deadline = ContinuousClock.now + limit
        while true {
            let (inUse, pending) = state.withLock { state in
                (state.entries[tenantID] != nil || state.closing[tenantID] != nil, state.closing[tenantID])
            }
            guard inUse else { break }
            if let pending {
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
        while true {
            switch try state.withLock({ try step(toward: tenant, &$0) }) {
            case .leased(let database, let generation):
                return (database, generation)
            case .awaitOpening(let task, let generation):
                do {
                    return (try await task.value, generation)
                } catch {
                    release(tenant.id, generation: generation)
                    throw error
                }
            case .awaitClosing(let pending):
                // Then look again: another request may have opened this tenant meanwhile, or a freeze begun.
                await pending.value
            }
        }
    }

    /// One look at the state on behalf of a lease: takes the pool when it is open or opening, starts opening it when
    /// there is room, or names the close to wait for first (this tenant's previous pool, or any when at the bound —
    /// pools still closing hold their descriptors).
    private func step(toward tenant: Tenant, _ state: inout State) throws -> Step {
        try checkMayOpen(tenant, state)
        if let pending = state.closing[tenant.id] { return .awaitClosing(pending) }
        state.tick += 1
        if var entry = state.entries[tenant.id] {
            entry.leases += 1
            entry.lastUse = state.tick
            entry.closeWhenIdle = false
            state.entries[tenant.id] = entry
            switch entry.slot {
            case .open(let database): return .leased(database, generation: entry.generation)
            case .opening(let task): return .awaitOpening(task, generation: entry.generation)
            }
        }
        evictIdle(toMakeRoomFor: 1, &state)
        if state.entries.count + state.closing.count >= maximumOpen, let pending = state.closing.values.first {
            return .awaitClosing(pending)
        }
        state.generations += 1
        let generation = state.generations
        let path = dataDirectory.tenantDatabasePath(tenant.slug)
        let (tenantID, slug, logger) = (tenant.id, tenant.slug, logger)
        // The opening task records its own outcome, so the pool is marked open even if the request that started it
        // has gone. It takes the lock only after opening; should it get there before this section ends, it waits
        // for it, and finds the entry made below.
        let task = Task { [self] in
            do {
                let database = try await BlockingIO.run {
                    try TenantDatabase.open(path: path, tenantID: tenantID, expecting: slug)
                }
                self.state.withLock { state in
                    if var entry = state.entries[tenantID], entry.generation == generation {
                        entry.slot = .open(database)
                        state.entries[tenantID] = entry
                    }
                }
                return database
            } catch {
                self.state.withLock { state in
                    if state.entries[tenantID]?.generation == generation { state.entries[tenantID] = nil }
                }
                logger.error("tenant database failed to open", metadata: ["tenant": "\(slug)", "error": "\(error)"])
                throw error
            }
        }
        state.entries[tenant.id] = Entry(slot: .opening(task), generation: generation, leases: 1, lastUse: state.tick)
        return .awaitOpening(task, generation: generation)
    }

    private func release(_ tenantID: Tenant.ID, generation: UInt64) {
        state.withLock { state in
            guard var entry = state.entries[tenantID], entry.generation == generation else { return }
            entry.leases -= 1
            if entry.leases == 0 && entry.closeWhenIdle {
                state.entries[tenantID] = nil
                close(entry, of: tenantID, &state)
                return
            }
            state.entries[tenantID] = entry
            if entry.leases == 0 && state.entries.count > maximumOpen {
                evictIdle(toMakeRoomFor: 0, &state)
            }
        }
    }

    /// Closes least-recently-used idle pools until the bound leaves room for `incoming` more.
    private func evictIdle(toMakeRoomFor incoming: Int, _ state: inout State) {
        let excess = state.entries.count + state.closing.count + incoming - maximumOpen
        guard excess > 0 else { return }
        let idle = state.entries.lazy.filter { $0.value.leases == 0 && Self.isOpen($0.value) }
        // Usually one pool makes room for one more: a single pass finds it, where sorting thousands of entries for
        // every newly opened tenant was a visible share of a cold request.
        let victims =
            excess == 1
            ? idle.min { $0.value.lastUse < $1.value.lastUse }.map { [$0] } ?? []
            : Array(idle.sorted { $0.value.lastUse < $1.value.lastUse }.prefix(excess))
        for (id, entry) in victims {
            state.entries[id] = nil
            close(entry, of: id, &state)
        }
    }

    private static func isOpen(_ entry: Entry) -> Bool {
        if case .open = entry.slot { return true }
        return false
    }

    /// Starts closing the pool off the lock; the task clears its mark when done (taking the lock, so after this
    /// section has recorded the mark).
    private func close(_ entry: Entry, of tenantID: Tenant.ID, _ state: inout State) {
        guard case .open(let database) = entry.slot else { return }
        let logger = self.logger
        state.closing[tenantID] = Task { [self] in
            do {
                try await BlockingIO.run { try database.close() }
            } catch {
                logger.warning("closing a tenant database failed", metadata: ["error": "\(error)"])
            }
            _ = self.state.withLock { $0.closing.removeValue(forKey: tenantID) }
        }
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
