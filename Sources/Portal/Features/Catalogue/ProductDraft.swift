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
    package init(_ entry: CatalogueEntry, currency: Currency) {
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
                cycle: $0.cycle.rawValue, price: MoneyInput.text($0.priceMinor, currency: currency),
                setup: MoneyInput.text($0.setupMinor, currency: currency))
        }
        domainPrices = entry.domainPrices.map {
            TLDPrice(
                tld: $0.tld, register: MoneyInput.text($0.registerMinor, currency: currency),
                transfer: MoneyInput.text($0.transferMinor, currency: currency),
                renew: MoneyInput.text($0.renewMinor, currency: currency)
            )
        }
    }

    package func price(for cycle: Product.BillingCycle) -> CyclePrice? { prices.first { $0.cycle == cycle.rawValue } }
}

/// Decimal money typed by people ("12", "12.5", "12.50") ↔ integer minor units; never floating point.
package enum MoneyInput {
    /// The largest price a form takes, in major units (a million).
    package static let maximumMajor: Int64 = 1_000_000

    /// Minor units of `currency`, or nil when the text is not an amount with at most the currency's decimals
    /// (none for yen, three for dinars, the last of them 0). A leading symbol and thousands commas are allowed.
    package static func parse(_ raw: String, currency: Currency) -> Int64? {
        var text = raw.trimmingCharacters(in: .whitespaces)
        for symbol in ["£", "$", "€", "¥", currency.code] where text.uppercased().hasPrefix(symbol) {
            text = text.dropFirst(symbol.count).trimmingCharacters(in: .whitespaces)
        }
        text = text.replacingOccurrences(of: ",", with: "")
        guard !text.hasPrefix("-"), !text.hasPrefix("+"),
            let minor = currency.minor(fromDecimal: text, precision: .exact)
        else { return nil }
        // WHMCS keeps two decimal places and Stripe wants thousandths in tens: 4.990, not 4.995.
        if currency.decimals > 2, minor % 10 != 0 { return nil }
        return minor <= maximumMajor * currency.scale ? minor : nil
    }

    /// Amounts to show in a hint: "4.99" and "10.00" in pounds, "500" and "1000" in yen, "4.990" in dinars.
    package static func example(_ currency: Currency) -> (price: String, setup: String) {
        switch currency.decimals {
        case 0: ("500", "1000")
        case 3: ("4.990", "10.000")
        default: ("4.99", "10.00")
        }
    }

    /// 1250 GBP → "12.50"; 1000 JPY → "1000"; 1250 KWD → "1.250".
    package static func text(_ minor: Int64, currency: Currency) -> String {
        currency.decimal(minor)
    }
}

extension ProductDraft {
    /// The draft the product form posted.
    init(form: FormData, id: Int64?) {
        self.init()
        var draft = self
        draft.id = id
        draft.kind = form["kind"]
        draft.slug = form.trimmed("slug")
        draft.name = form.trimmed("name")
        draft.summary = form.trimmed("summary")
        draft.description = form["description"]
        draft.features = form["features"]
        draft.position = form.trimmed("position")
        draft.visibility = form["visibility"]
        draft.categoryID = form["category"]
        draft.diskMB = form.trimmed("disk_mb")
        draft.bandwidthMB = form.trimmed("bandwidth_mb")
        draft.whmPackage = form.trimmed("whm_package")
        draft.resellerAccounts = form.trimmed("reseller_accounts")
        draft.cloudProvider = form["cloud_provider"]
        draft.cloudSize = form["cloud_size"]
        draft.sslType = form["ssl_type"]
        draft.sslProductCode = form.trimmed("ssl_product_code")
        draft.prices = Product.BillingCycle.allCases.map {
            ProductDraft.CyclePrice(
                cycle: $0.rawValue, price: form.trimmed("price_\($0.rawValue)"),
                setup: form.trimmed("setup_\($0.rawValue)"))
        }
        draft.domainPrices = form["tld_prices"].split(whereSeparator: \.isNewline).map { line in
            let parts = line.split(whereSeparator: { $0 == " " || $0 == "\t" || $0 == "," }).map(String.init)
            return ProductDraft.TLDPrice(
                tld: parts.first ?? "", register: parts.count > 1 ? parts[1] : "",
                transfer: parts.count > 2 ? parts[2] : "",
                renew: parts.count > 3 ? parts[3] : ""
            )
        }
        self = draft
    }
}
