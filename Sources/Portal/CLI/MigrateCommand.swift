import ArgumentParser
import Tenancy

/// `portal migrate`: brings the registry and every tenant database up to the current schema.
struct MigrateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "migrate",
        abstract: "Apply pending schema migrations to the registry and every tenant database.",
        discussion: """
            Safe to run at any time and more than once; the server also migrates a tenant's
            database when it first opens it.

            Example:
              portal migrate --data-dir /var/lib/portal
            """
    )

    @OptionGroup var data: DataOptions

    func run() async throws {
        let dataDirectory = DataDirectory(path: data.resolvedDataDir)
        let platform = try PlatformDatabase(dataDirectory: dataDirectory)
        defer { try? platform.close() }
        Console.line("registry: up to date (\(dataDirectory.platformDatabasePath))")
        let tenants = try platform.allTenants()
        var failures: [String] = []
        let width = String(tenants.count).count
        for (index, tenant) in tenants.enumerated() {
            let counter = String(index + 1).leftPadded(to: width)
            do {
                let database = try TenantDatabase.open(
                    path: dataDirectory.tenantDatabasePath(tenant.slug), tenantID: tenant.id, expecting: tenant.slug)
                try database.close()
                Console.line("[\(counter)/\(tenants.count)] \(tenant.slug): up to date")
            } catch {
                failures.append(tenant.slug.rawValue)
                Console.line("[\(counter)/\(tenants.count)] \(tenant.slug): FAILED: \(error)")
            }
        }
        guard failures.isEmpty else {
            throw CommandError(
                "\(failures.count) tenant database(s) failed to migrate: \(failures.joined(separator: ", "))")
        }
        Console.line("migrated \(tenants.count) tenant database\(tenants.count == 1 ? "" : "s")")
    }
}

extension String {
    func leftPadded(to width: Int) -> String {
        count >= width ? self : String(repeating: " ", count: width - count) + self
    }
}
