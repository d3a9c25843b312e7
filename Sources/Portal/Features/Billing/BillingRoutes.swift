import Logging

/// The customer's dashboard, invoices (and paying them) and billing profile.
enum BillingRoutes {
    static func add(to areas: TenantAreas, _ dependencies: PortalDependencies, logger: Logger) {
        CustomerBillingController(
            flows: dependencies.accountFlows, realm: { dependencies.tenantRealm($0.tenant) },
            databases: dependencies.databases, upstreams: dependencies.upstreams,
            refresher: dependencies.billingRefresher, logger: logger, dashboards: RenderedPages(capacity: 4_096)
        ).addRoutes(to: areas.customer)
    }
}
