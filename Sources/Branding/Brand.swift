import Foundation
import GRDB
import Tenancy

/// How a tenant looks and presents itself: identity, colours, type, images and nameservers. The published
/// brand is one row in the tenant's database; drafts and past versions are JSON copies of this value.
package struct Brand: Codable, Hashable, Sendable, FetchableRecord, PersistableRecord {
    /// A link in the storefront footer.
    package struct FooterLink: Codable, Hashable, Sendable {
        package var label: String
        package var url: String

        package init(label: String, url: String) {
            self.label = label
            self.url = url
        }
    }

    package var companyName: String = ""
    package var tagline: String
    package var supportEmail: String = ""
    package var supportPhone: String = ""
    /// Printed on invoices; several lines.
    package var postalAddress: String = ""
    /// ISO 3166 code of the country the business is in: its default time zone, and printed on invoices.
    package var country: String = ""
    /// The company's registration number and its tax (VAT, GST) number, printed on invoices when set.
    package var companyNumber: String = ""
    package var taxNumber: String = ""
    /// The brand's terms of service, linked beside the checkbox a customer ticks at checkout.
    package var termsURL: String = ""
    package var footerLinks: [FooterLink] = []
    package var senderName: String = ""
    package var senderEmail: String = ""
    package var primaryColor: HexColor
    package var accentColor: HexColor
    package var backgroundColor: HexColor
    package var textColor: HexColor
    package var linkColor: HexColor
    package var fontStack: FontStack
    /// Content-addressed file names under `DATA/<slug>/assets/`, if uploaded.
    package var logoFile: String?
    package var logoDarkFile: String?
    package var faviconFile: String?
    /// 2 to 4 host names (or none: the server's); given to new hosting accounts and shown to customers.
    package var nameservers: [String] = []
    /// ISO 4217 code of the tenant's prices.
    package var currency: String
    /// Bumped on every publish; part of the stylesheet.
    package var version: Int
    /// The language pages are shown in when nothing else chooses one, and every language the brand offers (the
    /// default among them). Codes of shipped catalogs (`assets/locales/<code>.po`).
    package var defaultLanguage: String = "en"
    package var languages: [String] = ["en"]
    /// The tagline in the brand's other languages, by code; the default language's is `tagline`.
    package var taglines: [String: String] = [:]

    /// The tagline in `language`, or the default one when it has none there.
    package func tagline(in language: String) -> String {
        guard language != defaultLanguage, let text = taglines[language], !text.isEmpty else { return tagline }
        return text
    }

    package static let databaseTableName = "brand"
    package enum CodingKeys: String, CodingKey {
        case tagline, currency, version, nameservers
        case companyName = "company_name"
        case supportEmail = "support_email"
        case supportPhone = "support_phone"
        case postalAddress = "postal_address"
        case country
        case companyNumber = "company_number"
        case taxNumber = "tax_number"
        case termsURL = "terms_url"
        case footerLinks = "footer_links"
        case senderName = "sender_name"
        case senderEmail = "sender_email"
        case primaryColor = "primary_color"
        case accentColor = "accent_color"
        case backgroundColor = "background_color"
        case textColor = "text_color"
        case linkColor = "link_color"
        case fontStack = "font_stack"
        case logoFile = "logo_file"
        case logoDarkFile = "logo_dark_file"
        case faviconFile = "favicon_file"
        case defaultLanguage = "default_language"
        case languages
        case taglines
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

    /// Decodes rows and JSON copies written before a field existed (older drafts and versions) with its default.
    package init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        func optional<T: Decodable>(_ key: CodingKeys, _ fallback: T) throws -> T {
            try container.decodeIfPresent(T.self, forKey: key) ?? fallback
        }
        companyName = try optional(.companyName, "")
        tagline = try optional(.tagline, "")
        supportEmail = try optional(.supportEmail, "")
        supportPhone = try optional(.supportPhone, "")
        postalAddress = try optional(.postalAddress, "")
        country = try optional(.country, "")
        companyNumber = try optional(.companyNumber, "")
        taxNumber = try optional(.taxNumber, "")
        termsURL = try optional(.termsURL, "")
        footerLinks = try optional(.footerLinks, [])
        senderName = try optional(.senderName, "")
        senderEmail = try optional(.senderEmail, "")
        primaryColor = try container.decode(HexColor.self, forKey: .primaryColor)
        accentColor = try container.decode(HexColor.self, forKey: .accentColor)
        backgroundColor = try container.decode(HexColor.self, forKey: .backgroundColor)
        textColor = try container.decode(HexColor.self, forKey: .textColor)
        linkColor = try container.decode(HexColor.self, forKey: .linkColor)
        fontStack = try optional(.fontStack, .system)
        logoFile = try container.decodeIfPresent(String.self, forKey: .logoFile)
        logoDarkFile = try container.decodeIfPresent(String.self, forKey: .logoDarkFile)
        faviconFile = try container.decodeIfPresent(String.self, forKey: .faviconFile)
        nameservers = try optional(.nameservers, [])
        currency = try optional(.currency, "GBP")
        version = try optional(.version, 1)
        defaultLanguage = try optional(.defaultLanguage, "en")
        languages = try optional(.languages, ["en"])
        taglines = try optional(.taglines, [:])
    }
}

extension TenantDatabase {
    /// The brand and the visible catalogue, read in one transaction: what a storefront page shows.
    package func storefront() async throws -> (brand: Brand, catalogue: StorefrontCatalogue) {
        try await pool.read { db in
            (try Self.fetchBrand(db), try StorefrontCatalogue.read(db))
        }
    }

    /// Everything the storefront keeps in memory, read in one transaction: the brand, the visible catalogue, the site
    /// settings (menu, footer, announcement, home page) and the published content of the page chosen as home.
    package typealias StorefrontSite = (
        brand: Brand, catalogue: StorefrontCatalogue, site: SiteSettings, home: PageContent?
    )

    /// The storefront's reads, in the caller's transaction.
    package static func storefrontSite(_ db: Database) throws -> StorefrontSite {
        let site = try ContentStore.site(db)
        let home = site.homePage.isEmpty ? nil : try ContentStore.page(db, slug: site.homePage)?.published
        return (try fetchBrand(db), try StorefrontCatalogue.read(db), site, home)
    }

    /// Changes the brand and bumps its version, in one transaction (onboarding, the demo, bench data).
    @discardableResult
    package func updateBrandNow(_ change: (inout Brand) -> Void) throws -> Brand {
        try pool.write { db in try Self.updateBrand(db, change) }
    }

    static func fetchBrand(_ db: Database) throws -> Brand {
        guard let brand = try Brand.fetchOne(db, sql: "SELECT * FROM brand WHERE id = 1") else {
            throw BrandError.missingBrandRow
        }
        return brand
    }

    private static func updateBrand(_ db: Database, _ change: (inout Brand) -> Void) throws -> Brand {
        var brand = try fetchBrand(db)
        change(&brand)
        brand.version += 1
        try write(db, brand)
        return brand
    }

    /// Writes every column of the published brand.
    static func write(_ db: Database, _ brand: Brand) throws {
        let links = String(decoding: try JSONEncoder().encode(brand.footerLinks), as: UTF8.self)
        let nameservers = String(decoding: try JSONEncoder().encode(brand.nameservers), as: UTF8.self)
        let languages = String(decoding: try JSONEncoder().encode(brand.languages), as: UTF8.self)
        let taglines = String(decoding: try JSONEncoder().encode(brand.taglines), as: UTF8.self)
        try db.execute(
            sql: """
                UPDATE brand SET company_name = ?, tagline = ?, support_email = ?, support_phone = ?, postal_address = ?,
                    footer_links = ?, sender_name = ?, sender_email = ?, primary_color = ?, accent_color = ?,
                    background_color = ?, text_color = ?, link_color = ?, font_stack = ?, logo_file = ?,
                    logo_dark_file = ?, favicon_file = ?, nameservers = ?, currency = ?, version = ?,
                    country = ?, company_number = ?, tax_number = ?, terms_url = ?, default_language = ?,
                    languages = ?, taglines = ?, updated_at = CURRENT_TIMESTAMP
                WHERE id = 1
                """,
            arguments: [
                brand.companyName, brand.tagline, brand.supportEmail, brand.supportPhone, brand.postalAddress, links,
                brand.senderName, brand.senderEmail, brand.primaryColor, brand.accentColor, brand.backgroundColor,
                brand.textColor, brand.linkColor, brand.fontStack, brand.logoFile, brand.logoDarkFile,
                brand.faviconFile,
                nameservers, brand.currency, brand.version, brand.country, brand.companyNumber, brand.taxNumber,
                brand.termsURL, brand.defaultLanguage, languages, taglines,
            ]
        )
    }
}
