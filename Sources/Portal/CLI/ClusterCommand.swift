import ArgumentParser
import Cluster
import Foundation
import Logging
import Tenancy

/// `portal cluster …`: the nodes of a cluster, and recovering the tenants of one that died.
struct ClusterCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "cluster",
        abstract: "List a cluster's nodes, or recover a dead node's tenants onto a live one.",
        subcommands: [Nodes.self, Recover.self]
    )

    /// Runs `body` with the registry's connection pool running.
    static func withRegistry<T: Sendable>(
        _ options: RegistryOptions, _ body: (PostgresRegistry) async throws -> T
    ) async throws -> T {
        guard let url = try options.resolvedRegistry() else {
            throw CommandError("name the cluster's registry with --registry postgres://… (or PORTAL_REGISTRY_URL)")
        }
        let registry = PostgresRegistry(url: url, logger: Logger(label: "portal") { _ in SwiftLogNoOpLogHandler() })
        return try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { await registry.run() }
            defer { group.cancelAll() }
            do {
                try await registry.migrate()
                return try await body(registry)
            } catch let error as ClusterError {
                throw CommandError(error.description)
            } catch let error as TenancyError {
                throw CommandError(error.description)
            }
        }
    }

    struct Nodes: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Print every node with its address, tenants, load and last heartbeat.",
            discussion: "Example:\n  portal cluster nodes --registry postgres://portal@db:5432/portal"
        )

        @OptionGroup var registry: RegistryOptions

        func run() async throws {
            try await ClusterCommand.withRegistry(registry) { registry in
                let nodes = try await registry.nodes()
                guard !nodes.isEmpty else {
                    Console.line("No node has joined yet: start one with portal serve --registry … --node NAME")
                    return
                }
                var rows = [["NODE", "ADDRESS", "TENANTS", "OPEN", "LOAD", "LAST HEARTBEAT"]]
                for node in nodes {
                    let count = try await registry.tenants(on: node.name).count
                    rows.append([
                        node.name, node.advertise, String(count), String(node.openTenants),
                        String(format: "%.2f", node.load), node.heartbeatAt.map(TenantCLI.format) ?? "never",
                    ])
                }
                for line in TenantCLI.table(rows) { Console.line(line) }
            }
        }
    }

    struct Recover: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Bring a dead node's tenants back on this node from their off-machine backups.",
            discussion: """
                Run on the machine of the node named by --to, with its data folder, master key and backup remote.
                Each tenant is fetched from its newest backup, verified, put in place and reassigned here; what
                changed after that backup is lost, and the report says how much, per tenant.

                Example:
                  portal cluster recover --node node-1 --to node-2 --registry postgres://portal@db/portal \\
                    --data-dir /var/lib/portal --backup-remote offsite:portal
                """
        )

        @Option(name: .customLong("node"), help: "The dead node.") var dead: String
        @Option(name: .customLong("to"), help: "This node: where the tenants come back.") var target: String
        @OptionGroup var registry: RegistryOptions
        @OptionGroup var data: DataOptions
        @OptionGroup var key: MasterKeyOption
        @OptionGroup var remote: BackupRemoteOptions

        func run() async throws {
            let backups = try BackupCommand.backups(data: data, key: key, remote: remote)
            defer { try? backups.platform.close() }
            guard let remote = backups.remote else {
                throw CommandError("recovery needs the backups' remote: pass --backup-remote")
            }
            let outcomes = try await ClusterCommand.withRegistry(registry) { registry in
                try await ClusterRecovery(
                    registry: registry, backups: backups, remote: remote,
                    dataDirectory: DataDirectory(path: data.resolvedDataDir)
                ).run(dead: dead, to: target) { Console.line($0) }
            }
            let failed = outcomes.filter { $0.failure != nil }
            Console.line("Recovered \(outcomes.count - failed.count) of \(outcomes.count) tenant(s) onto \(target)")
            if !failed.isEmpty {
                throw CommandError("not recovered: \(failed.map(\.slug).joined(separator: ", "))")
            }
        }
    }
}

extension TenantCommand {
    struct Move: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Move a tenant to another node of the cluster, without losing a write.",
            discussion: """
                The node that holds the tenant stops its requests (503, Retry-After: 1), snapshots it, sends it to
                the target, which verifies it, and the registry switches; usually well under a second.

                Example:
                  portal tenant move --slug acme --to node-2 --registry postgres://portal@db:5432/portal
                """
        )

        @OptionGroup var slug: SlugOption
        @Option(name: .customLong("to"), help: "The node to move it to.") var target: String
        @OptionGroup var registry: RegistryOptions

        func run() async throws {
            let slug: TenantSlug
            do {
                slug = try TenantSlug(validating: self.slug.slug)
            } catch {
                throw CommandError("\(error)")
            }
            let move: TenantMove = try await ClusterCommand.withRegistry(registry) { registry in
                let requested = try await registry.requestMove(slug: slug, to: target, by: "portal tenant move")
                Console.line("Moving \(slug) from \(requested.source) to \(requested.target) (move \(requested.id))")
                var step = ""
                // The source node takes it up within a second; a move of a large tenant takes as long as its copy.
                for _ in 0..<(10 * 60 * 20) {
                    guard let move = try await registry.move(requested.id) else { break }
                    if move.step != step, !move.step.isEmpty {
                        step = move.step
                        Console.line("  \(step)…")
                    }
                    if move.state == .done || move.state == .failed { return move }
                    try await Task.sleep(for: .milliseconds(50))
                }
                throw CommandError("move \(requested.id) has not finished after 10 minutes; see portal cluster nodes")
            }
            guard move.state == .done else { throw CommandError("the move failed: \(move.error ?? "unknown")") }
            Console.line(
                "Moved \(slug) to \(move.target): \(move.bytes ?? 0) bytes; requests waited "
                    + "\(move.frozenMilliseconds ?? 0) ms")
        }
    }
}
