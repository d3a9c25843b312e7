import ArgumentParser
import Cluster
import Foundation
import Logging
import Tenancy

/// `portal registry …`: the shared registry of several nodes.
struct RegistryCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "registry",
        abstract: "Move a platform's registry to PostgreSQL, for several nodes.",
        subcommands: [MigrateToPostgres.self]
    )

    struct MigrateToPostgres: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "migrate-to-postgres",
            abstract:
                "Copy platform.sqlite's tenants, domains, platform users, platform audit and upstream claims into an empty shared registry.",
            discussion: """
                Every tenant keeps its id and is assigned to --node, the node whose data folder holds it; start that
                node with the same --registry, --node and --advertise afterwards. platform.sqlite is left as it was
                (the node keeps its copy of the registry there).

                Example:
                  portal registry migrate-to-postgres --data-dir /var/lib/portal \\
                    --registry postgres://portal@db:5432/portal --node node-1 --advertise http://10.0.0.11:8080
                """
        )

        @OptionGroup var data: DataOptions
        @OptionGroup var cluster: ClusterOptions

        func run() async throws {
            guard let settings = try cluster.resolvedCluster() else {
                throw CommandError("give the registry to move into with --registry (and --node, --advertise)")
            }
            let platform = try TenantCLI.platform(data: data)
            defer { try? platform.close() }
            let tenants = try platform.allTenants().sorted { $0.id.rawValue < $1.id.rawValue }
            let domains = try platform.allDomains()
            let realm = try platform.realmForMigration()
            // This folder's audit entries keep a name of their own in the registry: the node it becomes copies
            // every other node's entries but not these, which it has.
            let origin = "migrated-\(UUID().uuidString.prefix(8).lowercased())"
            let logger = Logger(label: "portal") { _ in SwiftLogNoOpLogHandler() }
            let registry = PostgresRegistry(url: settings.registry, node: settings.node, logger: logger)
            Console.line("Moving \(tenants.count) tenant(s) and \(domains.count) domain(s) to \(settings.registry)")
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask { await registry.run() }
                defer { group.cancelAll() }
                do {
                    try await registry.migrate()
                    try await registry.join(node: settings.node, advertise: settings.advertise)
                    let total = tenants.count
                    try await registry.importPlatform(tenants: tenants, domains: domains, node: settings.node) {
                        copied in
                        Console.line("  \(copied)/\(total) tenants copied")
                    }
                    Console.line(
                        "Copying \(realm.documents.count) platform user(s), \(realm.audit.count) audit entries and "
                            + "\(realm.claims.count) upstream claim(s)")
                    try await registry.importPlatformRealm(
                        documents: realm.documents, audit: realm.audit, origin: origin, claims: realm.claims)
                    try await platform.pool.write { db in try PlatformRealmCopy.markMigrated(db, origin: origin) }
                } catch let error as ClusterError {
                    throw CommandError(error.description)
                } catch let error as TenancyError {
                    throw CommandError(error.description)
                }
            }
            Console.line(
                "Done: start this node with --registry \(settings.registry) --node \(settings.node) "
                    + "--advertise \(settings.advertise)")
        }
    }
}
