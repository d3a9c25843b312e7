import Foundation
import Mustache

/// What the layout and templates know about the brand an email is from.
package struct EmailBrandFacts: Sendable, Equatable {
    package var name: String
    package var company: String
    package var supportEmail: String
    package var supportPhone: String
    package var address: String
    package var siteURL: String
    package var logoURL: String
    package var primary: String
    package var primaryText: String
    package var background: String
    package var text: String
    package var link: String
    /// ISO 4217 code of the brand's prices.
    package var currency = "GBP"

    /// The facts of a tenant's published brand; `siteURL` is built on the tenant's stored primary host.
    package init(brand: Brand, name: String, siteURL: String) {
        self.name = name
        company = brand.companyName.isEmpty ? name : brand.companyName
        supportEmail = brand.supportEmail
        supportPhone = brand.supportPhone
        address = brand.postalAddress
        self.siteURL = siteURL
        logoURL = brand.logoFile.map { "\(siteURL)/brand/logo/\($0)" } ?? ""
        primary = brand.primaryColor.hex
        primaryText = ContrastPicker.readableText(on: brand.primaryColor).hex
        background = brand.backgroundColor.hex
        text = brand.textColor.hex
        link = brand.linkColor.hex
        currency = brand.currency
    }

    /// Neutral facts for mail that is not from a tenant (the platform console).
    package init(name: String, siteURL: String) {
        self.name = name
        company = name
        supportEmail = ""
        supportPhone = ""
        address = ""
        self.siteURL = siteURL
        logoURL = ""
        primary = "#1f4fd1"
        primaryText = "#ffffff"
        background = "#ffffff"
        text = "#1b1f24"
        link = "#1f4fd1"
    }
}

/// A rendered email: the subject and both parts, wrapped in the layout.
package struct RenderedEmail: Sendable, Equatable {
    package let subject: String
    package let html: String
    package let text: String

    package init(subject: String, html: String, text: String) {
        self.subject = subject
        self.html = html
        self.text = text
    }
}

/// Renders a template inside the layout. The layout receives the body through `{{body}}`, which renders a
/// sentinel that is then replaced by the already-escaped body, so no template ever needs unescaped output.
package enum EmailRenderer {
    private static let sentinel = "\u{E000}email-body\u{E001}"

    package static func render(
        kind: EmailKind, template: EmailTemplate, layout: EmailTemplate, brand: EmailBrandFacts,
        recipient: (name: String, email: String), variables: [String: EmailValue], buttonLabel: String? = nil
    ) throws -> RenderedEmail {
        var values: [String: EmailValue] = [
            "brand.name": .text(brand.name), "brand.company": .text(brand.company),
            "brand.support_email": .text(brand.supportEmail), "brand.support_phone": .text(brand.supportPhone),
            "brand.address": .text(brand.address), "brand.site_url": .text(brand.siteURL),
            "recipient.name": .text(recipient.name), "recipient.email": .text(recipient.email),
        ]
        values.merge(variables) { _, given in given }
        // A security email's secret link never passes through the template: `{{link}}` renders a marker that
        // becomes the fixed button block (HTML) or the bare address (text), so no template can put the token in
        // an attribute, a style or another address.
        var secretLink: String?
        if kind.isSecurity, case .text(let link) = values["link"] {
            secretLink = link
            values["link"] = .text(linkSentinel)
        }
        let context = nest(values)
        var subject = oneLine(try MustacheTemplate(string: textPragma + template.subject).render(context))
        var htmlBody = try MustacheTemplate(string: template.html).render(context)
        var textBody = try MustacheTemplate(string: textPragma + template.text).render(context)
        if let secretLink {
            subject = subject.replacingOccurrences(of: linkSentinel, with: "")
            htmlBody = htmlBody.replacingOccurrences(
                of: linkSentinel, with: try buttonBlock(secretLink, buttonLabel ?? kind.buttonLabel))
            textBody = textBody.replacingOccurrences(of: linkSentinel, with: secretLink)
        }

        var layoutValues = values
        layoutValues["body"] = .text(sentinel)
        layoutValues["subject"] = .text(subject)
        layoutValues["brand.logo_url"] = .text(brand.logoURL)
        layoutValues["colors.primary"] = .text(brand.primary)
        layoutValues["colors.primary_text"] = .text(brand.primaryText)
        layoutValues["colors.background"] = .text(brand.background)
        layoutValues["colors.text"] = .text(brand.text)
        layoutValues["colors.link"] = .text(brand.link)
        let layoutContext = nest(layoutValues)
        // The layout never shows the secret link: only the body's button does.
        let html = try MustacheTemplate(string: layout.html).render(layoutContext)
            .replacingOccurrences(of: linkSentinel, with: "").replacingOccurrences(of: sentinel, with: htmlBody)
        let text = try MustacheTemplate(string: textPragma + layout.text).render(layoutContext)
            .replacingOccurrences(of: linkSentinel, with: "").replacingOccurrences(of: sentinel, with: textBody)
        return RenderedEmail(subject: subject, html: html, text: text)
    }

    private static let linkSentinel = "\u{E000}email-link\u{E001}"

    /// The one place a secret link is written into HTML: a button of the portal's own markup, escaped by the same
    /// engine as every template.
    static func buttonBlock(_ link: String, _ label: String) throws -> String {
        try buttonTemplate.render(["url": link, "label": label])
    }

    private static let buttonTemplate = try! MustacheTemplate(
        string: #"<a class="button" href="{{url}}">{{label}}</a>"#)

    /// Renders with each variable's documented sample value, for previews and test sends.
    package static func sample(
        kind: EmailKind, template: EmailTemplate, layout: EmailTemplate, brand: EmailBrandFacts,
        recipient: (name: String, email: String)
    ) throws -> RenderedEmail {
        let samples = Dictionary(uniqueKeysWithValues: kind.variables.map { ($0.name, $0.sample) })
        return try render(
            kind: kind, template: template, layout: layout, brand: brand, recipient: recipient, variables: samples)
    }

    private static let textPragma = "{{% CONTENT_TYPE: TEXT}}"

    /// `["brand.name": x]` → `["brand": ["name": x]]`, as the templates address them.
    private static func nest(_ values: [String: EmailValue]) -> [String: Any] {
        var root: [String: Any] = [:]
        for (name, value) in values {
            let path = name.split(separator: ".").map(String.init)
            insert(value.renderable, at: path[...], into: &root)
        }
        return root
    }

    private static func insert(_ value: Any, at path: ArraySlice<String>, into dictionary: inout [String: Any]) {
        guard let first = path.first else { return }
        if path.count == 1 {
            dictionary[first] = value
            return
        }
        var child = dictionary[first] as? [String: Any] ?? [:]
        insert(value, at: path.dropFirst(), into: &child)
        dictionary[first] = child
    }

    /// Subjects are one line whatever the data: CR, LF and other controls become spaces.
    private static func oneLine(_ text: String) -> String {
        String(text.map { $0.isNewline || ($0.asciiValue.map { $0 < 0x20 } ?? false) ? " " : $0 })
            .trimmingCharacters(in: .whitespaces)
    }
}
