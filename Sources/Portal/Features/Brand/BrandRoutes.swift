import Branding
import Logging

/// The brand studio, the brand's email templates and its custom domains.
enum BrandRoutes {
    static func add(to areas: TenantAreas, _ dependencies: PortalDependencies, logger: Logger) {
        let flows = dependencies.accountFlows
        let realm: @Sendable (StaffRequestContext) -> any AccountRealm = { dependencies.tenantRealm($0.tenant) }
        let configuration = dependencies.configuration
        BrandStudioController(
            flows: flows, databases: dependencies.databases, storefront: dependencies.storefront,
            images: ImageStore(dataDirectory: dependencies.dataDirectory),
            scriptURL: dependencies.assets.url(for: "brand-studio.js")
        ).addRoutes(to: areas.staff)
        EmailTemplatesController(flows: flows, realm: realm, databases: dependencies.databases)
            .addRoutes(to: areas.staff)
        DomainsController(
            flows: flows, domains: dependencies.customDomains, registry: dependencies.registry,
            databases: dependencies.databases, dns: dependencies.dnsLookup,
            edge: .init(
                host: configuration.edgeHost ?? configuration.platformHost, ipv4: configuration.edgeIPv4,
                ipv6: configuration.edgeIPv6
            )
        ).addRoutes(to: areas.staff)
    }
}
