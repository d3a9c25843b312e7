import Logging

/// The brand's public storefront: home, categories, products, theme, sitemap and domain search.
enum StorefrontRoutes {
    static func add(to areas: TenantAreas, _ dependencies: PortalDependencies, logger: Logger) {
        StorefrontController(
            dataDirectory: dependencies.dataDirectory, databases: dependencies.databases, pages: dependencies.pages,
            resources: dependencies.catalogueRules.resources, siteURL: { dependencies.siteURL($0) },
            keep: { [storefront = dependencies.storefront] in storefront.keep($0) }
        ).addRoutes(to: areas.storefront)
        DomainSearchController(
            pages: dependencies.pages,
            availability: DomainAvailability(
                registrar: { [upstreams = dependencies.upstreams] in try await upstreams.twentyI(for: $0) },
                logger: logger),
            limiter: dependencies.accountServices.limiter, now: dependencies.accountServices.now
        ).addRoutes(to: areas.storefront)
    }
}
