import Logging

/// The brand's upstream connections (WHMCS, WHM, 20i, TheSSLStore) and their test.
enum IntegrationsRoutes {
    static func add(to areas: TenantAreas, _ dependencies: PortalDependencies, logger: Logger) {
        IntegrationsController(
            flows: dependencies.accountFlows, upstreams: dependencies.upstreams, databases: dependencies.databases
        ).addRoutes(to: areas.staff)
    }
}
