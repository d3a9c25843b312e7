import Branding
import Foundation
import Tenancy

/// A product on a storefront listing.
package struct ProductCard: Sendable, Encodable {
    package let name: String
    package let summary: String
    package let kindLabel: String
    /// "£2.99" (the lowest per-cycle price) and its cycle, or "from £8.99 a year" for domains.
    package let price: String
    package let cycle: String
    package let features: [String]
    package let url: String

    package init(_ entry: CatalogueEntry, currency: String) {
        let product = entry.product
        name = product.name
        summary = product.summary
        kindLabel = product.kind.label
        features = product.featureList
        url = StorefrontPaths.product.link(product.slug)
        if let cheapest = entry.cheapest {
            price = Money.format(minor: cheapest.priceMinor, currency: currency)
            cycle = cheapest.cycle.perLabel
        } else if let domain = entry.domainPrices.min(by: { $0.registerMinor < $1.registerMinor }) {
            price = "from " + Money.format(minor: domain.registerMinor, currency: currency)
            cycle = "per year"
        } else {
            price = ""
            cycle = ""
        }
    }
}
