import Branding
import Foundation
import Tenancy

/// `/admin/brand`: the brand studio. Every property the template reads is stored (templates see stored ones only).
package struct BrandStudioPage: Sendable {
    package struct Field: Sendable {
        package let name: String
        package let id: String
        package let label: String
        package let value: String
        package let error: String?
        package let errorID: String
    }

    package struct LinkRow: Sendable {
        package let index: Int
        package let number: Int
        package let label: String
        package let url: String
        package let error: String?
    }

    package struct Option: Sendable {
        package let value: String
        package let label: String
        package let selected: Bool
    }

    package struct ImageSlot: Sendable {
        package let kind: String
        package let label: String
        package let hint: String
        package let url: String?
    }

    package struct ContrastRow: Sendable {
        package let name: String
        package let ratio: String
        package let passes: Bool
        package let foreground: String
        package let background: String
        package let suggestion: String?
        package let suggestionTarget: String
    }

    package struct VersionRow: Sendable {
        package let version: Int
        package let publishedBy: String
        package let publishedAt: String
        package let note: String
        package let isLive: Bool
    }

    package let chrome: StorefrontChrome
    package let csrf: String
    package let scriptURL: String
    package var notice: Notice?
    package var hasDraft: Bool
    package let liveVersion: Int
    package var identity: [Field] = []
    package var postalAddress: String = ""
    package var postalAddressError: String?
    /// The business's details for invoices and checkout.
    package var business: [Field] = []
    package var countryOptions: [Countries.Option] = []
    package var countryError: String?
    package var links: [LinkRow] = []
    package var colors: [Field] = []
    package var fonts: [Option] = []
    package var fontError: String?
    package var nameservers: String = ""
    package var nameserversError: String?
    /// Every shipped language: offered or not, the default, and the tagline in it.
    package var languages: [LanguageOption] = []
    package var defaultLanguageError: String?

    package struct LanguageOption: Sendable {
        package let code: String
        package let name: String
        package let direction: String
        package let enabled: Bool
        package let isDefault: Bool
        package let tagline: String
        package let taglineError: String?
    }
    package var images: [ImageSlot] = []
    package var uploadError: String?
    /// The live brand changed after this draft was started; publishing needs a confirmation.
    package var staleDraft = false
    package var contrast: [ContrastRow] = []
    package var contrastPasses = true
    package var versions: [VersionRow] = []
    package var hasVersions = false

    init(
        chrome: StorefrontChrome, csrf: String, scriptURL: String, form: BrandForm, errors: [String: String],
        images brand: Brand, hasDraft: Bool, liveVersion: Int, versions: [BrandVersion]
    ) {
        self.chrome = chrome
        self.csrf = csrf
        self.scriptURL = scriptURL
        self.hasDraft = hasDraft
        self.liveVersion = liveVersion
        func field(_ name: String, _ label: String, _ value: String) -> Field {
            Field(
                name: name, id: name.replacingOccurrences(of: "_", with: "-"), label: label, value: value,
                error: errors[name],
                errorID: name.replacingOccurrences(of: "_", with: "-") + "-error")
        }
        identity = [
            field("company_name", "Company name", form.companyName),
            field("tagline", "Tagline", form.tagline),
            field("support_email", "Support email", form.supportEmail),
            field("support_phone", "Support phone", form.supportPhone),
            field("sender_name", "Email sender name", form.senderName),
            field("sender_email", "Email sender address", form.senderEmail),
        ]
        postalAddress = form.postalAddress
        postalAddressError = errors["postal_address"]
        business = [
            field("company_number", "Company registration number (optional)", form.companyNumber),
            field("tax_number", "Tax number, such as VAT (optional)", form.taxNumber),
            field("terms_url", "Terms of service address (linked at checkout)", form.termsURL),
        ]
        countryOptions = Countries.options(selected: form.country)
        countryError = errors["country"]
        let filled = form.footerLinks.filter { !$0.label.isEmpty || !$0.url.isEmpty }
        // The rows in use and one empty row to add another (up to the maximum).
        links = (0..<min(BrandForm.maximumFooterLinks, filled.count + 1)).map { index in
            let link = index < filled.count ? filled[index] : Brand.FooterLink(label: "", url: "")
            return LinkRow(
                index: index, number: index + 1, label: link.label, url: link.url, error: errors["link_\(index)"])
        }
        colors = BrandForm.colorFields.map { field($0.name, $0.label, form.colors[$0.name] ?? "") }
        fonts = FontStack.allCases.map {
            Option(value: $0.rawValue, label: Self.fontLabel($0), selected: $0.rawValue == form.font)
        }
        fontError = errors["font"]
        nameservers = form.nameservers
        nameserversError = errors["nameservers"]
        defaultLanguageError = errors["default_language"]
        images = [
            ImageSlot(
                kind: "logo", label: "Logo", hint: "Shown in the header and on emails.",
                url: brand.logoFile.map { StorefrontPaths.brandLogo.link($0) }),
            ImageSlot(
                kind: "logo_dark", label: "Logo for dark backgrounds (optional)",
                hint: "Used when the visitor's device is in dark mode.",
                url: brand.logoDarkFile.map { StorefrontPaths.brandLogo.link($0) }),
            ImageSlot(
                kind: "favicon", label: "Favicon", hint: "The small icon in browser tabs; square works best.",
                url: brand.faviconFile.map { StorefrontPaths.brandLogo.link($0) }),
        ]
        if case .success(let candidate) = form.apply(to: brand) {
            let report = ContrastReport(candidate)
            contrast = report.checks.map { check in
                ContrastRow(
                    name: check.name, ratio: check.ratioText, passes: check.passes, foreground: check.foreground.hex,
                    background: check.background.hex, suggestion: check.suggestion?.hex,
                    suggestionTarget: check.name.hasPrefix("Button")
                        ? "primary colour" : check.name.hasPrefix("Links") ? "link colour" : "text colour"
                )
            }
            contrastPasses = report.passes
        }
        self.versions = versions.map { version in
            VersionRow(
                version: version.version, publishedBy: version.publishedBy,
                publishedAt: PageDates.format(version.publishedAt),
                note: version.note, isLive: version.version == liveVersion
            )
        }
        hasVersions = !versions.isEmpty
    }

    static func fontLabel(_ font: FontStack) -> String {
        switch font {
        case .system: "System (the device's own interface font)"
        case .humanist: "Humanist sans-serif (Gill Sans, Calibri, Ubuntu)"
        case .geometric: "Geometric sans-serif (Avenir, Montserrat, Corbel)"
        case .classical: "Classical serif (Palatino, Iowan Old Style)"
        case .monospace: "Monospace (Menlo, Consolas, Cascadia Code)"
        }
    }
}
