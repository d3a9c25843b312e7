import Branding
import Foundation
import HTTPTypes
import Hummingbird
import Integrations
import NIOCore
import Tenancy

/// The tenant's public pages: home, categories, products, its stylesheet, logo, sitemap and robots.txt.
package struct StorefrontController: Sendable {
    let dataDirectory: DataDirectory
    let databases: TenantDatabases
    let pages: PageRenderer
    let resources: ResourceMap
    /// The tenant's canonical address (`https://<primary domain>`), never built from the request's Host.
    let siteURL: @Sendable (Tenant) -> String
    /// Stores a tenant's content with a newly rendered home page as its storefront snapshot.
    let keep: @Sendable (StorefrontContent) -> Void

    package func addRoutes(to group: RouterGroup<TenantRequestContext>) {
        group.get(StorefrontPaths.home.route, use: home)
        group.get(StorefrontPaths.theme.route, use: theme)
        group.get(StorefrontPaths.brandLogo.route, use: logo)
        group.get(StorefrontPaths.product.route, use: product)
        group.get(StorefrontPaths.category.route, use: category)
        group.get(StorefrontPaths.sitemap.route, use: sitemap)
        group.get(StorefrontPaths.robots.route, use: robots)
    }

    @Sendable func home(_ request: Request, context: TenantRequestContext) async throws -> Response {
        let content = try context.content
        let chrome = context.chrome
        // The chrome varies by language, by prefix, (in its hreflang links) by host and by the announcement running
        // today: one rendering of each.
        let variant =
            chrome.languagePrefix.isEmpty && chrome.languageCodes.count <= 1 && chrome.announcement == nil
            ? chrome.language
            : "\(chrome.language)|\(chrome.languagePrefix)|\(chrome.defaultLanguageURL)|\(chrome.announcement?.text ?? "")"
        let site = siteURL(context.tenant)
        let (home, isNew) = try content.homePages.page(variant) {
            guard let chosen = content.home else {
                return try pages.render(
                    HomePage(
                        chrome: chrome, catalogue: content.catalogue.localized(chrome.language),
                        currency: content.brand.currency),
                    template: "storefront/home")
            }
            // The brand chose one of its pages as the home page.
            var view = ContentController.view(
                chosen, content: content, chrome: chrome, canonicalURL: site + "/", siteURL: site)
            view.isHome = true
            return try pages.render(view, template: "storefront/page")
        }
        // A new rendering is worth keeping for the tenant's next first request (after a restart, say).
        if isNew { keep(content) }
        return CachedResponse.make(
            request,
            body: home.body,
            etag: home.etag,
            contentType: "text/html; charset=utf-8",
            cacheControl: "no-cache"
        )
    }

    @Sendable func theme(_ request: Request, context: TenantRequestContext) async throws -> Response {
        let content = try context.content
        return CachedResponse.make(
            request,
            body: content.themeBody,
            etag: "\"\(content.theme.digest)\"",
            contentType: "text/css; charset=utf-8",
            cacheControl: CachedResponse.cacheControl(
                askedVersion: request.uri.queryParameters.get("v"),
                currentVersion: content.theme.digest
            )
        )
    }

    /// Logos are content-addressed: the name is checked for shape and joined only to this tenant's folder.
    @Sendable func logo(_ request: Request, context: TenantRequestContext) async throws -> Response {
        try await StoredImageResponse.make(
            request, file: context.parameters.get("file"), in: dataDirectory.tenantAssetsFolder(context.tenant.slug))
    }
}
