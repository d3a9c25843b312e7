import Foundation
import GRDB
import Tenancy

/// How a tenant looks: colours, type, logo and tagline. One row in the tenant's database.
package struct Brand: Codable, Hashable, Sendable, FetchableRecord, PersistableRecord {
    package var tagline: String
    package var primaryColor: HexColor
    package var accentColor: HexColor
    package var backgroundColor: HexColor
    package var textColor: HexColor
    package var linkColor: HexColor
    package var fontStack: FontStack
    /// Content-addressed file name under `DATA/<slug>/assets/`, if a logo was uploaded.
    package var logoFile: String?
    /// ISO 4217 code of the tenant's prices.
    package var currency: String
    /// Bumped on every published change; part of the stylesheet's URL.
    package var version: Int

    package static let databaseTableName = "brand"
    package enum CodingKeys: String, CodingKey {
        case tagline, currency, version
        case primaryColor = "primary_color"
        case accentColor = "accent_color"
        case backgroundColor = "background_color"
        case textColor = "text_color"
        case linkColor = "link_color"
        case fontStack = "font_stack"
        case logoFile = "logo_file"
    }

    package init(
        tagline: String, primaryColor: HexColor, accentColor: HexColor, backgroundColor: HexColor,
        textColor: HexColor, linkColor: HexColor, fontStack: FontStack, logoFile: String?, currency: String,
        version: Int
    ) {
        self.tagline = tagline
        self.primaryColor = primaryColor
        self.accentColor = accentColor
        self.backgroundColor = backgroundColor
        self.textColor = textColor
        self.linkColor = linkColor
        self.fontStack = fontStack
        self.logoFile = logoFile
        self.currency = currency
        self.version = version
    }
}

extension TenantDatabase {
    /// The brand and the visible catalogue, read in one transaction: what a storefront page shows.
    package func storefront() async throws -> (brand: Brand, products: [Product]) {
        try await pool.read { db in (try Self.fetchBrand(db), try Product.visible(in: db)) }
    }

    /// Changes the brand and bumps its version, in one transaction (onboarding, the demo, bench data).
    @discardableResult
    package func updateBrandNow(_ change: (inout Brand) -> Void) throws -> Brand {
        try pool.write { db in try Self.updateBrand(db, change) }
    }

    private static func fetchBrand(_ db: Database) throws -> Brand {
        guard let brand = try Brand.fetchOne(db, sql: "SELECT * FROM brand WHERE id = 1") else {
            throw BrandError.missingBrandRow
        }
        return brand
    }

    private static func updateBrand(_ db: Database, _ change: (inout Brand) -> Void) throws -> Brand {
        var brand = try fetchBrand(db)
        change(&brand)
        brand.version += 1
        try db.execute(
            sql: """
                UPDATE brand SET tagline = ?, primary_color = ?, accent_color = ?, background_color = ?,
                    text_color = ?, link_color = ?, font_stack = ?, logo_file = ?, currency = ?, version = ?,
                    updated_at = CURRENT_TIMESTAMP
                WHERE id = 1
                """,
            arguments: [
                brand.tagline, brand.primaryColor, brand.accentColor, brand.backgroundColor, brand.textColor,
                brand.linkColor, brand.fontStack, brand.logoFile, brand.currency, brand.version,
            ]
        )
        return brand
    }
}
