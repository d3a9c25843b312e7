import Foundation

/// The per-tenant stylesheet: the brand as CSS custom properties, with a strong ETag of its bytes.
package struct ThemeStylesheet: Sendable, Hashable {
    package let css: String
    /// Digest of `css`; the ETag and the `v=` of the stylesheet's URL.
    package let digest: String

    package init(brand: Brand) {
        let primaryText = ContrastPicker.readableText(on: brand.primaryColor)
        let accentText = ContrastPicker.readableText(on: brand.accentColor)
        // Focus outlines must stand out 3:1 from what they sit on (WCAG 2.4.13 / 1.4.11): the page, and the header.
        let focus = ContrastPicker.focusColour(
            on: brand.backgroundColor,
            preferring: [brand.accentColor, brand.linkColor, brand.primaryColor, brand.textColor])
        let focusOnPrimary = ContrastPicker.focusColour(
            on: brand.primaryColor, preferring: [brand.accentColor, primaryText, brand.backgroundColor])
        // Derived surfaces, computed here rather than with color-mix() so every tool reads plain colours: a tint of
        // the primary colour for current items, a faint surface, and muted text that still reads 4.5:1.
        let tint = brand.primaryColor.mixed(into: brand.backgroundColor, amount: 0.12)
        let surface = brand.textColor.mixed(into: brand.backgroundColor, amount: 0.05)
        let muted =
            [0.72, 0.8, 0.88, 1.0].lazy.map { brand.textColor.mixed(into: brand.backgroundColor, amount: $0) }
            .first {
                ContrastPicker.contrastRatio($0, brand.backgroundColor) >= 4.5
                    && ContrastPicker.contrastRatio($0, surface) >= 4.5
            }
            ?? brand.textColor
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
              --brand-focus: \(focus.hex);
              --brand-tint: \(tint.hex);
              --brand-surface: \(surface.hex);
              --brand-muted: \(muted.hex);
              --brand-focus-on-primary: \(focusOnPrimary.hex);
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

    /// The minimum contrast of a focus outline against what it sits on.
    package static let focusRatio = 3.0

    /// The first of `candidates` that stands out 3:1 from `background`, else the readable text colour for it.
    package static func focusColour(on background: HexColor, preferring candidates: [HexColor]) -> HexColor {
        candidates.first { contrastRatio($0, background) >= focusRatio } ?? readableText(on: background)
    }

    package static func readableText(on background: HexColor) -> HexColor {
        let white = try! HexColor("#ffffff")
        let black = try! HexColor("#111111")
        return contrastRatio(white, background) >= contrastRatio(black, background) ? white : black
    }
}
