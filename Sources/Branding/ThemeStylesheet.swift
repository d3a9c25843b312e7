import Foundation

/// The per-tenant stylesheet: the brand as CSS custom properties, with a strong ETag of its bytes.
package struct ThemeStylesheet: Sendable, Hashable {
    package let css: String
    /// Digest of `css`; the ETag and the `v=` of the stylesheet's URL.
    package let digest: String

    package init(brand: Brand) {
        let primaryText = ContrastPicker.readableText(on: brand.primaryColor)
        let accentText = ContrastPicker.readableText(on: brand.accentColor)
        // The version line makes every publish a new stylesheet URL and ETag, even when only the text changed.
        css = """
            /* brand version \(brand.version) */
            :root {
              --brand-primary: \(brand.primaryColor.hex);
              --brand-primary-text: \(primaryText.hex);
              --brand-accent: \(brand.accentColor.hex);
              --brand-accent-text: \(accentText.hex);
              --brand-background: \(brand.backgroundColor.hex);
              --brand-text: \(brand.textColor.hex);
              --brand-link: \(brand.linkColor.hex);
              --brand-font: \(brand.fontStack.css);
            }

            """
        digest = ContentDigest.hex(of: css)
    }
}

/// Picks black or white text for a background by WCAG relative luminance.
package enum ContrastPicker {
    package static func relativeLuminance(_ color: HexColor) -> Double {
        func channel(_ value: Int) -> Double {
            let c = Double(value) / 255
            return c <= 0.04045 ? c / 12.92 : pow((c + 0.055) / 1.055, 2.4)
        }
        let (r, g, b) = color.components
        return 0.2126 * channel(r) + 0.7152 * channel(g) + 0.0722 * channel(b)
    }

    /// WCAG 2.1 contrast ratio between two colours, 1...21.
    package static func contrastRatio(_ first: HexColor, _ second: HexColor) -> Double {
        let (a, b) = (relativeLuminance(first), relativeLuminance(second))
        return (max(a, b) + 0.05) / (min(a, b) + 0.05)
    }

    package static func readableText(on background: HexColor) -> HexColor {
        let white = try! HexColor("#ffffff")
        let black = try! HexColor("#111111")
        return contrastRatio(white, background) >= contrastRatio(black, background) ? white : black
    }
}
