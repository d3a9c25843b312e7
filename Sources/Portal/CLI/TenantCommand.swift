import ArgumentParser
import Foundation
import Logging
import Synchronization
import Tenancy

/// `portal tenant …`: onboarding and lifecycle of tenants in the registry.
struct TenantCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tenant",
        abstract: "Add, list, show, suspend, resume, export, import or remove tenants.",
        discussion: """
            A running server picks up every change within a second.

            Example:
              portal tenant add --slug acme --name "Acme Hosting" --domain portal.acme.example
            """,
        subcommands: [
            Add.self, List.self, Show.self, Suspend.self, Resume.self, Remove.self, Export.self, Import.self,
            Move.self, SetIntegration.self,
            TestIntegration.self,
        ]
    )

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Print every tenant as a table.",
            discussion: "Example:\n  portal tenant list --data-dir ./tenants"
        )

        @OptionGroup var data: DataOptions

        func run() async throws {
            let platform = try TenantCLI.platform(data: data)
            defer { try? platform.close() }
            let tenants = try platform.allTenants()
            guard !tenants.isEmpty else {
                Console.line("No tenants yet. Add one with: portal tenant add --slug acme --name \"Acme Hosting\"")
                return
            }
            var rows = [["SLUG", "NAME", "STATUS", "PRIMARY DOMAIN", "CREATED"]]
            for tenant in tenants {
                let primary = try platform.domains(of: tenant.id).first(where: \.isPrimary)?.hostname ?? "-"
                rows.append([
                    tenant.slug.rawValue, tenant.name, tenant.status.rawValue, primary,
                    TenantCLI.format(tenant.createdAt),
                ])
            }
            for line in TenantCLI.table(rows) { Console.line(line) }
            Console.line("\(tenants.count) tenant\(tenants.count == 1 ? "" : "s")")
        }
    }

    struct Show: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Print one tenant with its domains.",
            discussion: "Example:\n  portal tenant show --slug acme"
        )

        @OptionGroup var slug: SlugOption
        @OptionGroup var data: DataOptions

        func run() async throws {
            let platform = try TenantCLI.platform(data: data)
            defer { try? platform.close() }
            let tenant = try TenantCLI.existing(slug.slug, in: platform)
            Console.line("Slug:     \(tenant.slug)")
            Console.line("Name:     \(tenant.name)")
            Console.line("Status:   \(tenant.status.rawValue)")
            Console.line("Created:  \(TenantCLI.format(tenant.createdAt))")
            Console.line("Folder:   \(DataDirectory(path: data.resolvedDataDir).tenantFolder(tenant.slug).path)")
            Console.line("Domains:")
            for domain in try platform.domains(of: tenant.id) {
                Console.line("  \(domain.hostname) (\(domain.kind.rawValue)\(domain.isPrimary ? ", primary" : ""))")
            }
        }
    }

    struct Suspend: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Suspend a tenant: its sites answer a branded 503 until resumed. Data is kept.",
            discussion: "Example:\n  portal tenant suspend --slug acme"
        )

        @OptionGroup var slug: SlugOption
        @OptionGroup var data: DataOptions
        @OptionGroup var registry: RegistryOptions

        func run() async throws {
            try await TenantCLI.setStatus(.suspended, slug: slug.slug, data: data, registry: registry)
        }
    }

    struct Resume: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Resume a suspended tenant.",
            discussion: "Example:\n  portal tenant resume --slug acme"
        )

        @OptionGroup var slug: SlugOption
        @OptionGroup var data: DataOptions
        @OptionGroup var registry: RegistryOptions

        func run() async throws {
            try await TenantCLI.setStatus(.active, slug: slug.slug, data: data, registry: registry)
        }
    }

    struct Remove: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Remove a tenant, its domains and its whole folder. This cannot be undone.",
            discussion: "Example:\n  portal tenant remove --slug acme --yes"
        )

        @OptionGroup var slug: SlugOption
        @Flag(help: "Confirm that the tenant's data is to be deleted.") var yes = false
        @OptionGroup var data: DataOptions
        @OptionGroup var domain: DomainOptions
        @OptionGroup var registry: RegistryOptions

        func run() async throws {
            guard yes else {
                throw CommandError(
                    "removing \(slug.slug) deletes its database and files for good; run again with --yes to confirm"
                )
            }
            let onboarding = try TenantCLI.onboarding(data: data, domain: domain)
            defer { try? onboarding.platform.close() }
            let tenant: Tenant
            if try registry.resolvedRegistry() != nil {
                tenant = try await ClusterCommand.withRegistry(registry) { shared in
                    try await onboarding.removeTenant(slug: slug.slug, writer: shared)
                }
            } else {
                try TenantCLI.refuseLocalChange(onboarding.platform)
                tenant = try onboarding.removeTenant(slug: slug.slug)
            }
            Console.line("Removed tenant \(tenant.slug) (\(tenant.name)) and its folder.")
        }
    }
}
