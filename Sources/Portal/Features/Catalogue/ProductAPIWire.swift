import Foundation

/// The product API's request bodies, as the platform's proxy defined them.
package enum ProductAPIWire {
    package struct ProductsBody: Decodable, Sendable {
        package var blockType: String?
        package var whmcsGid: Int?
        package var plans: [Plan]?
    }

    package struct Plan: Decodable, Sendable {
        package struct Price: Decodable, Sendable {
            package var billingCycle: String?
            package var price: String?
            package var setupFee: String?
        }

        package struct TLD: Decodable, Sendable {
            package var tld: String?
            package var register: String?
            package var transfer: String?
            package var renew: String?
        }

        package var slug: String?
        package var title: String?
        package var summary: String?
        package var description: String?
        package var features: [String]?
        package var category: String?
        package var visibility: String?
        package var position: Int?
        package var pricing: [Price]?
        package var diskMB: Int?
        package var bandwidthMB: Int?
        package var whmPackage: String?
        package var resellerAccounts: Int?
        package var provider: String?
        package var size: String?
        package var certificateType: String?
        package var productCode: String?
        package var tlds: [TLD]?
    }

    package struct PackagesBody: Decodable, Sendable {
        package struct Package: Decodable, Sendable {
            package var name: String?
            package var diskMB: Int?
            package var bandwidthMB: Int?
        }

        package var packages: [Package]?
    }
}
