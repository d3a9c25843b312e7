import Branding
import Foundation
import Tenancy

/// What every storefront page shows around its content: the tenant's name, logo and stylesheets.
package struct StorefrontChrome: Sendable, Encodable {
    package let tenantName: String
    package let tagline: String
    package let stylesheetURL: String
    /// The tenant's theme; nil on the platform console, which uses the neutral base colours.
    package let themeURL: String?
    package let logoURL: String?
    package let year: Int
}

/// The storefront home page.
package struct HomePage: Sendable, Encodable {
    package struct ProductCard: Sendable, Encodable {
        package let name: String
        package let summary: String
        package let kindLabel: String
        package let price: String
        package let cycle: String
        package let features: [String]
    }

    package let chrome: StorefrontChrome
    package let products: [ProductCard]
    /// Stored, not computed: templates read values by reflection.
    package let hasProducts: Bool

    package init(chrome: StorefrontChrome, products: [Product], currency: String) {
        self.chrome = chrome
        self.products = products.map { product in
            ProductCard(
                name: product.name,
                summary: product.summary,
                kindLabel: product.kind.label,
                price: Money.format(minor: product.priceMinor, currency: currency),
                cycle: product.billingCycle.perLabel,
                features: product.featureList
            )
        }
        hasProducts = !products.isEmpty
    }
}

/// An error page: branded on a tenant host, neutral anywhere else.
package struct ErrorPage: Sendable, Encodable {
    package let chrome: StorefrontChrome?
    package let stylesheetURL: String
    package let status: Int
    package let title: String
    package let message: String
    package let requestID: String
}

extension Product.Kind {
    var label: String {
        switch self {
        case .sharedHosting: "Web hosting"
        case .resellerHosting: "Reseller hosting"
        case .vps: "Cloud server"
        case .ssl: "SSL certificate"
        case .domain: "Domain"
        }
    }
}

extension Product.BillingCycle {
    var perLabel: String {
        switch self {
        case .monthly: "per month"
        case .quarterly: "per quarter"
        case .semiannually: "every 6 months"
        case .annually: "per year"
        case .biennially: "every 2 years"
        case .triennially: "every 3 years"
        }
    }
}
