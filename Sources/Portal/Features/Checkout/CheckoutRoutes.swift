import Logging

/// Ordering: configure and review (signed in or not), place the order and follow it (customers).
enum CheckoutRoutes {
    static func add(to areas: TenantAreas, _ dependencies: PortalDependencies, logger: Logger) {
        let checkout = CheckoutController(
            flows: dependencies.accountFlows, realm: { dependencies.tenantRealm($0) },
            databases: dependencies.databases, queue: dependencies.orderQueue, upstreams: dependencies.upstreams
        )
        checkout.addPublicRoutes(to: areas.visitor)
        checkout.addCustomerRoutes(to: areas.customer)
    }
}
