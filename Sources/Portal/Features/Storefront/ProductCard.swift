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
    /// "from £2.49/mo": the cheapest cycle as a monthly figure, so plans billed differently compare at a glance.
    package let fromPrice: String?
    /// The price as billed, beside the monthly figure when they differ ("£29.90 per year").
    package let billedPrice: String?
    /// Where "Order" leads; nil for a product that cannot be ordered on its own.
    package let orderURL: String?

    package init(_ entry: CatalogueEntry, currency: String) {
        let product = entry.product
        name = product.name
        summary = product.summary
        kindLabel = product.kind.label
        features = product.featureList
        url = StorefrontPaths.product.link(product.slug)
        orderURL =
            product.kind == .domain ? StorefrontPaths.domainSearch.link() : StorefrontPaths.order.link(product.slug)
        if let cheapest = entry.cheapest {
            price = Money.format(minor: cheapest.priceMinor, currency: currency)
            cycle = cheapest.cycle.perLabel
            let months = Int64(cheapest.cycle.months)
            let monthlyFigure = entry.prices.contains(where: { $0.cycle == .monthly })
            if monthlyFigure {
                // Sold by the month too: compare everything as a monthly figure.
                fromPrice = tr(
                    "storefront.product-card.from_monthly",
                    ["price": Money.format(minor: (cheapest.priceMinor + months - 1) / months, currency: currency)])
            } else {
                // Sold by the year or longer (a certificate): a yearly figure reads truer.
                let yearly = (cheapest.priceMinor * 12 + months - 1) / months
                fromPrice = tr(
                    "storefront.product-card.from_yearly", ["price": Money.format(minor: yearly, currency: currency)])
            }
            // The billed price is shown beside the figure unless it is that figure (monthly on /mo, yearly on /yr).
            let sameAsFigure = cheapest.cycle == (monthlyFigure ? .monthly : .annually)
            billedPrice = sameAsFigure ? nil : "\(price) \(cycle)"
        } else if let domain = entry.domainPrices.min(by: { $0.registerMinor < $1.registerMinor }) {
            price = tr(
                "storefront.product-card.from",
                ["price": Money.format(minor: domain.registerMinor, currency: currency)])
            cycle = Product.BillingCycle.annually.perLabel
            fromPrice = tr(
                "storefront.product-card.from_yearly",
                ["price": Money.format(minor: domain.registerMinor, currency: currency)])
            billedPrice = nil
        } else {
            price = ""
            cycle = ""
            fromPrice = nil
            billedPrice = nil
        }
    }
}
