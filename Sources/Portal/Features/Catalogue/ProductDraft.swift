import Foundation
import Integrations
import Tenancy

/// A product as typed into the catalogue form or sent to the product API: raw text, checked by `validate`.
package struct ProductDraft: Sendable, Equatable {
    package struct CyclePrice: Sendable, Equatable {
        package var cycle: String
        package var price: String
        package var setup: String

        package init(cycle: String, price: String, setup: String = "") {
            self.cycle = cycle
            self.price = price
            self.setup = setup
        }
    }

    package struct TLDPrice: Sendable, Equatable {
        package var tld: String
        package var register: String
        package var transfer: String
        package var renew: String
    }

    package var id: Int64?
    package var slug = ""
    package var name = ""
    package var summary = ""
    package var description = ""
    package var kind = ""
    package var categoryID = ""
    package var features = ""
    package var position = "0"
    package var visibility = "visible"
    package var diskMB = ""
    package var bandwidthMB = ""
    package var whmPackage = ""
    package var resellerAccounts = ""
    package var cloudProvider = ""
    package var cloudSize = ""
    package var sslType = ""
    package var sslProductCode = ""
    /// Only the cycles offered; a cycle left out is not sold.
    package var prices: [CyclePrice] = []
    package var domainPrices: [TLDPrice] = []

    package init() {}

    /// The form of a stored entry, for editing.
    package init(_ entry: CatalogueEntry) {
        let product = entry.product
        id = product.id
        slug = product.slug
        name = product.name
        summary = product.summary
        description = product.description
        kind = product.kind.rawValue
        categoryID = product.categoryID.map(String.init) ?? ""
        features = product.features
        position = String(product.position)
        visibility = product.visibility.rawValue
        diskMB = product.diskMB.map(String.init) ?? ""
        bandwidthMB = product.bandwidthMB.map(String.init) ?? ""
        whmPackage = product.whmPackage ?? ""
        resellerAccounts = product.resellerAccounts.map(String.init) ?? ""
        cloudProvider = product.cloudProvider ?? ""
        cloudSize = product.cloudSize ?? ""
        sslType = product.sslType?.rawValue ?? ""
        sslProductCode = product.sslProductCode ?? ""
        prices = entry.prices.map {
            CyclePrice(
                cycle: $0.cycle.rawValue, price: MoneyInput.text($0.priceMinor), setup: MoneyInput.text($0.setupMinor))
        }
        domainPrices = entry.domainPrices.map {
            TLDPrice(
                tld: $0.tld, register: MoneyInput.text($0.registerMinor), transfer: MoneyInput.text($0.transferMinor),
                renew: MoneyInput.text($0.renewMinor)
            )
        }
    }

    package func price(for cycle: Product.BillingCycle) -> CyclePrice? { prices.first { $0.cycle == cycle.rawValue } }
}

/// Decimal money typed by people ("12", "12.5", "12.50") ↔ integer minor units; never floating point.
package enum MoneyInput {
    package static let maximumMinor: Int64 = 100_000_000

    /// Minor units, or nil when the text is not an amount with at most two decimals.
    package static func parse(_ raw: String) -> Int64? {
        var text = raw.trimmingCharacters(in: .whitespaces)
        for symbol in ["£", "$", "€"] where text.hasPrefix(symbol) { text.removeFirst() }
        text = text.replacingOccurrences(of: ",", with: "")
        let parts = text.split(separator: ".", omittingEmptySubsequences: false)
        guard (1...2).contains(parts.count), !parts[0].isEmpty, parts[0].count <= 9, parts[0].allSatisfy(\.isASCII),
            let whole = Int64(parts[0]), whole >= 0
        else { return nil }
        var fraction: Int64 = 0
        if parts.count == 2 {
            let digits = parts[1]
            guard (1...2).contains(digits.count), digits.allSatisfy({ $0.isASCII && $0.isNumber }),
                let value = Int64(digits)
            else {
                return nil
            }
            fraction = digits.count == 1 ? value * 10 : value
        }
        let minor = whole * 100 + fraction
        return minor <= maximumMinor ? minor : nil
    }

    /// 1250 → "12.50".
    package static func text(_ minor: Int64) -> String {
        let cents = minor % 100
        return "\(minor / 100).\(cents < 10 ? "0" : "")\(cents)"
    }
}
