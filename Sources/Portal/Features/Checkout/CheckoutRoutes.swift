import Logging

/// Ordering: configure and review (signed in or not), place the order and follow it (customers).
enum CheckoutRoutes {
    static func add(to areas: TenantAreas, _ dependencies: PortalDependencies, logger: Logger) {
        let checkout = CheckoutController(
            flows: dependencies.accountFlows, databases: dependencies.databases,
            desk: CheckoutDesk(
                databases: dependencies.databases, queue: dependencies.orderQueue, mailQueue: dependencies.mailQueue,
                flows: dependencies.accountFlows, realm: { dependencies.tenantRealm($0) },
                upstreams: dependencies.upstreams)
        )
        checkout.addPublicRoutes(to: areas.visitor)
        checkout.addCustomerRoutes(to: areas.customer)
    }
}
