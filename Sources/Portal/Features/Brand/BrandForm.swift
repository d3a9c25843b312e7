import Branding
import Foundation
import Tenancy

/// The brand page's fields as typed, turned into a `Brand` or into one message per field. Nothing is stored
/// unless every field is valid; contrast is checked separately (a failing palette may be saved, not published).
package struct BrandForm: Sendable {
    package static let maximumFooterLinks = 8

    package var companyName = ""
    package var tagline = ""
    package var supportEmail = ""
    package var supportPhone = ""
    package var postalAddress = ""
    package var country = ""
    package var companyNumber = ""
    package var taxNumber = ""
    package var termsURL = ""
    package var senderName = ""
    package var senderEmail = ""
    package var footerLinks: [Brand.FooterLink] = []
    package var colors: [String: String] = [:]
    package var font = ""
    package var nameservers = ""
    /// The language pages are shown in by default, every language offered, and the tagline in the others.
    package var defaultLanguage = "en"
    package var languages = ["en"]
    package var taglines: [String: String] = [:]
    /// The languages the product ships (`assets/locales`), which a brand may offer.
    package var shipped = ["en"]

    /// Field name → message.
    package struct Errors: Error, Sendable, Equatable {
        package var messages: [String: String]
    }

    package static let colorFields: [(name: String, label: String)] = [
        ("primary_color", "Primary"), ("accent_color", "Accent"), ("background_color", "Background"),
        ("text_color", "Text"), ("link_color", "Links"),
    ]

    package init() {}

    package init(form: FormData, shipped: [String] = ["en"]) {
        self.shipped = shipped
        defaultLanguage = form.trimmed("default_language")
        languages = shipped.filter { form["language_\($0)"] == "on" }
        for code in shipped { taglines[code] = form.trimmed("tagline_\(code)") }
        companyName = form.trimmed("company_name")
        tagline = form.trimmed("tagline")
        supportEmail = form.trimmed("support_email")
        supportPhone = form.trimmed("support_phone")
        postalAddress = form["postal_address"].replacingOccurrences(of: "\r\n", with: "\n").trimmingCharacters(
            in: .whitespacesAndNewlines)
        country = form.trimmed("country").uppercased()
        companyNumber = form.trimmed("company_number")
        taxNumber = form.trimmed("tax_number")
        termsURL = form.trimmed("terms_url")
        senderName = form.trimmed("sender_name")
        senderEmail = form.trimmed("sender_email")
        footerLinks = (0..<Self.maximumFooterLinks).map {
            Brand.FooterLink(label: form.trimmed("link_label_\($0)"), url: form.trimmed("link_url_\($0)"))
        }
        for field in Self.colorFields { colors[field.name] = form.trimmed(field.name) }
        font = form["font"]
        nameservers = form["nameservers"]
    }

    /// The form filled from a brand, for editing.
    package init(brand: Brand, tenantName: String) {
        companyName = brand.companyName.isEmpty ? tenantName : brand.companyName
        tagline = brand.tagline
        supportEmail = brand.supportEmail
        supportPhone = brand.supportPhone
        postalAddress = brand.postalAddress
        country = brand.country
        companyNumber = brand.companyNumber
        taxNumber = brand.taxNumber
        termsURL = brand.termsURL
        senderName = brand.senderName
        senderEmail = brand.senderEmail
        footerLinks = brand.footerLinks
        colors = [
            "primary_color": brand.primaryColor.hex, "accent_color": brand.accentColor.hex,
            "background_color": brand.backgroundColor.hex, "text_color": brand.textColor.hex,
            "link_color": brand.linkColor.hex,
        ]
        font = brand.fontStack.rawValue
        nameservers = brand.nameservers.joined(separator: "\n")
        defaultLanguage = brand.defaultLanguage
        languages = brand.languages
        taglines = brand.taglines
    }

    /// Applies the form to `base` (which keeps its images, currency and version), or returns the problems.
    package func apply(to base: Brand) -> Result<Brand, Errors> {
        var brand = base
        var errors: [String: String] = [:]
        func oneLine(_ text: String) -> Bool { !text.contains(where: \.isNewline) }

        if companyName.isEmpty {
            errors["company_name"] = "Enter the company name shown in the footer and on invoices."
        } else if companyName.count > 120 || !oneLine(companyName) {
            errors["company_name"] = "Keep the company name to one line of at most 120 characters."
        }
        if tagline.count > 160 || !oneLine(tagline) {
            errors["tagline"] = "Keep the tagline to one line of at most 160 characters."
        }
        if !supportEmail.isEmpty, EmailAddress.normalize(supportEmail) == nil {
            errors["support_email"] = "Enter an email address such as support@example.com."
        }
        let phoneCharacters = CharacterSet(charactersIn: "0123456789 +-().")
        if !supportPhone.isEmpty,
            !(5...30).contains(supportPhone.count)
                || supportPhone.unicodeScalars.contains(where: { !phoneCharacters.contains($0) })
        {
            errors["support_phone"] =
                "Enter a phone number of digits, spaces and + - ( ) only, such as +44 20 7946 0123."
        }
        let addressLines = postalAddress.split(separator: "\n", omittingEmptySubsequences: false)
        if addressLines.count > 6 || addressLines.contains(where: { $0.count > 100 }) {
            errors["postal_address"] = "Keep the address to 6 lines of at most 100 characters."
        }
        if !country.isEmpty, !Countries.isKnown(country) { errors["country"] = "Choose the country from the list." }
        for (field, value, label) in [
            ("company_number", companyNumber, "company registration number"), ("tax_number", taxNumber, "tax number"),
        ] where value.count > 40 || value.contains(where: { $0.isNewline || "<>\"".contains($0) }) {
            errors[field] = "Keep the \(label) to 40 characters on one line."
        }
        if !termsURL.isEmpty, !Self.isWebAddress(termsURL) {
            errors["terms_url"] = "Enter an https:// address such as https://example.com/terms."
        }
        if senderName.count > 80 || senderName.contains(where: { $0.isNewline || "<>\"".contains($0) }) {
            errors["sender_name"] = "Keep the sender name to 80 characters, without < > or quotes."
        }
        if !senderEmail.isEmpty, EmailAddress.normalize(senderEmail) == nil {
            errors["sender_email"] = "Enter an email address such as hello@example.com."
        }
        var links: [Brand.FooterLink] = []
        for (index, link) in footerLinks.enumerated() where !link.label.isEmpty || !link.url.isEmpty {
            if link.label.isEmpty || link.label.count > 40 || !oneLine(link.label) {
                errors["link_\(index)"] = "Give link \(index + 1) a label of at most 40 characters."
            } else if !Self.isWebAddress(link.url) {
                errors["link_\(index)"] =
                    "Link \(index + 1) needs an https:// address such as https://example.com/terms."
            } else {
                links.append(link)
            }
        }
        var palette: [String: HexColor] = [:]
        for field in Self.colorFields {
            do {
                palette[field.name] = try HexColor(colors[field.name] ?? "")
            } catch {
                errors[field.name] = "Enter a colour as # and six hexadecimal digits, such as #1f4fd1."
            }
        }
        let fontStack = FontStack(rawValue: font)
        if fontStack == nil { errors["font"] = "Choose one of the listed fonts." }
        let servers = nameservers.split(whereSeparator: { $0.isNewline || $0 == "," || $0 == " " })
            .map { $0.trimmingCharacters(in: .whitespaces).lowercased() }.filter { !$0.isEmpty }
        if let problem = Self.nameserverProblem(servers) { errors["nameservers"] = problem }

        // A form without the languages section (an older client, the API) leaves them as they are.
        let languagesGiven = !defaultLanguage.isEmpty
        if languagesGiven, !shipped.contains(defaultLanguage) {
            errors["default_language"] = "Choose the default language from the list."
        }
        for (code, text) in taglines where text.count > 160 || !oneLine(text) {
            errors["tagline_\(code)"] = "Keep the tagline to one line of at most 160 characters."
        }

        guard errors.isEmpty, let fontStack else { return .failure(Errors(messages: errors)) }
        if languagesGiven {
            brand.defaultLanguage = defaultLanguage
            // The default language is always offered.
            brand.languages = [defaultLanguage] + languages.filter { $0 != defaultLanguage && shipped.contains($0) }
            brand.taglines = taglines.filter {
                brand.languages.contains($0.key) && $0.key != defaultLanguage && !$0.value.isEmpty
            }
        }
        brand.companyName = companyName
        brand.tagline = tagline
        brand.supportEmail = EmailAddress.normalize(supportEmail) ?? ""
        brand.supportPhone = supportPhone
        brand.postalAddress = postalAddress
        brand.country = country
        brand.companyNumber = companyNumber
        brand.taxNumber = taxNumber
        brand.termsURL = termsURL
        brand.senderName = senderName
        brand.senderEmail = EmailAddress.normalize(senderEmail) ?? ""
        brand.footerLinks = links
        brand.primaryColor = palette["primary_color"]!
        brand.accentColor = palette["accent_color"]!
        brand.backgroundColor = palette["background_color"]!
        brand.textColor = palette["text_color"]!
        brand.linkColor = palette["link_color"]!
        brand.fontStack = fontStack
        brand.nameservers = servers
        return .success(brand)
    }

    static func isWebAddress(_ text: String) -> Bool {
        guard text.count <= 300, let components = URLComponents(string: text),
            components.scheme?.lowercased() == "https",
            let host = components.host, host.contains("."), components.user == nil
        else { return false }
        return !text.contains(where: { $0.isWhitespace || $0 == "\"" || $0 == "<" || $0 == ">" })
    }

    static func nameserverProblem(_ nameservers: [String]) -> String? {
        if nameservers.isEmpty { return nil }
        guard (2...4).contains(nameservers.count) else {
            return "Give 2 to 4 nameservers, or none to use the server's."
        }
        guard Set(nameservers).count == nameservers.count else { return "Each nameserver may appear only once." }
        for nameserver in nameservers where (try? HostName.validateDomain(nameserver)) != nameserver {
            return "\"\(nameserver)\" is not a host name such as ns1.example.com."
        }
        return nil
    }
}
