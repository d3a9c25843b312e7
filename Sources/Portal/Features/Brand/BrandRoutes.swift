import Branding
import Logging

/// The brand studio, the brand's email templates and its custom domains.
enum BrandRoutes {
    static func add(to areas: TenantAreas, _ dependencies: PortalDependencies, logger: Logger) {
        let flows = dependencies.accountFlows
        let realm: @Sendable (StaffRequestContext) -> any AccountRealm = { dependencies.tenantRealm($0.tenant) }
        let configuration = dependencies.configuration
        let storefront = dependencies.storefront
        BrandStudioController(
            flows: flows,
            desk: BrandDesk(
                databases: dependencies.databases, images: ImageStore(dataDirectory: dependencies.dataDirectory),
                invalidate: { storefront.invalidate($0) }),
            storefront: storefront, scriptURL: dependencies.assets.url(for: "brand-studio.js")
        ).addRoutes(to: areas.staff)
        EmailTemplatesController(flows: flows, realm: realm, databases: dependencies.databases)
            .addRoutes(to: areas.staff)
        DomainsController(
            flows: flows,
            addresses: BrandAddresses(
                domains: dependencies.customDomains, registry: dependencies.registry,
                databases: dependencies.databases, dns: dependencies.dnsLookup),
            edge: .init(
                host: configuration.edgeHost ?? configuration.platformHost, ipv4: configuration.edgeIPv4,
                ipv6: configuration.edgeIPv6
            )
        ).addRoutes(to: areas.staff)
    }
}
