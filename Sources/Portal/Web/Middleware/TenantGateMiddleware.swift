import HTTPTypes
import Hummingbird
import Tenancy

/// Lets a request through only when its host names an active tenant, except for the few
/// host-independent paths (`/health`, `/static/…`, the bench baseline).
package struct TenantGateMiddleware: RouterMiddleware {
    package typealias Context = PortalRequestContext

    let benchRoutes: Bool
    let registry: TenantRegistry
    let moving: MovingTenants

    package func handle(
        _ request: Request,
        context: Context,
        next: (Request, Context) async throws -> Response
    ) async throws -> Response {
        if OperationsPaths.isHostIndependent(request.uri.path, benchRoutes: benchRoutes) {
            return try await next(request, context)
        }
        switch context.origin.resolution {
        case .pending, .unknownHost:
            throw PortalError.unknownHost
        case .badHost(let problem):
            throw PortalError.badHost(problem)
        case .tenant(let tenant, _):
            guard !moving.contains(tenant.id) else { throw PortalError.tenantMoving }
            guard registry.holds(tenant.id) else {
                // Moved here a moment ago, before this node's registry copy caught up: the proxy may already
                // send its requests here, and they are told to retry, not sent back to the old holder.
                if registry.isArriving(tenant.id) { throw PortalError.tenantMoving }
                throw PortalError.heldElsewhere(node: registry.snapshot.assignments[tenant.id])
            }
            guard tenant.status == .active || Self.staffMayEnterSuspended(request) else {
                throw PortalError.tenantSuspended
            }
            guard tenant.maintenanceSince == nil else { throw PortalError.tenantMaintenance }
            return try await next(request, context)
        case .platform:
            return try await next(request, context)
        }
    }

    /// A suspended brand's staff may sign in and read (why it is suspended, and their data); they change nothing.
    static func staffMayEnterSuspended(_ request: Request) -> Bool {
        let path = request.uri.path
        guard path == AdminPaths.home.pattern || path.hasPrefix(AdminPaths.home.pattern + "/") else { return false }
        if request.method == .get || request.method == .head { return true }
        // Signing in and out, second factors, and recovering a password: what it takes to get in and read.
        let staff = SignInPaths.staff
        return [
            staff.login, staff.logout, staff.loginTwoFactor, staff.forgotPassword, staff.resetPassword, staff.twoFactor,
        ]
        .contains { $0.pattern == path }
    }

}

/// Sends every request on the platform host to the platform console's own routes, so console paths
/// (`/login`, `/`) and tenant paths never share a route table.
package struct PlatformHostMiddleware<Responder: HTTPResponder>: RouterMiddleware
where Responder.Context == PortalRequestContext {
    package typealias Context = PortalRequestContext

    let responder: Responder

    package func handle(
        _ request: Request,
        context: Context,
        next: (Request, Context) async throws -> Response
    ) async throws -> Response {
        guard case .platform = context.origin.resolution,
            !OperationsPaths.isHostIndependent(request.uri.path, benchRoutes: false)
        else { return try await next(request, context) }
        return try await responder.respond(to: request, context: context)
    }
}

extension HTTPField.Name {
    /// Names the node that holds a tenant, on a 421 from a node that does not.
    package static let portalNode = Self("Portal-Node")!
}
