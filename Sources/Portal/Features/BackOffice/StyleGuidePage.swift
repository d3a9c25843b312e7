import Branding
import Foundation

/// `/admin/style`: every component of the design system, drawn with this brand's theme, so staff can see how their
/// colours carry through buttons, fields, tables, alerts, badges, tabs and the rest before customers do.
package struct StyleGuidePage: Sendable {
    package struct Swatch: Sendable {
        package let name: String
        package let variable: String
        package let hex: String
    }

    package let chrome: StorefrontChrome
    package let csrf: String
    package let swatches: [Swatch]
    /// Every status word the portal shows, as its badge.
    package let statuses: [String]

    init(brand: Brand, chrome: StorefrontChrome, csrf: String) {
        self.chrome = chrome
        self.csrf = csrf
        func swatch(_ name: String, _ variable: String, _ colour: HexColor) -> Swatch {
            Swatch(name: name, variable: variable, hex: colour.hex)
        }
        swatches = [
            swatch("Primary", "--brand-primary", brand.primaryColor),
            swatch("Accent", "--brand-accent", brand.accentColor),
            swatch("Background", "--brand-background", brand.backgroundColor),
            swatch("Text", "--brand-text", brand.textColor),
            swatch("Links", "--brand-link", brand.linkColor),
        ]
        statuses = [
            "Active", "Paid", "Pending", "Unpaid", "Open", "Answered", "Suspended", "Overdue", "Cancelled", "Closed",
            "Terminated", "Refunded",
        ]
    }
}
