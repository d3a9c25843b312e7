import Logging

/// The brand's products: the staff catalogue, API keys, and the product API for provisioning tools.
enum CatalogueRoutes {
    static func add(to areas: TenantAreas, _ dependencies: PortalDependencies, logger: Logger) {
        let realm: @Sendable (StaffRequestContext) -> any AccountRealm = { dependencies.tenantRealm($0.tenant) }
        let (sync, storefront, upstreams) = (dependencies.productSync, dependencies.storefront, dependencies.upstreams)
        ProductAPIController(
            databases: dependencies.databases,
            catalogue: CatalogueImport(
                databases: dependencies.databases, rules: dependencies.catalogueRules,
                sync: { operation, entries, tenant, key, blockType in
                    await sync.run(
                        operation, entries, tenant: tenant, via: "api", maskedKey: key, blockType: blockType)
                },
                invalidate: { storefront.invalidate($0) }, logger: logger),
            packageDesk: PackageDesk(
                databases: dependencies.databases, whm: { try await upstreams.whm(for: $0) }, logger: logger),
            logger: logger, now: dependencies.accountServices.now
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
