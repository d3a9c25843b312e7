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
    package var logoDarkURL: String? = nil
    package var faviconURL: String? = nil
    /// The legal name in the footer; the brand name when not set.
    package var companyName: String = ""
    package var supportEmail: String = ""
    package var supportPhone: String = ""
    package var addressLines: [String] = []
    package var footerLinks: [Brand.FooterLink] = []
    /// Stored flags for the template (it reads stored properties only).
    package var hasFooterLinks = false
    package var hasAddress = false
    /// Set on the brand studio's preview, so staff can tell it from the live site.
    package var isPreview = false

    /// The chrome of a tenant's pages with `brand`; `themeURL` is where its stylesheet is served.
    package static func make(tenant: Tenant, brand: Brand, stylesheetURL: String, themeURL: String, imagePrefix: String = "/brand/logo/")
        -> StorefrontChrome
    {
        var chrome = StorefrontChrome(
            tenantName: tenant.name, tagline: brand.tagline, stylesheetURL: stylesheetURL, themeURL: themeURL,
            logoURL: brand.logoFile.map { imagePrefix + $0 },
            year: Calendar(identifier: .gregorian).component(.year, from: Date())
        )
        chrome.logoDarkURL = brand.logoDarkFile.map { imagePrefix + $0 }
        chrome.faviconURL = (brand.faviconFile ?? brand.logoFile).map { imagePrefix + $0 }
        chrome.companyName = brand.companyName.isEmpty ? tenant.name : brand.companyName
        chrome.supportEmail = brand.supportEmail
        chrome.supportPhone = brand.supportPhone
        chrome.addressLines = brand.postalAddress.split(separator: "\n").map { $0.trimmingCharacters(in: .whitespaces) }
            .filter { !$0.isEmpty }
        chrome.footerLinks = brand.footerLinks
        chrome.hasFooterLinks = !brand.footerLinks.isEmpty
        chrome.hasAddress = !chrome.addressLines.isEmpty
        return chrome
    }
}

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
        url = "/products/\(product.slug)"
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

/// The storefront home page: the listed products, grouped by category.
package struct HomePage: Sendable, Encodable {
    package struct Section: Sendable, Encodable {
        package let title: String
        package let description: String
        package let url: String?
        package let products: [ProductCard]
    }

    package let chrome: StorefrontChrome
    package let sections: [Section]
    /// Stored, not computed: templates read values by reflection.
    package let hasProducts: Bool

    package init(chrome: StorefrontChrome, catalogue: StorefrontCatalogue, currency: String) {
        self.chrome = chrome
        var sections: [Section] = []
        for category in catalogue.categories {
            let listed = catalogue.listed(in: category)
            guard !listed.isEmpty else { continue }
            sections.append(
                Section(
                    title: category.name, description: category.description, url: "/category/\(category.slug)",
                    products: listed.map { ProductCard($0, currency: currency) }
                )
            )
        }
        let loose = catalogue.listed.filter { entry in !catalogue.categories.contains { $0.id == entry.product.categoryID } }
        if !loose.isEmpty {
            sections.append(
                Section(
                    title: sections.isEmpty ? "Plans and prices" : "More plans", description: "", url: nil,
                    products: loose.map { ProductCard($0, currency: currency) }
                )
            )
        }
        self.sections = sections
        hasProducts = !sections.isEmpty
    }
}

/// One category's page.
package struct CategoryPage: Sendable, Encodable {
    package let chrome: StorefrontChrome
    package let name: String
    package let description: String
    package let canonicalURL: String
    package let products: [ProductCard]
    package let hasProducts: Bool
}

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

    package init(chrome: StorefrontChrome, entry: CatalogueEntry, category: ProductCategory?, currency: String, canonicalURL: String, resources: [String]) {
        let product = entry.product
        self.chrome = chrome
        name = product.name
        slug = product.slug
        summary = product.summary
        paragraphs = product.description.components(separatedBy: "\n\n").map { $0.trimmingCharacters(in: .whitespacesAndNewlines) }
            .filter { !$0.isEmpty }
        kindLabel = product.kind.label
        features = product.featureList
        self.resources = resources
        self.canonicalURL = canonicalURL
        prices = entry.prices.map {
            PriceRow(
                cycle: $0.cycle.rawValue, label: $0.cycle.label, price: Money.format(minor: $0.priceMinor, currency: currency),
                setup: Money.format(minor: $0.setupMinor, currency: currency), hasSetup: $0.setupMinor > 0
            )
        }
        tlds = entry.domainPrices.map {
            TLDRow(
                tld: ".\($0.tld)", register: Money.format(minor: $0.registerMinor, currency: currency),
                transfer: Money.format(minor: $0.transferMinor, currency: currency), renew: Money.format(minor: $0.renewMinor, currency: currency)
            )
        }
        hasPrices = !prices.isEmpty
        hasTLDs = !tlds.isEmpty
        hasResources = !resources.isEmpty
        isOrderable = product.isOrderable && (!prices.isEmpty || !tlds.isEmpty)
        categoryName = category?.name
        categoryURL = category.map { "/category/\($0.slug)" }
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
        case .cloudServer: "Cloud server"
        case .ssl: "SSL certificate"
        case .domain: "Domain"
        }
    }
}

extension Product.BillingCycle {
    /// "Monthly", "Every 2 years", … for choices.
    var label: String {
        switch self {
        case .monthly: "Monthly"
        case .quarterly: "Quarterly"
        case .semiannually: "Every 6 months"
        case .annually: "Yearly"
        case .biennially: "Every 2 years"
        case .triennially: "Every 3 years"
        }
    }

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
