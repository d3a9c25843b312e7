import Branding
import Foundation
import Logging
import NIOCore
import Synchronization
import Tenancy

/// Serves each tenant's storefront content from memory, else from its snapshot (`StorefrontSnapshots`), else from its
/// database.
///
/// Keyed by tenant id and checked against the registry row, so one tenant's content can never be served for another.
/// An entry is current while the brand's storefront generation has not moved (every commit to the storefront's
/// tables moves it, whatever code made it); `invalidate` covers the rest (registry changes, moves, domains).
package final class StorefrontService: Sendable {
    private let databases: TenantDatabases
    private let pages: PageRenderer
    private let assets: StaticAssets
    private let cache: Mutex<BoundedCache<Tenant.ID, StorefrontContent>>
    /// Content and rendered pages kept on disk for tenants not in memory; nil keeps them in memory only.
    private let snapshots: StorefrontSnapshots?
    private let logger: Logger

    package init(
        databases: TenantDatabases, pages: PageRenderer, assets: StaticAssets, capacity: Int,
        snapshots: StorefrontSnapshots? = nil, logger: Logger = Logger(label: "storefront")
    ) {
        self.databases = databases
        self.pages = pages
        self.assets = assets
        self.snapshots = snapshots
        self.logger = logger
        cache = Mutex(BoundedCache(capacity: capacity))
    }

    /// The tenant's content: from memory when it is current, else from its snapshot, else from its database.
    /// `throughPool`: a miss is read through the tenant's pool (opening it), for a request that will use it anyway
    /// (asked only on a miss).
    package func content(for tenant: Tenant, throughPool: @autoclosure () -> Bool = false) async throws
        -> StorefrontContent
    {
        if let cached = cache.withLock({ $0.value(for: tenant.id) }), cached.tenant == tenant,
            cached.basis?.isCurrent ?? true
        {
            PortalMetrics.storefrontCacheHit.increment()
            return cached
        }
        PortalMetrics.storefrontCacheMiss.increment()
        // Taken before the data: a storefront commit after this point keeps what is read below out of the cache and
        // out of the snapshot.
        let basis = snapshots?.basis(for: tenant)
        let content: StorefrontContent
        if let basis, let snapshot = await snapshot(of: tenant, on: basis) {
            PortalMetrics.storefrontSnapshotRead.increment()
            content = try build(
                tenant: tenant, brand: snapshot.brand, catalogue: snapshot.catalogue, site: snapshot.site,
                home: snapshot.home, pages: snapshot.pages, basis: basis)
        } else {
            // A tenant seen only by visitors never needs its pool: the storefront is read through a read-only
            // connection opened for this one read (or through the pool, when it is open already).
            let (brand, catalogue, site, home) = try await databases.readOnce(for: tenant, openingPool: throughPool()) {
                db in try TenantDatabase.storefrontSite(db)
            }
            content = try build(
                tenant: tenant, brand: brand, catalogue: catalogue, site: site, home: home, basis: basis)
        }
        cache.withLock { cache in
            if basis?.isCurrent ?? true { cache.insert(content, for: tenant.id) }
        }
        return content
    }

    /// The tenant's snapshot when there is a current one; a damaged one is logged and read past.
    private func snapshot(of tenant: Tenant, on basis: StorefrontSnapshots.Basis) async
        -> StorefrontSnapshots.Loaded?
    {
        guard let snapshots else { return nil }
        do {
            return try await BlockingIO.run { try snapshots.load(tenant, on: basis) }
        } catch {
            logger.warning(
                "storefront snapshot unreadable; reading the database",
                metadata: ["tenant": "\(tenant.slug)", "error": "\(error)"])
            return nil
        }
    }

    /// Stores `content` and the pages rendered from it as the tenant's snapshot, in the background; nothing is
    /// stored when a storefront commit happened after the content was read.
    package func keep(_ content: StorefrontContent) {
        guard let snapshots, let basis = content.basis, basis.isCurrent else { return }
        let logger = logger
        Task.detached {
            do {
                try await BlockingIO.run {
                    let bytes = try snapshots.encode(content, on: basis)
                    try StorefrontSnapshotFiles.replace(basis.path, with: bytes, ifUnchangedSince: basis.generation)
                }
            } catch {
                logger.warning(
                    "storefront snapshot not written",
                    metadata: ["tenant": "\(content.tenant.slug)", "error": "\(error)"])
            }
        }
    }

    /// Drops a tenant's cached content and snapshot; call after any write that changes what the storefront shows
    /// (commits to the storefront's tables drop the snapshot by themselves) and when the registry row changes.
    package func invalidate(_ tenant: Tenant) {
        if let snapshots { StorefrontSnapshotFiles.discard(snapshots.path(for: tenant)) }
        cache.withLock { $0.removeValue(for: tenant.id) }
    }

    /// Records that this run's snapshots are current, for the next run (after every database has closed).
    package func closeSnapshots() {
        do {
            try snapshots?.close()
        } catch {
            logger.warning("storefront snapshots not closed cleanly", metadata: ["error": "\(error)"])
        }
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
        tenant: Tenant, brand: Brand, catalogue: StorefrontCatalogue, site: SiteSettings, home: PageContent?,
        pages: [String: RenderedVariants.Page] = [:], basis: StorefrontSnapshots.Basis?
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
            home: home,
            pages: pages,
            basis: basis
        )
    }
}
