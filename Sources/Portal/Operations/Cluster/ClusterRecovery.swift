import Cluster
import Foundation
import Tenancy

/// `portal cluster recover --node DEAD --to NODE`, run on the machine of NODE: every tenant of the dead node comes
/// back from its newest off-machine backup (signature, checksums, integrity and row counts checked while it is
/// fetched), is put in this node's data folder, and is reassigned here in the registry; every node's copy and the
/// proxy follow. Per tenant it reports how much may be lost: the changes between its backup and the dead node's last
/// heartbeat.
package struct ClusterRecovery: Sendable {
    package struct Outcome: Sendable {
        package var slug: String
        /// The backup it came back from, and when that backup was taken.
        package var backup: String?
        package var backedUpAt: Date?
        /// How long before the node's last sign of life the backup was taken: the changes that may be lost.
        package var lost: Duration?
        package var failure: String?
    }

    let registry: PostgresRegistry
    let backups: TenantBackups
    let remote: BackupRemote
    let dataDirectory: DataDirectory
    /// How many tenants are fetched and placed at once.
    package var concurrency = 4

    package init(registry: PostgresRegistry, backups: TenantBackups, remote: BackupRemote, dataDirectory: DataDirectory)
    {
        self.registry = registry
        self.backups = backups
        self.remote = remote
        self.dataDirectory = dataDirectory
    }

    package func run(dead: String, to target: String, progress: @escaping @Sendable (String) -> Void) async throws
        -> [Outcome]
    {
        let nodes = Dictionary(uniqueKeysWithValues: try await registry.nodes().map { ($0.name, $0) })
        guard let lost = nodes[dead] else { throw TenancyError.unknownNode(dead) }
        guard nodes[target] != nil else { throw TenancyError.unknownNode(target) }
        guard dead != target else { throw ClusterError.alreadyThere("the dead node's tenants", node: target) }
        let platform = backups.platform
        if let here = try await BlockingIO.run({ try platform.clusterNode() }), here != target {
            throw ClusterError.moveRefused(
                "this data folder is node \(here)'s, not \(target)'s: run the recovery there")
        }
        // A node that heartbeated within the lease's span may only be cut off, still running its jobs: not yet.
        if let age = try await registry.heartbeatAges()[dead] ?? nil, age < Self.deadAfter {
            throw ClusterError.moveRefused(
                "\(dead) sent a heartbeat \(Int(age)) s ago; a node counts as dead after \(Int(Self.deadAfter)) s without one"
            )
        }
        let lastSeen = lost.heartbeatAt
        let tenants = try await registry.tenants(on: dead)
        progress("\(tenants.count) tenant(s) on \(dead) (last heartbeat \(lastSeen.map(Self.format) ?? "never"))")
        let staging = dataDirectory.root.appendingPathComponent(".recover-\(UUID().uuidString)", isDirectory: true)
        defer { try? FileManager.default.removeItem(at: staging) }

        // A few at a time: each is mostly waiting on the remote (rclone) and the disk, not on a core.
        var outcomes = [Outcome?](repeating: nil, count: tenants.count)
        await withTaskGroup(of: (Int, Outcome, String).self) { group in
            var next = 0
            var finished = 0
            func start() {
                let index = next
                next += 1
                group.addTask {
                    let (outcome, report) = await recover(
                        tenants[index], dead: dead, to: target, lastSeen: lastSeen, staging: staging)
                    return (index, outcome, report)
                }
            }
            for _ in 0..<min(concurrency, tenants.count) { start() }
            for await (index, outcome, report) in group {
                outcomes[index] = outcome
                finished += 1
                progress("[\(finished)/\(tenants.count)] \(outcome.slug): \(report)")
                if next < tenants.count { start() }
            }
        }
        return outcomes.compactMap { $0 }
    }

    /// Brings one tenant back; the outcome and the line that reports it.
    private func recover(_ tenant: Tenant, dead: String, to target: String, lastSeen: Date?, staging: URL) async
        -> (Outcome, String)
    {
        var outcome = Outcome(slug: tenant.slug.rawValue)
        do {
            let work = staging.appendingPathComponent(tenant.slug.rawValue, isDirectory: true)
            let verified = try await RemoteBackupCheck.fetchNewest(
                tenant.slug.rawValue, backups: backups, remote: remote, into: work)
            try await place(verified, slug: tenant.slug)
            guard try await registry.reassign(tenant.id, from: dead, to: target) else {
                throw ClusterError.moveRefused("\(tenant.slug) is no longer on \(dead)")
            }
            outcome.backup = verified.name
            outcome.backedUpAt = verified.manifest.exportedAt
            if let lastSeen {
                outcome.lost = .seconds(max(0, lastSeen.timeIntervalSince(verified.manifest.exportedAt)))
            }
            return (
                outcome,
                "back from \(verified.name) (\(verified.rows) rows); "
                    + "changes after \(Self.format(verified.manifest.exportedAt)) lost"
                    + (outcome.lost.map { " — up to \(Self.describe($0)) before the node was last seen" } ?? "")
            )
        } catch {
            outcome.failure = "\(error)"
            return (outcome, "NOT RECOVERED: \(error)")
        }
    }

    /// Puts the verified backup's folder (database and files) in place of whatever this node had of the tenant.
    private func place(_ verified: RemoteBackupCheck.Verified, slug: TenantSlug) async throws {
        let folder = dataDirectory.tenantFolder(slug)
        let unpacked = verified.folder
        let root = dataDirectory.root
        try await BlockingIO.run {
            try DurableFolder.sync(unpacked)
            if FileManager.default.fileExists(atPath: folder.path) {
                let stale = unpacked.deletingLastPathComponent().appendingPathComponent("stale")
                try FileManager.default.moveItem(at: folder, to: stale)
                try? FileManager.default.removeItem(at: stale)
            }
            try FileManager.default.moveItem(at: unpacked, to: folder)
            try DurableFolder.syncEntries(of: root)
        }
    }

    /// How long without a heartbeat before a node may be recovered: longer than a job lease, so a node that is only
    /// cut off has stopped its jobs by then.
    package static let deadAfter: Double = 30

    static func format(_ date: Date) -> String {
        date.formatted(.iso8601)
    }

    static func describe(_ duration: Duration) -> String {
        let seconds = Int(duration.components.seconds)
        return seconds < 120 ? "\(seconds) s" : "\(seconds / 60) min \(seconds % 60) s"
    }
}
