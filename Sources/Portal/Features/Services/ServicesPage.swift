import Foundation
import Tenancy

/// `/account/services`.
package struct ServicesPage: Sendable {
    package struct Row: Sendable {
        package let id: Int
        package let name: String
        package let domain: String
        package let status: String
        package let nextDue: String
        package let price: String
    }

    package let chrome: StorefrontChrome
    package let csrf: String
    package let rows: [Row]
    package let hasRows: Bool
    package let previousURL: String?
    package let nextURL: String?
    package let refreshed: String
}
