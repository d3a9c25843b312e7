import Foundation

/// What each cloud provider's sizes give: CPU, RAM and storage, read from `assets/catalogue/resource-map.json`
/// (data, not code, so a new size is a file change).
package struct ResourceMap: Sendable, Decodable, Equatable {
    package struct Resources: Sendable, Decodable, Equatable {
        package let size: String
        package let cpu: Int
        package let ramGB: Int
        package let storageGB: Int
    }

    package struct Provider: Sendable, Decodable, Equatable {
        package let id: String
        package let name: String
        package let sizes: [Resources]
    }

    package let providers: [Provider]

    package init(providers: [Provider]) {
        self.providers = providers
    }

    /// Loads and checks the file: every provider needs sizes, and no size may appear twice.
    package static func load(path: String) throws -> ResourceMap {
        let map = try JSONDecoder().decode(ResourceMap.self, from: Data(contentsOf: URL(fileURLWithPath: path)))
        for provider in map.providers {
            let names = provider.sizes.map(\.size)
            guard !names.isEmpty, Set(names).count == names.count else {
                throw CocoaError(
                    .fileReadCorruptFile,
                    userInfo: [
                        NSLocalizedDescriptionKey: "\(path): provider \(provider.id) has no sizes or repeats one"
                    ])
            }
        }
        return map
    }

    package func provider(_ id: String) -> Provider? { providers.first { $0.id == id } }

    /// The resources of `size` at `provider`; nil when either is unknown.
    package func resources(provider: String, size: String) -> Resources? {
        self.provider(provider)?.sizes.first { $0.size == size }
    }
}

/// The platform's cost of each upstream resource, per currency, in minor units: resellers may not sell below it.
/// Read from `assets/catalogue/platform-costs.json`.
package struct CostBook: Sendable, Decodable, Equatable {
    package struct HostingRate: Sendable, Decodable, Equatable {
        package let monthlyBase: Int64
        package let monthlyPerGB: Int64

        /// The monthly cost of a plan with `diskMB` of storage (partial gigabytes round up).
        package func monthly(diskMB: Int) -> Int64 {
            monthlyBase + monthlyPerGB * Int64((max(diskMB, 0) + 1023) / 1024)
        }
    }

    package struct Rates: Sendable, Decodable, Equatable {
        package let sharedHosting: HostingRate
        package let resellerHosting: HostingRate
        /// Keyed by `provider/size`.
        package let cloudMonthly: [String: Int64]
        /// Keyed by single, multi and wildcard.
        package let sslYearly: [String: Int64]
        /// Keyed by TLD without the dot.
        package let domainYearly: [String: Int64]
    }

    package let currencies: [String: Rates]

    package static func load(path: String) throws -> CostBook {
        try JSONDecoder().decode(CostBook.self, from: Data(contentsOf: URL(fileURLWithPath: path)))
    }

    /// The costs in `code`: as the file gives them, or else converted from the first currency the file has that
    /// `rates` (units of each currency per unit of WHMCS's base currency, as `GetCurrencies` gives them) also
    /// knows, rounded up to a whole minor unit so a converted floor is never below the real cost.
    package func currency(_ code: String, rates: [String: Decimal] = [:]) -> Rates? {
        let target = Integrations.Currency(code)
        if let rates = currencies[target.code] { return rates }
        guard let targetRate = rates[target.code], targetRate > 0 else { return nil }
        for source in currencies.keys.sorted() {
            guard let book = currencies[source], let sourceRate = rates[source], sourceRate > 0 else { continue }
            let from = Integrations.Currency(source)
            let factor = targetRate / sourceRate
            func convert(_ minor: Int64) -> Int64 {
                var major = Decimal(minor) / Decimal(from.scale) * factor * Decimal(target.scale)
                var rounded = Decimal()
                NSDecimalRound(&rounded, &major, 0, .up)
                return NSDecimalNumber(decimal: rounded).int64Value
            }
            func convert(_ rate: HostingRate) -> HostingRate {
                HostingRate(monthlyBase: convert(rate.monthlyBase), monthlyPerGB: convert(rate.monthlyPerGB))
            }
            return Rates(
                sharedHosting: convert(book.sharedHosting), resellerHosting: convert(book.resellerHosting),
                cloudMonthly: book.cloudMonthly.mapValues(convert), sslYearly: book.sslYearly.mapValues(convert),
                domainYearly: book.domainYearly.mapValues(convert))
        }
        return nil
    }
}
