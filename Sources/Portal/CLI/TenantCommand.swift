import ArgumentParser
import Foundation
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
            Add.self, List.self, Show.self, Suspend.self, Resume.self, Remove.self, Export.self, Import.self, SetIntegration.self,
            TestIntegration.self,
        ]
    )

    struct Add: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Create a tenant: registry rows, folder and database, all or nothing.",
            discussion: """
                The tenant answers on <slug>.<base domain> and on every --domain given; the first
                --domain is its primary domain (used in email links), else <slug>.<base domain> is.

                Example:
                  portal tenant add --slug acme --name "Acme Hosting" --domain portal.acme.example
                """
        )

        @OptionGroup var slug: SlugOption
        @Option(help: "The brand's display name, e.g. \"Acme Hosting\".") var name: String
        @Option(name: .customLong("domain"), help: "A custom domain for this tenant; repeat for more.")
        var domains: [String] = []
        @Option(name: .customLong("owner-email"), help: "Create the tenant's owner and print a one-time setup link.")
        var ownerEmail: String?
        @OptionGroup var data: DataOptions
        @OptionGroup var domain: DomainOptions

        func run() async throws {
            let onboarding = try TenantCLI.onboarding(data: data, domain: domain)
            defer { try? onboarding.platform.close() }
            var setupToken: String?
            let tenant = try onboarding.addTenant(.init(slug: slug.slug, name: name, customDomains: domains)) { database, _ in
                if let ownerEmail {
                    setupToken = try database.pool.write { db in
                        try OwnerInvitation.create(in: db, kind: .staff, email: ownerEmail)
                    }
                }
            }
            Console.line("Created tenant \(tenant.slug) (\(tenant.name)).")
            let domains = try onboarding.platform.domains(of: tenant.id)
            for domain in domains {
                Console.line("  \(domain.isPrimary ? "primary " : "        ") \(domain.hostname)")
            }
            if let setupToken, let primary = domains.first(where: \.isPrimary) {
                Console.line("Owner \(ownerEmail ?? ""): set a password within 30 minutes at")
                Console.line("  \(OwnerInvitation.link(host: primary.hostname, path: "/admin/accept-invite", token: setupToken))")
            }
        }
    }

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

        func run() async throws {
            try TenantCLI.setStatus(.suspended, slug: slug.slug, data: data)
        }
    }

    struct Resume: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Resume a suspended tenant.",
            discussion: "Example:\n  portal tenant resume --slug acme"
        )

        @OptionGroup var slug: SlugOption
        @OptionGroup var data: DataOptions

        func run() async throws {
            try TenantCLI.setStatus(.active, slug: slug.slug, data: data)
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

        func run() async throws {
            guard yes else {
                throw CommandError(
                    "removing \(slug.slug) deletes its database and files for good; run again with --yes to confirm"
                )
            }
            let onboarding = try TenantCLI.onboarding(data: data, domain: domain)
            defer { try? onboarding.platform.close() }
            let tenant = try onboarding.removeTenant(slug: slug.slug)
            Console.line("Removed tenant \(tenant.slug) (\(tenant.name)) and its folder.")
        }
    }
}

/// Small pieces the tenant commands share.
enum TenantCLI {
    static func platform(data: DataOptions) throws -> PlatformDatabase {
        try PlatformDatabase(dataDirectory: DataDirectory(path: data.resolvedDataDir))
    }

    static func onboarding(data: DataOptions, domain: DomainOptions) throws -> TenantOnboarding {
        let dataDirectory = DataDirectory(path: data.resolvedDataDir)
        return TenantOnboarding(
            platform: try PlatformDatabase(dataDirectory: dataDirectory),
            dataDirectory: dataDirectory,
            baseDomain: try domain.resolvedBaseDomain()
        )
    }

    static func existing(_ rawSlug: String, in platform: PlatformDatabase) throws -> Tenant {
        let slug = try TenantSlug(validating: rawSlug)
        guard let tenant = try platform.tenant(slug: slug) else { throw TenancyError.unknownTenant(rawSlug) }
        return tenant
    }

    static func setStatus(_ status: Tenant.Status, slug rawSlug: String, data: DataOptions) throws {
        let platform = try platform(data: data)
        defer { try? platform.close() }
        let before = try existing(rawSlug, in: platform)
        guard before.status != status else {
            Console.line("Tenant \(before.slug) is already \(status.rawValue); nothing changed.")
            return
        }
        let tenant = try platform.setStatus(status, slug: before.slug)
        switch status {
        case .suspended: Console.line("Suspended \(tenant.slug): its sites now answer \"temporarily unavailable\".")
        case .active: Console.line("Resumed \(tenant.slug): its sites are back.")
        }
    }

    static func format(_ date: Date) -> String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = "yyyy-MM-dd HH:mm 'UTC'"
        return formatter.string(from: date)
    }

    /// Left-aligned columns separated by two spaces.
    static func table(_ rows: [[String]]) -> [String] {
        guard let columns = rows.first?.count else { return [] }
        let widths = (0..<columns).map { column in rows.map { $0[column].count }.max() ?? 0 }
        return rows.map { row in
            row.enumerated().map { index, cell in
                index == columns - 1 ? cell : cell.padding(toLength: widths[index], withPad: " ", startingAt: 0)
            }.joined(separator: "  ")
        }
    }
}
