import Foundation
import Tenancy

/// `/console/tenants/{slug}`: one brand, its health, exports, backups and audit, and the owner's actions.
package struct ConsoleTenantPage: Sendable {
    package struct Domain: Sendable {
        package let hostname: String
        package let kind: String
        package let status: String
        package let isPrimary: Bool
    }

    package struct Export: Sendable {
        package let name: String
        package let link: String
        package let size: String
    }

    package let chrome: StorefrontChrome
    package let csrf: String
    package var notice: Notice?
    package let slug: String
    package let name: String
    package let status: String
    package let isSuspended: Bool
    package let reason: String
    package let created: String
    package let domains: [Domain]
    package let customers: String
    package let services: String
    package let failed: String
    package let lastActivity: String
    package let size: String
    package let measured: String
    package let exports: [Export]
    package let hasExports: Bool
    package let backups: Int
    package let audit: [AuditPage.Row]
    package let hasAudit: Bool
    /// The node holding the brand, in a cluster (the one rendering this page).
    package var node: String?
    package var reasonInput = ""
    package var reasonError: String?
}

extension ConsoleTenantPage {
    init(_ tenant: Tenant, _ overview: TenantOperations.Overview, notice: Notice?, context: PlatformUserContext) {
        let slug = tenant.slug
        let health = overview.health
        let exports = overview.exports.map {
            Export(
                name: $0.lastPathComponent, link: ConsolePaths.tenantExportFile.link(slug, $0.lastPathComponent),
                size: FileSize.text(FileSize.bytes(at: $0.path)))
        }
        self.init(
            chrome: context.chrome, csrf: context.csrfToken, notice: notice, slug: slug.rawValue, name: tenant.name,
            status: PlatformController.status(tenant), isSuspended: tenant.status == .suspended,
            reason: tenant.statusReason, created: PageDates.format(tenant.createdAt),
            domains: overview.domains.map {
                Domain(
                    hostname: $0.hostname, kind: $0.kind.rawValue,
                    status: $0.status == .active ? "working" : "waiting for DNS", isPrimary: $0.isPrimary)
            },
            customers: health.map { String($0.customers) } ?? "–",
            services: health.map { String($0.activeServices) } ?? "–",
            failed: health.map { String($0.failedJobs) } ?? "–",
            lastActivity: health?.lastActivity.map(PageDates.format) ?? "never",
            size: health.map { FileSize.text($0.databaseBytes) } ?? "–",
            measured: health.map { PageDates.format($0.checkedAt) } ?? "not yet",
            exports: exports, hasExports: !exports.isEmpty, backups: overview.backups,
            audit: AuditPage.rows(Array(overview.audit.prefix(50))), hasAudit: !overview.audit.isEmpty
        )
    }
}
