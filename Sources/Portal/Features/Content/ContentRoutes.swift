import Logging

/// The brand's own content: pages, news and images on the storefront, and the staff's "Pages" section.
enum ContentRoutes {
    static func add(to areas: TenantAreas, _ dependencies: PortalDependencies, logger: Logger) {
        let desk = dependencies.contentDesk
        ContentController(
            databases: dependencies.databases, dataDirectory: dependencies.dataDirectory, pages: dependencies.pages,
            siteURL: { dependencies.siteURL($0) }
        ).addRoutes(to: areas.storefront)
        let flows = dependencies.accountFlows
        PagesController(
            flows: flows, databases: dependencies.databases, desk: desk, pages: dependencies.pages,
            siteURL: { dependencies.siteURL($0) }
        ).addRoutes(to: areas.staff)
        SiteSettingsController(flows: flows, databases: dependencies.databases, desk: desk, pages: dependencies.pages)
            .addRoutes(to: areas.staff)
        ImagesController(flows: flows, databases: dependencies.databases, desk: desk).addRoutes(to: areas.staff)
        NewsController(flows: flows, databases: dependencies.databases, desk: desk, pages: dependencies.pages)
            .addRoutes(to: areas.staff)
    }
}
