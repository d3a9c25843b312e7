import Branding
import Foundation
import Tenancy

/// One product's page, with its prices and the order form's first step.
package struct ProductPage: Sendable, Encodable {
    package struct PriceRow: Sendable, Encodable {
        package let cycle: String
        package let label: String
        package let price: String
        package let setup: String
        package let hasSetup: Bool
    }

    package struct TLDRow: Sendable, Encodable {
        package let tld: String
        package let register: String
        package let transfer: String
        package let renew: String
    }

    package let chrome: StorefrontChrome
    package let name: String
    package let slug: String
    package let summary: String
    package let paragraphs: [String]
    package let kindLabel: String
    package let features: [String]
    package let resources: [String]
    package let canonicalURL: String
    package let prices: [PriceRow]
    package let tlds: [TLDRow]
    package let hasPrices: Bool
    package let hasTLDs: Bool
    package let hasResources: Bool
    package let isOrderable: Bool
    package let categoryName: String?
    package let categoryURL: String?

    package init(
        chrome: StorefrontChrome, entry: CatalogueEntry, category: ProductCategory?, currency: String,
        canonicalURL: String, resources: [String]
    ) {
        let product = entry.product
        self.chrome = chrome
        name = product.name
        slug = product.slug
        summary = product.summary
        paragraphs = product.description.components(separatedBy: "\n\n").map {
            $0.trimmingCharacters(in: .whitespacesAndNewlines)
        }
        .filter { !$0.isEmpty }
        kindLabel = product.kind.label
        features = product.featureList
        self.resources = resources
        self.canonicalURL = canonicalURL
        prices = entry.prices.map {
            PriceRow(
                cycle: $0.cycle.rawValue, label: $0.cycle.label,
                price: Money.format(minor: $0.priceMinor, currency: currency),
                setup: Money.format(minor: $0.setupMinor, currency: currency), hasSetup: $0.setupMinor > 0
            )
        }
        tlds = entry.domainPrices.map {
            TLDRow(
                tld: ".\($0.tld)", register: Money.format(minor: $0.registerMinor, currency: currency),
                transfer: Money.format(minor: $0.transferMinor, currency: currency),
                renew: Money.format(minor: $0.renewMinor, currency: currency)
            )
        }
        hasPrices = !prices.isEmpty
        hasTLDs = !tlds.isEmpty
        hasResources = !resources.isEmpty
        isOrderable = product.isOrderable && (!prices.isEmpty || !tlds.isEmpty)
        categoryName = category?.name
        categoryURL = category.map { StorefrontPaths.category.link($0.slug) }
    }
}
