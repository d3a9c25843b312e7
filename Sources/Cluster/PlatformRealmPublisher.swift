import Logging
import Synchronization
import Tenancy

/// Sends what changed in this node's platform users and audit log to the shared registry: after every commit that
/// touched them, and every `retryInterval` in case an earlier send failed (PostgreSQL away). What the registry
/// sends back is applied by the follower (`RegistryReplica.apply`), which never overwrites a change not yet sent.
package final class PlatformRealmPublisher: Sendable {
    let registry: PostgresRegistry
    let platform: PlatformDatabase
    let retryInterval: Duration
    let logger: Logger
    private let wake: AsyncStream<Void>.Continuation
    private let wakes: AsyncStream<Void>
    private let serial: SerialGate

    package init(
        registry: PostgresRegistry, platform: PlatformDatabase, gate: SerialGate, retryInterval: Duration,
        logger: Logger
    ) {
        serial = gate
        self.registry = registry
        self.platform = platform
        self.retryInterval = retryInterval
        self.logger = logger
        let (wakes, wake) = AsyncStream.makeStream(of: Void.self, bufferingPolicy: .bufferingNewest(1))
        (self.wakes, self.wake) = (wakes, wake)
        platform.observeRealmCommits { wake.yield() }
    }

    func run() async {
        await withTaskGroup(of: Void.self) { group in
            group.addTask {
                while !Task.isCancelled {
                    self.wake.yield()
                    do { try await Task.sleep(for: self.retryInterval) } catch { break }
                }
                self.wake.finish()
            }
            group.addTask {
                for await _ in self.wakes {
                    do {
                        try await self.publish()
                    } catch is CancellationError {
                        return
                    } catch {
                        self.logger.warning(
                            "platform users and audit not sent to the registry; retrying",
                            metadata: ["error": "\(error)"])
                    }
                }
            }
            await group.waitForAll()
        }
    }

    /// Sends everything not yet sent, now.
    package func publish() async throws {
        await serial.enter()
        do {
            try await publishAlone()
            await serial.leave()
        } catch {
            await serial.leave()
            throw error
        }
    }

    private func publishAlone() async throws {
        let pool = platform.pool
        let documents = try await BlockingIO.run { try pool.read { try PlatformRealmCopy.unpublished($0) } }
        if !documents.isEmpty {
            let (published, refused) = try await registry.publishAccounts(documents)
            try await BlockingIO.run {
                try pool.write { db in
                    try PlatformRealmCopy.markExchanged(db, published)
                    // Another account has this id or email in the registry (a node's own users from before it
                    // shared them): the registry's stand, copied in whole at the next sync.
                    try PlatformRealmCopy.yield(db, refused)
                }
            }
            if !refused.isEmpty {
                logger.warning(
                    "platform users that differ from the shared registry's were replaced by the registry's",
                    metadata: ["accounts": "\(refused.sorted())"])
            }
        }
        let name = try await BlockingIO.run {
            try pool.write { try PlatformRealmCopy.auditName($0, node: self.registry.auditNode) }
        }
        while true {
            let entries = try await BlockingIO.run { try pool.read { try PlatformRealmCopy.unpushedAudit($0) } }
            guard let last = entries.last else { return }
            try await registry.pushAudit(entries, as: name)
            try await BlockingIO.run { try pool.write { try PlatformRealmCopy.markAuditPushed($0, through: last.id) } }
        }
    }
}
