import Hummingbird
import Tenancy

/// Resolves the page chrome of the request's host once: the brand's on a tenant host, the console's on the
/// platform host. Everything after it (error pages, controllers) reads `context.chrome` and never fetches it again.
package struct BrandMiddleware: RouterMiddleware {
    package typealias Context = PortalRequestContext

    let storefront: StorefrontService
    let platformRealm: PlatformRealm

    package func handle(
        _ request: Request,
        context: Context,
        next: (Request, Context) async throws -> Response
    ) async throws -> Response {
        var context = context
        switch context.origin.resolution {
        case .tenant(let tenant, _):
            // A brand that cannot be read gets the neutral error page; its routes answer 503 (`brandUnavailable`).
            context.storefront = try? await storefront.content(for: tenant)
            context.chrome = context.storefront?.chrome
        case .platform:
            context.chrome = platformRealm.chrome()
        case .pending, .badHost, .unknownHost:
            break
        }
        return try await next(request, context)
    }
}
