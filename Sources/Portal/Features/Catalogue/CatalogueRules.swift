import Foundation
import Integrations
import Tenancy

/// Checks product drafts against the resource map and the platform's costs, and prices orders.
package struct CatalogueRules: Sendable {
    package let resources: ResourceMap
    package let costs: CostBook

    package init(resources: ResourceMap, costs: CostBook) {
        self.resources = resources
        self.costs = costs
    }

    /// Loads `catalogue/resource-map.json` and `catalogue/platform-costs.json` from the assets folder.
    package init(directory assets: String) throws {
        resources = try ResourceMap.load(path: assets + "/catalogue/resource-map.json")
        costs = try CostBook.load(path: assets + "/catalogue/platform-costs.json")
    }

    /// Field name → message for every problem; empty when the draft is valid.
    package typealias Problems = [String: String]

    /// The entry the draft describes (with the platform's cost on every price), or the problems.
    package func validate(
        _ draft: ProductDraft, currency: String, rates: [String: Decimal] = [:], categories: [ProductCategory]
    ) -> Result<
        CatalogueEntry, ProblemList
    > {
        var problems: Problems = [:]
        let slug = draft.slug.trimmingCharacters(in: .whitespaces).lowercased()
        if let problem = Self.slugProblem(slug) { problems["slug"] = problem }
        let name = draft.name.trimmingCharacters(in: .whitespacesAndNewlines)
        if name.isEmpty { problems["name"] = "Give the product a name." }
        if name.count > 120 || name.contains(where: \.isNewline) {
            problems["name"] = "Use one line of at most 120 characters."
        }
        if draft.summary.count > 300 { problems["summary"] = "Keep the summary under 300 characters." }
        if draft.description.count > 10_000 {
            problems["description"] = "Keep the description under 10,000 characters."
        }
        if draft.features.count > 4_000 { problems["features"] = "Keep the feature list under 4,000 characters." }
        guard let kind = Product.Kind(rawValue: draft.kind) else {
            problems["kind"] =
                "Choose a product type: \(Product.Kind.allCases.map(\.rawValue).joined(separator: ", "))."
            return .failure(ProblemList(problems))
        }
        guard let book = costs.currency(currency, rates: rates) else {
            problems["prices"] =
                "The platform has no costs in \(currency) yet, so nothing can be priced; contact the platform."
            return .failure(ProblemList(problems))
        }
        var product = Product(
            slug: slug, name: name, summary: draft.summary.trimmingCharacters(in: .whitespacesAndNewlines), kind: kind)
        product.id = draft.id
        product.description = draft.description.trimmingCharacters(in: .whitespacesAndNewlines)
        product.features = draft.features.split(whereSeparator: \.isNewline).map {
            $0.trimmingCharacters(in: .whitespaces)
        }
        .filter { !$0.isEmpty }.joined(separator: "\n")
        if let position = Int(draft.position.trimmingCharacters(in: .whitespaces)), (0...100_000).contains(position) {
            product.position = position
        } else if !draft.position.trimmingCharacters(in: .whitespaces).isEmpty {
            problems["position"] = "Use a whole number from 0 to 100000."
        }
        if let visibility = Product.Visibility(rawValue: draft.visibility) {
            product.visibility = visibility
        } else {
            problems["visibility"] = "Choose visible, hidden or retired."
        }
        if !draft.categoryID.isEmpty {
            if let id = Int64(draft.categoryID), categories.contains(where: { $0.id == id }) {
                product.categoryID = id
            } else {
                problems["category"] = "Choose one of your categories."
            }
        }

        switch kind {
        case .sharedHosting, .resellerHosting:
            let package = draft.whmPackage.trimmingCharacters(in: .whitespaces)
            if package.isEmpty || package.count > 64
                || !package.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "_" || $0 == "-") })
            {
                problems["whm_package"] = "Enter the WHM package name (letters, digits, _ and -), such as starter."
            } else {
                product.whmPackage = package
            }
            if let disk = Int(draft.diskMB.trimmingCharacters(in: .whitespaces)), (1...100_000_000).contains(disk) {
                product.diskMB = disk
            } else {
                problems["disk_mb"] = "Enter the disk space in megabytes, such as 10240 for 10 GB."
            }
            let bandwidth = draft.bandwidthMB.trimmingCharacters(in: .whitespaces)
            if !bandwidth.isEmpty {
                if let value = Int(bandwidth), value > 0 {
                    product.bandwidthMB = value
                } else {
                    problems["bandwidth_mb"] =
                        "Enter the monthly bandwidth in megabytes, or leave it empty for unlimited."
                }
            }
            if kind == .resellerHosting {
                if let accounts = Int(draft.resellerAccounts.trimmingCharacters(in: .whitespaces)),
                    (1...10_000).contains(accounts)
                {
                    product.resellerAccounts = accounts
                } else {
                    problems["reseller_accounts"] =
                        "Enter how many cPanel accounts the reseller may create (1 to 10000)."
                }
            }
        case .cloudServer:
            if let provider = resources.provider(draft.cloudProvider) {
                product.cloudProvider = provider.id
                if let size = provider.sizes.first(where: { $0.size == draft.cloudSize }) {
                    product.cloudSize = size.size
                    if book.cloudMonthly["\(provider.id)/\(size.size)"] == nil {
                        problems["cloud_size"] =
                            "The platform does not sell \(provider.name) \(size.size) in \(currency)."
                    }
                } else {
                    problems["cloud_size"] =
                        "“\(draft.cloudSize)” is not a \(provider.name) size: use \(provider.sizes.map(\.size).joined(separator: ", "))."
                }
            } else {
                problems["cloud_provider"] =
                    "Choose a provider: \(resources.providers.map(\.id).joined(separator: ", "))."
            }
        case .ssl:
            if let type = Product.SSLType(rawValue: draft.sslType) {
                product.sslType = type
            } else {
                problems["ssl_type"] = "Choose single, multi or wildcard."
            }
            let code = draft.sslProductCode.trimmingCharacters(in: .whitespaces)
            if code.isEmpty || code.count > 64
                || !code.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "_" || $0 == "-") })
            {
                problems["ssl_product_code"] = "Enter TheSSLStore's product code, such as positivessl."
            } else {
                product.sslProductCode = code
            }
        case .domain:
            break
        }

        var prices: [ProductPrice] = []
        let costs = cycleCosts(draft, kind: kind, currency: currency, rates: rates)
        let money = Currency(currency)
        let example = MoneyInput.example(money)
        if kind != .domain {
            var seen = Set<Product.BillingCycle>()
            for raw in draft.prices {
                let key = raw.cycle.lowercased()
                guard let cycle = Product.BillingCycle(rawValue: key) else {
                    problems["prices"] =
                        "“\(raw.cycle)” is not a billing cycle: use \(Product.BillingCycle.allCases.map(\.rawValue).joined(separator: ", "))."
                    continue
                }
                if raw.price.trimmingCharacters(in: .whitespaces).isEmpty
                    && raw.setup.trimmingCharacters(in: .whitespaces).isEmpty
                {
                    continue
                }
                guard seen.insert(cycle).inserted else {
                    problems["prices"] = "The \(cycle.rawValue) price is given twice."
                    continue
                }
                if kind == .ssl, cycle.months % 12 != 0 {
                    problems["price_\(cycle.rawValue)"] =
                        "Certificates are sold by the year: use annually, biennially or triennially."
                    continue
                }
                guard let price = MoneyInput.parse(raw.price, currency: money) else {
                    problems["price_\(cycle.rawValue)"] = "Enter an amount such as \(example.price)."
                    continue
                }
                let setupText = raw.setup.trimmingCharacters(in: .whitespaces)
                guard let setup = setupText.isEmpty ? 0 : MoneyInput.parse(setupText, currency: money) else {
                    problems["setup_\(cycle.rawValue)"] =
                        "Enter a setup fee such as \(example.setup), or leave it empty."
                    continue
                }
                let cost = costs[cycle] ?? 0
                if price < cost {
                    problems["price_\(cycle.rawValue)"] = Self.belowCost(
                        price: price, cost: cost, cycle: cycle.rawValue, currency: currency)
                    continue
                }
                prices.append(ProductPrice(cycle: cycle, priceMinor: price, setupMinor: setup, costMinor: cost))
            }
            if prices.isEmpty, problems.keys.allSatisfy({ !$0.hasPrefix("price") }) {
                problems["prices"] = "Give a price for at least one billing cycle."
            }
        }

        var domainPrices: [DomainPrice] = []
        if kind == .domain {
            var seen = Set<String>()
            for raw in draft.domainPrices {
                let tld = raw.tld.trimmingCharacters(in: .whitespaces).lowercased().trimmingCharacters(
                    in: CharacterSet(charactersIn: "."))
                guard !tld.isEmpty else { continue }
                guard let cost = book.domainYearly[tld] else {
                    problems["domain_prices"] = "The platform does not register .\(tld) domains."
                    continue
                }
                guard seen.insert(tld).inserted else {
                    problems["domain_prices"] = ".\(tld) is listed twice."
                    continue
                }
                guard let register = MoneyInput.parse(raw.register, currency: money),
                    let transfer = MoneyInput.parse(raw.transfer, currency: money),
                    let renew = MoneyInput.parse(raw.renew, currency: money)
                else {
                    problems["domain_prices"] =
                        "Give .\(tld) three yearly amounts: register, transfer and renew, such as \(example.price)."
                    continue
                }
                if let (label, amount) = [("register", register), ("transfer", transfer), ("renew", renew)].first(
                    where: { $0.1 < cost })
                {
                    problems["domain_prices"] =
                        ".\(tld) " + Self.belowCost(price: amount, cost: cost, cycle: label, currency: currency)
                    continue
                }
                domainPrices.append(
                    DomainPrice(
                        tld: tld, registerMinor: register, transferMinor: transfer, renewMinor: renew, costMinor: cost)
                )
            }
            if domainPrices.isEmpty, problems["domain_prices"] == nil {
                problems["domain_prices"] = "List at least one TLD with its prices."
            }
        }
        guard problems.isEmpty else { return .failure(ProblemList(problems)) }
        return .success(CatalogueEntry(product: product, prices: prices, domainPrices: domainPrices))
    }

    /// "£2.00 is below the platform's cost of £3.20 for monthly (margin -£1.20); charge at least £3.20."
    static func belowCost(price: Int64, cost: Int64, cycle: String, currency: String) -> String {
        "\(Money.format(minor: price, currency: currency)) is below the platform's cost of "
            + "\(Money.format(minor: cost, currency: currency)) for \(cycle) (margin \(Money.format(minor: price - cost, currency: currency))); "
            + "charge at least \(Money.format(minor: cost, currency: currency))."
    }

    /// Lower-case letters, digits and single hyphens, 1 to 64 characters.
    static func slugProblem(_ slug: String) -> String? {
        let allowed = slug.allSatisfy { ($0.isASCII && ($0.isLowercase || $0.isNumber)) || $0 == "-" }
        guard !slug.isEmpty, slug.count <= 64, allowed, !slug.hasPrefix("-"), !slug.hasSuffix("-"), !slug.contains("--")
        else {
            return "Use 1 to 64 lower-case letters, digits and hyphens, such as starter-web."
        }
        return nil
    }
}

/// The problems of a refused draft, by field.
package struct ProblemList: Error, Sendable, Equatable {
    package let fields: [String: String]

    package init(_ fields: [String: String]) {
        self.fields = fields
    }

    /// Every message, in field order, for API answers.
    package var summary: String {
        fields.sorted { $0.key < $1.key }.map { "\($0.key): \($0.value)" }.joined(separator: "; ")
    }
}

extension CatalogueRules {
    /// The platform's cost per billing cycle for what the draft describes so far (empty until it is known).
    /// The single place the platform's cost is worked out: the form shows it and `validate` enforces it.
    func cycleCosts(
        _ draft: ProductDraft, kind: Product.Kind, currency: String, rates: [String: Decimal] = [:]
    ) -> [Product.BillingCycle: Int64] {
        guard let book = costs.currency(currency, rates: rates) else { return [:] }
        var monthly: Int64?
        var yearly: Int64?
        switch kind {
        case .sharedHosting, .resellerHosting:
            if let disk = Int(draft.diskMB.trimmingCharacters(in: .whitespaces)), disk > 0 {
                monthly = (kind == .sharedHosting ? book.sharedHosting : book.resellerHosting).monthly(diskMB: disk)
            }
        case .cloudServer: monthly = book.cloudMonthly["\(draft.cloudProvider)/\(draft.cloudSize)"]
        case .ssl: yearly = book.sslYearly[draft.sslType]
        case .domain: break
        }
        var result: [Product.BillingCycle: Int64] = [:]
        for cycle in Product.BillingCycle.allCases {
            if let monthly { result[cycle] = monthly * Int64(cycle.months) }
            if let yearly, cycle.months % 12 == 0 { result[cycle] = yearly * Int64(cycle.months / 12) }
        }
        return result
    }
}
