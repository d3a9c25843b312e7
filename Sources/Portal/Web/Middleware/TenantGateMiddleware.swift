import HTTPTypes
import Hummingbird

/// Lets a request through only when its host names an active tenant, except for the few
/// host-independent paths (`/health`, `/static/…`, the bench baseline).
package struct TenantGateMiddleware: RouterMiddleware {
    package typealias Context = PortalRequestContext

    let benchRoutes: Bool

    package func handle(
        _ request: Request,
        context: Context,
        next: (Request, Context) async throws -> Response
    ) async throws -> Response {
        if isHostIndependent(request.uri.path) {
            return try await next(request, context)
        }
        switch context.origin.resolution {
        case .pending, .unknownHost:
            throw PortalError.unknownHost
        case .badHost(let problem):
            throw PortalError.badHost(problem)
        case .tenant(let tenant, _):
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
        guard path == "/admin" || path.hasPrefix("/admin/") else { return false }
        if request.method == .get || request.method == .head { return true }
        // Signing in and out, second factors, and recovering a password: what it takes to get in and read.
        return [
            "/admin/login", "/admin/logout", "/admin/login/two-factor", "/admin/forgot-password",
            "/admin/reset-password",
            "/admin/security/two-factor",
        ].contains(path)
    }

    private func isHostIndependent(_ path: String) -> Bool {
        path == "/health" || path.hasPrefix("/static/") || path == TLSAskController.path
            || (benchRoutes && path == "/bench/plaintext")
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
        guard case .platform = context.origin.resolution, !request.uri.path.hasPrefix("/static/"),
            request.uri.path != "/health", request.uri.path != TLSAskController.path
        else { return try await next(request, context) }
        return try await responder.respond(to: request, context: context)
    }
}
