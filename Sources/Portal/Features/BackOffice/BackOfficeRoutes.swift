import Logging

/// The staff area's dashboard, staff list and audit, orders, customers and reports.
enum BackOfficeRoutes {
    static func add(to areas: TenantAreas, _ dependencies: PortalDependencies, logger: Logger) {
        let flows = dependencies.accountFlows
        StaffController(
            flows: flows, realm: { dependencies.tenantRealm($0.tenant) },
            showMailbox: dependencies.configuration.showMailbox, databases: dependencies.databases,
            fragments: StaffDashboardFragments(pages: dependencies.pages)
        ).addRoutes(to: areas.staff)
        StaffMembersController(flows: flows, roster: StaffRoster(flows: flows, realm: { dependencies.tenantRealm($0) }))
            .addRoutes(to: areas.staff)
        let upstreams = dependencies.upstreams
        AdminOrdersController(
            flows: flows, databases: dependencies.databases,
            desk: OrderDesk(
                databases: dependencies.databases, queue: dependencies.orderQueue, flows: flows,
                realm: { dependencies.tenantRealm($0) }, resumeUpstreams: { upstreams.resetBreakers($0) })
        ).addRoutes(to: areas.staff)
        ReportsController(flows: flows, realm: { dependencies.tenantRealm($0) }, databases: dependencies.databases)
            .addRoutes(to: areas.staff)
        AdminCustomersController(
            flows: flows, realm: { dependencies.tenantRealm($0) }, databases: dependencies.databases,
            desk: CustomerDesk(
                databases: dependencies.databases, flows: flows, realm: { dependencies.tenantRealm($0) },
                modules: { try await upstreams.whmcs(for: $0).client })
        ).addRoutes(to: areas.staff)
    }
}
