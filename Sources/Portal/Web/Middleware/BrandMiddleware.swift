import Hummingbird
import Logging
import Tenancy

/// Resolves the page chrome of the request's host once: the brand's on a tenant host, the console's on the
/// platform host. Everything after it (error pages, controllers) reads the context and never fetches it again.
///
/// Host-independent paths and the product API need no brand and are passed through untouched. A brand whose content
/// cannot be built is logged, and its pages still get a plain chrome with the brand's name, so its staff can sign in
/// and mend it; only the pages that show the storefront's content answer 503 (`brandUnavailable`).
package struct BrandMiddleware: RouterMiddleware {
    package typealias Context = PortalRequestContext

    let storefront: StorefrontService
    let registry: TenantRegistry
    let platformRealm: PlatformRealm
    let benchRoutes: Bool
    let logger: Logger

    package func handle(
        _ request: Request,
        context: Context,
        next: (Request, Context) async throws -> Response
    ) async throws -> Response {
        let path = request.uri.path
        guard !OperationsPaths.isHostIndependent(path, benchRoutes: benchRoutes) else {
            return try await next(request, context)
        }
        var context = context
        switch context.origin.resolution {
        case .tenant(let tenant, _):
            // Held by another node: its data here may be stale, so none of it is read (the gate answers 421).
            guard registry.holds(tenant.id) else { break }
            guard !path.hasPrefix(ProductAPIPaths.prefix) else {
                // The API answers in JSON and never shows the storefront: a name for its error pages suffices.
                context.chrome = platformRealm.plainChrome(named: tenant.name)
                break
            }
            do {
                // A request with a session opens the tenant's pool next anyway: a miss is read through it rather than
                // through a connection of its own (each connection parses the whole schema first).
                let content = try await storefront.content(
                    for: tenant, throughPool: SessionCookie.value(SessionCookie.session, in: request) != nil)
                context.storefront = content
                context.chrome = content.chrome
            } catch {
                logger.error(
                    "brand content could not be built",
                    metadata: ["tenant": "\(tenant.slug)", "request_id": "\(context.requestID)", "error": "\(error)"]
                )
                context.chrome = platformRealm.plainChrome(named: tenant.name)
            }
        case .platform:
            context.chrome = platformRealm.chrome()
        case .pending, .badHost, .unknownHost:
            break
        }
        return try await next(request, context)
    }
}
