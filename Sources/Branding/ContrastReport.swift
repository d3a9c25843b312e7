/// The WCAG 2.1 checks a palette must pass before it can be published: body text on the background, button text on
/// the primary colour, and links on the background, each at least 4.5:1 (level AA for normal text).
package struct ContrastReport: Sendable, Equatable {
    package static let minimumRatio = 4.5

    package struct Check: Sendable, Equatable {
        package let name: String
        package let foreground: HexColor
        package let background: HexColor
        package let ratio: Double
        /// A foreground close to the chosen one that passes, when this one fails.
        package let suggestion: HexColor?

        package var passes: Bool { ratio >= ContrastReport.minimumRatio }
        /// "4.52:1", rounded down so a shown pass is a real pass.
        package var ratioText: String {
            let hundredths = Int((ratio * 100).rounded(.down))
            return "\(hundredths / 100).\(hundredths % 100 < 10 ? "0" : "")\(hundredths % 100):1"
        }
    }

    package let checks: [Check]

    package var passes: Bool { checks.allSatisfy(\.passes) }

    package init(_ brand: Brand) {
        let buttonText = ContrastPicker.readableText(on: brand.primaryColor)
        checks = [
            Self.check("Text on background", brand.textColor, on: brand.backgroundColor),
            Self.check("Button text on primary", buttonText, on: brand.primaryColor, adjustBackground: true),
            Self.check("Links on background", brand.linkColor, on: brand.backgroundColor),
        ]
    }

    private static func check(
        _ name: String, _ foreground: HexColor, on background: HexColor, adjustBackground: Bool = false
    )
        -> Check
    {
        let ratio = ContrastPicker.contrastRatio(foreground, background)
        var suggestion: HexColor?
        if ratio < minimumRatio {
            // Button text is already the better of near-black and white, so the primary colour itself must move.
            suggestion =
                adjustBackground
                ? ContrastAdvisor.nearestPassing(adjusting: background, against: foreground)
                : ContrastAdvisor.nearestPassing(adjusting: foreground, against: background)
        }
        return Check(name: name, foreground: foreground, background: background, ratio: ratio, suggestion: suggestion)
    }
}

/// Finds the smallest change of a colour's lightness, towards black or white, that reaches 4.5:1.
package enum ContrastAdvisor {
    package static func nearestPassing(adjusting color: HexColor, against other: HexColor) -> HexColor? {
        let (r, g, b) = color.components
        var best: (steps: Int, color: HexColor)?
        for target in [0, 255] {
            for step in 1...100 {
                let mix = Double(step) / 100
                func blend(_ channel: Int) -> Int {
                    Int((Double(channel) + (Double(target) - Double(channel)) * mix).rounded())
                }
                guard let candidate = try? HexColor(hex(blend(r), blend(g), blend(b))) else { continue }
                if ContrastPicker.contrastRatio(candidate, other) >= ContrastReport.minimumRatio {
                    if best == nil || step < best!.steps { best = (step, candidate) }
                    break
                }
            }
        }
        return best?.color
    }

    private static func hex(_ r: Int, _ g: Int, _ b: Int) -> String {
        let digits = Array("0123456789abcdef")
        return "#" + [r, g, b].map { String([digits[$0 >> 4], digits[$0 & 15]]) }.joined()
    }
}
