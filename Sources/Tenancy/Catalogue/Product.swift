import Foundation
import GRDB

/// A catalogue entry of one tenant. Prices live in `ProductPrice` (per billing cycle) and, for domain
/// registration, in `DomainPrice` (per TLD); all money is integer minor units, never floating point.
package struct Product: Codable, Hashable, Sendable, FetchableRecord, MutablePersistableRecord {
    package enum Kind: String, Codable, Sendable, CaseIterable, DatabaseValueConvertible {
        /// The platform description's `planWithHDD`: disk, bandwidth and a WHM package.
        case sharedHosting = "shared_hosting"
        /// `resellerPlan`: a cPanel reseller account.
        case resellerHosting = "reseller_hosting"
        /// A cloud server sized by the provider's resource map.
        case cloudServer = "cloud_server"
        /// `sslPlan`: a TheSSLStore certificate.
        case ssl
        /// Domain registration, priced per TLD.
        case domain

        package var isHosting: Bool { self == .sharedHosting || self == .resellerHosting }
    }

    package enum Visibility: String, Codable, Sendable, CaseIterable, DatabaseValueConvertible {
        /// Listed on the storefront and orderable.
        case visible
        /// Orderable through its direct link, not listed.
        case hidden
        /// Kept for existing orders; neither listed nor orderable.
        case retired
    }

    package enum BillingCycle: String, Codable, Sendable, CaseIterable, DatabaseValueConvertible, Comparable {
        case monthly, quarterly, semiannually, annually, biennially, triennially

        package var months: Int {
            switch self {
            case .monthly: 1
            case .quarterly: 3
            case .semiannually: 6
            case .annually: 12
            case .biennially: 24
            case .triennially: 36
            }
        }

        package static func < (lhs: Self, rhs: Self) -> Bool { lhs.months < rhs.months }
    }

    package enum SSLType: String, Codable, Sendable, CaseIterable, DatabaseValueConvertible {
        case single, multi, wildcard
    }

    package var id: Int64?
    package var slug: String
    package var name: String
    package var summary: String
    package var description: String = ""
    package var kind: Kind
    package var categoryID: Int64?
    /// One feature per line.
    package var features: String
    package var position: Int
    package var visibility: Visibility = .visible
    package var diskMB: Int?
    package var bandwidthMB: Int?
    package var whmPackage: String?
    package var resellerAccounts: Int?
    package var cloudProvider: String?
    package var cloudSize: String?
    package var sslType: SSLType?
    package var sslProductCode: String?
    package var whmcsProductID: Int?
    package var syncedAt: Date?
    package var syncError: String?
    package var updatedAt: Date = Date()

    package init(
        slug: String, name: String, summary: String, kind: Kind, features: [String] = [], position: Int = 0,
        visibility: Visibility = .visible
    ) {
        self.slug = slug
        self.name = name
        self.summary = summary
        self.kind = kind
        self.features = features.joined(separator: "\n")
        self.position = position
        self.visibility = visibility
    }

    package static let databaseTableName = "products"
    package enum CodingKeys: String, CodingKey {
        case id, slug, name, summary, description, kind, features, position, visibility
        case categoryID = "category_id"
        case diskMB = "disk_mb"
        case bandwidthMB = "bandwidth_mb"
        case whmPackage = "whm_package"
        case resellerAccounts = "reseller_accounts"
        case cloudProvider = "cloud_provider"
        case cloudSize = "cloud_size"
        case sslType = "ssl_type"
        case sslProductCode = "ssl_product_code"
        case whmcsProductID = "whmcs_product_id"
        case syncedAt = "synced_at"
        case syncError = "sync_error"
        case updatedAt = "updated_at"
    }
    package enum Columns {
        package static let slug = Column(CodingKeys.slug)
        package static let visibility = Column(CodingKeys.visibility)
        package static let position = Column(CodingKeys.position)
        package static let categoryID = Column(CodingKeys.categoryID)
    }

    package var featureList: [String] {
        features.split(separator: "\n").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
    }

    /// Customers may order it: listed or reachable by link, not retired.
    package var isOrderable: Bool { visibility != .retired }

    package mutating func didInsert(_ inserted: InsertionSuccess) {
        id = inserted.rowID
    }
}

/// The price of a product for one billing cycle, with its setup fee and the platform's cost for that cycle.
package struct ProductPrice: Codable, Hashable, Sendable, FetchableRecord, PersistableRecord {
    package var productID: Int64
    package var cycle: Product.BillingCycle
    package var priceMinor: Int64
    package var setupMinor: Int64
    package var costMinor: Int64

    package init(
        productID: Int64 = 0, cycle: Product.BillingCycle, priceMinor: Int64, setupMinor: Int64 = 0,
        costMinor: Int64 = 0
    ) {
        self.productID = productID
        self.cycle = cycle
        self.priceMinor = priceMinor
        self.setupMinor = setupMinor
        self.costMinor = costMinor
    }

    package static let databaseTableName = "product_prices"
    package enum CodingKeys: String, CodingKey {
        case cycle
        case productID = "product_id"
        case priceMinor = "price_minor"
        case setupMinor = "setup_minor"
        case costMinor = "cost_minor"
    }

    /// What the reseller keeps of the first payment's recurring part.
    package var marginMinor: Int64 { priceMinor - costMinor }
}

/// The yearly prices of one TLD on a domain-registration product.
package struct DomainPrice: Codable, Hashable, Sendable, FetchableRecord, PersistableRecord {
    package var productID: Int64
    /// Without the leading dot: `com`, `co.uk`.
    package var tld: String
    package var registerMinor: Int64
    package var transferMinor: Int64
    package var renewMinor: Int64
    package var costMinor: Int64

    package init(
        productID: Int64 = 0, tld: String, registerMinor: Int64, transferMinor: Int64, renewMinor: Int64,
        costMinor: Int64 = 0
    ) {
        self.productID = productID
        self.tld = tld
        self.registerMinor = registerMinor
        self.transferMinor = transferMinor
        self.renewMinor = renewMinor
        self.costMinor = costMinor
    }

    package static let databaseTableName = "domain_prices"
    package enum CodingKeys: String, CodingKey {
        case tld
        case productID = "product_id"
        case registerMinor = "register_minor"
        case transferMinor = "transfer_minor"
        case renewMinor = "renew_minor"
        case costMinor = "cost_minor"
    }
}

/// A storefront section such as "Web hosting".
package struct ProductCategory: Codable, Hashable, Sendable, FetchableRecord, MutablePersistableRecord {
    package var id: Int64?
    package var slug: String
    package var name: String
    package var description: String
    package var position: Int

    package init(slug: String, name: String, description: String = "", position: Int = 0) {
        self.slug = slug
        self.name = name
        self.description = description
        self.position = position
    }

    package static let databaseTableName = "product_categories"

    package mutating func didInsert(_ inserted: InsertionSuccess) {
        id = inserted.rowID
    }
}

/// A product with everything needed to show, price and sync it.
package struct CatalogueEntry: Codable, Hashable, Sendable {
    package var product: Product
    package var prices: [ProductPrice]
    package var domainPrices: [DomainPrice]

    package init(product: Product, prices: [ProductPrice] = [], domainPrices: [DomainPrice] = []) {
        self.product = product
        self.prices = prices.sorted { $0.cycle < $1.cycle }
        self.domainPrices = domainPrices.sorted { $0.tld < $1.tld }
    }

    package func price(for cycle: Product.BillingCycle) -> ProductPrice? {
        prices.first { $0.cycle == cycle }
    }

    package func domainPrice(tld: String) -> DomainPrice? {
        domainPrices.first { $0.tld == tld.lowercased() }
    }

    /// The lowest per-month price, for "from £2.99/mo" cards; nil without prices.
    package var cheapest: ProductPrice? {
        prices.min { $0.priceMinor * Int64($1.cycle.months) < $1.priceMinor * Int64($0.cycle.months) }
    }
}
