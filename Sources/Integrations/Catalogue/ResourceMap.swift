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

    package struct Currency: Sendable, Decodable, Equatable {
        package let sharedHosting: HostingRate
        package let resellerHosting: HostingRate
        /// Keyed by `provider/size`.
        package let cloudMonthly: [String: Int64]
        /// Keyed by single, multi and wildcard.
        package let sslYearly: [String: Int64]
        /// Keyed by TLD without the dot.
        package let domainYearly: [String: Int64]
    }

    package let currencies: [String: Currency]

    package static func load(path: String) throws -> CostBook {
        try JSONDecoder().decode(CostBook.self, from: Data(contentsOf: URL(fileURLWithPath: path)))
    }

    package func currency(_ code: String) -> Currency? { currencies[code.uppercased()] }
}
