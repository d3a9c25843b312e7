import Foundation
import Logging
import PostgresNIO
import ServiceLifecycle
import Synchronization
import Tenancy

/// Keeps this node's copy of the shared registry current: it copies what changed whenever PostgreSQL notifies
/// `portal_registry` (a commit on any node), and checks the revision every `pollInterval` in case a notification
/// was lost while the connection was down. After each copy the in-memory registry reloads, so the request path and
/// the jobs see the change.
package final class RegistryFollower: Service, Sendable {
    package let registry: PostgresRegistry
    package let replica: RegistryReplica
    package let tenants: TenantRegistry
    package let pollInterval: Duration
    let logger: Logger
    private let wake: AsyncStream<Void>.Continuation
    private let wakes: AsyncStream<Void>
    private let counts = Mutex<(syncs: Int, notifications: Int)>((0, 0))
    /// One copy at a time: two copies read at different revisions must not write in the opposite order. The
    /// platform-user publisher takes the same gate: a copy never runs between its push and its record of the push.
    package let serial = SerialGate()

    package init(
        registry: PostgresRegistry, replica: RegistryReplica, tenants: TenantRegistry,
        pollInterval: Duration = .seconds(1), logger: Logger
    ) {
        self.registry = registry
        self.replica = replica
        self.tenants = tenants
        self.pollInterval = pollInterval
        self.logger = logger
        (wakes, wake) = AsyncStream.makeStream(of: Void.self, bufferingPolicy: .bufferingNewest(1))
    }

    /// How many copies brought changes, and how many notifications arrived: what the tests count.
    package var syncCount: Int { counts.withLock { $0.syncs } }
    package var notificationCount: Int { counts.withLock { $0.notifications } }

    /// Whether the copy has every change the registry has now.
    package func isCurrent() async throws -> Bool {
        let replica = self.replica
        let position = try await BlockingIO.run { try replica.position() }
        guard let position, position.source == registry.source else { return false }
        return try await registry.revision() <= position.revision
    }

    /// Brings the copy up to date now; true when anything changed.
    @discardableResult
    package func sync() async throws -> Bool {
        await serial.enter()
        do {
            let changed = try await syncAlone()
            await serial.leave()
            return changed
        } catch {
            await serial.leave()
            throw error
        }
    }

    private func syncAlone() async throws -> Bool {
        let replica = self.replica
        let position = try await BlockingIO.run { try replica.position() }
        let since = position?.source == registry.source ? position?.revision : nil
        if let since, try await registry.revision() == since { return false }
        let changes = try await registry.changes(since: since)
        let source = registry.source
        let node = tenants.node
        let registryChanged = try await BlockingIO.run { try replica.apply(changes, source: source, node: node) }
        if registryChanged { try await tenants.reload() }
        counts.withLock { $0.syncs += 1 }
        if changes.complete {
            logger.info(
                "registry copied", metadata: ["tenants": "\(changes.tenants.count)", "revision": "\(changes.revision)"])
        }
        return true
    }

    package func run() async throws {
        await cancelWhenGracefulShutdown {
            await withTaskGroup(of: Void.self) { group in
                group.addTask { await self.listen() }
                group.addTask { await self.poll() }
                group.addTask { await self.follow() }
                await group.waitForAll()
            }
        }
    }

    /// Copies after each wake-up, one copy at a time (wake-ups during a copy fold into one more).
    private func follow() async {
        for await _ in wakes {
            do {
                try await sync()
            } catch is CancellationError {
                return
            } catch {
                logger.warning("registry copy failed", metadata: ["error": "\(String(reflecting: error))"])
            }
        }
    }

    private func poll() async {
        while !Task.isCancelled {
            do { try await Task.sleep(for: pollInterval) } catch { break }
            wake.yield()
        }
        wake.finish()
    }

    /// Listens for notifications on a connection of its own; the first wake-up comes when listening starts.
    private func listen() async {
        await registry.listen(on: PostgresSchema.notifyChannel) { isNotification in
            if isNotification { self.counts.withLock { $0.notifications += 1 } }
            self.wake.yield()
        }
    }
}

/// An async lock: `enter` waits while another holder is inside; `leave` lets the next one in, in arrival order.
package actor SerialGate {
    private var busy = false
    private var waiting: [CheckedContinuation<Void, Never>] = []

    package func enter() async {
        guard busy else {
            busy = true
            return
        }
        await withCheckedContinuation { waiting.append($0) }
    }

    package func leave() {
        if waiting.isEmpty {
            busy = false
        } else {
            waiting.removeFirst().resume()
        }
    }
}
