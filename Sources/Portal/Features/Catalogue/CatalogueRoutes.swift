import Logging

/// The brand's products: the staff catalogue, API keys, and the product API for provisioning tools.
enum CatalogueRoutes {
    static func add(to areas: TenantAreas, _ dependencies: PortalDependencies, logger: Logger) {
        let realm: @Sendable (StaffRequestContext) -> any AccountRealm = { dependencies.tenantRealm($0.tenant) }
        ProductAPIController(
            databases: dependencies.databases, storefront: dependencies.storefront, rules: dependencies.catalogueRules,
            sync: dependencies.productSync, upstreams: dependencies.upstreams, logger: logger
        ).addRoutes(to: areas.storefront)
        CatalogueController(
            flows: dependencies.accountFlows, databases: dependencies.databases, storefront: dependencies.storefront,
            rules: dependencies.catalogueRules, sync: dependencies.productSync
        ).addRoutes(to: areas.staff)
        APIKeysController(
            flows: dependencies.accountFlows, databases: dependencies.databases
        )
        .addRoutes(to: areas.staff)
    }
}
