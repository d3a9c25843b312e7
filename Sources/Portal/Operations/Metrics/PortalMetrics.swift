import Metrics
import Prometheus

/// The process's counters and histograms: swift-metrics handlers (`RequestMetricsMiddleware`, the upstream
/// caller, mail delivery, the sign-in throttle) backed by one Prometheus registry, which `GET /internal/metrics`
/// prints. Nothing here is labelled by tenant: with 100,000 brands that would be 100,000 series per metric, and
/// per-brand figures belong on the console.
package enum PortalMetrics {
    package static let registry = PrometheusCollectorRegistry()

    /// swift-metrics has one backend per process, chosen once.
    private static let bootstrapped: Void = {
        var factory = PrometheusMetricsFactory(registry: registry)
        factory.nameAndLabelSanitizer = { rename($0, $1) }
        factory.defaultDurationHistogramBuckets = [
            .milliseconds(1), .microseconds(2500), .milliseconds(5), .milliseconds(10), .milliseconds(25),
            .milliseconds(50), .milliseconds(100), .milliseconds(250), .milliseconds(500), .seconds(1),
            .milliseconds(2500), .seconds(5), .seconds(10), .seconds(30),
        ]
        MetricsSystem.bootstrap(factory)
    }()

    /// Installs the Prometheus backend; safe to call any number of times.
    package static func bootstrap() { _ = bootstrapped }

    /// Hummingbird's metric names in Prometheus form, with the status code folded into its class (`2xx`): five
    /// series per route and method rather than one per code seen.
    static func rename(_ label: String, _ dimensions: [(String, String)]) -> (String, [(String, String)]) {
        let name: String
        switch label {
        case "hb.requests": name = "portal_http_requests_total"
        case "hb.request.errors": name = "portal_http_request_errors_total"
        case "http.server.request.duration": name = "portal_http_request_duration_seconds"
        case "http.server.active_requests": name = "portal_http_active_requests"
        default: name = String(label.map { $0.isLetter || $0.isNumber || $0 == "_" ? $0 : "_" })
        }
        let labels = dimensions.map { key, value -> (String, String) in
            switch key {
            case "http.route": ("route", value)
            case "http.request.method": ("method", value)
            case "http.response.status_code", "error.type": ("status_class", statusClass(value))
            default: (String(key.map { $0.isLetter || $0.isNumber || $0 == "_" ? $0 : "_" }), value)
            }
        }
        return (name, labels)
    }

    static func statusClass(_ code: String) -> String {
        guard let first = code.first, code.count == 3, first.isNumber else { return "other" }
        return "\(first)xx"
    }

    // MARK: What the portal counts

    /// One message handed to a relay (`sent`), given up on (`failed`) or put off for a retry (`deferred`).
    package static func mail(_ outcome: String) {
        Counter(label: "portal_mail_total", dimensions: [("outcome", outcome)]).increment()
    }

    /// Lookups of a tenant's storefront content (brand, catalogue, rendered home page) in memory: the hit rate is
    /// hits ÷ all lookups; a miss opens the tenant's database. Made once: these are counted on every storefront page.
    package static let storefrontCacheHit = Counter(
        label: "portal_cache_lookups_total", dimensions: [("cache", "storefront"), ("result", "hit")])
    package static let storefrontCacheMiss = Counter(
        label: "portal_cache_lookups_total", dimensions: [("cache", "storefront"), ("result", "miss")])
    /// Misses answered from the tenant's storefront snapshot instead of its database.
    package static let storefrontSnapshotRead = Counter(
        label: "portal_cache_lookups_total", dimensions: [("cache", "storefront-snapshot"), ("result", "hit")])

    /// A sign-in attempt turned away because its address, account or pair is waiting out a throttle.
    package static func loginThrottled() {
        Counter(label: "portal_login_throttled_total").increment()
    }
}
