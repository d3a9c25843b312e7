import Logging

/// What the customer bought: hosting, domains, certificates, cloud servers, and plan changes and cancellations.
enum ServicesRoutes {
    static func add(to areas: TenantAreas, _ dependencies: PortalDependencies, logger: Logger) {
        let flows = dependencies.accountFlows
        HostingServicesController(
            flows: flows, databases: dependencies.databases, upstreams: dependencies.upstreams,
            refresher: dependencies.billingRefresher, rules: dependencies.catalogueRules,
            throttle: dependencies.loginThrottle
        ).addRoutes(to: areas.customer)
        ProvisionedController(
            flows: flows, databases: dependencies.databases, upstreams: dependencies.upstreams,
            steps: dependencies.orderSteps, logger: logger
        ).addRoutes(to: areas.customer)
        ServiceChangeController(
            flows: flows, realm: { dependencies.tenantRealm($0) }, databases: dependencies.databases,
            upstreams: dependencies.upstreams, queue: dependencies.orderQueue, sync: dependencies.productSync
        ).addRoutes(to: areas.customer)
    }
}
