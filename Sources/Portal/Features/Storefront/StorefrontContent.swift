import Branding
import NIOCore
import Tenancy

/// Everything the storefront serves for one tenant that changes only when the tenant edits it:
/// built once from the tenant's database and kept in memory.
package struct StorefrontContent: Sendable {
    /// The registry row it was built from; a rename or status change makes it stale.
    package let tenant: Tenant
    package let brand: Brand
    package let theme: ThemeStylesheet
    package let themeBody: ByteBuffer
    package let chrome: StorefrontChrome
    package let homePage: ByteBuffer
    package let homeETag: String
    /// Categories and the products with pages (listed and hidden), for product and category pages.
    package let catalogue: StorefrontCatalogue
}
