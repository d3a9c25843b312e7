import Branding
import Foundation
import Tenancy

/// One category's page.
package struct CategoryPage: Sendable, Encodable {
    package let chrome: StorefrontChrome
    package let name: String
    package let description: String
    package let canonicalURL: String
    package let products: [ProductCard]
    package let hasProducts: Bool
}
