import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Integrations
import TestSupport
import Testing

@testable import Portal
@testable import Tenancy

/// `GET /internal/metrics`: what it counts, what it measures, that it never names a tenant, and who may read it.
/// The Python checks parse the same answer with `prometheus_client`'s parser (scripts/metrics-check.py).
@Suite("Operating: metrics")
struct MetricsTests {
    /// The value of the one sample `name{labels}` in a scrape, labels in the order printed.
    static func sample(_ text: String, _ series: String) -> Double? {
        for line in text.split(separator: "\n") where line.hasPrefix(series + " ") {
            return Double(line.dropFirst(series.count + 1))
        }
        return nil
    }

    @Test("requests by route template, method and status class; state gauges from the registry; no tenant label")
    func scrape() async throws {
        try await withPortal(configure: {
            $0.trustedProxies = [CIDR("127.0.0.1/32")!]
            $0.requestMetrics = true
        }) { client, dependencies in
            for host in ["acme.localhost", "globex.localhost"] {
                #expect(try await client.get("/", host: host).status == .ok)
                #expect(try await client.get("/no-such-page", host: host).status == .notFound)
            }
            let acme = try #require(
                dependencies.registry.snapshot.tenantsByID.values.first { $0.slug.rawValue == "acme" })
            let globex = try #require(
                dependencies.registry.snapshot.tenantsByID.values.first { $0.slug.rawValue == "globex" })
            var figures = JobFigures()
            figures.queued = 2
            figures.retrying = 1
            figures.parked = 1
            figures.outboxDepth = 4
            figures.oldestQueuedAt = Date().addingTimeInterval(-600)
            try dependencies.platform.recordJobFigures(figures, of: acme.id)
            figures.oldestQueuedAt = nil
            figures.queued = 0
            try dependencies.platform.recordJobFigures(figures, of: globex.id)
            // Visitors' pages open no pool; signed-in work does.
            for tenant in [acme, globex] { try await dependencies.databases.withDatabase(for: tenant) { _ in } }

            let response = try await client.get("/internal/metrics", host: "127.0.0.1")
            #expect(response.status == .ok)
            #expect(response.headers[.contentType] == "text/plain; version=0.0.4; charset=utf-8")
            let text = response.text
            // Two brands' home pages are one series: the route template, never the host.
            let home = try #require(
                Self.sample(text, #"portal_http_requests_total{route="/",method="GET",status_class="2xx"}"#))
            #expect(home >= 2)
            #expect(
                text.contains(
                    #"portal_http_request_duration_seconds_bucket{route="/",method="GET",status_class="2xx",le="#))
            #expect(text.contains(#"status_class="4xx""#))
            #expect(Self.sample(text, #"portal_pipeline_jobs{state="queued"}"#) == 2)
            #expect(Self.sample(text, #"portal_pipeline_jobs{state="retrying"}"#) == 2)
            #expect(Self.sample(text, #"portal_pipeline_jobs{state="parked"}"#) == 2)
            #expect(Self.sample(text, "portal_orders_parked") == 2)
            #expect(Self.sample(text, #"portal_mail_outbox_depth{outbox="brands"}"#) == 8)
            let oldest = try #require(Self.sample(text, "portal_pipeline_oldest_waiting_job_age_seconds"))
            #expect(oldest >= 600)
            #expect((Self.sample(text, "portal_tenant_databases_open") ?? 0) >= 2)
            for name in [
                "portal_circuit_breakers_open", "portal_backup_newest_age_seconds", "portal_password_hash_queue_depth",
                #"portal_alerts_open{scope="platform"}"#, #"portal_alerts_open{scope="brands"}"#, "portal_draining",
            ] {
                #expect(Self.sample(text, name) != nil, "\(name) is missing")
            }
            // Per-tenant figures belong on the console, not in a series per brand.
            for word in ["acme", "globex", "tenant="] { #expect(!text.contains(word), "\(word) in the metrics") }

            // A visitor the edge forwards is outside.
            let outside = try await client.get(
                "/internal/metrics", host: "acme.localhost", headers: [.testForwardedFor: "203.0.113.5"])
            #expect(outside.status == .notFound)
            #expect(!outside.text.contains("portal_"))
        }
    }

    @Test("upstream calls are counted by upstream and outcome; open circuits are counted")
    func upstreamAndBreakers() async throws {
        let breakers = CircuitBreakers(failureThreshold: 2, openDuration: 60)
        let key = CircuitBreakers.Key(tenant: "acme", upstream: "whmcs")
        #expect(breakers.openCount == 0)
        breakers.recordFailure(key)
        #expect(breakers.openCount == 0)
        #expect(breakers.failing(since: Date()).keys.contains(key))
        breakers.recordFailure(key)
        #expect(breakers.openCount == 1)
        breakers.recordSuccess(key)
        #expect(breakers.openCount == 0 && breakers.failing(since: Date()).isEmpty)

        PortalMetrics.bootstrap()
        UpstreamMetrics.record(upstream: "whm", outcome: "timeout", elapsed: .milliseconds(30))
        let text = PortalMetrics.registry.emitToString()
        #expect((Self.sample(text, #"portal_upstream_calls_total{upstream="whm",outcome="timeout"}"#) ?? 0) >= 1)
        #expect(text.contains(#"portal_upstream_call_duration_seconds_count{upstream="whm"}"#))
    }

    @Test("Hummingbird's metric names become Prometheus names; status codes fold into classes")
    func renaming() {
        let (name, labels) = PortalMetrics.rename(
            "hb.requests",
            [("http.route", "/account"), ("http.request.method", "POST"), ("http.response.status_code", "303")])
        #expect(name == "portal_http_requests_total")
        #expect(
            labels.map(\.0) == ["route", "method", "status_class"] && labels.map(\.1) == ["/account", "POST", "3xx"])
        #expect(PortalMetrics.statusClass("x") == "other")
        #expect(PortalMetrics.rename("some.other-name", []).0 == "some_other_name")
    }
}

extension MetricsTests {
    @Test("the request middleware counts answers and errors by route template, and records the answer's duration")
    func requestMiddleware() async throws {
        PortalMetrics.bootstrap()
        let router = Router(context: PortalRequestContext.self)
        router.add(middleware: RequestMetricsMiddleware<PortalRequestContext>())
        router.get("/metrics-test/{id}") { _, _ in "fine" }
        router.get("/metrics-test-failing") { _, _ -> String in throw HTTPError(.conflict) }
        router.get("/metrics-test-stream") { _, _ -> Response in
            Response(
                status: .ok,
                body: ResponseBody { writer in
                    try await writer.write(ByteBuffer(string: "one "))
                    try await writer.write(ByteBuffer(string: "two"))
                    try await writer.finish(nil)
                })
        }
        try await Application(router: router).test(.router) { client in
            for id in 1...3 {
                let fine = try await client.execute(uri: "/metrics-test/\(id)", method: .get)
                #expect(fine.status == .ok && String(buffer: fine.body) == "fine")
            }
            #expect(try await client.execute(uri: "/metrics-test-failing", method: .get).status == .conflict)
            let streamed = try await client.execute(uri: "/metrics-test-stream", method: .get)
            #expect(String(buffer: streamed.body) == "one two", "a stream of unknown length is passed on whole")
        }
        var buffer: [UInt8] = []
        PortalMetrics.registry.emit(into: &buffer)
        let text = String(decoding: buffer, as: UTF8.self)
        let route = #"route="/metrics-test/{id}",method="GET",status_class="2xx""#
        #expect(Self.sample(text, "portal_http_requests_total{\(route)}") == 3)
        #expect(Self.sample(text, "portal_http_request_duration_seconds_count{\(route)}") == 3)
        let failing = #"route="/metrics-test-failing",method="GET",status_class="4xx""#
        #expect(Self.sample(text, "portal_http_requests_total{\(failing)}") == 1)
        #expect(Self.sample(text, "portal_http_request_errors_total{\(failing)}") == 1)
        let stream = #"route="/metrics-test-stream",method="GET",status_class="2xx""#
        #expect(Self.sample(text, "portal_http_requests_total{\(stream)}") == 1)
        #expect(Self.sample(text, "portal_http_request_duration_seconds_count{\(stream)}") == 1)
    }
}
