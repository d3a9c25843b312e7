import Cluster
import Foundation
import Tenancy

/// What the console shows about each brand's health and backups. Only the node holding a brand can measure it: on
/// one node these are read here; in a cluster every node publishes its brands' reports to the shared registry
/// (`ClusterMembership.reportBrands`) and the console reads them all from there.
package struct TenantReports: Sendable {
    let platform: PlatformDatabase
    let backups: TenantBackups
    let registry: TenantRegistry
    let cluster: ClusterMembership?

    /// This node's reports of the brands it holds. Blocking: call on `BlockingIO`.
    package func local() throws -> [Tenant.ID: TenantReport] {
        let health = try platform.health()
        let statuses = try platform.backupStatuses()
        let counts = Dictionary(grouping: try backups.list(), by: \.database).mapValues(\.count)
        var reports: [Tenant.ID: TenantReport] = [:]
        for tenant in registry.heldTenants {
            let database = tenant.slug.rawValue
            reports[tenant.id] = TenantReport(
                health: health[tenant.id], backup: statuses[database], backups: counts[database] ?? 0)
        }
        return reports
    }

    /// Every brand's report: this node's own, or in a cluster the registry's (each from the brand's node).
    package func all() async throws -> [Tenant.ID: TenantReport] {
        if let cluster { return try await cluster.registry.tenantReports() }
        return try await BlockingIO.run { try local() }
    }

    /// Every brand's last measured health: on one node straight from `platform.sqlite` (no backup listing).
    package func health() async throws -> [Tenant.ID: TenantHealth] {
        if cluster != nil { return try await all().compactMapValues(\.health) }
        return try await BlockingIO.run { [platform] in try platform.health() }
    }
}
