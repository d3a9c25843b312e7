import Branding
import NIOCore
import Synchronization
import Tenancy

/// Everything the storefront serves for one tenant that changes only when the tenant edits it:
/// built once from the tenant's database and kept in memory.
///
/// A class: every request of the tenant carries it through the middleware chain, which copies the request context
/// at each step; a reference is one retain, where this many fields were a copy each.
package final class StorefrontContent: Sendable {
    /// The registry row it was built from; a rename or status change makes it stale.
    package let tenant: Tenant
    package let brand: Brand
    package let theme: ThemeStylesheet
    package let themeBody: ByteBuffer
    package let chrome: StorefrontChrome
    /// The home page in each language (and host) it was asked in, rendered on first request (or kept from the
    /// tenant's storefront snapshot).
    package let homePages: RenderedVariants
    /// Changes whenever the brand does: part of the inputs of pages rendered from the chrome.
    package let brandStamp: String
    /// Categories and the products with pages (listed and hidden), for product and category pages.
    package let catalogue: StorefrontCatalogue
    /// The brand's menu, footer, announcement and home page choice.
    package let site: SiteSettings
    /// The published page chosen as the home page, if any.
    package let home: PageContent?
    /// The state this content was read in, for its snapshot and its currency in memory; nil without snapshots.
    package let basis: StorefrontSnapshots.Basis?

    package init(
        tenant: Tenant, brand: Brand, theme: ThemeStylesheet, themeBody: ByteBuffer, chrome: StorefrontChrome,
        brandStamp: String, catalogue: StorefrontCatalogue, site: SiteSettings = SiteSettings(),
        home: PageContent? = nil, pages: [String: RenderedVariants.Page] = [:], basis: StorefrontSnapshots.Basis? = nil
    ) {
        homePages = RenderedVariants(pages)
        self.basis = basis
        self.tenant = tenant
        self.brand = brand
        self.theme = theme
        self.themeBody = themeBody
        self.chrome = chrome
        self.brandStamp = brandStamp
        self.catalogue = catalogue
        self.site = site
        self.home = home
    }
}

/// Pages of one tenant's content rendered once per variant (language, prefix and host of the links), kept with
/// their ETag for as long as the content is current.
package final class RenderedVariants: Sendable {
    package struct Page: Sendable {
        package let body: ByteBuffer
        package let etag: String
    }

    private let pages: Mutex<[String: Page]>

    /// Starts with pages rendered before (a storefront snapshot's).
    package init(_ pages: [String: Page] = [:]) {
        self.pages = Mutex(pages)
    }

    /// The page for `variant`, rendering it on first use (`isNew`). A tenant has a few languages and hosts, so this
    /// stays small.
    package func page(_ variant: String, render: () throws -> String) rethrows -> (page: Page, isNew: Bool) {
        if let page = pages.withLock({ $0[variant] }) { return (page, false) }
        let html = try render()
        let page = Page(body: ByteBuffer(string: html), etag: "\"\(ContentDigest.hex(of: html))\"")
        pages.withLock { $0[variant] = page }
        return (page, true)
    }

    /// Every page rendered so far, by variant.
    package func all() -> [String: Page] { pages.withLock { $0 } }
}
