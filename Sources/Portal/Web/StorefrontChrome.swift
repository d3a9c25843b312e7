import Branding
import Foundation
import Tenancy

/// What every storefront page shows around its content: the tenant's name, logo and stylesheets.
///
/// Its fields (`Fields`) are kept behind one reference and copied only when a shared copy is changed: the request
/// context carries the chrome through every middleware, and copying one reference costs less than copying forty
/// fields (and keeps each middleware's frame small). Reads and writes go through `chrome.field` as before; templates
/// and `Encodable` see the fields themselves.
@dynamicMemberLookup
package struct StorefrontChrome: Sendable, Encodable, Equatable, CustomReflectable {
    private var storage: Storage

    private final class Storage: @unchecked Sendable {
        // Changed only while uniquely referenced (see the setter below): never while shared between tasks.
        var fields: Fields
        init(_ fields: Fields) { self.fields = fields }
    }

    package init(
        tenantName: String, tagline: String, stylesheetURL: String, themeURL: String?, logoURL: String?, year: Int
    ) {
        storage = Storage(
            Fields(
                tenantName: tenantName, tagline: tagline, stylesheetURL: stylesheetURL, themeURL: themeURL,
                logoURL: logoURL, year: year))
    }

    package subscript<Value>(dynamicMember field: KeyPath<Fields, Value>) -> Value {
        storage.fields[keyPath: field]
    }

    package subscript<Value>(dynamicMember field: WritableKeyPath<Fields, Value>) -> Value {
        get { storage.fields[keyPath: field] }
        set {
            if !isKnownUniquelyReferenced(&storage) { storage = Storage(storage.fields) }
            storage.fields[keyPath: field] = newValue
        }
    }

    /// The fields, read at once.
    package var fields: Fields { storage.fields }

    /// Changes several fields with one uniqueness check.
    package mutating func update(_ change: (inout Fields) -> Void) {
        if !isKnownUniquelyReferenced(&storage) { storage = Storage(storage.fields) }
        change(&storage.fields)
    }

    package static func == (lhs: Self, rhs: Self) -> Bool {
        lhs.storage === rhs.storage || lhs.storage.fields == rhs.storage.fields
    }

    package func encode(to encoder: any Encoder) throws { try storage.fields.encode(to: encoder) }

    /// The fields, as templates (`PageRenderer.tree`) and the lookups' test reflect them.
    package var customMirror: Mirror { Mirror(reflecting: storage.fields) }
}

extension StorefrontChrome {
    /// The chrome's fields; `StorefrontChrome` holds them copy-on-write.
    package struct Fields: Sendable, Encodable, Equatable {
        package let tenantName: String
        package var tagline: String
        package let stylesheetURL: String
        /// The tenant's theme; nil on the platform console, which uses the neutral base colours.
        package let themeURL: String?
        package var logoURL: String?
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
        /// Set on every page of a staff member signed in as a customer: the banner that says so.
        package var impersonation: Impersonation.Banner? = nil
        /// The signed-in page's CSRF token, for the sign-out form of its frame (set per request, never cached).
        package var csrf = ""
        /// A document to print (a PDF invoice): the page without stylesheet links, header, menus or footer.
        package var isDocument = false
        /// The platform console's host: its own neutral frame, with no storefront links or brand footer.
        package var isConsole = false
        /// The signed-in area's frame (menu, sidebar, breadcrumbs); nil on the storefront and sign-in pages.
        package var frame: AreaFrame? = nil

        /// The page's language (`<html lang>`), its direction (`dir`), and `/ar` when the path chose it, so every
        /// local link keeps it. Set per request by `LanguageMiddleware`.
        package var language = "en"
        package var direction = "ltr"
        package var languagePrefix = ""
        /// Every language the brand offers: the switcher, `hreflang` alternates and the codes links may start with.
        package var languageLinks: [LanguageLink] = []
        package var languageCodes: [String] = []
        package var hasLanguageChoice = false
        /// The unprefixed address, `hreflang="x-default"`: the language negotiated for the visitor.
        package var defaultLanguageURL = ""

        /// The brand's own menu (its site settings), in the page's language; the default menu when it has none.
        package var menuLinks: [MenuLink] = []
        package var hasCustomMenu = false
        /// The announcement bar, when one is running today.
        package var announcement: AnnouncementBar? = nil
    }
}

extension StorefrontChrome {
    package struct MenuLink: Sendable, Encodable, Equatable {
        package let label: String
        package let url: String
    }

    package struct AnnouncementBar: Sendable, Encodable, Equatable {
        package let text: String
        package let url: String
    }

    /// A language of the switcher and of the `hreflang` alternates.
    package struct LanguageLink: Sendable, Encodable, Equatable {
        package let code: String
        package let name: String
        /// The page in that language, relative (the switcher) and absolute (`hreflang`).
        package let url: String
        package let absoluteURL: String
        package let isCurrent: Bool
    }

    /// The year in the footer of pages rendered now.
    package static func currentYear() -> Int { Calendar(identifier: .gregorian).component(.year, from: Date()) }

    /// The chrome of a tenant's pages with `brand`; `themeURL` is where its stylesheet is served.
    package static func make(
        tenant: Tenant, brand: Brand, stylesheetURL: String, themeURL: String,
        imageURL: (String) -> String = { StorefrontPaths.brandLogo.link($0) }
    )
        -> StorefrontChrome
    {
        var chrome = StorefrontChrome(
            tenantName: tenant.name, tagline: brand.tagline, stylesheetURL: stylesheetURL, themeURL: themeURL,
            logoURL: brand.logoFile.map { imageURL($0) },
            year: currentYear()
        )
        chrome.logoDarkURL = brand.logoDarkFile.map { imageURL($0) }
        chrome.faviconURL = (brand.faviconFile ?? brand.logoFile).map { imageURL($0) }
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
