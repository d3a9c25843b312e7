/// Formats integer minor units in a currency, e.g. 499 GBP → "£4.99".
package enum Money {
    package static func format(minor: Int64, currency: String) -> String {
        let code = currency.uppercased()
        let decimals = ["JPY", "KRW", "ISK"].contains(code) ? 0 : 2
        var divisor: Int64 = 1
        for _ in 0..<decimals { divisor *= 10 }
        let sign = minor < 0 ? "-" : ""
        let magnitude = minor.magnitude
        let whole = magnitude / UInt64(divisor)
        let fraction = magnitude % UInt64(divisor)
        var amount = groupThousands(whole)
        if decimals > 0 {
            let digits = String(fraction)
            amount += "." + String(repeating: "0", count: decimals - digits.count) + digits
        }
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
}
