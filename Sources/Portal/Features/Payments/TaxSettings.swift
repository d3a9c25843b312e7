import Foundation
import Integrations
import Tenancy

/// How the brand states its prices and names its taxes. WHMCS computes the tax itself (its tax rules are the
/// authority); the brand only declares whether its catalogue prices already include it, and what the tax is called
/// on its pages (WHMCS's API gives rates and amounts, not names).
package struct TaxSettings: Sendable, Equatable {
    static let includedKey = "tax.prices_include_tax"
    static let nameKey = "tax.name"
    static let secondNameKey = "tax.name2"

    package var pricesIncludeTax = false
    package var name = "VAT"
    package var secondName = "Tax"

    static func load(_ database: TenantDatabase) async throws -> TaxSettings {
        let values = try await database.accounts.settings([includedKey, nameKey, secondNameKey])
        var settings = TaxSettings()
        settings.pricesIncludeTax = values[includedKey] == "1"
        if let name = values[nameKey], !name.isEmpty { settings.name = name }
        if let name = values[secondNameKey], !name.isEmpty { settings.secondName = name }
        return settings
    }

    /// What the checkout review says about tax.
    package var statement: String {
        pricesIncludeTax
            ? "Prices include \(name) where it applies; your invoice shows the amount."
            : "Prices exclude \(name): where it applies, it is added on your invoice at the rate for your country."
    }

    /// The part of a WHMCS invoice that must equal the quote: the total when prices include tax, the subtotal
    /// (before tax) when they do not. Tax itself never makes an order differ from its quote.
    static func quotedAmount(of invoice: WHMCSInvoice, pricesIncludeTax: Bool) -> Int64 {
        pricesIncludeTax ? invoice.subtotalMinor + invoice.taxMinor + invoice.tax2Minor : invoice.subtotalMinor
    }

    /// One tax line as the customer reads it.
    package struct Line: Sendable, Equatable {
        package var label: String
        package var amount: String
    }

    /// The invoice's tax lines: each level WHMCS charged, with its name and rate.
    func lines(of invoice: WHMCSInvoice, currency: String) -> [Line] {
        var lines: [Line] = []
        for (name, rate, amount) in [
            (name, invoice.taxRate, invoice.taxMinor), (secondName, invoice.taxRate2, invoice.tax2Minor),
        ] where amount != 0 {
            lines.append(
                Line(
                    label: "\(name) at \(Self.percent(rate))",
                    amount: Money.format(minor: amount, currency: currency)))
        }
        return lines
    }

    /// `"20.00"` → "20%"; `"17.50"` → "17.5%".
    static func percent(_ rate: String) -> String {
        var text = rate.trimmingCharacters(in: .whitespaces)
        if text.contains(".") {
            while text.hasSuffix("0") { text.removeLast() }
            if text.hasSuffix(".") { text.removeLast() }
        }
        return (text.isEmpty ? "0" : text) + "%"
    }
}
