import Foundation

/// An ISO 4217 currency and its minor unit: the one table that parsing, storage, display, CSV, WHMCS and Stripe
/// amounts all read. JPY has no minor unit (¥1000 is stored as 1000), GBP has two (£12.50 as 1250) and KWD has
/// three (KWD 1.250 as 1250).
package struct Currency: Hashable, Sendable, CustomStringConvertible {
    /// The upper-case ISO 4217 code.
    package let code: String
    /// Digits after the decimal mark.
    package let decimals: Int

    /// `code` in upper case; a code outside the table's exceptions has two decimals, as most currencies do.
    package init(_ code: String) {
        self.code = code.uppercased()
        decimals = Self.exponents[self.code] ?? 2
    }

    package static let gbp = Currency("GBP")
    package static let usd = Currency("USD")

    package var description: String { code }

    /// Whether `text` has the shape of an ISO 4217 code: three ASCII letters.
    package static func isWellFormed(_ text: String) -> Bool {
        text.utf8.count == 3 && text.allSatisfy { $0.isASCII && $0.isLetter }
    }

    /// ISO 4217 minor units that are not two (the 2024 list). Every other code has two.
    static let exponents: [String: Int] = [
        // None.
        "BIF": 0, "CLP": 0, "DJF": 0, "GNF": 0, "ISK": 0, "JPY": 0, "KMF": 0, "KRW": 0, "PYG": 0, "RWF": 0,
        "UGX": 0, "UYI": 0, "VND": 0, "VUV": 0, "XAF": 0, "XOF": 0, "XPF": 0,
        // Thousandths.
        "BHD": 3, "IQD": 3, "JOD": 3, "KWD": 3, "LYD": 3, "OMR": 3, "TND": 3,
        // Ten-thousandths (units of account).
        "CLF": 4, "UYW": 4,
    ]

    /// 10 to the power of `decimals`.
    package var scale: Int64 {
        var value: Int64 = 1
        for _ in 0..<decimals { value *= 10 }
        return value
    }

    /// `"1234.50"` for 123450 GBP, `"1000"` for 1000 JPY, `"1.250"` for 1250 KWD: the plain decimal form WHMCS
    /// reads and writes.
    package func decimal(_ minor: Int64) -> String {
        let sign = minor < 0 ? "-" : ""
        return sign + plain(minor.magnitude, grouped: false)
    }

    /// The magnitude in major units, optionally with thousands grouped by commas, without sign or symbol.
    package func plain(_ magnitude: UInt64, grouped: Bool) -> String {
        let scale = UInt64(self.scale)
        let whole = magnitude / scale
        var text = grouped ? Self.groupThousands(whole) : String(whole)
        if decimals > 0 {
            let fraction = String(magnitude % scale)
            text += "." + String(repeating: "0", count: decimals - fraction.count) + fraction
        }
        return text
    }

    /// How precisely a decimal text must match the currency.
    package enum Precision: Sendable {
        /// More fraction digits than the currency has is an error (what a person typed).
        case exact
        /// Extra digits round half away from zero (what an upstream sent: WHMCS writes `1000.00` for yen).
        case rounded
    }

    /// Minor units from a plain decimal such as `"12.5"`, `"-3"` or `"1.250"`, without floating point; nil when the
    /// text is not a number, overflows, or (exact) has more fraction digits than the currency.
    package func minor(fromDecimal raw: String, precision: Precision) -> Int64? {
        let text = raw.trimmingCharacters(in: [" ", "\t"])
        let negative = text.hasPrefix("-")
        let unsigned = negative ? text.dropFirst() : Substring(text)
        let parts = unsigned.split(separator: ".", omittingEmptySubsequences: false)
        guard (1...2).contains(parts.count), !parts[0].isEmpty, parts[0].count <= 15,
            parts[0].allSatisfy({ $0.isASCII && $0.isNumber }), let whole = Int64(parts[0])
        else { return nil }
        var digits = parts.count == 2 ? parts[1] : ""
        guard digits.allSatisfy({ $0.isASCII && $0.isNumber }), parts.count == 1 || !digits.isEmpty else { return nil }
        var roundUp = false
        if digits.count > decimals {
            let extra = digits.dropFirst(decimals)
            switch precision {
            case .exact: guard extra.allSatisfy({ $0 == "0" }) else { return nil }
            case .rounded: roundUp = extra.first.map { $0 >= "5" } ?? false
            }
            digits = digits.prefix(decimals)
        }
        let padded = digits + String(repeating: "0", count: decimals - digits.count)
        let fraction = padded.isEmpty ? 0 : Int64(padded) ?? 0
        let (scaled, overflow) = whole.multipliedReportingOverflow(by: scale)
        guard !overflow else { return nil }
        let magnitude = scaled + fraction + (roundUp ? 1 : 0)
        return negative ? -magnitude : magnitude
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
