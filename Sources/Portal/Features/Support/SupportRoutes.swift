import Logging

/// Support: the knowledge base (public, edited by staff) and tickets (customers open, staff answer).
enum SupportRoutes {
    static func add(to areas: TenantAreas, _ dependencies: PortalDependencies, logger: Logger) {
        let knowledgeBase = KnowledgeBaseController(
            flows: dependencies.accountFlows, databases: dependencies.databases, storefront: dependencies.storefront,
            pages: dependencies.pages, siteURL: { dependencies.siteURL($0) }
        )
        knowledgeBase.addPublicRoutes(to: areas.storefront)
        knowledgeBase.addStaffRoutes(to: areas.staff)
        let tickets = TicketsController(
            flows: dependencies.accountFlows, realm: { dependencies.tenantRealm($0) },
            databases: dependencies.databases, upstreams: dependencies.upstreams,
            desk: TicketDesk(
                databases: dependencies.databases,
                desk: { try await dependencies.upstreams.whmcs(for: $0).client },
                billingClient: { try await dependencies.upstreams.billingClientOrProfile(for: $0, in: $1) },
                now: dependencies.accountServices.now
            )
        )
        tickets.addCustomerRoutes(to: areas.customer)
        tickets.addStaffRoutes(to: areas.staff)
    }
}
