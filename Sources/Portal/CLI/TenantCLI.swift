import ArgumentParser
import Foundation
import Logging
import Synchronization
import Tenancy

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

    /// Refuses to change the registry of a data folder that belongs to a node of a cluster without `--registry`:
    /// its `platform.sqlite` is only a copy, and a change there would reach no other node.
    static func refuseLocalChange(_ platform: PlatformDatabase) throws {
        if let node = try platform.clusterNode() {
            throw CommandError(
                "this data folder is node \(node) of a cluster: its registry is in PostgreSQL; pass --registry")
        }
    }

    static func setStatus(
        _ status: Tenant.Status, slug rawSlug: String, data: DataOptions, registry: RegistryOptions
    ) async throws {
        let platform = try platform(data: data)
        defer { try? platform.close() }
        let before = try existing(rawSlug, in: platform)
        guard before.status != status else {
            Console.line("Tenant \(before.slug) is already \(status.rawValue); nothing changed.")
            return
        }
        let tenant: Tenant
        if try registry.resolvedRegistry() != nil {
            tenant = try await ClusterCommand.withRegistry(registry) { shared in
                try await shared.setStatus(status, slug: before.slug, reason: "")
            }
        } else {
            try refuseLocalChange(platform)
            tenant = try platform.setStatus(status, slug: before.slug)
        }
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
