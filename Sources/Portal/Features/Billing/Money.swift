/// Formats integer minor units in a currency, e.g. 499 GBP → "£4.99".
package enum Money {
    package static func format(minor: Int64, currency: String) -> String {
        let code = currency.uppercased()
        let sign = minor < 0 ? "-" : ""
        let amount = plain(minor.magnitude, currency: code, grouped: true)
        switch code {
        case "GBP": return "\(sign)£\(amount)"
        case "USD": return "\(sign)$\(amount)"
        case "EUR": return "\(sign)€\(amount)"
        case "AUD": return "\(sign)A$\(amount)"
        case "CAD": return "\(sign)C$\(amount)"
        case "JPY": return "\(sign)¥\(amount)"
        default: return "\(sign)\(code) \(amount)"
        }
    }

    private static func groupThousands(_ value: UInt64) -> String {
        let digits = Array(String(value))
        var result = ""
        for (index, digit) in digits.enumerated() {
            if index > 0 && (digits.count - index) % 3 == 0 { result.append(",") }
            result.append(digit)
        }
        return result
    }

    /// Currencies without minor units.
    static func decimals(_ currency: String) -> Int {
        ["JPY", "KRW", "ISK"].contains(currency.uppercased()) ? 0 : 2
    }

    /// `1234.50` (or `1,234.50` grouped): the magnitude in major units, without sign or symbol.
    static func plain(_ magnitude: UInt64, currency: String, grouped: Bool) -> String {
        let decimals = decimals(currency)
        var divisor: UInt64 = 1
        for _ in 0..<decimals { divisor *= 10 }
        var amount = grouped ? groupThousands(magnitude / divisor) : String(magnitude / divisor)
        if decimals > 0 {
            let digits = String(magnitude % divisor)
            amount += "." + String(repeating: "0", count: decimals - digits.count) + digits
        }
        return amount
    }
}
