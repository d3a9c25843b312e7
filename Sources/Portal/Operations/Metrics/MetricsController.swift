import Foundation
import HTTPTypes
import Hummingbird
import Integrations
import Prometheus
import Tenancy

/// `GET /internal/metrics`: the Prometheus text format. The process's counters and histograms (requests by route,
/// method and status class; upstream calls; mail; throttled sign-ins) come from `PortalMetrics.registry`; the state
/// gauges are measured for each scrape, from the platform database (one read) and the running services, into a
/// registry of the scrape's own. Like every `/internal/` route it answers only to loopback and trusted proxies.
package struct MetricsController: Sendable {
    let platform: PlatformDatabase
    let databases: TenantDatabases
    let breakers: CircuitBreakers
    let hashQueue: HashQueue
    let readiness: Readiness
    let now: @Sendable () -> Date

    package func addRoutes(to router: Router<PortalRequestContext>) {
        router.get(OperationsPaths.metrics.route, use: metrics)
    }

    @Sendable func metrics(_ request: Request, context: PortalRequestContext) async throws -> Response {
        guard context.origin.fromInside else { throw HTTPError(.notFound) }
        var buffer: [UInt8] = []
        buffer.reserveCapacity(16_384)
        PortalMetrics.registry.emit(into: &buffer)
        try await gauges().emit(into: &buffer)
        return Response(
            status: .ok,
            headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8", .cacheControl: "no-store"],
            body: .init(byteBuffer: .init(bytes: buffer)))
    }

    /// Every state gauge, measured now.
    func gauges() async throws -> PrometheusCollectorRegistry {
        let platform = self.platform
        let figures = try await BlockingIO.run { try platform.operationsFigures() }
        let now = self.now()
        let registry = PrometheusCollectorRegistry()
        func gauge(_ name: String, _ help: String, _ value: Double, labels: [(String, String)] = []) {
            registry.makeGauge(name: name, labels: labels, help: help).set(value)
        }
        func age(_ date: Date?) -> Double { date.map { max(0, now.timeIntervalSince($0)) } ?? 0 }

        gauge("portal_tenant_databases_open", "Tenant databases open now.", Double(databases.openCount))
        let outbox = "Messages waiting to be handed to a relay, as of each outbox's last check."
        gauge("portal_mail_outbox_depth", outbox, Double(figures.tenantOutbox), labels: [("outbox", "brands")])
        gauge("portal_mail_outbox_depth", outbox, Double(figures.platformOutbox), labels: [("outbox", "platform")])
        let jobs = "Order pipeline jobs by state, summed over every tenant as of its last check."
        gauge("portal_pipeline_jobs", jobs, Double(figures.jobsQueued), labels: [("state", "queued")])
        gauge("portal_pipeline_jobs", jobs, Double(figures.jobsRetrying), labels: [("state", "retrying")])
        gauge("portal_pipeline_jobs", jobs, Double(figures.parkedOrders), labels: [("state", "parked")])
        gauge(
            "portal_pipeline_oldest_waiting_job_age_seconds", "Age of the oldest job still waiting to run (0: none).",
            age(figures.oldestJobAt))
        gauge(
            "portal_orders_parked", "Orders parked for staff after their retries ran out.", Double(figures.parkedOrders)
        )
        gauge(
            "portal_circuit_breakers_open", "Upstream circuits failing fast or awaiting a trial call.",
            Double(breakers.openCount))
        gauge(
            "portal_backup_newest_age_seconds", "Age of the newest good off-machine backup of any database (0: none).",
            age(figures.newestBackupAt))
        gauge(
            "portal_backup_stalest_age_seconds",
            "Age of the oldest of each database's newest good backup: the most a disk loss would lose (0: none).",
            age(figures.stalestBackupAt))
        gauge("portal_backup_failing", "Databases whose latest backup attempt failed.", Double(figures.failingBackups))
        if let drill = figures.lastDrill {
            gauge("portal_restore_drill_ok", "1 if the latest restore drill passed, else 0.", drill.ok ? 1 : 0)
            gauge(
                "portal_restore_drill_last_run_timestamp_seconds",
                "When the latest restore drill finished (Unix time).",
                drill.finishedAt.timeIntervalSince1970)
        }
        let alerts = "Alerts not yet resolved: the platform's, and all brands' together."
        gauge("portal_alerts_open", alerts, Double(figures.openPlatformAlerts), labels: [("scope", "platform")])
        gauge("portal_alerts_open", alerts, Double(figures.openBrandAlerts), labels: [("scope", "brands")])
        gauge(
            "portal_password_hash_queue_depth", "Password checks waiting for an Argon2 slot.",
            Double(await hashQueue.depth))
        registry.makeCounter(
            name: "portal_password_hash_refused_total", labels: [],
            help: "Password checks turned away (429) since start."
        ).increment(by: Int64(await hashQueue.refused))
        gauge("portal_draining", "1 while the server drains for shutdown.", readiness.isDraining ? 1 : 0)
        return registry
    }
}
