import GRDB

/// A catalogue entry shown on the tenant's storefront. Prices are integer minor units, never floating point.
package struct Product: Codable, Hashable, Sendable, FetchableRecord, MutablePersistableRecord {
    package enum Kind: String, Codable, Sendable, CaseIterable, DatabaseValueConvertible {
        case sharedHosting = "shared_hosting"
        case resellerHosting = "reseller_hosting"
        case vps
        case ssl
        case domain
    }

    package enum BillingCycle: String, Codable, Sendable, CaseIterable, DatabaseValueConvertible {
        case monthly, quarterly, semiannually, annually, biennially, triennially
    }

    package var id: Int64?
    package var slug: String
    package var name: String
    package var summary: String
    package var kind: Kind
    package var priceMinor: Int64
    package var billingCycle: BillingCycle
    /// One feature per line.
    package var features: String
    package var position: Int
    package var visible: Bool

    package init(
        slug: String, name: String, summary: String, kind: Kind, priceMinor: Int64,
        billingCycle: BillingCycle, features: [String] = [], position: Int = 0, visible: Bool = true
    ) {
        self.slug = slug
        self.name = name
        self.summary = summary
        self.kind = kind
        self.priceMinor = priceMinor
        self.billingCycle = billingCycle
        self.features = features.joined(separator: "\n")
        self.position = position
        self.visible = visible
    }

    package static let databaseTableName = "products"
    package enum CodingKeys: String, CodingKey {
        case id, slug, name, summary, kind, features, position, visible
        case priceMinor = "price_minor"
        case billingCycle = "billing_cycle"
    }
    package enum Columns {
        package static let visible = Column(CodingKeys.visible)
        package static let position = Column(CodingKeys.position)
    }

    package var featureList: [String] {
        features.split(separator: "\n").map(String.init).filter { !$0.isEmpty }
    }

    package mutating func didInsert(_ inserted: InsertionSuccess) {
        id = inserted.rowID
    }
}

extension Product {
    /// The products customers can see, in the reseller's order.
    package static func visible(in db: Database) throws -> [Product] {
        try Product.filter(Columns.visible == true).order(Columns.position, Column("id")).fetchAll(db)
    }
}
