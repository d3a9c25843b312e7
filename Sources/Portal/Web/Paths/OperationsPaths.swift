/// Host-independent routes: liveness, static files, the TLS edge's question, the benchmark baseline.
package enum OperationsPaths {
    package static let benchPlaintext = RoutePath("/bench/plaintext")
    package static let health = RoutePath("/health")
    /// Caddy's on-demand TLS asks here whether a host may have a certificate.
    package static let tlsAsk = RoutePath("/internal/tls/allowed")
    package static let ready = RoutePath("/internal/ready")
    package static let metrics = RoutePath("/internal/metrics")
    package static let staticFiles = RoutePath("/static/**")

    /// Where the static file `name` is served (`base.css` → `/static/base.css`).
    package static func staticFile(_ name: String) -> String {
        "/static/" + name
    }

    /// Paths answered whatever the host names (a tenant, the platform, or nothing): these never reach a tenant's
    /// gate or the platform console's routes.
    package static func isHostIndependent(_ path: String, benchRoutes: Bool) -> Bool {
        // Asked several times per request: the prefixes are made once.
        path == health.pattern || path.hasPrefix(staticPrefix) || path == tlsAsk.pattern || path == ready.pattern
            || path == metrics.pattern || path.hasPrefix(receivePrefix)
            || (benchRoutes && path == benchPlaintext.pattern)
    }

    private static let staticPrefix = staticFile("")
    private static let receivePrefix = ClusterPaths.receive.fixedPrefix
}
