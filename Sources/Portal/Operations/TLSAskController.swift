import HTTPTypes
import Hummingbird
import Tenancy

/// `GET /internal/tls/allowed?domain=X` on any host: Caddy's on-demand TLS `ask`. 200 only for an active domain of
/// an active tenant (or the platform host), so the edge never requests a certificate for a name nobody serves; asked
/// from outside (anywhere but loopback or a trusted proxy itself, such as a visitor through the edge), always 404.
package struct TLSAskController: Sendable {
    let registry: TenantRegistry
    let baseDomain: String
    let platformHost: String

    package func addRoutes(to router: Router<PortalRequestContext>) {
        router.get(OperationsPaths.tlsAsk.route, use: allowed)
    }

    @Sendable func allowed(_ request: Request, context: PortalRequestContext) async throws -> Response {
        let raw = request.uri.queryParameters.get("domain") ?? ""
        // Only the edge asks; from anywhere else the answer would just list the platform's domains.
        let allowed: Bool
        if context.origin.fromInside, let host = try? HostName.normalize(raw) {
            allowed = host == platformHost || registry.snapshot.servesTLS(for: host, baseDomain: baseDomain)
        } else {
            allowed = false
        }
        return Response(
            status: allowed ? .ok : .notFound,
            headers: [.contentType: "text/plain; charset=utf-8", .cacheControl: "no-store"],
            body: .init(byteBuffer: .init(string: allowed ? "allowed\n" : "not served here\n"))
        )
    }
}
