import HTTPTypes
import Hummingbird
import Tenancy

/// `GET /health` on any host: liveness plus the two numbers an operator watches.
package struct HealthController: Sendable {
    struct Health: ResponseEncodable {
        let status: String
        let version: String
        let tenants: Int
        let openTenantDatabases: Int
        /// In a cluster: this node's name and how many tenants it holds (the proxy and operators read it).
        let node: String?
        let heldTenants: Int?
    }

    let registry: TenantRegistry
    let databases: TenantDatabases
    let version: String

    package func addRoutes(to router: Router<PortalRequestContext>) {
        router.get(OperationsPaths.health.route, use: health)
    }

    @Sendable func health(_ request: Request, context: PortalRequestContext) async throws -> Response {
        let body = Health(
            status: "ok",
            version: version,
            tenants: registry.snapshot.tenantCount,
            openTenantDatabases: databases.openCount,
            node: registry.node,
            heldTenants: registry.node == nil ? nil : registry.heldTenants.count
        )
        var response = try body.response(from: request, context: context)
        response.headers[.cacheControl] = "no-store"
        return response
    }
}
