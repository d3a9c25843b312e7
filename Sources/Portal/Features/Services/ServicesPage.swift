import Foundation
import Tenancy

/// `/account/services`.
package struct ServicesPage: Sendable {
    package struct Row: Sendable {
        package let id: Int
        package let name: String
        package let domain: String
        /// WHMCS's word for the status: the badge's `data-status`, which picks its colour.
        package let status: String
        /// The status in the reader's language, as the badge shows it.
        package let statusLabel: String
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
