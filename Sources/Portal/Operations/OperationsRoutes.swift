import Foundation
import Logging

/// Host-independent routes: liveness, readiness, static files, the TLS edge's ask endpoint and the benchmark baseline.
enum OperationsRoutes {
    static func add(to areas: TenantAreas, _ dependencies: PortalDependencies, logger: Logger) {
        let configuration = dependencies.configuration
        HealthController(
            registry: dependencies.registry, databases: dependencies.databases, version: configuration.version
        ).addRoutes(to: areas.root)
        ReadinessController(
            readiness: dependencies.readiness, platform: dependencies.platform,
            dataDirectory: dependencies.dataDirectory
        ).addRoutes(to: areas.root)
        MetricsController(
            platform: dependencies.platform, databases: dependencies.databases,
            breakers: dependencies.upstreams.breakers, hashQueue: configuration.hashQueue,
            readiness: dependencies.readiness, now: { Date() }
        ).addRoutes(to: areas.root)
        StaticAssetsController(assets: dependencies.assets).addRoutes(to: areas.root)
        TLSAskController(
            registry: dependencies.registry, baseDomain: configuration.baseDomain,
            platformHost: configuration.platformHost
        ).addRoutes(to: areas.root)
        if let cluster = dependencies.cluster {
            MoveReceiver(
                membership: cluster, tenants: dependencies.registry, archive: dependencies.archive,
                dataDirectory: dependencies.dataDirectory, logger: logger
            ).addRoutes(to: areas.root)
        }
        if configuration.benchRoutes {
            BenchController().addRoutes(to: areas.root)
        }
    }
}
