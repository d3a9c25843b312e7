import Foundation
import HTTPTypes
import Hummingbird
import Integrations
import Logging
import NIOCore
import Tenancy

extension ProductAPIController {
    // MARK: Wire format

    struct ProductsBody: Decodable {
        var blockType: String?
        var whmcsGid: Int?
        var plans: [Plan]?
    }

    struct Plan: Decodable {
        struct Price: Decodable {
            var billingCycle: String?
            var price: String?
            var setupFee: String?
        }

        struct TLD: Decodable {
            var tld: String?
            var register: String?
            var transfer: String?
            var renew: String?
        }

        var slug: String?
        var title: String?
        var summary: String?
        var description: String?
        var features: [String]?
        var category: String?
        var visibility: String?
        var position: Int?
        var pricing: [Price]?
        var diskMB: Int?
        var bandwidthMB: Int?
        var whmPackage: String?
        var resellerAccounts: Int?
        var provider: String?
        var size: String?
        var certificateType: String?
        var productCode: String?
        var tlds: [TLD]?
    }

    struct PackagesBody: Decodable {
        struct Package: Decodable {
            var name: String?
            var diskMB: Int?
            var bandwidthMB: Int?
        }

        var packages: [Package]?
    }
}
