import Branding
import Foundation
import NIOCore
import Synchronization
import Tenancy

/// Serves each tenant's storefront content from memory, building it from the tenant's database on a miss.
///
/// Keyed by tenant id only, and invalidated explicitly on every write and on registry changes,
/// so one tenant's content can never be served for another.
package final class StorefrontService: Sendable {
    private let databases: TenantDatabases
    private let pages: PageRenderer
    private let assets: StaticAssets
    private let cache: Mutex<BoundedCache<Tenant.ID, StorefrontContent>>

    package init(databases: TenantDatabases, pages: PageRenderer, assets: StaticAssets, capacity: Int) {
        self.databases = databases
        self.pages = pages
        self.assets = assets
        cache = Mutex(BoundedCache(capacity: capacity))
    }

    /// The tenant's content, from memory when it is current.
    package func content(for tenant: Tenant) async throws -> StorefrontContent {
        if let cached = cache.withLock({ $0.value(for: tenant.id) }), cached.tenant == tenant {
            PortalMetrics.storefrontCacheHit.increment()
            return cached
        }
        PortalMetrics.storefrontCacheMiss.increment()
        // A tenant seen only by visitors never needs its pool: the storefront is read through a read-only connection
        // opened for this one read (or through the pool, when it is open already).
        let (brand, catalogue, site, home) = try await databases.readOnce(for: tenant) { db in
            try TenantDatabase.storefrontSite(db)
        }
        let content = try build(tenant: tenant, brand: brand, catalogue: catalogue, site: site, home: home)
        cache.withLock { $0.insert(content, for: tenant.id) }
        return content
    }

    /// Drops a tenant's cached content; call after any write that changes what the storefront shows.
    package func invalidate(_ tenantID: Tenant.ID) {
        cache.withLock { $0.removeValue(for: tenantID) }
    }

    /// The home page as it would look with `brand` (a draft), pointing at the preview stylesheet; never cached.
    package func preview(tenant: Tenant, brand: Brand) async throws -> (html: String, theme: ThemeStylesheet) {
        let catalogue = try await databases.withDatabase(for: tenant) { try await $0.storefront().catalogue }
        let theme = ThemeStylesheet(brand: brand)
        var chrome = StorefrontChrome.make(
            tenant: tenant, brand: brand, stylesheetURL: assets.url(for: "base.css"),
            themeURL: AdminPaths.brandPreviewTheme.link() + "?v=\(theme.digest)"
        )
        chrome.isPreview = true
        let html = try pages.render(
            HomePage(chrome: chrome, catalogue: catalogue, currency: brand.currency), template: "storefront/home")
        return (html, theme)
    }

    private func build(
        tenant: Tenant, brand: Brand, catalogue: StorefrontCatalogue, site: SiteSettings, home: PageContent?
    ) throws -> StorefrontContent {
        let theme = ThemeStylesheet(brand: brand)
        let chrome = StorefrontChrome.make(
            tenant: tenant, brand: brand, stylesheetURL: assets.url(for: "base.css"),
            themeURL: StorefrontPaths.theme.link() + "?v=\(theme.digest)"
        )
        return StorefrontContent(
            tenant: tenant,
            brand: brand,
            theme: theme,
            themeBody: ByteBuffer(string: theme.css),
            chrome: chrome,
            brandStamp: "\(brand.version)|\(theme.digest)|\(tenant.name)",
            catalogue: catalogue,
            site: site,
            home: home
        )
    }
}
