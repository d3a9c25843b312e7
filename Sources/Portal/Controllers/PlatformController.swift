import Foundation
import Hummingbird
import Tenancy

/// The platform console for platform users: the tenant list and the platform's audit log.
package struct PlatformController: Sendable {
    let flows: AccountFlows
    let realm: PlatformRealm
    let registry: TenantRegistry

    package func addRoutes(to group: RouterGroup<PlatformUserContext>) {
        group.get("/", use: home)
        group.get("/audit", use: audit)
    }

    @Sendable func home(_ request: Request, context: PlatformUserContext) async throws -> Response {
        let snapshot = registry.snapshot
        let rows = snapshot.tenantsByID.values.sorted { $0.slug.rawValue < $1.slug.rawValue }.map { tenant in
            PlatformHomePage.Row(
                slug: tenant.slug.rawValue, name: tenant.name, status: tenant.status.rawValue,
                suspended: tenant.status == .suspended, primaryHost: snapshot.primaryHost(of: tenant.id) ?? ""
            )
        }
        let page = PlatformHomePage(
            chrome: try await realm.chrome(), csrf: context.csrfToken, name: context.account.name, rows: rows,
            isEmpty: rows.isEmpty
        )
        return try flows.page(page, "platform/home")
    }

    @Sendable func audit(_ request: Request, context: PlatformUserContext) async throws -> Response {
        let action = String((request.uri.queryParameters.get("action") ?? "").prefix(64))
        let actor = String((request.uri.queryParameters.get("actor") ?? "").prefix(254))
        let entries = try await realm.withAccounts { try await $0.auditEntries(action: action, actor: actor) }
        let rows = AuditPage.rows(entries)
        let page = AuditPage(
            chrome: try await realm.chrome(), csrf: context.csrfToken, rows: rows, action: action, actor: actor,
            isEmpty: rows.isEmpty
        )
        return try flows.page(page, "platform/audit")
    }
}
