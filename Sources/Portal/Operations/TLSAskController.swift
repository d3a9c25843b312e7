import HTTPTypes
import Hummingbird
import Tenancy

/// `GET /internal/tls/allowed?domain=X` on any host: Caddy's on-demand TLS `ask`. 200 only for an active domain of
/// an active tenant (or the platform host), so the edge never requests a certificate for a name nobody serves; asked
/// from anywhere but loopback (a visitor through the edge, with `--trusted-proxy` set), always 404.
package struct TLSAskController: Sendable {
    let registry: TenantRegistry
    let baseDomain: String
    let platformHost: String

    package func addRoutes(to router: Router<PortalRequestContext>) {
        router.get(OperationsPaths.tlsAsk.route, use: allowed)
    }

    @Sendable func allowed(_ request: Request, context: PortalRequestContext) async throws -> Response {
        let raw = request.uri.queryParameters.get("domain") ?? ""
        // Only the edge on this machine asks; from anywhere else the answer would just list the platform's domains.
        let fromLoopback =
            context.origin.clientAddress.map { $0 == "127.0.0.1" || $0 == "::1" || $0.hasPrefix("127.") } ?? false
        let allowed: Bool
        if fromLoopback, let host = try? HostName.normalize(raw) {
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
