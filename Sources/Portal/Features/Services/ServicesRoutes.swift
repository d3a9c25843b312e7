import Logging

/// What the customer bought: hosting, domains, certificates, cloud servers, and plan changes and cancellations.
enum ServicesRoutes {
    static func add(to areas: TenantAreas, _ dependencies: PortalDependencies, logger: Logger) {
        let flows = dependencies.accountFlows
        let databases = dependencies.databases
        let upstreams = dependencies.upstreams
        let now = dependencies.accountServices.now
        HostingServicesController(
            flows: flows, databases: databases, upstreams: upstreams, refresher: dependencies.billingRefresher,
            rules: dependencies.catalogueRules,
            desk: HostingDesk(
                databases: databases, hasher: dependencies.accountServices.hasher, throttle: dependencies.loginThrottle,
                openPassword: { try upstreams.hostingPassword($0, in: $1) },
                panels: { try await upstreams.whm(for: $0) }, now: now)
        ).addRoutes(to: areas.customer)
        CustomerDomainsController(
            flows: flows, databases: databases,
            manager: DomainManager(
                databases: databases, registrar: { try await upstreams.twentyI(for: $0) }, now: now, logger: logger)
        ).addRoutes(to: areas.customer)
        CertificatesController(flows: flows, databases: databases, steps: dependencies.orderSteps, logger: logger)
            .addRoutes(to: areas.customer)
        CloudServersController(
            flows: flows, databases: databases,
            desk: CloudServerDesk(databases: databases, host: { try await upstreams.twentyI(for: $0) }, now: now)
        ).addRoutes(to: areas.customer)
        ServiceChangeController(
            flows: flows,
            changes: ServiceChanges(
                databases: databases, queue: dependencies.orderQueue, mailQueue: dependencies.mailQueue,
                quotes: WHMCSPlanQuotes(upstreams: upstreams, sync: dependencies.productSync), now: now)
        ).addRoutes(to: areas.customer)
    }
}
