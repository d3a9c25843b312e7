import HTTPTypes
import Hummingbird

/// The product's own CSS and images, from memory, on any host.
package struct StaticAssetsController: Sendable {
    let assets: StaticAssets

    package func addRoutes(to router: Router<PortalRequestContext>) {
        router.get(OperationsPaths.staticFiles.route, use: serve)
    }

    @Sendable func serve(_ request: Request, context: PortalRequestContext) async throws -> Response {
        let name = context.parameters.getCatchAll().joined(separator: "/")
        guard let asset = assets.asset(named: name) else { throw PortalError.notFound }
        return CachedResponse.make(
            request,
            body: asset.body,
            etag: asset.etag,
            contentType: asset.contentType,
            cacheControl: CachedResponse.cacheControl(
                askedVersion: request.uri.queryParameters.get("v"),
                currentVersion: String(asset.etag.dropFirst().dropLast())
            )
        )
    }
}
