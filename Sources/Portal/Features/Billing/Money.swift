import Branding
import Integrations

/// Formats integer minor units in a currency, e.g. 499 GBP → "£4.99", 1000 JPY → "¥1,000", 1250 KWD → "KWD 1.250".
/// How many digits follow the mark comes from `Currency`, the one ISO 4217 table.
///
/// In another language than English the reader's locale writes the price (`Localizer.current`, set for each
/// request and each email): "‏29.90 US$" in Arabic, with the same number of digits.
package enum Money {
    package static func format(minor: Int64, currency: String) -> String {
        let currency = Currency(currency)
        let sign = minor < 0 ? "-" : ""
        let amount = currency.plain(minor.magnitude, grouped: true)
        if let localizer = Localizer.current, !localizer.isEnglish {
            return localizer.price(
                major: sign + currency.plain(minor.magnitude, grouped: false), currency: currency.code,
                fractionDigits: currency.decimals)
        }
        switch currency.code {
        case "GBP": return "\(sign)£\(amount)"
        case "USD": return "\(sign)$\(amount)"
        case "EUR": return "\(sign)€\(amount)"
        case "AUD": return "\(sign)A$\(amount)"
        case "CAD": return "\(sign)C$\(amount)"
        case "JPY": return "\(sign)¥\(amount)"
        default: return "\(sign)\(currency.code) \(amount)"
        }
    }

    /// `1234.50` (or `1,234.50` grouped): the magnitude in major units, without sign or symbol.
    static func plain(_ magnitude: UInt64, currency: String, grouped: Bool) -> String {
        Currency(currency).plain(magnitude, grouped: grouped)
    }
}
